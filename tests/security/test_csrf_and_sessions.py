"""CSRF on every state-changing route of the URL map, JSON and autosave included; log-in sessions
that end on the server; one-time links that expire.

For each route that takes POST, a logged-in process owner, representative and administrator post
without the CSRF token (form and JSON) and with a token from another session: every answer is a
refusal (4xx) and the audit trail, the answers and the outbox do not grow.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from remiss import create_app
from remiss.audit.models import AuditEntry
from remiss.auth.models import AuthToken, LoginSession, Role
from remiss.consultations.models import PrincipleAnswer, Response
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.responses.conftest import answering  # noqa: F401
from tests.test_route_permissions import TABLE, world  # noqa: F401


def _post_rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "collect-only", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    return sorted(rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ()))


POST_ENDPOINTS = _post_rules()
# Exempt from CSRF on purpose, because they change nothing (the counts below prove it).
CHANGES_NOTHING = {
    "responses.restore": "shows text the browser kept back in the answer form, with a fresh token, to be saved by the user",
}


def counts(app):
    with app.app_context():
        return tuple(db.session.scalar(select(func.count()).select_from(model))
                     for model in (AuditEntry, Response, PrincipleAnswer, OutboxMail))


def test_every_post_route_is_in_the_permission_table(app):
    """The CSRF sweep below gets its addresses from the permission table."""
    assert not [e for e in POST_ENDPOINTS if e not in TABLE], "POST routes without a permission row"


@pytest.mark.parametrize("role", ["process_owner", "representative", "administrator"])
def test_no_state_change_without_the_csrf_token(app, client, auth, world, role):
    auth.login(world.users[role].email)
    own_token = csrf_token(client)
    other = app.test_client()
    foreign_token = csrf_token(other)  # a valid token, but of another session
    before = counts(app)
    wrong = []
    for endpoint in POST_ENDPOINTS:
        if endpoint not in TABLE:
            continue
        url = TABLE[endpoint][0].format(**world.ids)
        attempts = {
            "no token": client.post(url, data={"name": "x", "confirm": "1"}, headers={"Accept": "text/html"}),
            "foreign token": client.post(url, data={"csrf_token": foreign_token, "name": "x"}),
            "JSON without header": client.post(url, json={"fields": {"x": "y"}}, headers={"Accept": "application/json"}),
            "JSON with foreign header": client.post(url, json={"fields": {}},
                                                    headers={"Accept": "application/json", "X-CSRFToken": foreign_token}),
        }
        for what, response in attempts.items():
            if response.status_code < 400 and endpoint not in CHANGES_NOTHING or response.status_code >= 500:
                wrong.append(f"{endpoint} {what}: {response.status_code} {response.headers.get('Location', '')}")
    assert not wrong, "\n".join(wrong)
    assert counts(app) == before, "something was stored or sent without a valid CSRF token"
    assert own_token  # the session's own token still works afterwards:
    assert post_form(client, "/account/language", {"locale": "en"}).status_code in (302, 303)


def test_the_csrf_token_is_tied_to_the_session(client, auth, make_user):
    user = make_user(Role.representative)
    token_before = csrf_token(client)
    auth.login(user.email)
    auth.logout()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_before + "x"})
    assert response.status_code == 400


def test_an_expired_log_in_session_is_no_log_in(app, client, auth, make_user):
    user = make_user(Role.administrator)
    auth.login(user.email)
    assert client.get("/admin/people").status_code == 200
    with app.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = client.get("/admin/people")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_invitation_link_expires(app, client, auth, make_user):
    from tests.auth.conftest import link_path

    admin = make_user(Role.administrator, email="admin@example.se")
    auth.login(admin.email)
    post_form(client, "/admin/people/invite", {"name": "Ingrid", "email": "ingrid@example.se",
                                               "role": "representative", "organisation": "None"})
    auth.logout()
    with app.app_context():
        body = db.session.execute(select(OutboxMail.body).order_by(OutboxMail.id.desc())).scalars().first()
        db.session.execute(update(AuthToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    path = link_path(body)
    page = client.get(path)
    assert page.status_code == 410
    response = post_form(client, path, {"password": "ett-långt-nytt-lösenord", "confirm": "ett-långt-nytt-lösenord"})
    assert response.status_code == 410
    assert auth.login("ingrid@example.se", "ett-långt-nytt-lösenord").status_code == 422
