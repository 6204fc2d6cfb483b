"""The audit log pages and their CSV: filters, paging, what they show and escape, a fixed number
of statements per page, the document's log, the whole trail for administrators."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

from sqlalchemy import select

from remiss.audit import entry, record_many
from remiss.audit.export import COLUMNS
from remiss.audit.models import AuditEntry
from remiss.auth.models import Role, User
from remiss.consultations.models import Consultation
from remiss.documents.models import DocumentVersion
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.audit.conftest import log_rows
from tests.conftest import post_form, statements_for
from tests.responses.test_import import GOOD_ROWS, csv_bytes, setup, upload  # noqa: F401  (setup: a fixture)


def add_entries(app, world, count: int, *, actors=None, action="consultation.updated", summary="Ändring {n}",
                consultation=True, document=True, start=None, before=None, after=None):
    """`count` entries a minute apart (the last one newest), by the given actors in turn (None: the system)."""
    start = start or utcnow() - timedelta(days=1)
    actors = actors or [None]
    with app.app_context():
        c = db.session.get(Consultation, world.consultation)
        entries = []
        for n in range(count):
            actor = actors[n % len(actors)]
            new = entry(actor, action, c, summary=summary.format(n=n), before=before, after=after,
                        document_id=c.version.document_id if document else None,
                        consultation_id=c.id if consultation else None)
            new.at = start + timedelta(minutes=n)
            entries.append(new)
        record_many(entries)
        db.session.commit()


def read_csv(response) -> list[dict]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith("\ufeff".encode())  # Excel reads it as UTF-8
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";")
    header, *rows = list(reader)
    assert header == COLUMNS
    return [dict(zip(header, row)) for row in rows]


def test_csv_export_matches_the_page(app, client, auth, answering):
    w = answering
    add_entries(app, w, 4, actors=[w.owner, None], summary="Ändring nummer {n}: ”citat”; semikolon",
                before={"status": "draft"}, after={"status": "open", "title": "Å ä ö"})
    auth.login(w.owner.email)
    page = client.get(f"/consultations/{w.consultation}/audit").get_data(as_text=True)
    assert f'href="/consultations/{w.consultation}/audit.csv"' in page
    rows = log_rows(page)
    exported = read_csv(client.get(f"/consultations/{w.consultation}/audit.csv"))
    assert len(exported) == len(rows) == 4
    for shown, line in zip(rows, exported):
        assert line["actor"] == shown["who"]
        assert line["action_label"] == shown["action"] == "Remissens uppgifter ändrade"
        assert line["action"] == "consultation.updated"
        assert line["summary"] == shown["summary"]
        at = datetime.fromisoformat(line["at"])
        assert at.utcoffset() in (timedelta(hours=1), timedelta(hours=2))  # Stockholm, with its offset
        assert at.strftime("%Y-%m-%d %H:%M:%S") == shown["when"]
        assert line["consultation_id"] == str(w.consultation) and line["object_type"] == "Consultation"
        assert line["before"] == '{"status": "draft"}' and line["after"] == '{"status": "open", "title": "Å ä ö"}'
    assert [r["actor"] for r in exported] == ["system", "Petra Processansvarig"] * 2  # newest first
    assert exported[0]["actor_id"] == "" and exported[1]["actor_id"] == str(w.owner.id)


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_quoted(app, client, auth, answering):
    w = answering
    add_entries(app, w, 1, summary="=HYPERLINK(\"http://evil.example\")")
    auth.login(w.owner.email)
    [line] = read_csv(client.get(f"/consultations/{w.consultation}/audit.csv"))
    assert line["summary"] == "'=HYPERLINK(\"http://evil.example\")"


def test_filters_by_action_and_by_person_on_the_page_and_in_the_csv(app, client, auth, answering):
    w = answering
    add_entries(app, w, 6, actors=[w.owner, w.anna, None], action="response.submitted")
    add_entries(app, w, 2, actors=[w.owner], action="consultation.closed")
    auth.login(w.owner.email)
    url = f"/consultations/{w.consultation}/audit"
    html = client.get(url).get_data(as_text=True)
    # The choices are what the log holds, by their Swedish names.
    assert '<option value="response.submitted">Remissvar inskickat</option>' in html
    assert '<option value="consultation.closed">Remiss stängd</option>' in html
    assert f'<option value="{w.anna.id}">Anna SU</option>' in html and '<option value="system">system</option>' in html
    assert '<label for="action">Händelse</label>' in html and '<label for="actor">Vem</label>' in html

    rows = log_rows(client.get(url + "?action=consultation.closed").get_data(as_text=True))
    assert [r["action"] for r in rows] == ["Remiss stängd"] * 2
    filtered = client.get(url + f"?action=response.submitted&actor={w.anna.id}").get_data(as_text=True)
    assert [(r["who"], r["action"]) for r in log_rows(filtered)] == [("Anna SU", "Remissvar inskickat")] * 2
    assert 'selected value="response.submitted"' in filtered or 'value="response.submitted" selected' in filtered
    assert f'href="/consultations/{w.consultation}/audit.csv?action=response.submitted&amp;actor={w.anna.id}"' in filtered
    assert [r["who"] for r in log_rows(client.get(url + "?actor=system").get_data(as_text=True))] == ["system"] * 2
    exported = read_csv(client.get(url + f".csv?action=response.submitted&actor={w.anna.id}"))
    assert [(r["actor"], r["action"]) for r in exported] == [("Anna SU", "response.submitted")] * 2
    assert "Inga händelser matchar filtret." in client.get(url + "?action=user.created").get_data(as_text=True)
    # Odd filters are no filters, never an error.
    for odd in ("?actor=abc", "?actor=99999999999999", "?action=" + "x" * 500, "?page=-3", "?page=99999999999"):
        assert client.get(url + odd).status_code == 200, odd


def test_fifty_per_page_newest_first(app, client, auth, answering):
    w = answering
    add_entries(app, w, 120, actors=[w.owner], summary="Händelse {n}")
    auth.login(w.owner.email)
    url = f"/consultations/{w.consultation}/audit"
    first = client.get(url).get_data(as_text=True)
    rows = log_rows(first)
    assert len(rows) == 50 and rows[0]["summary"] == "Händelse 119" and rows[-1]["summary"] == "Händelse 70"
    assert "120 händelser" in first and "Sida 1 av 3" in first
    last = log_rows(client.get(url + "?page=3").get_data(as_text=True))
    assert len(last) == 20 and last[-1]["summary"] == "Händelse 0"
    assert len(read_csv(client.get(url + ".csv"))) == 120  # the export is all of it, not a page


def test_a_page_takes_the_same_number_of_statements_however_many_entries_and_people(app, client, auth, answering,
                                                                                      make_user):
    w = answering
    admin = make_user(Role.administrator, email="admin@example.se")
    add_entries(app, w, 3, actors=[w.owner, None])
    auth.login(admin.email)
    urls = [f"/consultations/{w.consultation}/audit", "/audit", f"/consultations/{w.consultation}/audit?action=consultation.updated"]
    with app.app_context():
        urls.append(f"/documents/{db.session.get(Consultation, w.consultation).version.document.key}/audit")
    few = [statements_for(app, client, url) for url in urls]
    people = [make_user(Role.process_owner, email=f"po{n}@example.se") for n in range(12)]
    add_entries(app, w, 60, actors=people + [None], action="response.submitted")
    add_entries(app, w, 5, actors=people, action="consultation.opened", consultation=False)
    assert [statements_for(app, client, url) for url in urls] == few


def test_script_in_a_summary_or_a_value_is_shown_as_text(app, client, auth, answering):
    w = answering
    add_entries(app, w, 1, summary="<script>alert('sammanfattning')</script>",
                before={"reason": "<img src=x onerror=alert(1)>"}, after={"reason": "<script>alert(2)</script>"})
    auth.login(w.owner.email)
    html = client.get(f"/consultations/{w.consultation}/audit").get_data(as_text=True)
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;sammanfattning&#39;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    [row] = log_rows(html)
    assert row["changes"]["Motivering"] == ("<img src=x onerror=alert(1)>", "<script>alert(2)</script>")


def test_the_document_log_holds_what_concerns_the_document(app, client, auth, answering, make_user, make_version):
    w = answering
    other = make_version(key="annat-dokument", principles=1)
    add_entries(app, w, 2, summary="Om remissen {n}")
    add_entries(app, w, 1, summary="Bara remissen", document=False)
    with app.app_context():
        version = db.session.execute(select(DocumentVersion).where(DocumentVersion.id != other.id)).scalar_one()
        key = version.document.key
        record_many([entry(None, "document_version.imported", db.session.get(DocumentVersion, other.id),
                           summary="Det andra dokumentet", document_id=other.document_id)])
        db.session.commit()
    auth.login(w.owner.email)
    html = client.get(f"/documents/{key}/audit").get_data(as_text=True)
    assert "Händelselogg: Styrande principer för invånarinteraktion" in html
    assert [r["summary"] for r in log_rows(html)] == ["Om remissen 1", "Om remissen 0"]
    # Each entry says which consultation it concerns, with a link to that consultation's log.
    assert f'href="/consultations/{w.consultation}/audit">Remiss: Remiss om invånarinteraktion</a>' in html
    assert [r["summary"] for r in read_csv(client.get(f"/documents/{key}/audit.csv"))] == ["Om remissen 1", "Om remissen 0"]
    assert client.get("/documents/finns-inte/audit").status_code == 404
    # The version page links to it, for those who may read it.
    version_page = client.get(f"/documents/{key}/versions/1").get_data(as_text=True)
    assert f'href="/documents/{key}/audit"' in version_page
    auth.logout()
    steering = make_user(Role.steering_member, email="stig@example.se")
    auth.login(steering.email)
    assert f'href="/documents/{key}/audit"' not in client.get(f"/documents/{key}/versions/1").get_data(as_text=True)
    assert client.get(f"/documents/{key}/audit").status_code == 403


def test_the_whole_trail_shows_a_role_change_with_before_and_after(app, client, auth, answering, make_user):
    w = answering
    admin = make_user(Role.administrator, email="admin@example.se", name="Alva Administratör")
    auth.login(admin.email)
    edited = post_form(client, f"/admin/people/{w.bengt.id}", {"name": "Bengt SU", "role": "process_owner",
                                                                 "organisation": str(w.su.id)})
    assert edited.status_code == 302
    html = client.get("/audit").get_data(as_text=True)
    assert 'href="/audit"' in html  # in the main menu, for administrators
    [row] = [r for r in log_rows(html) if r["action"] == "Roll ändrad"]
    assert row["who"] == "Alva Administratör" and row["summary"] == "bengt@su.example.se"
    assert row["changes"]["Roll"] == ("Nätverksrepresentant", "Processansvarig")
    exported = read_csv(client.get("/audit.csv?action=user.role_changed"))
    assert [(r["actor"], r["before"], r["after"]) for r in exported] == [
        ("Alva Administratör", '{"role": "representative"}', '{"role": "process_owner"}')]
    assert exported[0]["object_type"] == "User" and exported[0]["object_id"] == str(w.bengt.id)


def test_a_bulk_import_is_in_the_consultation_log(app, client, auth, setup):  # noqa: F811
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], csv_bytes(GOOD_ROWS)).status_code == 200
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "response.imported")).scalars().all()
        assert len(entries) == 3 and {e.consultation_id for e in entries} == {setup["consultation_id"]}
    rows = log_rows(client.get(f"/consultations/{setup['consultation_id']}/audit").get_data(as_text=True))
    imported = [r for r in rows if r["action"] == "Remissvar importerat från fil"]
    assert len(imported) == 3 and all(r["changes"]["Status"][1] == "Inskickat" for r in imported)
