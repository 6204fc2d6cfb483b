"""Log-in attempts are limited per address: guessing passwords gets a Swedish 429 page."""
from tests.conftest import post_form

from remiss import create_app
from remiss.auth.models import Role


def test_too_many_login_attempts_are_refused_in_swedish(app, test_config, make_user):
    user = make_user(Role.representative)
    limited = create_app({**test_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()

    for _ in range(3):
        response = post_form(client, "/login", {"email": user.email, "password": "gissning-123456"})
        assert response.status_code == 422
    response = post_form(client, "/login", {"email": user.email, "password": "gissning-123456"})

    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "För många försök" in html
    assert "Vänta en stund och försök igen" in html
    # Reading the log-in page is not limited: the person can still see where they are.
    assert client.get("/login").status_code == 200


def test_forgot_password_is_limited_too(app, test_config):
    limited = create_app({**test_config, "LOGIN_RATE_LIMIT": "2 per minute"})
    client = limited.test_client()
    for _ in range(2):
        assert post_form(client, "/password/forgot", {"email": "vem@example.se"}).status_code == 302
    response = post_form(client, "/password/forgot", {"email": "vem@example.se"})
    assert response.status_code == 429
    assert "För många försök" in response.get_data(as_text=True)
