"""Summary, submission exactly once, receipts by mail, read-only afterwards, reopening as a new revision."""
from __future__ import annotations

import email
import socket
import time
from datetime import timedelta
from email import policy

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.consultations.models import Respondent, Response, ResponseStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.responses import operations
from remiss.timeutil import utcnow
from tests.conftest import post_form
from tests.responses.conftest import autosave, set_deadline


def write_something(client, world, comment="Vår synpunkt på princip 1"):
    key = f"p{world.principles[0]}"
    response = autosave(client, world, {f"{key}.lock_version": "0", f"{key}.stance": "supports_with_changes",
                                        f"{key}.comment": comment})
    assert response.status_code == 200


def current(app, world, respondent_id=None):
    with app.app_context():
        rows = db.session.execute(
            select(Response).where(Response.respondent_id == (respondent_id or world.su_respondent))
            .order_by(Response.revision)
        ).scalars().all()
        return [(r.id, r.revision, r.status, r.submitted_at, r.submitted_by_id) for r in rows]


def test_summary_warns_about_unanswered_principles_but_allows_submitting(client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    html = client.get(w.respond_url + "/summary").get_data(as_text=True)
    assert "Sammanfattning av svaret" in html
    assert "Vår synpunkt på princip 1" in html and "Tillstyrker med ändringar" in html
    assert "2 principer är inte besvarade" in html
    assert "Princip 2</a>" not in html and "Princip nummer 2</a>" in html  # links to the unanswered ones
    assert "Skicka in svaret" in html
    assert "Mitt namn får visas" not in html, "an organisation is always named: it is not asked"


def test_submit_records_the_time_and_mails_a_receipt_with_the_answer_to_every_representative(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    before = utcnow()
    response = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/respond/receipt")

    [(_id, revision, status, submitted_at, submitted_by)] = current(app, w)
    assert status == ResponseStatus.submitted and revision == 1
    assert before - timedelta(seconds=1) <= submitted_at <= utcnow()
    assert submitted_by == w.anna.id

    with app.app_context():
        mails = db.session.execute(select(OutboxMail).order_by(OutboxMail.recipient)).scalars().all()
        assert [m.recipient for m in mails] == [w.anna.email, w.bengt.email], "every representative of SU, nobody else"
        for mail in mails:
            assert "Kvitto" in mail.subject
            body, _, attachment = mail.body.partition("--- Bilaga: ")
            assert "skickades in" in body and "av Anna SU" in body
            assert "Vår synpunkt på princip 1" in body, "the whole answer in the body"
            assert attachment.startswith("remissvar-RS-2024-05699-Sahlgrenska-Universitetssjukhuset-rev1.txt (text/plain")
            assert "Vår synpunkt på princip 1" in attachment and "Princip 3: Princip nummer 3" in attachment
            assert "Inte besvarad." in attachment

    html = client.get(w.respond_url + "/receipt").get_data(as_text=True)
    assert "Svaret är inskickat" in html
    assert "Svaret skickades in" in html and "av Anna SU" in html
    assert "Anna SU, Bengt SU" in html
    assert "Vår synpunkt på princip 1" in html


def test_the_receipt_is_a_real_mail_with_the_answer_attached_as_text(app, client, auth, answering):
    """Through a real SMTP server: the attachment is a MIME part of its own."""
    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        w = answering
        auth.login(w.anna.email)
        write_something(client, w, comment="Med å, ä och ö")
        post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
        for _ in range(50):
            if len(received) == 2:
                break
            time.sleep(0.05)
    finally:
        controller.stop()
    assert sorted(e.rcpt_tos[0] for e in received) == [w.anna.email, w.bengt.email]
    message = email.message_from_bytes(received[0].content, policy=policy.default)
    assert "Med å, ä och ö" in message.get_body(("plain",)).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename().endswith("-rev1.txt")
    assert attachment.get_content_type() == "text/plain"
    assert "Med å, ä och ö" in attachment.get_content()


def test_double_submit_is_one_submission(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    first = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    second = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    assert first.status_code == second.status_code == 303
    assert "Svaret var redan inskickat" in client.get(second.headers["Location"]).get_data(as_text=True)
    assert len(current(app, w)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(OutboxMail.id))) == 2, "receipts once, not twice"
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "response.submitted")) == 1


def test_the_conditional_update_lets_only_one_of_two_racing_submits_through(app, answering):
    """Two requests hold the same draft in memory; only the first UPDATE … WHERE status='draft' matches."""
    w = answering
    with app.app_context():
        respondent = db.session.get(Respondent, w.su_respondent)
        response = operations.current_response(respondent)
        db.session.commit()
        response_id = response.id
    with app.app_context():
        stale = db.session.get(Response, response_id)  # loaded while still a draft
        anna = respondent_user = db.session.get(Respondent, w.su_respondent).organisation.users[0]
        with app.app_context():  # the other request, in its own session
            operations.submit(db.session.get(Response, response_id), db.session.merge(respondent_user),
                              publish_name=True)
            db.session.commit()
        assert stale.status == ResponseStatus.draft
        with pytest.raises(operations.AlreadySubmitted):
            operations.submit(stale, anna, publish_name=True)
        db.session.rollback()
    assert len(current(app, w)) == 1


