"""Creating a consultation through the form: dates on the Stockholm clock, errors in Swedish, nothing lost."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.extensions import db
from tests.consultations.helpers import login, outbox, post_form, text_of


def form_data(world, **changes):
    data = {
        "version_id": world.version.id,
        "title": "Remiss av styrande principer för invånarinteraktion",
        "reference_number": "RS 2024-05699",
        "purpose": "Vi vill veta om principerna *stöder* er verksamhet.",
        "opens_on": "2026-01-15",
        "deadline_date": "2099-03-14",
        "deadline_time": "16:00",
        "networks": [world.networks.representatives, world.networks.patients],
        "reminder_days_before": "3",
    }
    data.update(changes)
    return data


def count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(Consultation.id)))


def test_create_form_makes_a_draft_with_stockholm_times_in_utc(app, client, world):
    login(client, world.people.owner)
    page = client.get("/consultations/new")
    assert page.status_code == 200
    assert "Styrande principer för invånarinteraktion – version 1" in text_of(page)

    response = post_form(client, "/consultations/new", form_data(world))
    assert response.status_code == 302
    with app.app_context():
        consultation = db.session.execute(select(Consultation)).scalar_one()
        assert consultation.status == ConsultationStatus.draft
        # 16:00 in Stockholm on 14 March (winter time, UTC+1) is 15:00 UTC.
        assert consultation.deadline == datetime(2099, 3, 14, 15, 0, tzinfo=timezone.utc)
        # The opening day starts at midnight Stockholm time.
        assert consultation.opens_at == datetime(2026, 1, 14, 23, 0, tzinfo=timezone.utc)
        assert consultation.reference_number == "RS 2024-05699"
        assert [q.text for q in consultation.general_questions] == [
            "Synpunkter?", "Tankar om remissförfarande/förankring?", "Tankar om spridning och genomförande?",
        ]
        assert len(consultation.criteria) == 4, "all the version's criteria are asked by default"
        assert len(consultation.respondents) == 4  # SU, NU, patient1, patient2
        assert db.session.execute(select(AuditEntry.action)).scalars().all() == ["consultation.created"]
    assert outbox(app) == [], "a draft mails nobody"

    shown = text_of(client.get(response.headers["Location"]))
    assert "Utkast" in shown and "RS 2024-05699" in shown
    assert "2099-03-14 16:00" in shown, "times are shown on the Stockholm clock"


def test_summer_time_deadline_is_converted_with_the_summer_offset(app, client, world):
    login(client, world.people.owner)
    post_form(client, "/consultations/new", form_data(world, deadline_date="2099-06-30", deadline_time="23:59"))
    with app.app_context():
        consultation = db.session.execute(select(Consultation)).scalar_one()
        assert consultation.deadline == datetime(2099, 6, 30, 21, 59, tzinfo=timezone.utc)


def test_past_deadline_is_refused_in_swedish_and_the_form_keeps_what_was_typed(app, client, world):
    login(client, world.people.owner)
    response = post_form(client, "/consultations/new", form_data(world, deadline_date="2001-01-01",
                                                                  title="Min <b>rubrik</b> som inte får försvinna"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Svarsdatumet har redan passerat" in text_of(response)
    assert 'value="Min &lt;b&gt;rubrik&lt;/b&gt; som inte får försvinna"' in html
    assert 'value="RS 2024-05699"' in html
    assert "stöder* er verksamhet" in html
    assert 'aria-invalid="true"' in html, "the error is tied to its field"
    assert count(app) == 0


def test_garbled_date_and_time_are_refused_with_a_hint_how_to_type_them(app, client, world):
    login(client, world.people.owner)
    response = post_form(client, "/consultations/new", form_data(world, deadline_date="14 mars", deadline_time="sen"))
    assert response.status_code == 422
    text = text_of(response)
    assert "Skriv datumet som ÅÅÅÅ-MM-DD" in text
    assert "Skriv klockslaget som TT:MM" in text
    assert 'value="14 mars"' in response.get_data(as_text=True), "the typed value stays in the field"
    assert count(app) == 0


def test_deadline_before_opening_is_refused(app, client, world):
    login(client, world.people.owner)
    response = post_form(client, "/consultations/new", form_data(world, opens_on="2099-04-01", deadline_date="2099-03-14"))
    assert response.status_code == 422
    assert "Svarsdatumet måste ligga efter öppningsdatumet" in text_of(response)
    assert count(app) == 0


def test_a_time_skipped_by_summer_time_is_refused(app, client, world):
    login(client, world.people.owner)
    # Clocks go from 02:00 to 03:00 on the last Sunday of March 2099 (29 March).
    response = post_form(client, "/consultations/new", form_data(world, deadline_date="2099-03-29", deadline_time="02:30"))
    assert response.status_code == 422
    assert "Klockslaget finns inte det datumet" in text_of(response)


def test_no_network_and_no_title_are_refused(app, client, world):
    login(client, world.people.owner)
    data = form_data(world, title="  ")
    del data["networks"]
    response = post_form(client, "/consultations/new", data)
    assert response.status_code == 422
    text = text_of(response)
    assert "Fyll i en rubrik" in text or "Fyll i en rubrik." in text
    assert "Välj minst ett nätverk" in text
    assert count(app) == 0


def test_nul_character_is_refused_not_a_server_error(app, client, world):
    login(client, world.people.owner)
    response = post_form(client, "/consultations/new", form_data(world, purpose="Syfte\x00med NUL"))
    assert response.status_code == 400  # one rule for every form: remiss/input_safety.py
    assert "NUL-tecken" in text_of(response)


def test_script_in_a_title_is_shown_as_text_everywhere(app, client, world, make_consultation):
    title = '<script>alert("x")</script> Remiss'
    consultation_id = make_consultation(title=title)
    login(client, world.people.owner)
    for url in ("/consultations/", f"/consultations/{consultation_id}", f"/consultations/{consultation_id}/questions",
                f"/consultations/{consultation_id}/respondents", f"/consultations/{consultation_id}/dashboard",
                f"/consultations/{consultation_id}/open"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert" not in html, url
        assert "&lt;script&gt;alert(" in html, url
    post_form(client, f"/consultations/{consultation_id}/open")
    mail = outbox(app)[0]
    assert title in mail.subject and title in mail.body, "plain-text mail carries the title as typed"


def test_editing_details_after_opening_is_refused(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    login(client, world.people.owner)
    for response in (client.get(f"/consultations/{consultation_id}/edit"),
                     post_form(client, f"/consultations/{consultation_id}/edit", form_data(world, title="Ny"))):
        assert response.status_code == 409
        assert "uppgifterna kan inte längre ändras" in text_of(response)
    with app.app_context():
        assert db.session.get(Consultation, consultation_id).title != "Ny"
