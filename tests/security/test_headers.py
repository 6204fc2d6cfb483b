"""Security headers on every HTML page, cookies in production, open redirects, uploaded files.

- Every HTML response of every GET route in the URL map (as each role of the permission table's
  world) carries a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' for scripts,
  frame-ancestors 'none' and X-Frame-Options, X-Content-Type-Options: nosniff and a Referrer-Policy.
- In production configuration the session cookie is Secure, HttpOnly and SameSite.
- `next` parameters never lead off the site, whatever a browser would make of them.
- Uploaded originals are served as downloads with their checked type and nosniff.
"""
from __future__ import annotations

import io
from urllib.parse import urljoin, urlsplit

import pytest

from remiss import create_app
from tests.conftest import csrf_token, post_form
from tests.responses.conftest import answering  # noqa: F401
from tests.test_route_permissions import ROLES, TABLE, world  # noqa: F401

SITE = "https://remiss.example"


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_safe_headers(response, where):
    csp = response.headers.get("Content-Security-Policy")
    assert csp, f"{where}: no Content-Security-Policy"
    directives = csp_directives(csp)
    scripts = directives.get("script-src", directives.get("default-src"))
    assert scripts is not None, f"{where}: no script-src or default-src"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in scripts, where
    assert not any(s.startswith(("http:", "https:", "data:")) for s in scripts), where
    assert directives.get("object-src") == ["'none'"], where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("base-uri") in (["'self'"], ["'none'"]), where
    assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in ("same-origin", "no-referrer", "strict-origin-when-cross-origin"), where


def test_every_html_page_of_every_route_carries_the_headers(client, auth, world):
    """GET routes of the permission table, as each role: whatever the answer (page, 403, 404), if it
    is HTML it has the headers. Error pages and redirects included."""
    checked = 0
    for role in ROLES:
        auth.logout()
        if role != "anonymous":
            auth.login(world.users[role].email)
        for endpoint, (pattern, method, _) in TABLE.items():
            if method != "GET":
                continue
            response = client.get(pattern.format(**world.ids))
            if response.mimetype == "text/html" or response.status_code in (301, 302, 303):
                assert_safe_headers(response, f"{role} {endpoint} ({response.status_code})")
                checked += 1
    for url in ("/does-not-exist", "/?q=%00", "/static/remiss.css"):
        assert_safe_headers(client.get(url), url)
    assert checked > len(TABLE)


def test_the_scripts_are_files_not_inline(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "<style>" not in html
    assert " style=" not in html and " onclick=" not in html


def test_hsts_when_served_over_https(client):
    response = client.get("/", base_url="https://remiss.example")
    assert response.headers.get("Strict-Transport-Security", "").startswith("max-age=")


def test_production_cookies_are_secure_httponly_samesite(monkeypatch, _migrated, test_config, make_user):
    """create_app as REMISS_ENV=production makes it: the session cookie after a log-in."""
    monkeypatch.setenv("REMISS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret-key-for-this-test")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    config = {key: value for key, value in test_config.items()
              if key in ("SQLALCHEMY_DATABASE_URI", "PASSWORD_HASH_METHOD", "LOGIN_RATE_LIMIT")}
    app = create_app(config)
    assert app.config["REMISS_ENV"] == "production"
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    from remiss.auth.models import Role
    user = make_user(Role.representative, email="cookie@example.se")
    client = app.test_client()
    page = client.get("/login", base_url=SITE)
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    # Over HTTPS Flask-WTF also insists on a same-site Referer (WTF_CSRF_SSL_STRICT), as a browser sends.
    response = client.post("/login", base_url=SITE, headers={"Referer": SITE + "/login"},
                           data={"email": user.email, "password": "korrekt-häst-batteri-häfte", "csrf_token": token})
    assert response.status_code == 302
    cookies = [value for name, value in response.headers.items() if name.lower() == "set-cookie"]
    assert cookies
    for cookie in cookies:
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes, cookie
        assert "httponly" in attributes, cookie
        assert any(a.startswith("samesite=") and a.split("=")[1] in ("lax", "strict") for a in attributes), cookie


def test_csrf_over_https_refuses_a_foreign_referer(monkeypatch, _migrated, test_config):
    monkeypatch.setenv("REMISS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret-key-for-this-test")
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    config = {key: value for key, value in test_config.items() if key in ("SQLALCHEMY_DATABASE_URI",)}
    client = create_app(config).test_client()
    page = client.get("/login", base_url=SITE)
    token = page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/login", base_url=SITE, headers={"Referer": "https://evil.example/"},
                           data={"email": "x@example.se", "password": "x", "csrf_token": token})
    assert response.status_code == 400


