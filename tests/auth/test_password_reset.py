"""Glömt lösenordet: a mailed one-time link, a new password, every other session ended."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from remiss.auth import operations
from remiss.auth.models import AuthToken, Role, TokenPurpose, User
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.conftest import PASSWORD, AuthActions, post_form

NEW_PASSWORD = "ny-vår-över-fjällen-2026"


def _request_reset(client, email):
    return post_form(client, "/password/forgot", {"email": email})


def test_reset_end_to_end(app, client, auth, make_user, outbox, link_in):
    user = make_user(Role.representative, email="rut@example.se", name="Rut Representant")
    other_browser = app.test_client()
    AuthActions(other_browser).login(user.email)
    assert other_browser.get("/account").status_code == 200

    page = client.get("/password/forgot")
    assert page.status_code == 200
    assert "Glömt lösenordet" in page.get_data(as_text=True)
    response = _request_reset(client, "  RUT@Example.se ")
    assert response.status_code == 302
    sent_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Kontrollera din e-post" in sent_page

    [(recipient, subject, body)] = outbox()
    assert recipient == "rut@example.se"
    assert subject == "Välj ett nytt lösenord till Remiss"
    assert "Hej Rut Representant!" in body
    path = link_in(body)  # absolute, from PUBLIC_BASE_URL
    with app.app_context():
        stored = db.session.execute(select(AuthToken)).scalar_one()
        assert path.rsplit("/", 1)[1] not in stored.token_hash, "only the hash of the secret is stored"
        assert stored.token_hash == operations.token_hash(path.rsplit("/", 1)[1])

    form_page = client.get(path)
    assert form_page.status_code == 200
    assert form_page.headers["Cache-Control"] == "no-store"
    assert "rut@example.se" in form_page.get_data(as_text=True)

    too_short = post_form(client, path, {"password": "kort", "confirm": "kort"})
    assert too_short.status_code == 422
    assert "Lösenordet måste ha minst 12 tecken." in too_short.get_data(as_text=True)

    same_as_email = post_form(client, path, {"password": "Rut@example.se", "confirm": "Rut@example.se"})
    assert same_as_email.status_code == 422
    assert "får inte vara detsamma som e-postadressen" in same_as_email.get_data(as_text=True)

    mismatch = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert mismatch.status_code == 422
    assert "Lösenorden är inte likadana" in mismatch.get_data(as_text=True)

    done = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/account")
    account = client.get("/account").get_data(as_text=True)
    assert "Ditt lösenord är bytt och du är inloggad" in account
    assert "Rut Representant" in account

    # The browser that was logged in before the reset is logged out.
    assert other_browser.get("/account").status_code == 302
    fresh = app.test_client()
    assert AuthActions(fresh).login(user.email, PASSWORD).status_code == 422
    assert AuthActions(fresh).login(user.email, NEW_PASSWORD).status_code == 302


def test_unknown_address_gets_the_same_answer_and_no_mail(client, make_user, outbox):
    make_user(Role.representative, email="finns@example.se")
    known = _request_reset(client, "finns@example.se")
    unknown = _request_reset(client, "finns-inte@example.se")
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert [m[0] for m in outbox()] == ["finns@example.se"]


def test_deactivated_person_gets_no_link(client, make_user, outbox):
    make_user(Role.representative, email="borta@example.se", active=False)
    assert _request_reset(client, "borta@example.se").status_code == 302
    assert outbox() == []


def test_invalid_address_is_a_form_error_not_a_crash(client):
    response = _request_reset(client, "inte en adress")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Skriv en giltig e-postadress" in html
    assert 'value="inte en adress"' in html, "what the user typed is kept"


def test_link_works_once(app, client, make_user, outbox, link_in):
    user = make_user(Role.representative)
    _request_reset(client, user.email)
    path = link_in(outbox()[0][2])
    assert post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302

    again = app.test_client()
    page = again.get(path)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Länken har redan använts" in html
    assert 'href="/password/forgot"' in html, "a way to ask for a new link"
    second = post_form(again, path, {"password": "ett-helt-annat-lösenord", "confirm": "ett-helt-annat-lösenord"})
    assert second.status_code == 410
    with app.app_context():
        assert db.session.get(User, user.id).check_password(NEW_PASSWORD)


def test_expired_link_is_refused_with_a_way_forward(app, client, make_user, outbox, link_in):
    user = make_user(Role.representative)
    _request_reset(client, user.email)
    path = link_in(outbox()[0][2])
    with app.app_context():
        db.session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(minutes=1)))
        db.session.commit()

    page = client.get(path)
    assert page.status_code == 410
    html = page.get_data(as_text=True)
    assert "Länken har gått ut" in html
    assert "Begär en ny länk" in html
    response = post_form(client, path, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 410
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD), "the password did not change"


def test_unknown_link_is_a_friendly_404(client):
    response = client.get("/password/reset/finns-inte-alls")
    assert response.status_code == 404
    assert "Länken är ogiltig" in response.get_data(as_text=True)


def test_a_newer_link_replaces_the_older(client, make_user, outbox, link_in):
    user = make_user(Role.representative)
    _request_reset(client, user.email)
    _request_reset(client, user.email)
    first, second = (link_in(body) for _, _, body in outbox())
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200


def test_two_requests_racing_for_one_link_only_one_wins(app, make_user):
    """The conditional UPDATE decides: whatever the timing, one consumer gets the user."""
    user = make_user(Role.representative)
    with app.app_context():
        token = operations.issue_token(db.session.get(User, user.id), TokenPurpose.password_reset)
        db.session.commit()

    outcomes = []
    start = threading.Barrier(6)

    def consume():
        with app.app_context():
            start.wait()
            try:
                operations.consume_token(token, TokenPurpose.password_reset)
                db.session.commit()
                outcomes.append("used")
            except operations.InvalidLink:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=consume) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["used"]
