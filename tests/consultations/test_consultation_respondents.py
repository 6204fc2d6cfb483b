"""Respondents follow from the networks: one per organisation, one per individual member."""
from __future__ import annotations

from sqlalchemy import select

from remiss.consultations.models import Reminder, ReminderKind, Respondent
from remiss.extensions import db
from tests.consultations.helpers import login, outbox, post_form, text_of


def respondents_of(app, consultation_id):
    """{name: (sorted network names, added by hand)}"""
    with app.app_context():
        rows = db.session.execute(select(Respondent).where(Respondent.consultation_id == consultation_id)).scalars()
        return {
            (r.organisation.short_name if r.organisation else r.user.email): (
                sorted(n.name for n in r.networks), r.added_manually
            )
            for r in rows
        }


def test_an_organisation_in_two_networks_is_one_respondent_linked_to_both(app, world, make_consultation):
    consultation_id = make_consultation()
    respondents = respondents_of(app, consultation_id)
    assert respondents == {
        "SU": (["Grupp för kommunikationschefer", "Nätverk förvaltningsföreträdare"], False),
        # NU belongs to the first network, and its representative nu1 is a member of the second.
        "NU": (["Grupp för kommunikationschefer", "Nätverk förvaltningsföreträdare"], False),
        "KK": (["Grupp för kommunikationschefer"], False),
        "patient1@example.se": (["Patientföreträdare"], False),
        "patient2@example.se": (["Patientföreträdare"], False),
    }, "inactive patient3 is not asked; su3 (in no network) does not make another SU respondent"


def test_one_network_gives_only_its_respondents(app, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.patients])
    assert set(respondents_of(app, consultation_id)) == {"patient1@example.se", "patient2@example.se"}


def test_process_owner_adds_and_removes_single_respondents_while_draft(app, client, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.representatives])
    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/respondents")
    assert page.status_code == 200
    assert "Koncernkontoret" in text_of(page), "KK can be added: it is in the organisation choice"

    response = post_form(client, f"/consultations/{consultation_id}/respondents/organisation",
                         {"organisation_id": world.kk.id})
    assert response.status_code == 302
    assert respondents_of(app, consultation_id)["KK"] == ([], True)

    response = post_form(client, f"/consultations/{consultation_id}/respondents/individual",
                         {"user_id": world.people.patient1.id})
    assert response.status_code == 302
    assert respondents_of(app, consultation_id)["patient1@example.se"] == ([], True)
    assert outbox(app) == [], "nothing is mailed before the consultation opens"

    with app.app_context():
        nu = db.session.execute(select(Respondent).where(Respondent.consultation_id == consultation_id,
                                                         Respondent.organisation_id == world.nu.id)).scalar_one()
        nu_id = nu.id
    confirm = client.get(f"/consultations/{consultation_id}/respondents/{nu_id}/remove")
    assert confirm.status_code == 200 and "Ta bort NU-sjukvården som remissinstans?" in text_of(confirm)
    assert "NU" in respondents_of(app, consultation_id), "the confirmation page itself removes nothing"
    response = post_form(client, f"/consultations/{consultation_id}/respondents/{nu_id}/remove")
    assert response.status_code == 302
    assert "NU" not in respondents_of(app, consultation_id)


def test_a_representative_of_an_organisation_cannot_be_added_as_an_individual(app, client, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.patients])
    login(client, world.people.owner)
    response = post_form(client, f"/consultations/{consultation_id}/respondents/individual",
                         {"user_id": world.people.su3.id})
    assert response.status_code == 422
    assert "su3@example.se" not in respondents_of(app, consultation_id)


def test_after_opening_respondents_cannot_be_removed(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    login(client, world.people.owner)
    with app.app_context():
        respondent_id = db.session.execute(
            select(Respondent.id).where(Respondent.consultation_id == consultation_id)
        ).scalars().first()
    for response in (client.get(f"/consultations/{consultation_id}/respondents/{respondent_id}/remove"),
                     post_form(client, f"/consultations/{consultation_id}/respondents/{respondent_id}/remove")):
        assert response.status_code == 409
        assert "en inbjuden remissinstans kan inte tas bort" in text_of(response)
    assert len(respondents_of(app, consultation_id)) == 5


def test_adding_a_respondent_while_open_invites_it_at_once(app, client, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.patients], open_it=True)
    before = len(outbox(app))
    login(client, world.people.owner)
    response = post_form(client, f"/consultations/{consultation_id}/respondents/organisation",
                         {"organisation_id": world.su.id}, follow_redirects=True)
    assert "har fått en inbjudan" in text_of(response)
    mails = outbox(app)[before:]
    # SU was added by hand (through no network): all its representatives are invited.
    assert sorted(m.recipient for m in mails) == ["su1@example.se", "su2@example.se", "su3@example.se"]
    with app.app_context():
        kinds = db.session.execute(
            select(Reminder.kind).join(Respondent).where(Respondent.organisation_id == world.su.id)
        ).scalars().all()
    assert kinds == [ReminderKind.invitation]


def test_changing_networks_of_a_draft_rederives_respondents_and_keeps_hand_added(app, client, world, make_consultation):
    consultation_id = make_consultation(networks=[world.networks.patients])
    login(client, world.people.owner)
    post_form(client, f"/consultations/{consultation_id}/respondents/organisation", {"organisation_id": world.kk.id})
    page = client.get(f"/consultations/{consultation_id}/edit")
    assert page.status_code == 200
    response = post_form(client, f"/consultations/{consultation_id}/edit", {
        "title": "Remiss", "reference_number": "RS 2024-05699", "purpose": "", "opens_on": "2020-01-01",
        "deadline_date": "2099-06-30", "deadline_time": "16:00", "networks": [world.networks.representatives],
        "reminder_days_before": "3",
    })
    assert response.status_code == 302, text_of(response)
    assert set(respondents_of(app, consultation_id)) == {"SU", "NU", "KK"}
    assert respondents_of(app, consultation_id)["KK"] == ([], True)