def test_after_submitting_the_answer_is_read_only(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    key = f"p{w.principles[0]}"

    assert client.get(w.respond_url + "?principle=1").headers["Location"].endswith("/respond/receipt")
    assert client.get(w.respond_url + "/summary").headers["Location"].endswith("/respond/receipt")
    refused = autosave(client, w, {f"{key}.lock_version": "1", f"{key}.comment": "Ändrat i efterhand"})
    assert refused.status_code == 409
    assert refused.get_json()["status"] == "submitted"
    assert "kan inte ändras" in refused.get_json()["message"]
    page = post_form(client, w.respond_url, {"page": "principle:1", "go": "stay", f"{key}.lock_version": "1",
                                             f"{key}.comment": "Ändrat i efterhand"})
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "kan inte ändras" in html and "Ändrat i efterhand" in html and "readonly" in html
    with app.app_context():
        assert "Ändrat" not in db.session.execute(select(Response)).scalar_one().principle_answers[0].comment


def test_reopen_creates_revision_two_and_revision_one_stays_readable(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    [(first_id, _r, _s, first_submitted, _b)] = current(app, w)
    auth.logout()

    auth.login(w.owner.email)
    confirm = client.get(f"/responses/{first_id}/reopen")
    assert confirm.status_code == 200 and "Är du säker?" in confirm.get_data(as_text=True)
    missing_reason = post_form(client, f"/responses/{first_id}/reopen", {"reason": ""})
    assert missing_reason.status_code == 422
    reopened = post_form(client, f"/responses/{first_id}/reopen", {"reason": "Begärt av Anna per telefon"})
    assert reopened.status_code == 303
    revisions = current(app, w)
    assert [(r[1], r[2]) for r in revisions] == [(1, ResponseStatus.superseded), (2, ResponseStatus.draft)]
    assert revisions[0][3] == first_submitted, "the submitted revision keeps its time"

    old = client.get(f"/responses/{first_id}").get_data(as_text=True)
    assert "Ersatt av ny revision" in old and "Vår synpunkt på princip 1" in old
    assert "Begärt av Anna per telefon" in old
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "response.reopened")).scalar_one()
        assert entry.actor_id == w.owner.id and entry.summary == "Begärt av Anna per telefon"
        notices = db.session.execute(select(OutboxMail).where(OutboxMail.subject.contains("öppnat igen"))).scalars().all()
        assert sorted(m.recipient for m in notices) == [w.anna.email, w.bengt.email]
    auth.logout()

    # The representatives continue in the copy and submit again.
    auth.login(w.bengt.email)
    html = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert "Vår synpunkt på princip 1" in html
    key = f"p{w.principles[0]}"
    assert autosave(client, w, {f"{key}.lock_version": "1", f"{key}.comment": "Kompletterat"}).status_code == 200
    assert post_form(client, w.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    assert [(r[1], r[2]) for r in current(app, w)] == [(1, ResponseStatus.superseded), (2, ResponseStatus.submitted)]
    receipt = client.get(w.respond_url + "/receipt").get_data(as_text=True)
    assert "Kompletterat" in receipt and "Revision 1" in receipt
    old = client.get(f"/responses/{first_id}").get_data(as_text=True)
    assert "Vår synpunkt på princip 1" in old and "Kompletterat" not in old


def test_reopen_is_for_process_owners_and_only_before_the_deadline(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    write_something(client, w)
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    [(response_id, *_rest)] = current(app, w)
    assert client.get(f"/responses/{response_id}/reopen").status_code == 403
    assert post_form(client, f"/responses/{response_id}/reopen", {"reason": "Jag vill"}).status_code == 403
    auth.logout()

    set_deadline(app, w, timedelta(seconds=-1))
    auth.login(w.owner.email)
    response = post_form(client, f"/responses/{response_id}/reopen", {"reason": "För sent"})
    assert response.status_code == 409
    assert "Svarstiden har gått ut" in response.get_data(as_text=True)
    assert len(current(app, w)) == 1


def test_an_individual_chooses_whether_the_name_is_published(app, client, answering):
    w = answering
    client.get(f"/r/{w.pia_token}")
    html = client.get(w.respond_url + "/summary").get_data(as_text=True)
    assert "Får svaret publiceras med namn i den offentliga remissammanställningen?" in html
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    with app.app_context():
        response = db.session.execute(select(Response).where(Response.respondent_id == w.pia_respondent)).scalar_one()
        assert response.publish_name is True and response.submitted_by_id == w.pia.id
        [mail] = db.session.execute(select(OutboxMail)).scalars().all()
        assert mail.recipient == w.pia.email
    assert "Ditt namn visas i remissammanställningen." in client.get(w.respond_url + "/receipt").get_data(as_text=True)
