from remiss.auth.models import Role


def test_start_page_is_swedish_and_has_landmarks(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="sv">' in html
    assert 'href="#main"' in html and '<main id="main"' in html
    assert "Styrande principer" in html


def test_security_headers_on_every_page(client):
    response = client.get("/")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_login_and_logout_ends_the_session_on_the_server(client, auth, make_user):
    user = make_user(Role.administrator)
    response = auth.login(user.email)
    assert response.status_code == 302
    assert client.get("/admin/organisations").status_code == 200
    stolen_cookie = client.get_cookie("session").value

    auth.logout()
    assert client.get("/admin/organisations").status_code == 302

    client.set_cookie("session", stolen_cookie)
    response = client.get("/admin/organisations")
    assert response.status_code == 302, "a copied session cookie must not work after log-out"


def test_wrong_password_is_refused_with_a_message(client, auth, make_user):
    user = make_user(Role.administrator)
    response = auth.login(user.email, "fel-lösenord")
    assert response.status_code == 422
    assert "Fel e-postadress eller lösenord" in response.get_data(as_text=True)


def test_not_found_page_in_same_layout(client):
    response = client.get("/finns-inte")
    assert response.status_code == 404
    assert "Sidan finns inte" in response.get_data(as_text=True)
