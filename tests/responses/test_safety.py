"""User text is shown as text everywhere; CSRF on forms and autosave; an ended session loses no text."""
from __future__ import annotations

import re

from sqlalchemy import select, update

from remiss.auth.models import LoginSession
from remiss.consultations.models import PrincipleAnswer, Response
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token, post_form
from tests.responses.conftest import autosave

SCRIPT = "<script>alert('x')</script>"


def test_script_in_a_comment_is_text_on_every_page_and_in_the_mail(app, client, auth, answering):
    w = answering
    key, general = f"p{w.principles[0]}", f"g{w.questions[0]}"
    auth.login(w.anna.email)
    autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": f"Före {SCRIPT} efter **viktigt**",
                         f"{key}.c{w.criteria[0]}.comment": SCRIPT, f"{general}.lock_version": "0",
                         f"{general}.text": f"[klicka](javascript:alert(1)) {SCRIPT}"})
    pages = {
        "principle": client.get(w.respond_url + "?principle=1"),
        "all": client.get(w.respond_url + "?all=1"),
        "general": client.get(w.respond_url + "/general"),
        "summary": client.get(w.respond_url + "/summary"),
    }
    # A colleague's conflicting save shows the stored text in the conflict panel.
    conflict = post_form(client, w.respond_url, {"page": "principle:1", f"{key}.lock_version": "0",
                                                 f"{key}.comment": f"Min {SCRIPT}"})
    assert conflict.status_code == 409
    pages["conflict"] = conflict
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    pages["receipt"] = client.get(w.respond_url + "/receipt")
    auth.logout()
    auth.login(w.owner.email)
    with app.app_context():
        response_id = db.session.execute(select(Response.id)).scalar_one()
    pages["show"] = client.get(f"/responses/{response_id}")
    for name, page in pages.items():
        html = page.get_data(as_text=True)
        assert SCRIPT not in html, name
        assert "&lt;script&gt;" in html, name
        assert 'href="javascript' not in html, name
    summary = pages["summary"].get_data(as_text=True)
    assert "<strong>viktigt</strong>" in summary, "Markdown-light is rendered through remiss/markdown.py"
    with app.app_context():
        for mail in db.session.execute(select(OutboxMail)).scalars():
            assert SCRIPT in mail.body, "plain text mail: the characters as typed, which no mail client runs"
            assert "&lt;" not in mail.body


def test_autosave_without_csrf_token_is_refused(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    response = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Utan kod"}, token=False)
    assert response.status_code == 400
    assert response.get_json()["status"] == "csrf"
    wrong = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Fel kod"}, token="fel")
    assert wrong.status_code == 400
    with app.app_context():
        assert db.session.execute(select(PrincipleAnswer)).scalar_one_or_none() is None


def test_every_form_needs_its_csrf_token(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    for url in (w.respond_url, w.respond_url + "/general", w.respond_url + "/submit"):
        response = client.post(url, data={"page": "overview", f"{key}.lock_version": "0", f"{key}.comment": "x"})
        assert response.status_code == 400, url
    with app.app_context():
        assert db.session.execute(select(PrincipleAnswer)).scalar_one_or_none() is None
        assert db.session.execute(select(Response.status)).scalar_one_or_none() is None


def expire_sessions(app):
    with app.app_context():
        db.session.execute(update(LoginSession).values(expires_at=utcnow()))
        db.session.commit()


def test_an_expired_session_gets_401_json_with_a_swedish_message(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    token = csrf_token(client)
    expire_sessions(app)
    response = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Lång text"}, token=token)
    assert response.status_code == 401
    body = response.get_json()
    assert body["status"] == "unauthenticated"
    assert "Du är utloggad" in body["message"] and "finns kvar här i webbläsaren" in body["message"]
    assert body["login_url"] == "/login"
    assert client.get(w.respond_url + "/session", headers={"Accept": "application/json"}).status_code == 401

    # After logging in again (in another tab) the script fetches a fresh token and saves.
    post_form(client, "/login", {"email": w.anna.email, "password": PASSWORD})
    fresh = client.get(w.respond_url + "/session", headers={"Accept": "application/json"})
    assert fresh.status_code == 200
    new_token = fresh.get_json()["csrf_token"]
    assert new_token
    saved = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Lång text"}, token=new_token)
    assert saved.status_code == 200


def test_a_logged_out_browser_is_told_401_before_any_csrf_complaint(client, answering):
    w = answering
    response = autosave(client, w, {}, token=False)
    assert response.status_code == 401


def test_an_expired_session_during_a_long_edit_keeps_the_text_without_javascript(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    long_text = "Mycket text som tog en timme att skriva. " * 50
    auth.login(w.anna.email)
    token = csrf_token(client)
    expire_sessions(app)
    response = client.post(w.respond_url, data={"csrf_token": token, "page": "principle:1", "go": "next",
                                                f"{key}.lock_version": "0", f"{key}.comment": long_text,
                                                f"{key}.stance": "supports"})
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Du är utloggad – texten är inte sparad ännu" in html
    assert long_text.strip() in html
    assert "Princip nummer" not in html, "nothing of the (unpublished) document to someone not logged in"
    restore_action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    assert restore_action.endswith("/respond/restore")
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))
    assert carried[f"{key}.lock_version"] == "0" and carried[f"{key}.stance"] == "supports"

    # Log in again (the session, and so the CSRF token, is new), then continue with the text.
    post_form(client, "/login", {"email": w.anna.email, "password": PASSWORD})
    restored = client.post(restore_action, data={**carried, f"{key}.comment": long_text})
    assert restored.status_code == 200
    page = restored.get_data(as_text=True)
    assert "Din text är tillbaka i formuläret men inte sparad ännu" in page
    assert long_text.strip() in page
    with app.app_context():
        assert db.session.execute(select(PrincipleAnswer)).scalar_one_or_none() is None, "restoring saves nothing"
    new_token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    saved = client.post(w.respond_url, data={"csrf_token": new_token, "page": "principle:1", "go": "next",
                                             f"{key}.lock_version": "0", f"{key}.comment": long_text,
                                             f"{key}.stance": "supports"})
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.execute(select(PrincipleAnswer.comment)).scalar_one() == long_text


def test_answer_pages_are_not_cached(client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    assert client.get(w.respond_url + "?principle=1").headers["Cache-Control"] == "no-store"
