"""One rule for text no database can store: NUL or invalid UTF-8 anywhere in a request is a 400
with a message saying so, before any view, CSRF check or database sees it."""
from __future__ import annotations

import io

import pytest

from remiss.auth.models import Role
from remiss.consultations.models import Response
from remiss.extensions import db
from tests.conftest import csrf_token, post_form
from tests.responses.conftest import answering, autosave  # noqa: F401

NUL_MESSAGE = "NUL-tecken"
UTF8_MESSAGE = "inte är giltig UTF-8"


def text_of(response):
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", [
    "/password/reset/abc%00def",      # path
    "/admin/people?q=%00abc",          # query string
    "/?q=ok&n%00ame=x",                # a NUL in a parameter's name
])
def test_nul_in_path_or_query_is_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert NUL_MESSAGE in text_of(response)


@pytest.mark.parametrize("url", ["/documents/%FF%FE", "/admin/people?q=%C3%28", "/?q=%ED%A0%80"])
def test_invalid_utf8_in_path_or_query_is_400(client, url):
    response = client.get(url)
    assert response.status_code == 400
    assert UTF8_MESSAGE in text_of(response)


def test_nul_in_an_ordinary_form_is_refused_before_the_view(client, make_user):
    make_user(Role.representative, email="a@example.se")
    response = post_form(client, "/login", {"email": "a\x00@example.se", "password": "x"})
    assert response.status_code == 400
    assert NUL_MESSAGE in text_of(response)
    # Not even the CSRF check runs first: the message is about the character.
    response = client.post("/login", data={"email": "a\x00"})
    assert response.status_code == 400 and NUL_MESSAGE in text_of(response)


def test_invalid_utf8_bytes_in_a_form_body(client):
    token = csrf_token(client)
    body = b"csrf_token=" + token.encode() + b"&email=\xff\xfe@example.se&password=x"
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert UTF8_MESSAGE in text_of(response)
    body = b"csrf_token=" + token.encode() + b"&email=%FF%FE@example.se&password=x"
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400


def test_multipart_fields_and_file_names(client, auth, make_user):
    admin = make_user(Role.administrator)
    auth.login(admin.email)
    token = csrf_token(client)
    upload = {"csrf_token": token, "file": (io.BytesIO(b"short_name,name,kind\n"), "org\x00.csv")}
    response = client.post("/admin/organisations/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 400 and NUL_MESSAGE in text_of(response)
    upload = {"csrf_token": token, "note": "a\x00b", "file": (io.BytesIO(b"short_name,name,kind\n"), "org.csv")}
    response = client.post("/admin/organisations/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 400 and NUL_MESSAGE in text_of(response)


def test_file_content_is_not_judged_as_text(client, auth, make_user):
    """A binary upload may hold any byte; the upload's own checks judge it (here: not a text file)."""
    admin = make_user(Role.administrator)
    auth.login(admin.email)
    upload = {"csrf_token": csrf_token(client), "file": (io.BytesIO(b"PK\x03\x04\x00\x00\xff"), "org.xlsx")}
    response = client.post("/admin/organisations/import", data=upload, content_type="multipart/form-data")
    assert response.status_code == 422


def test_json_autosave_with_nul_or_lone_surrogate_saves_nothing(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    field = f"principle-{w.principles[0]}-comment"
    for bad, message in (("a\x00b", NUL_MESSAGE), ("a\ud800b", UTF8_MESSAGE)):
        response = autosave(client, w, {field: bad})
        assert response.status_code == 400
        assert message in response.get_json()["message"]
    raw = b'{"fields": {"x": "\xff"}}'
    response = client.post(w.autosave_url, data=raw, content_type="application/json",
                           headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Response).count() == 0


def test_english_message_when_english_is_chosen(client):
    post_form(client, "/language", {"locale": "en"})
    response = client.get("/?q=%00")
    assert response.status_code == 400
    assert "NUL" in text_of(response)


def test_ordinary_swedish_text_passes(client, make_user):
    make_user(Role.representative, email="åsa@example.se")
    assert client.get("/?q=%C3%A5%C3%A4%C3%B6+%E2%80%93+%F0%9F%98%80").status_code == 200
    response = post_form(client, "/login", {"email": "åsa@example.se", "password": "fel lösenord ÅÄÖ"})
    assert response.status_code == 422


def test_json_nested_beyond_any_parser_is_400_not_500(client, auth, answering):
    auth.login(answering.anna.email)
    body = b"[" * 100_000 + b"]" * 100_000
    response = client.post(answering.autosave_url, data=body, content_type="application/json",
                           headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)})
    assert response.status_code == 400