def test_production_log_in_limit_counts_in_redis(monkeypatch, _migrated, test_config):
    """REMISS_ENV=production keeps the log-in counts in Redis (shared by all workers); the client
    library must be installed (flask-limiter[redis]) or every log-in would be a 500."""
    import secrets
    import socket

    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.skip("no Redis at 127.0.0.1:6379 (CI starts one)")
    monkeypatch.setenv("REMISS_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-production-like-secret-key-for-this-test")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    config = {"SQLALCHEMY_DATABASE_URI": test_config["SQLALCHEMY_DATABASE_URI"], "LOGIN_RATE_LIMIT": "2 per minute",
              "RATELIMIT_KEY_PREFIX": "remiss-test-" + secrets.token_hex(4)}  # this run's counts only
    app = create_app(config)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    client = app.test_client()
    token = client.get("/login", base_url=SITE).get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    statuses = [client.post("/login", base_url=SITE, headers={"Referer": SITE + "/login"},
                            data={"email": "gissning@example.se", "password": "fel", "csrf_token": token}).status_code
                for _ in range(3)]
    assert statuses == [422, 422, 429]


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.setenv("REMISS_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError):
        create_app()


# --- open redirects -----------------------------------------------------------------------------

EVIL_NEXT = [
    "//evil.example", "https://evil.example", "http://evil.example/login", "/\\evil.example", "\\\\evil.example",
    "/\t/evil.example", "/\n/evil.example", " //evil.example", "///evil.example", "javascript:alert(1)",
    "https:evil.example", "//evil.example/%2F..", "/%2F/evil.example", "\x01//evil.example", "%2F%2Fevil.example",
    "@evil.example", "evil.example",
]


def lands_on_site(location: str) -> bool:
    """Where a browser goes: it drops tabs and new lines, turns backslashes into slashes and
    resolves the address against the page (WHATWG URL parsing, simplified)."""
    cleaned = "".join(ch for ch in location if ch not in "\t\n\r").lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 ")
    cleaned = cleaned.replace("\\", "/")
    target = urlsplit(urljoin(SITE + "/login", cleaned))
    return target.scheme == "https" and target.netloc == "remiss.example"


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_log_in_never_sends_the_user_off_site(client, make_user, evil):
    from remiss.auth.models import Role
    user = make_user(Role.representative, email="next@example.se")
    response = post_form(client, "/login", {"email": user.email, "password": "korrekt-häst-batteri-häfte"},
                         query_string={"next": evil})
    assert response.status_code in (400, 302), response.status_code
    if response.status_code == 302:
        assert lands_on_site(response.headers["Location"]), response.headers["Location"]
        # Already logged in: the log-in page forwards at once, by the same rule.
        again = client.get("/login", query_string={"next": evil})
        assert again.status_code in (400, 302)
        if again.status_code == 302:
            assert lands_on_site(again.headers["Location"]), again.headers["Location"]


@pytest.mark.parametrize("evil", EVIL_NEXT)
def test_language_switch_never_sends_the_user_off_site(client, evil):
    response = post_form(client, "/language", {"locale": "en", "next": evil})
    assert response.status_code in (400, 302)
    if response.status_code == 302:
        assert lands_on_site(response.headers["Location"]), response.headers["Location"]


def test_a_path_on_the_site_is_kept(client, make_user):
    from remiss.auth.models import Role
    user = make_user(Role.representative, email="stay@example.se")
    response = post_form(client, "/login", {"email": user.email, "password": "korrekt-häst-batteri-häfte"},
                         query_string={"next": "/my?x=1"})
    assert response.headers["Location"] == "/my?x=1"


# --- uploaded files -----------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"
HTML_AS_PDF = b"%PDF-1.4\n<html><script>alert(1)</script></html>"


def register(client, w, data: bytes, filename: str):
    key = f"p{w.principles[0]}"
    form = {"csrf_token": csrf_token(client), "channel": "email", "received_on": "2026-01-05",
            f"{key}.lock_version": "0", f"{key}.stance": "supports", "publish_name": "yes",
            "original": (io.BytesIO(data), filename)}
    return client.post(f"/consultations/{w.consultation}/respondents/{w.su_respondent}/register",
                       data=form, content_type="multipart/form-data")


@pytest.mark.parametrize("data, filename", [
    (b"<html><script>alert(1)</script></html>", "svar.pdf"),      # HTML named as a PDF
    (b"<svg onload=alert(1)></svg>", "svar.svg"),
    (b"#!/bin/sh\nrm -rf /\n", "svar.sh"),
    (b"MZ\x90\x00executable", "svar.exe"),
    (b"PK\x03\x04not really a zip", "svar.docx"),
])
def test_uploads_are_judged_by_content(app, client, auth, answering, data, filename):
    auth.login(answering.owner.email)
    response = register(client, answering, data, filename)
    assert response.status_code == 422
    assert "varken en PDF eller ett Word-dokument" in response.get_data(as_text=True)


def test_an_upload_is_served_as_a_download_never_as_a_page(app, client, auth, answering):
    """Even a file that starts like a PDF and holds HTML, uploaded as .html: stored as a PDF,
    served as application/pdf, as an attachment, with nosniff and a sandboxing CSP."""
    from sqlalchemy import select

    from remiss.consultations.models import Attachment
    from remiss.extensions import db

    auth.login(answering.owner.email)
    response = register(client, answering, HTML_AS_PDF, "<script>alert(1)</script>.html")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    with app.app_context():
        attachment = db.session.execute(select(Attachment)).scalar_one()
        assert attachment.filename.endswith(".pdf") and attachment.content_type == "application/pdf"
        attachment_id = attachment.id
    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == HTML_AS_PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert ".pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    assert "'none'" in csp_directives(download.headers["Content-Security-Policy"]).get("object-src", [])


def test_uploads_over_the_size_cap_are_refused(app, client, auth, answering):
    from remiss.responses.operations import MAX_ATTACHMENT_SIZE

    auth.login(answering.owner.email)
    response = register(client, answering, PDF + b"0" * MAX_ATTACHMENT_SIZE, "stor.pdf")
    assert response.status_code in (413, 422)
    with app.test_request_context():
        assert app.config["MAX_CONTENT_LENGTH"] <= 50 * 1024 * 1024
