"""My account: details, change password (other browsers are logged out), language."""
from __future__ import annotations

from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import LoginSession, Role, User
from remiss.extensions import db
from tests.conftest import PASSWORD, AuthActions, post_form

NEW = "ett-nytt-och-längre-lösenord"


def test_account_page_shows_my_details(client, auth, make_user, make_organisation):
    user = make_user(Role.representative, name="Rut Representant", organisation=make_organisation())
    assert client.get("/account").status_code == 302, "log-in required"
    auth.login(user.email)
    html = client.get("/account").get_data(as_text=True)
    for text in ("Rut Representant", user.email, "Nätverksrepresentant", "Sahlgrenska Universitetssjukhuset",
                 "Byt lösenord", "Språk"):
        assert text in html


def test_change_password_logs_out_every_other_browser(app, client, auth, make_user):
    user = make_user(Role.process_owner)
    other = app.test_client()
    AuthActions(other).login(user.email)
    auth.login(user.email)
    copied_cookie = client.get_cookie("session").value

    wrong = post_form(client, "/account/password", {"current_password": "fel-fel-fel", "password": NEW, "confirm": NEW})
    assert wrong.status_code == 422
    assert "Det nuvarande lösenordet stämmer inte." in wrong.get_data(as_text=True)
    assert other.get("/account").status_code == 200, "nothing happens on a failed attempt"

    response = post_form(client, "/account/password", {"current_password": PASSWORD, "password": NEW, "confirm": NEW})
    assert response.status_code == 302
    page = client.get("/account")
    assert page.status_code == 200, "this browser stays logged in"
    assert "Du har loggats ut från alla andra" in page.get_data(as_text=True)
    assert other.get("/account").status_code == 302, "the other browser is logged out"

    stale = app.test_client()
    stale.set_cookie("session", copied_cookie)
    assert stale.get("/account").status_code == 302, "the old session record was revoked too"

    with app.app_context():
        live = db.session.execute(
            select(func.count()).select_from(LoginSession).where(
                LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        ).scalar_one()
        assert live == 1
        assert db.session.get(User, user.id).check_password(NEW)
        assert db.session.execute(select(AuditEntry.action)).scalars().all() == ["user.password_changed"]


def test_change_password_rules(client, auth, make_user):
    user = make_user(Role.representative, email="lang.adress@example.se")
    auth.login(user.email)
    for new, confirm, message in [
        ("kort", "kort", "minst 12 tecken"),
        ("LANG.ADRESS@example.se", "LANG.ADRESS@example.se", "detsamma som e-postadressen"),
        (NEW, NEW + "!", "Lösenorden är inte likadana"),
        (PASSWORD, PASSWORD, "måste skilja sig från det nuvarande"),
    ]:
        response = post_form(client, "/account/password", {"current_password": PASSWORD, "password": new, "confirm": confirm})
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)


def test_choose_language(app, client, auth, make_user):
    user = make_user(Role.representative)
    auth.login(user.email)
    response = post_form(client, "/account/language", {"locale": "en"})
    assert response.status_code == 302
    assert '<html lang="en">' in client.get("/account").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"
    assert post_form(client, "/account/language", {"locale": "fi"}).status_code == 422
