"""Error pages: the same layout, the user's language, the right status – and never a stack trace."""
from flask import abort

from remiss.auth.models import Role


def _boom():
    raise RuntimeError("database on fire")


def test_server_error_page_in_the_same_look_without_details(app):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.add_url_rule("/test-boom", "test_boom", _boom)
    response = app.test_client().get("/test-boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Något gick fel" in html and 'href="#main"' in html
    assert "database on fire" not in html and "Traceback" not in html


def test_bad_request_page(app):
    app.add_url_rule("/test-bad", "test_bad", lambda: abort(400))
    response = app.test_client().get("/test-bad")
    assert response.status_code == 400
    assert "Felaktig begäran" in response.get_data(as_text=True)


def test_forbidden_page_for_a_logged_in_user(client, auth, make_user):
    user = make_user(Role.representative)
    auth.login(user.email)
    response = client.get("/admin/people")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "Åtkomst nekad" in html and "<nav" in html


def test_missing_csrf_token_is_a_clear_400_not_a_crash(client, make_user):
    user = make_user(Role.administrator)
    response = client.post("/login", data={"email": user.email, "password": "x"})
    assert response.status_code == 400
    assert "säkerhetskod" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/finns-inte", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "Sidan finns inte"


def test_an_id_beyond_any_database_integer_is_not_found(client, auth, make_user):
    user = make_user(Role.process_owner)
    auth.login(user.email)
    for url in ("/consultations/99999999999999999999", "/responses/9223372036854775808", "/admin/networks/4294967296"):
        assert client.get(url).status_code == 404, url
