"""Sign-off inside the organisation: an administrator says SU's answer must be signed and marks
Bengt as signatory; Anna drafts and marks it ready; Bengt sends it back with a note, Anna changes
it and marks it ready again, Bengt signs and submits – exactly once. A representative may record
a dissent that stays with the answer and appears in the report (named internally, not publicly)."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role, User
from remiss.consultations.models import Dissent, Response, ResponseStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.organisations.models import Organisation
from tests.conftest import post_form
from tests.reports.conftest import text_of
from tests.responses.conftest import autosave, set_deadline

NOTE = "Förtydliga princip 1 innan jag skriver under."
DISSENT = "Jag står inte bakom ställningstagandet till princip 1."


@pytest.fixture
def signing(app, client, auth, answering, make_user):
    """The answering world with SU requiring sign-off and Bengt its signatory, set through the admin pages."""
    w = answering
    admin = make_user(Role.administrator, email="alva@example.se", name="Alva Admin")
    auth.login(admin.email)
    response = post_form(client, f"/admin/organisations/{w.su.id}", {
        "short_name": "SU", "name": "Sahlgrenska Universitetssjukhuset", "kind": "hospital", "requires_signoff": "y"})
    assert response.status_code == 302
    edit = client.get(f"/admin/organisations/{w.su.id}").get_data(as_text=True)
    assert "Svaret ska godkännas av en firmatecknare/förvaltningschef" in edit and "checked" in edit
    response = post_form(client, f"/admin/people/{w.bengt.id}", {
        "name": "Bengt SU", "role": "representative", "organisation": str(w.su.id), "signatory": "y"})
    assert response.status_code == 302
    auth.logout()
    with app.app_context():
        assert db.session.get(Organisation, w.su.id).requires_signoff is True
        assert db.session.get(User, w.bengt.id).signatory is True
        assert db.session.get(User, w.anna.id).signatory is False
        changed = db.session.execute(select(AuditEntry).where(AuditEntry.action.in_(
            ("organisation.updated", "user.updated")))).scalars().all()
        assert {e.action: e.after for e in changed} == {"organisation.updated": {"requires_signoff": True},
                                                       "user.updated": {"signatory": True}}
        db.session.execute(OutboxMail.__table__.delete())
        db.session.commit()
    return w


def write(client, world, comment="SU:s synpunkt på princip 1", lock="0"):
    key = f"p{world.principles[0]}"
    return autosave(client, world, {f"{key}.lock_version": lock, f"{key}.comment": comment})


def mark_ready(client, world):
    page = client.get(world.respond_url + "/ready")
    assert page.status_code == 200 and "Bengt SU" in page.get_data(as_text=True), "the signatories are named"
    return post_form(client, world.respond_url + "/ready", {})


def the_response(app, world):
    with app.app_context():
        response = db.session.execute(select(Response).where(Response.respondent_id == world.su_respondent)).scalar_one()
        db.session.expunge(response)
        return response


def count(app, action):
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == action))


def mails(app):
    with app.app_context():
        return [(m.recipient, m.subject, m.body) for m in db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars()]


def test_ready_returned_ready_signed_and_submitted_exactly_once(app, client, auth, signing):
    w = signing
    auth.login(w.anna.email)
    assert write(client, w).status_code == 200
    summary = client.get(w.respond_url + "/summary").get_data(as_text=True)
    assert "Markera som klart för undertecknande" in summary and "Skicka in svaret</button>" not in summary

    # A representative who is not a signatory cannot submit: refused with a message, 409.
    refused = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    assert refused.status_code == 409
    assert "kräver att svaret godkänns av en firmatecknare" in refused.get_data(as_text=True)
    assert the_response(app, w).status == ResponseStatus.draft

    assert mark_ready(client, w).status_code == 303
    assert the_response(app, w).ready_at is not None
    [(to, subject, body)] = mails(app)
    assert to == w.bengt.email and "Svar att underteckna" in subject and "/respond/review" in body
    # Read-only for Anna now.
    assert write(client, w, "Ändrat efteråt", lock="1").status_code == 409
    assert "Väntar på undertecknande" in client.get(w.respond_url).get_data(as_text=True)
    assert client.get(w.respond_url + "/review").status_code == 403, "only signatories review"
    auth.logout()

    # Bengt reviews the whole answer and sends it back with a note (the note is required).
    auth.login(w.bengt.email)
    review = client.get(w.respond_url + "/review")
    assert review.status_code == 200
    html = review.get_data(as_text=True)
    assert "SU:s synpunkt på princip 1" in html and "Underteckna och skicka in" in html and "Anna SU" in html
    empty = post_form(client, w.respond_url + "/return", {"note": ""})
    assert empty.status_code == 422 and "Skriv vad som behöver ändras." in empty.get_data(as_text=True)
    assert post_form(client, w.respond_url + "/return", {"note": NOTE}).status_code == 303
    returned = the_response(app, w)
    assert returned.ready_at is None and returned.returned_note == NOTE
    assert any(to == w.anna.email and "skickats tillbaka" in subject for to, subject, _body in mails(app))
    auth.logout()

    # Anna sees the note on the answer form, changes the answer and marks it ready again.
    auth.login(w.anna.email)
    form = client.get(w.respond_url).get_data(as_text=True)
    assert "Firmatecknaren skickade tillbaka svaret" in form and NOTE in form
    assert write(client, w, "SU:s förtydligade synpunkt", lock="1").status_code == 200
    assert mark_ready(client, w).status_code == 303
    auth.logout()

    auth.login(w.bengt.email)
    unstated = post_form(client, w.respond_url + "/sign", {})
    assert unstated.status_code == 422, "whether the name may be published is stated when signing"
    assert the_response(app, w).status == ResponseStatus.draft
    signed = post_form(client, w.respond_url + "/sign", {"publish_name": "yes"})
    assert signed.status_code == 303 and signed.headers["Location"].endswith("/respond/receipt")
    receipt = client.get(w.respond_url + "/receipt").get_data(as_text=True)
    assert "Undertecknat av Bengt SU" in receipt
    again = post_form(client, w.respond_url + "/sign", {"publish_name": "yes"})
    assert again.status_code == 303 and again.headers["Location"].endswith("/respond/receipt")

    response = the_response(app, w)
    assert response.status == ResponseStatus.submitted
    assert response.signed_by_id == w.bengt.id and response.submitted_by_id == w.bengt.id
    assert response.signed_at == response.submitted_at
    assert count(app, "response.submitted") == 1 and count(app, "response.signed") == 1
    assert count(app, "response.ready") == 2 and count(app, "response.returned") == 1
    receipts = [to for to, subject, _b in mails(app) if subject.startswith("Kvitto")]
    assert sorted(receipts) == [w.anna.email, w.bengt.email], "one receipt each, once"


def test_non_signatories_cannot_review_send_back_or_sign(app, client, auth, signing):
    w = signing
    auth.login(w.anna.email)
    write(client, w)
    mark_ready(client, w)
    assert client.get(w.respond_url + "/review").status_code == 403
    assert post_form(client, w.respond_url + "/return", {"note": "Nej"}).status_code == 403
    assert post_form(client, w.respond_url + "/sign", {"publish_name": "yes"}).status_code == 403
    auth.logout()
    auth.login(w.nils.email)  # another organisation's representative
    assert client.get(w.respond_url + "/review").status_code == 403
    assert the_response(app, w).status == ResponseStatus.draft
    assert count(app, "response.signed") == 0


def test_marking_ready_is_only_for_organisations_that_require_sign_off(client, auth, answering):
    w = answering
    auth.login(w.nils.email)
    assert client.get(w.respond_url + "/ready").status_code == 404


def _report(client, world, format, public):
    response = client.get(f"/consultations/{world.consultation}/report.{format}" + ("?public=1" if public else ""))
    assert response.status_code == 200
    return response.get_data()


@pytest.mark.parametrize("format", ["html", "pdf", "docx", "xlsx", "csv", "json"])
def test_dissent_stays_with_the_answer_and_appears_in_the_report(app, client, auth, signing, format):
    w = signing
    auth.login(w.anna.email)
    write(client, w)
    page = client.get(w.respond_url + "/dissent")
    assert page.status_code == 200
    assert post_form(client, w.respond_url + "/dissent", {"text": ""}).status_code == 422
    assert post_form(client, w.respond_url + "/dissent", {"text": DISSENT}).status_code == 303
    mark_ready(client, w)
    auth.logout()
    auth.login(w.bengt.email)
    assert DISSENT in client.get(w.respond_url + "/review").get_data(as_text=True), "the signatory sees it"
    assert post_form(client, w.respond_url + "/sign", {"publish_name": "yes"}).status_code == 303
    auth.logout()
    # After submission too, while the consultation is open.
    auth.login(w.anna.email)
    assert post_form(client, w.respond_url + "/dissent", {"text": "Och ett tillägg efter inskickningen."}).status_code == 303
    auth.logout()
    with app.app_context():
        assert db.session.scalar(select(func.count(Dissent.id))) == 2
    assert count(app, "response.dissent") == 2

    auth.login(w.owner.email)
    internal = text_of(format, _report(client, w, format, public=False))
    public = text_of(format, _report(client, w, format, public=True))
    assert DISSENT in internal and DISSENT in public
    assert "Och ett tillägg efter inskickningen." in internal
    assert "Avvikande mening från Anna SU" in internal or (format in ("xlsx", "json") and "Anna SU" in internal)
    assert "Anna SU" not in public
    if format not in ("xlsx", "json"):
        assert "Avvikande mening från en företrädare för Sahlgrenska Universitetssjukhuset" in public
    if format == "json":
        dissents = json.loads(_report(client, w, "json", public=True))["dissents"]
        assert [d["author"] for d in dissents] == [None, None]
    assert "Bengt SU" in internal and "Bengt SU" in public, "the report states who signed"
    if format in ("html", "pdf", "docx"):
        assert "Undertecknat av Bengt SU" in public


def test_dissent_is_for_the_organisations_representatives_while_open(app, client, auth, answering):
    w = answering
    auth.login(w.nils.email)
    assert post_form(client, w.respond_url + "/dissent", {"text": "NU:s avvikande mening"}).status_code == 303
    with app.app_context():
        [dissent] = db.session.execute(select(Dissent)).scalars().all()
        assert dissent.author_id == w.nils.id and dissent.response.respondent_id == w.nu_respondent
    set_deadline(app, w, timedelta(minutes=-1))
    assert post_form(client, w.respond_url + "/dissent", {"text": "För sent"}).status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count(Dissent.id))) == 1
