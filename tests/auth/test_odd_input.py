"""Odd input gets a 4xx or is cleaned, never a 500 (PostgreSQL refuses NUL characters)."""
from remiss.auth.models import Role
from tests.conftest import post_form


def test_nul_characters_do_not_crash_anything(client, auth, make_user):
    """NUL anywhere in a request is refused with 400 by one rule (remiss/input_safety.py)."""
    admin = make_user(Role.administrator)
    assert post_form(client, "/login", {"email": "a\x00@example.se", "password": "x\x00y"}).status_code == 400
    assert post_form(client, "/password/forgot", {"email": "a\x00b@example.se"}).status_code == 400
    auth.login(admin.email)
    assert client.get("/admin/people?q=%00abc").status_code == 400
    response = post_form(client, "/admin/people/invite",
                         {"name": "Ny\x00 Person", "email": "ny@example.se", "role": "representative", "organisation": "None"})
    assert response.status_code == 400
    assert client.get("/password/reset/abc%00def").status_code == 400
    assert client.get("/invitation/" + "x" * 5000).status_code == 404
