"""Reminders: by hand from the dashboard, and once automatically N days before the deadline."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from remiss.consultations import operations
from remiss.consultations.models import Reminder, ReminderKind, Respondent, Response, ResponseStatus
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.consultations.helpers import clear_outbox, login, outbox, post_form, text_of


def submit_answer(app, consultation_id, organisation_id, at=None):
    """What the answering side leaves behind when an organisation submits."""
    with app.app_context():
        respondent = db.session.execute(select(Respondent).where(
            Respondent.consultation_id == consultation_id, Respondent.organisation_id == organisation_id)).scalar_one()
        db.session.add(Response(respondent_id=respondent.id, status=ResponseStatus.submitted,
                                submitted_at=at or utcnow(), updated_at=at or utcnow()))
        db.session.commit()


def test_manual_reminder_goes_to_those_who_have_not_submitted_after_confirmation(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    submit_answer(app, consultation_id, world.su.id)
    clear_outbox(app)
    login(client, world.people.owner)

    page = client.get(f"/consultations/{consultation_id}/remind")
    assert page.status_code == 200
    text = text_of(page)
    assert "4 remissinstanser har inte skickat in sitt svar." in text
    assert "3 personer får en påminnelse med e-post." in text
    assert outbox(app) == [], "the confirmation page sends nothing"

    response = post_form(client, f"/consultations/{consultation_id}/remind")
    assert response.status_code == 302
    mails = outbox(app)
    assert sorted(m.recipient for m in mails) == ["nu1@example.se", "patient1@example.se", "patient2@example.se"]
    assert all("Påminnelse om remiss" in m.subject for m in mails)
    assert "http://127.0.0.1:5000/r/" in next(m for m in mails if m.recipient == "patient2@example.se").body
    with app.app_context():
        manual = db.session.execute(select(Reminder).where(Reminder.kind == ReminderKind.manual)).scalars().all()
        assert len(manual) == 4 and all(r.sent_by_id == world.people.owner.id for r in manual)


def test_remind_due_sends_once_even_when_called_twice(app, world, make_consultation):
    near = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=2), reminder_days_before=3)
    far = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=20), reminder_days_before=3)
    never = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=1), reminder_days_before=None)
    submit_answer(app, near, world.nu.id)
    clear_outbox(app)
    with app.app_context():
        assert operations.remind_due() == 4  # SU, KK, patient1, patient2 of the near one
        db.session.commit()
    first = outbox(app)
    assert sorted(m.recipient for m in first) == ["patient1@example.se", "patient2@example.se",
                                                 "su1@example.se", "su2@example.se"]
    with app.app_context():
        assert operations.remind_due() == 0
        db.session.commit()
    assert len(outbox(app)) == len(first), "the second run sends nothing"
    with app.app_context():
        automatic = db.session.execute(select(Reminder).where(Reminder.kind == ReminderKind.automatic)).scalars().all()
        assert {r.respondent.consultation_id for r in automatic} == {near}
        assert far not in {r.respondent.consultation_id for r in automatic}
        assert never not in {r.respondent.consultation_id for r in automatic}


def test_two_instances_claiming_the_same_respondents_send_once(app, world, make_consultation):
    """The gate is the conditional UPDATE: a respondent already claimed is skipped by the other run."""
    consultation_id = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=1))
    clear_outbox(app)
    with app.app_context():
        # Another instance got to SU first (its UPDATE committed between our SELECT and UPDATE).
        db.session.execute(db.update(Respondent).where(
            Respondent.consultation_id == consultation_id, Respondent.organisation_id == world.su.id
        ).values(automatic_reminder_at=utcnow()))
        db.session.commit()
        assert operations.remind_due() == 4
        db.session.commit()
    assert "su1@example.se" not in {m.recipient for m in outbox(app)}


def test_remind_command_for_the_daily_job(app, runner, world, make_consultation):
    make_consultation(open_it=True, deadline=utcnow() + timedelta(days=2), reminder_days_before=3)
    clear_outbox(app)
    result = runner.invoke(args=["consultations", "remind"])
    assert result.exit_code == 0, result.output
    assert "Påminnelse skickad till 5 remissinstanser." in result.output
    assert len(outbox(app)) == 5
    result = runner.invoke(args=["consultations", "remind"])
    assert "Påminnelse skickad till 0 remissinstanser." in result.output
    assert len(outbox(app)) == 5


def test_extending_the_deadline_allows_a_new_automatic_reminder(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True, deadline=utcnow() + timedelta(days=2))
    with app.app_context():
        operations.remind_due()
        db.session.commit()
    clear_outbox(app)
    login(client, world.people.owner)
    new_deadline = (utcnow() + timedelta(days=30)).date().isoformat()
    post_form(client, f"/consultations/{consultation_id}/extend", {"deadline_date": new_deadline, "deadline_time": "12:00"})
    clear_outbox(app)
    with app.app_context():
        assert operations.remind_due() == 0, "not yet: 30 days left"
        assert operations.remind_due(now=utcnow() + timedelta(days=28)) == 5
        db.session.commit()


def test_reminders_are_refused_when_everyone_has_answered(app, client, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.communications], open_it=True)
    for organisation in (world.su, world.nu, world.kk):
        submit_answer(app, consultation_id, organisation.id)
    clear_outbox(app)
    login(client, world.people.owner)
    assert "0 remissinstanser har inte skickat in sitt svar." in text_of(client.get(f"/consultations/{consultation_id}/remind"))
    response = post_form(client, f"/consultations/{consultation_id}/remind")
    assert response.status_code == 409
    assert "Alla remissinstanser har redan svarat" in text_of(response)
    assert outbox(app) == []
