"""An administrator invites a person; the person chooses a password from the mailed link."""
from __future__ import annotations

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role, User
from remiss.extensions import db
from tests.conftest import AuthActions, post_form

CHOSEN = "mitt-eget-långa-lösenord"


def _invite(client, **overrides):
    data = {"name": "Ingrid Inbjuden", "email": "Ingrid.Inbjuden@Example.se", "role": "representative",
            "organisation": "None"}
    data.update(overrides)
    return post_form(client, "/admin/people/invite", data)


def test_invitation_end_to_end(app, client, auth, admin, make_organisation, outbox, link_in):
    organisation = make_organisation()
    auth.login(admin.email)
    form = client.get("/admin/people/invite")
    assert form.status_code == 200
    assert "Sahlgrenska Universitetssjukhuset (SU)" in form.get_data(as_text=True)

    response = _invite(client, organisation=str(organisation.id))
    assert response.status_code == 302
    assert "är inbjuden" in client.get(response.headers["Location"]).get_data(as_text=True)

    with app.app_context():
        person = db.session.execute(select(User).where(User.email == "ingrid.inbjuden@example.se")).scalar_one()
        assert person.password_hash is None
        assert person.organisation_id == organisation.id
        actions = db.session.execute(
            select(AuditEntry.action).where(AuditEntry.object_id == person.id).order_by(AuditEntry.id)
        ).scalars().all()
        assert actions == ["user.created", "user.invited"]

    [(recipient, subject, body)] = outbox()
    assert recipient == "ingrid.inbjuden@example.se"
    assert subject == "Inbjudan till Remiss"
    assert "Alva Administratör har bjudit in dig" in body
    assert "Nätverksrepresentant" in body and "Sahlgrenska Universitetssjukhuset" in body

    invited = app.test_client()
    path = link_in(body)
    page = invited.get(path)
    assert page.status_code == 200
    assert "Hej Ingrid Inbjuden!" in page.get_data(as_text=True)
    weak = post_form(invited, path, {"password": "kort", "confirm": "kort"})
    assert weak.status_code == 422
    assert "minst 12 tecken" in weak.get_data(as_text=True)

    done = post_form(invited, path, {"password": CHOSEN, "confirm": CHOSEN})
    assert done.status_code == 302
    account = invited.get("/account").get_data(as_text=True)
    assert "Välkommen till Remiss, Ingrid Inbjuden!" in account
    assert "ingrid.inbjuden@example.se" in account

    assert invited.get(path).status_code == 410, "the invitation works once"
    AuthActions(invited).logout()
    assert AuthActions(invited).login("ingrid.inbjuden@example.se", CHOSEN).status_code == 302


def test_resending_invalidates_the_old_link(app, client, auth, admin, outbox, link_in):
    auth.login(admin.email)
    _invite(client)
    with app.app_context():
        person_id = db.session.execute(select(User.id).where(User.email == "ingrid.inbjuden@example.se")).scalar_one()
    edit = client.get(f"/admin/people/{person_id}").get_data(as_text=True)
    assert "Skicka inbjudan igen" in edit

    response = post_form(client, f"/admin/people/{person_id}/invitation")
    assert response.status_code == 302
    assert "Den tidigare länken fungerar inte längre" in client.get(response.headers["Location"]).get_data(as_text=True)

    first, second = (link_in(body) for _, _, body in outbox())
    stranger = app.test_client()
    old = stranger.get(first)
    assert old.status_code == 404
    assert "Länken är ogiltig" in old.get_data(as_text=True)
    assert "be administratören för Remiss att skicka inbjudan igen" in old.get_data(as_text=True)
    assert stranger.get(second).status_code == 200


def test_invitation_form_errors_keep_what_was_typed(client, auth, admin, make_user):
    make_user(Role.representative, email="finns@example.se")
    auth.login(admin.email)

    duplicate = _invite(client, email="FINNS@example.se", name="Ny Person")
    assert duplicate.status_code == 422
    html = duplicate.get_data(as_text=True)
    assert "Det finns redan ett konto med e-postadressen finns@example.se." in html
    assert 'value="Ny Person"' in html

    missing = _invite(client, name="", email="ny@example.se", role="kung")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "Fyll i namnet." in html
    assert 'value="ny@example.se"' in html


def test_invited_person_without_password_cannot_log_in_yet(client, auth, admin, outbox):
    auth.login(admin.email)
    _invite(client)
    auth.logout()
    assert auth.login("ingrid.inbjuden@example.se", "").status_code == 422
    assert auth.login("ingrid.inbjuden@example.se", "gissat-lösenord-123").status_code == 422
