import re

from flask import render_template_string
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.extensions import db
from remiss.organisations.models import Organisation
from tests.conftest import post_form


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


# --- the shared layout -----------------------------------------------------------------------------

def test_every_page_links_to_the_accessibility_statement(client):
    for path in ("/", "/login", "/finns-inte"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/tillganglighet"' in html, path


def test_accessibility_statement_follows_the_model_statement(client):
    response = client.get("/tillganglighet")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for part in (
        "Tillgänglighet för Remiss",
        "lagen (2018:1937) om tillgänglighet till digital offentlig service",
        "Hur tillgänglig är webbplatsen?",
        "Innehåll som inte är tillgängligt",
        "Rapportera brister i webbplatsens tillgänglighet",
        "Myndigheten för digital förvaltning (Digg)",
        "Hur vi har testat webbplatsen",
        "WCAG 2.1",
    ):
        assert part in html, part
    assert re.search(r'<time datetime="\d{4}-\d{2}-\d{2}">', html), "the statement is dated"


def test_accessibility_contact_comes_from_configuration(app, client, monkeypatch):
    assert "mailto:tillganglighet@remiss.invalid" in client.get("/tillganglighet").get_data(as_text=True)
    monkeypatch.setenv("ACCESSIBILITY_CONTACT_EMAIL", "digitalt.stod@example.se")
    assert "mailto:digitalt.stod@example.se" in client.get("/tillganglighet").get_data(as_text=True)
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = "config@example.se"
    assert "mailto:config@example.se" in client.get("/tillganglighet").get_data(as_text=True)


def test_accessibility_statement_in_english_keeps_lang_attribute(client):
    post_form(client, "/language", {"locale": "en", "next": "/tillganglighet"})
    html = client.get("/tillganglighet").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert 'lang="sv">Svenska</button>' in html


def test_form_fields_are_described_only_when_there_is_something_to_describe(client):
    html = client.get("/login").get_data(as_text=True)
    assert '="None"' not in html, "WTForms writes None-valued attributes as the text None"
    assert "aria-invalid" not in html

    response = post_form(client, "/login", {"email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert '="None"' not in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="email-error"' in html
    assert '<p class="error-message" id="email-error"><span class="visually-hidden">Fel:</span>' in html
    assert '<a href="#email">' in html, "the error summary links to the field"


def test_a_flash_message_says_what_kind_it_is_in_words(client):
    response = client.get("/admin/organisations", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert '<p class="flash flash-info"><span class="flash-prefix">Information:</span> Logga in för att se sidan.</p>' in html


def test_menu_marks_the_page_and_the_section(client, auth, make_user):
    auth.login(make_user(Role.administrator).email)
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert '<a href="/admin/organisations" aria-current="page">' in html
    html = client.get("/admin/organisations/new").get_data(as_text=True)
    assert '<a href="/admin/organisations" aria-current="true">' in html
    assert 'aria-current="page">Dokument' not in html


PAGINATION = '{% from "macros.html" import pagination %}{{ pagination(page) }}'


def _render_page(app, number, per_page=10):
    # The links keep the page's own filters (q) and change only the page number.
    with app.test_request_context(f"/admin/organisations?page={number}&q=sjukhus"):
        page = db.paginate(select(Organisation).order_by(Organisation.short_name), page=number, per_page=per_page)
        return render_template_string(PAGINATION, page=page)


def test_pagination_macro_links_previous_and_next_keeping_the_filters(app):
    with app.app_context():
        db.session.add_all([Organisation(short_name=f"O{n:02}", name=f"Organisation {n}", kind="hospital") for n in range(25)])
        db.session.commit()

    html = _render_page(app, 2)
    assert '<nav class="pagination" aria-label="Sidnavigering">' in html
    assert "Sida 2 av 3" in html
    assert 'href="/admin/organisations?page=1&amp;q=sjukhus" rel="prev">Föregående' in html
    assert 'href="/admin/organisations?page=3&amp;q=sjukhus" rel="next">Nästa' in html

    first = _render_page(app, 1)
    assert "Föregående" not in first and "Nästa" in first
    last = _render_page(app, 3)
    assert "Nästa" not in last and "Föregående" in last
    assert _render_page(app, 1, per_page=50).strip() == "", "one page needs no page links"
