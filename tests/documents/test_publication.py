"""Publication: the approved versions in public, with their decisions, history, diffs, feed and exports.

The world: version 1 (superseded) went on remiss and was approved; version 2 was prepared from it –
principle 1 reworded, principle 2 renamed, principle 3 merged into principle 1 – and approved and
published; version 3 is a draft nobody outside the staff may see.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.decisions.models import Decision, DecisionOutcome, Proposal
from remiss.documents.models import DocumentVersion, Principle, PrincipleText, VersionStatus
from remiss.extensions import db
from remiss.timeutil import utcnow

ATOM = "{http://www.w3.org/2005/Atom}"
KEY = "invanarinteraktion"


def build_published_world(app, make_version, make_user, final_report=True):
    v1 = make_version(principles=3, status=VersionStatus.superseded, number=1)
    v2 = make_version(principles=3, status=VersionStatus.published, number=2)
    v3 = make_version(principles=3, status=VersionStatus.draft, number=3)
    owner = make_user(Role.process_owner, email="petra@example.se")
    steering = make_user(Role.steering_member, email="styrgrupp@example.se")
    now = utcnow()
    with app.app_context():
        first, second, draft = (db.session.get(DocumentVersion, v.id) for v in (v1, v2, v3))
        first.published_at = now - timedelta(days=400)
        second.based_on = first
        second.published_at = now - timedelta(days=2)
        second.change_summary = "Princip 3 är sammanslagen med princip 1."
        texts = {t.key: t for t in second.principle_texts}
        texts["princip-1"].statement = "Vi gör alltid det som princip 1 säger, tillsammans."
        texts["princip-2"].title = "Princip med ny titel"
        merged = db.session.execute(select(Principle).where(Principle.key == "princip-3")).scalar_one()
        db.session.delete(texts["princip-3"])
        texts["princip-1"].merged_from.append(merged)
        draft.based_on = second
        draft.title = "Utkast som ingen utanför får se"
        consultation = Consultation(
            version_id=first.id, title="Remiss om invånarinteraktion", reference_number="RS 2024-05699",
            opens_at=now - timedelta(days=500), deadline=now - timedelta(days=450),
            status=ConsultationStatus.decided if final_report else ConsultationStatus.closed,
        )
        db.session.add(consultation)
        db.session.flush()
        for version, decided_on, paragraph in ((first, date(2025, 10, 1), "§ 3"), (second, date(2026, 11, 20), "§ 7")):
            proposal = Proposal(version_id=version.id, consultation_id=consultation.id if version is second else None,
                                sent_by_id=owner.id)
            db.session.add(proposal)
            db.session.flush()
            db.session.add(Decision(proposal_id=proposal.id, outcome=DecisionOutcome.approved, decided_on=decided_on,
                                    body="Styrgruppen för invånarinteraktion", minutes_reference="Protokoll 2026-11-20"
                                    if version is second else "Protokoll 2025-10-01", paragraph=paragraph,
                                    recorded_by_id=steering.id))
        # A returned (not approving) decision on the draft never shows in public.
        returned = Proposal(version_id=draft.id, sent_by_id=owner.id)
        db.session.add(returned)
        db.session.flush()
        db.session.add(Decision(proposal_id=returned.id, outcome=DecisionOutcome.returned, decided_on=date(2026, 11, 21),
                                body="Hemlig återremiss", recorded_by_id=steering.id))
        db.session.commit()
        return SimpleNamespace(v1=v1.id, v2=v2.id, v3=v3.id, consultation=consultation.id, owner=owner,
                               steering=steering)


@pytest.fixture
def published(app, make_version, make_user):
    return build_published_world(app, make_version, make_user)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# --- the public pages ---------------------------------------------------------------------------------


def test_current_version_is_at_the_stable_url_with_its_decision(client, published):
    response = client.get(f"/documents/{KEY}")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/documents/{KEY}/versions/2")
    html = text_of(client.get(f"/documents/{KEY}/versions/2"))
    assert "Beslut" in html
    assert "2026-11-20" in html and "20 november 2026" in html
    assert "Styrgruppen för invånarinteraktion" in html
    assert "Protokoll 2026-11-20, § 7" in html
    # Exports and the diff to the version it came from, next to the Markdown download.
    assert f"/documents/{KEY}/versions/2.pdf" in html
    assert f"/documents/{KEY}/versions/2.docx" in html
    assert f"/documents/{KEY}/diff?from=1&amp;to=2" in html
    assert 'type="application/atom+xml"' in html and f"/documents/{KEY}/feed.atom" in html


def test_superseded_version_keeps_its_own_decision(client, published):
    html = text_of(client.get(f"/documents/{KEY}/versions/1"))
    assert "Protokoll 2025-10-01, § 3" in html
    assert "Protokoll 2026-11-20" not in html


def test_no_decision_no_decision_block(client, auth, published):
    auth.login("petra@example.se")
    html = text_of(client.get(f"/documents/{KEY}/versions/3"))
    assert "Hemlig återremiss" not in html
    assert 'class="decision"' not in html


def test_history_lists_approved_versions_with_decision_diff_and_report(client, published):
    html = text_of(client.get(f"/documents/{KEY}/history"))
    assert html.index("Version 2") < html.index("Version 1")
    assert "Protokoll 2026-11-20, § 7" in html and "Protokoll 2025-10-01, § 3" in html
    assert f"/documents/{KEY}/diff?from=1&amp;to=2" in html
    # The public consolidated report of the remiss version 2 came from.
    assert f"/consultations/{published.consultation}/report/view?public=1" in html
    assert "RS 2024-05699" in html
    # Version 1 did not come from that remiss (it was the text consulted on): no report under it.
    assert html.count(f"/consultations/{published.consultation}/report/view?public=1") == 1
    # Drafts and decisions that did not approve never appear.
    assert "Version 3" not in html and "Utkast som ingen" not in html and "Hemlig återremiss" not in html


def test_history_links_no_report_before_it_is_final(app, client, make_version, make_user):
    world = build_published_world(app, make_version, make_user, final_report=False)
    html = text_of(client.get(f"/documents/{KEY}/history"))
    assert f"/consultations/{world.consultation}/report" not in html


def test_history_of_a_document_with_only_drafts(client, auth, make_version, make_user):
    make_version(principles=2)
    assert "/login" in client.get(f"/documents/{KEY}/history").headers["Location"]
    make_user(Role.process_owner, email="po@example.se")
    auth.login("po@example.se")
    assert "Ingen version av dokumentet är fastställd ännu." in text_of(client.get(f"/documents/{KEY}/history"))


# --- the diff pages -----------------------------------------------------------------------------------


def test_diff_page_marks_words_and_parts(client, published):
    html = text_of(client.get(f"/documents/{KEY}/diff?from=1&to=2"))
    assert "<ins><span class=\"visually-hidden\">Infogat: </span>" in html
    assert "<del><span class=\"visually-hidden\">Borttaget: </span>" in html
    assert "alltid" in html and "Slut på infogat." in html
    # Per principle anchors, the merge, the rename, and the legend.
    assert 'id="princip-1"' in html and 'id="princip-3"' in html
    assert "sammanslagen" in html and "ny titel" in html
    assert "Så visas ändringarna:" in html
    assert 'href="/documents/invanarinteraktion/diff/print?from=1&amp;to=2"' in html


def test_diff_defaults_to_the_version_it_came_from(client, published):
    html = text_of(client.get(f"/documents/{KEY}/diff"))
    assert "Version 1 (Ersatt) jämförd med version 2 (Publicerad)" in html or "jämförd med version 2" in html
    assert 'value="1" selected' in html and 'value="2" selected' in html


def test_diff_with_a_draft_needs_a_reader_of_both(client, auth, published):
    assert "/login" in client.get(f"/documents/{KEY}/diff?from=2&to=3").headers["Location"]
    auth.login("styrgrupp@example.se")
    html = text_of(client.get(f"/documents/{KEY}/diff?from=2&to=3"))
    assert "Utkast som ingen utanför får se" in html


def test_diff_of_unknown_versions_is_404(client, published):
    assert client.get(f"/documents/{KEY}/diff?from=1&to=99").status_code == 404
    assert client.get(f"/documents/{KEY}/diff?from=99999999999&to=2").status_code == 404
    assert client.get("/documents/finns-inte/diff").status_code == 404


def test_diff_print_page_shows_every_part(client, published):
    html = text_of(client.get(f"/documents/{KEY}/diff/print?from=1&to=2"))
    assert "<form class=\"diff-choose\"" not in html
    assert "Jämförelse av" in html and "Infogat:" in html
    assert 'id="bakgrund"' in html and "Principerna ska bidra" in html  # unchanged sections in full


def test_diff_of_a_single_version_says_there_is_nothing_to_compare(client, auth, make_version, make_user):
    make_version(principles=2)
    make_user(Role.process_owner, email="po@example.se")
    auth.login("po@example.se")
    html = text_of(client.get(f"/documents/{KEY}/diff"))
    assert "Det finns ingen tidigare version att jämföra version 1 med." in html


# --- the Atom feeds ----------------------------------------------------------------------------------


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    return root


def test_feed_lists_approved_versions_newest_first(client, published):
    root = _feed(client, "/documents/feed.atom")
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert len(entries) == 2
    assert "version 2" in titles[0] and "version 1" in titles[1]
    links = [e.find(f"{ATOM}link").get("href") for e in entries]
    assert links[0].endswith(f"/documents/{KEY}/versions/2") and links[1].endswith(f"/documents/{KEY}/versions/1")
    for entry in entries:
        assert entry.findtext(f"{ATOM}id") and entry.findtext(f"{ATOM}updated")
    assert "Protokoll 2026-11-20" in entries[0].findtext(f"{ATOM}summary")
    assert "Utkast som ingen" not in client.get("/documents/feed.atom").get_data(as_text=True)
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/documents/feed.atom")


def test_document_feed(client, published):
    root = _feed(client, f"/documents/{KEY}/feed.atom")
    assert len(root.findall(f"{ATOM}entry")) == 2


def test_a_version_superseded_without_approval_is_not_announced(app, client, make_version):
    """Version 1 went on remiss and version 2 was approved: 1 is superseded, readable, but was
    never approved, so neither the feed nor the history calls it approved."""
    from remiss.documents.models import DocumentVersion, VersionStatus

    make_version(principles=2, status=VersionStatus.superseded)
    make_version(principles=2, status=VersionStatus.published, number=2)
    with app.app_context():
        first = db.session.execute(db.select(DocumentVersion).where(DocumentVersion.number == 1)).scalar_one()
        first.published_at = None
        db.session.commit()
    entries = _feed(client, f"/documents/{KEY}/feed.atom").findall(f"{ATOM}entry")
    assert ["version 2" in e.findtext(f"{ATOM}title") for e in entries] == [True]
    history = text_of(client.get(f"/documents/{KEY}/history"))
    assert f"/documents/{KEY}/versions/2" in history and f"/documents/{KEY}/versions/1\"" not in history
    assert client.get(f"/documents/{KEY}/versions/1").status_code == 200


def test_feeds_without_approved_versions(client, make_version):
    make_version(principles=2)
    assert _feed(client, "/documents/feed.atom").findall(f"{ATOM}entry") == []
    assert client.get(f"/documents/{KEY}/feed.atom").status_code == 404
    assert client.get("/documents/finns-inte/feed.atom").status_code == 404


# --- exports -------------------------------------------------------------------------------------------


# Skipped only outside CI: .ci/run installs poppler-utils, and there a missing pdftotext must fail.
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None and not os.environ.get("CI"),
                                     reason="poppler-utils is not installed")


@needs_pdftotext
def test_pdf_export_opens_with_title_and_decision(client, published, tmp_path):
    response = client.get(f"/documents/{KEY}/versions/2.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert "invanarinteraktion-version-2.pdf" in response.headers["Content-Disposition"]
    path = tmp_path / "v2.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Styrande principer för invånarinteraktion" in text
    assert "Princip med ny titel" in text
    assert "Protokoll 2026-11-20" in text


def test_docx_export_has_the_principles_as_headings(client, published):
    from docx import Document

    response = client.get(f"/documents/{KEY}/versions/2.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    document = Document(io.BytesIO(response.data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading 1")]
    assert "Princip 1. Princip nummer 1" in headings
    assert "Princip 2. Princip med ny titel" in headings
    assert not any(h.startswith("Princip 3.") for h in headings)
    assert document.core_properties.title == "Styrande principer för invånarinteraktion"
    body = "\n".join(p.text for p in document.paragraphs)
    assert "Vi gör alltid det som princip 1 säger, tillsammans." in body


def test_exports_of_a_draft_are_for_the_staff(client, auth, published):
    assert "/login" in client.get(f"/documents/{KEY}/versions/3.pdf").headers["Location"]
    assert "/login" in client.get(f"/documents/{KEY}/versions/3.docx").headers["Location"]
    auth.login("petra@example.se")
    response = client.get(f"/documents/{KEY}/versions/3.docx")
    assert response.status_code == 200
    assert client.get(f"/documents/{KEY}/versions/9.pdf").status_code == 404


def test_pages_and_files_in_english(client, published):
    from tests.conftest import post_form

    post_form(client, "/language", {"locale": "en", "next": "/"})
    for path in (f"/documents/{KEY}/history", f"/documents/{KEY}/diff?from=1&to=2", f"/documents/{KEY}/versions/2"):
        assert client.get(path).status_code == 200, path
    assert client.get(f"/documents/{KEY}/versions/2.docx").status_code == 200
    root = _feed(client, "/documents/feed.atom")
    assert len(root.findall(f"{ATOM}entry")) == 2


def test_the_first_document_can_be_imported_from_the_start_page(client, auth, make_user):
    """With no document yet, the process owner finds the upload on the start page and on "Ny remiss"."""
    from remiss.auth.models import Role

    make_user(role=Role.process_owner, email="po@example.se")
    assert "/documents/upload" not in client.get("/").get_data(as_text=True)
    auth.login("po@example.se")
    assert "/documents/upload" in client.get("/").get_data(as_text=True)
    assert "/documents/upload" in client.get("/consultations/new").get_data(as_text=True)
