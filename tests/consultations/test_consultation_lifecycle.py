"""Opening, extending and closing: who is mailed, with which link, and what the state machine refuses."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.operations import token_hash
from remiss.consultations.models import Consultation, ConsultationStatus, MagicLink, Reminder, ReminderKind
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.consultations.helpers import clear_outbox, get_consultation, login, outbox, post_form, text_of

INVITED = ["nu1@example.se", "patient1@example.se", "patient2@example.se", "su1@example.se", "su2@example.se"]


def test_open_confirmation_tells_how_many_people_will_be_mailed(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/open")
    assert page.status_code == 200
    text = text_of(page)
    assert "5 remissinstanser bjuds in." in text
    assert "5 personer får en inbjudan med e-post." in text
    assert "Koncernkontoret" in text, "KK has no representative: named as reaching nobody"
    assert get_consultation(app, consultation_id).status == ConsultationStatus.draft, "GET changes nothing"
    assert outbox(app) == []


def test_open_sends_one_invitation_per_person_with_the_right_link(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    response = post_form(client, f"/consultations/{consultation_id}/open")
    assert response.status_code == 302
    assert "5 inbjudningar har skickats" in text_of(client.get(response.headers["Location"]))

    mails = outbox(app)
    assert sorted(m.recipient for m in mails) == INVITED, "one mail per person; su3 (in no network) is not mailed"
    by_recipient = {m.recipient: m for m in mails}
    for address in ("su1@example.se", "su2@example.se", "nu1@example.se"):
        mail = by_recipient[address]
        assert "Inbjudan att svara på remiss" in mail.subject
        assert f"http://127.0.0.1:5000/consultations/{consultation_id}/respond" in mail.body
        assert "/r/" not in mail.body
        assert "RS 2024-05699" in mail.body and "Vi vill veta om principerna är tydliga." in mail.body
    assert "Sahlgrenska Universitetssjukhuset är inbjuden" in by_recipient["su1@example.se"].body

    with app.app_context():
        links = db.session.execute(select(MagicLink)).scalars().all()
        assert sorted(link.user.email for link in links) == ["patient1@example.se", "patient2@example.se"]
        for link in links:
            body = by_recipient[link.user.email].body
            token = re.search(r"http://127\.0\.0\.1:5000/r/(\S+)", body).group(1)
            assert token_hash(token) == link.token_hash, "the mail carries the token, the database only its hash"
            assert token not in link.token_hash
            assert link.respondent.user_id == link.user_id, "a link opens only the person's own answer"
            assert "/respond" not in body

        consultation = db.session.get(Consultation, consultation_id)
        assert consultation.status == ConsultationStatus.open and consultation.opened_at is not None
        assert db.session.get(DocumentVersion, world.version.id).status == VersionStatus.on_remiss
        invitations = db.session.execute(select(Reminder).where(Reminder.kind == ReminderKind.invitation)).scalars().all()
        assert sorted(r.recipients for r in invitations) == [0, 1, 1, 1, 2], "one row per respondent (KK reached nobody)"
        assert "consultation.opened" in db.session.execute(select(AuditEntry.action)).scalars().all()


def test_opening_twice_is_refused_with_a_message_and_mails_nobody_again(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    sent = len(outbox(app))
    login(client, world.people.owner)
    for response in (client.get(f"/consultations/{consultation_id}/open"),
                     post_form(client, f"/consultations/{consultation_id}/open")):
        assert response.status_code == 409
        assert "Remissen kan inte öppnas: den är redan ”Öppen för svar”." in text_of(response)
    assert len(outbox(app)) == sent


def test_illegal_transitions_give_clear_messages(app, client, world, make_consultation):
    draft = make_consultation()
    login(client, world.people.owner)
    response = post_form(client, f"/consultations/{draft}/close")
    assert response.status_code == 409
    assert "Remissen kan inte stängas: den är ”Utkast”." in text_of(response)
    response = post_form(client, f"/consultations/{draft}/extend", {"deadline_date": "2099-01-01", "deadline_time": "12:00"})
    assert response.status_code == 409
    assert "Svarsdatumet kan bara förlängas för en remiss som är öppen eller stängd." in text_of(response)
    response = post_form(client, f"/consultations/{draft}/remind")
    assert response.status_code == 409
    assert "Påminnelser kan bara skickas medan remissen är öppen för svar." in text_of(response)

    opened = make_consultation(open_it=True)
    assert post_form(client, f"/consultations/{opened}/close").status_code == 302
    response = post_form(client, f"/consultations/{opened}/open")
    assert response.status_code == 409
    assert "Stängd" in text_of(response)
    response = post_form(client, f"/consultations/{opened}/close")
    assert response.status_code == 409


def test_a_draft_whose_deadline_passed_cannot_be_opened(app, client, world, make_consultation):
    consultation_id = make_consultation()
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        consultation.opens_at = utcnow() - timedelta(days=10)
        consultation.deadline = utcnow() - timedelta(minutes=1)
        db.session.commit()
    login(client, world.people.owner)
    response = post_form(client, f"/consultations/{consultation_id}/open")
    assert response.status_code == 409
    assert "Svarsdatumet har redan passerat" in text_of(response)
    assert outbox(app) == []


def test_extending_the_deadline_tells_everyone(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    clear_outbox(app)
    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/extend")
    assert page.status_code == 200 and "5 personer får besked" in text_of(page)

    response = post_form(client, f"/consultations/{consultation_id}/extend",
                         {"deadline_date": "2099-12-31", "deadline_time": "12:00"})
    assert response.status_code == 302
    mails = outbox(app)
    assert sorted(m.recipient for m in mails) == INVITED
    assert all("Nytt svarsdatum" in m.subject for m in mails)
    assert all("31 december 2099 kl. 12:00" in m.body for m in mails)
    patient_mail = next(m for m in mails if m.recipient == "patient1@example.se")
    assert "http://127.0.0.1:5000/r/" in patient_mail.body, "individuals get a working personal link again"
    with app.app_context():
        kinds = db.session.execute(select(Reminder.kind).where(Reminder.kind == ReminderKind.deadline_extended)).scalars().all()
        assert len(kinds) == 5


def test_a_new_deadline_must_be_later_than_the_old_one(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=30))
    old = get_consultation(app, consultation_id).deadline
    clear_outbox(app)
    login(client, world.people.owner)
    earlier = (utcnow() + timedelta(days=5)).date().isoformat()
    response = post_form(client, f"/consultations/{consultation_id}/extend", {"deadline_date": earlier, "deadline_time": "12:00"})
    assert response.status_code == 422
    assert "Det nya svarsdatumet måste vara senare än det nuvarande" in text_of(response)
    assert f'value="{earlier}"' in response.get_data(as_text=True)
    assert get_consultation(app, consultation_id).deadline == old
    assert outbox(app) == []


def test_extending_reopens_a_closed_consultation(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    login(client, world.people.owner)
    confirm = client.get(f"/consultations/{consultation_id}/close")
    assert confirm.status_code == 200 and "Stänga remissen?" in text_of(confirm)
    post_form(client, f"/consultations/{consultation_id}/close")
    closed = get_consultation(app, consultation_id)
    assert closed.status == ConsultationStatus.closed and closed.closed_at is not None

    response = post_form(client, f"/consultations/{consultation_id}/extend",
                         {"deadline_date": "2099-12-31", "deadline_time": "12:00"})
    assert response.status_code == 302
    reopened = get_consultation(app, consultation_id)
    assert reopened.status == ConsultationStatus.open and reopened.closed_at is None


def test_close_due_command_closes_only_consultations_past_their_deadline(app, runner, world, make_consultation):
    due = make_consultation(open_it=True)
    running = make_consultation(open_it=True)
    with app.app_context():
        consultation = db.session.get(Consultation, due)
        consultation.deadline = utcnow() - timedelta(seconds=1)
        db.session.commit()
    result = runner.invoke(args=["consultations", "close-due"])
    assert result.exit_code == 0, result.output
    assert "1 remisser stängda" in result.output
    assert get_consultation(app, due).status == ConsultationStatus.closed
    assert get_consultation(app, running).status == ConsultationStatus.open
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consultation.closed")).scalar_one()
        assert entry.actor_id is None and entry.object_id == due


def test_two_requests_opening_the_same_draft_invite_once(app, world, make_consultation):
    """A double click: the second request still holds the draft it loaded, but the conditional
    UPDATE lets only one of them open the consultation and send the invitations."""
    from remiss.auth.models import User
    from remiss.consultations import operations, states

    consultation_id = make_consultation()
    with app.app_context():
        stale = db.session.get(Consultation, consultation_id)
        owner = db.session.get(User, world.people.owner.id)
        assert stale.status == ConsultationStatus.draft
        # Meanwhile the first request opened it and committed.
        with app.app_context():
            first = db.session.get(Consultation, consultation_id)
            operations.open_consultation(first, db.session.get(User, world.people.owner.id))
            db.session.commit()
        sent = len(outbox(app))
        try:
            operations.open_consultation(stale, owner)
        except states.IllegalTransition as refusal:
            assert "redan öppnats" in str(refusal)
        else:
            raise AssertionError("the second open was not refused")
        db.session.rollback()
    assert len(outbox(app)) == sent == 5


def test_an_invitation_sent_before_the_opening_day_says_when_answering_opens(app, client, world, make_consultation):
    consultation_id = make_consultation(opens_at=utcnow() + timedelta(days=7), networks=[world.networks.patients])
    login(client, world.people.owner)
    post_form(client, f"/consultations/{consultation_id}/open")
    assert all("Öppnar för svar:" in m.body for m in outbox(app))
    already_open = make_consultation(networks=[world.networks.patients])
    before = len(outbox(app))
    post_form(client, f"/consultations/{already_open}/open")
    assert not any("Öppnar för svar:" in m.body for m in outbox(app)[before:])
