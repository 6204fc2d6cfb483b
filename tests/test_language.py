"""The English interface: the header button switches language, the choice follows the account,
and the catalogue keeps up with the code (a new untranslated text fails the build)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import remiss
from remiss.auth.models import Role, User
from remiss.extensions import babel, db
from tests.conftest import post_form

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = Path(remiss.__file__).resolve().parent / "translations"
ENGLISH_PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"


def _read_catalogue(path: Path):
    with path.open("rb") as file:
        return read_po(file)


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    """`make test` compiles the .mo files; a bare pytest run must see the current .po as well.
    Flask-Babel caches catalogues per process, so an earlier test may have cached an older one."""
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            catalogue = _read_catalogue(po)
            with mo.open("wb") as file:
                write_mo(file, catalogue)
    domain = babel.__dict__.get("domain_instance")  # a cached_property: present once a page was translated
    if domain is not None:
        domain.cache.clear()
    yield


def switch_language(client, locale, next_url="/"):
    return post_form(client, "/language", {"locale": locale, "next": next_url})


def html_of(response):
    return response.get_data(as_text=True)


# --- the pages --------------------------------------------------------------------------------------


def test_swedish_is_the_default(client):
    html = html_of(client.get("/"))
    assert '<html lang="sv">' in html
    assert "Hoppa till huvudinnehållet" in html
    assert 'name="locale" value="en" lang="en">English</button>' in html


def test_header_button_switches_the_start_page_to_english_and_back(client):
    response = switch_language(client, "en", "/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")

    html = html_of(client.get("/"))
    assert '<html lang="en">' in html
    assert "Skip to main content" in html
    assert ">Documents</a>" in html
    assert "Accessibility statement" in html
    assert "Hoppa till huvudinnehållet" not in html
    # The button now offers Swedish, labelled in Swedish.
    assert 'name="locale" value="sv" lang="sv">Svenska</button>' in html

    switch_language(client, "sv", "/")
    html = html_of(client.get("/"))
    assert '<html lang="sv">' in html
    assert "Hoppa till huvudinnehållet" in html
    assert "Skip to main content" not in html


def test_switching_returns_to_the_page_you_were_on(client):
    response = switch_language(client, "en", "/login?next=/admin/people")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/admin/people")


def test_login_page_and_its_validation_errors_in_english(client):
    switch_language(client, "en", "/login")

    html = html_of(client.get("/login"))
    assert '<html lang="en">' in html
    assert "<h1>Log in</h1>" in html
    assert "E-mail address" in html
    assert "Forgotten your password?" in html

    response = post_form(client, "/login", {"email": "", "password": ""})
    assert response.status_code == 422
    html = html_of(response)
    assert "The form has errors that need to be corrected" in html
    assert "Enter your e-mail address." in html
    assert "Enter your password." in html
    assert '<span class="visually-hidden">Error:</span>' in html
    assert "Fyll i" not in html

    response = post_form(client, "/login", {"email": "nobody@example.se", "password": "wrong password here"})
    assert "Wrong e-mail address or password." in html_of(response)


def test_error_page_in_english(client):
    switch_language(client, "en")
    response = client.get("/no-such-page")
    assert response.status_code == 404
    html = html_of(response)
    assert '<html lang="en">' in html
    assert "<h1>Page not found</h1>" in html
    assert "The page you are looking for does not exist or has been moved." in html
    assert "Error code" in html
    assert "Sidan finns inte" not in html


def test_administrator_page_in_english(client, auth, make_user):
    admin = make_user(role=Role.administrator, name="Alva Admin")
    make_user(role=Role.representative)
    make_user(role=Role.representative)
    auth.login(admin.email)
    switch_language(client, "en", "/admin/people")

    html = html_of(client.get("/admin/people"))
    assert '<html lang="en">' in html
    assert "<h1>People</h1>" in html
    assert "Invite a person" in html
    assert "3 people" in html  # the plural form from the catalogue
    assert "(Administrator)" in html  # the role label in the header
    assert "Network representative" in html
    assert "Personer" not in html


def test_the_choice_is_remembered_on_the_account(app, client, auth, make_user):
    user = make_user(role=Role.administrator)
    auth.login(user.email)
    switch_language(client, "en")
    with app.app_context():
        assert db.session.get(User, user.id).locale == "en"

    # Logging out forgets the session; logging in again brings English back from the account.
    auth.logout()
    response = auth.login(user.email)
    assert response.status_code == 302
    html = html_of(client.get("/"))
    assert '<html lang="en">' in html
    assert f"You are logged in as {user.name}." in html

    # So does another browser that has never pressed the button.
    other_browser = app.test_client()
    assert '<html lang="sv">' in html_of(other_browser.get("/login"))
    post_form(other_browser, "/login", {"email": user.email, "password": "korrekt-häst-batteri-häfte"})
    assert '<html lang="en">' in html_of(other_browser.get("/admin/people"))

    # Switching back is remembered too.
    switch_language(client, "sv")
    with app.app_context():
        assert db.session.get(User, user.id).locale == "sv"
    assert '<html lang="sv">' in html_of(other_browser.get("/"))


def test_an_unknown_language_is_refused(client):
    assert switch_language(client, "fi").status_code == 400
    assert '<html lang="sv">' in html_of(client.get("/"))


# --- the catalogue ----------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([A-Za-z_]+\)[sdfr]|%[sdfr]|%%|\{[A-Za-z_]+\}")


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


def _label(message) -> str:
    where = ", ".join(f"{file}:{line}" for file, line in message.locations[:2])
    return f"{message.id!r} ({where})"


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = _read_catalogue(ENGLISH_PO)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {_label(message)}")
        elif not all(strings):
            problems.append(f"untranslated: {_label(message)}")
    assert len(catalogue) > 1000
    assert not problems, "English catalogue incomplete – run `make extract-messages` and translate:\n" + "\n".join(problems)


def test_translations_keep_the_placeholders_of_the_swedish_text():
    """A lost or renamed %(name)s would turn into a KeyError (a 500) on the English page."""
    problems = []
    for message in _read_catalogue(ENGLISH_PO):
        if not message.id or not message.string:
            continue
        if message.pluralizable:
            singular, plural = message.id
            singular_text, plural_text = message.string
            # The English singular may leave out the number ("One alternative"), never add a name.
            if _placeholders(plural_text) != _placeholders(plural) or not set(_placeholders(singular_text)) <= set(
                _placeholders(plural)
            ):
                problems.append(_label(message))
        elif _placeholders(message.string) != _placeholders(message.id):
            problems.append(_label(message))
    assert not problems, "placeholders differ from the msgid:\n" + "\n".join(problems)


def _extract_command() -> list[str]:
    """The arguments of `pybabel extract` exactly as the Makefile's extract-messages target gives them."""
    makefile = (ROOT / "Makefile").read_text()
    match = re.search(r"pybabel extract (.+)", makefile)
    assert match, "the Makefile has no pybabel extract command"
    return match.group(1).split()


def test_every_text_in_the_code_is_in_the_catalogue(tmp_path, monkeypatch):
    """Extract as `make extract-messages` does and compare: a new _("…") without a translation fails here."""
    arguments = _extract_command()
    output = tmp_path / "messages.pot"
    arguments[arguments.index("-o") + 1] = str(output)
    monkeypatch.chdir(ROOT)
    CommandLineInterface().run(["pybabel", "--quiet", "extract", *arguments])

    extracted = _read_catalogue(output)
    assert len(extracted) > 1000, "the extraction found suspiciously few texts: check babel.cfg"
    catalogue = _read_catalogue(ENGLISH_PO)
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalogue.get(message.id, context=message.context)
        if translated is None or translated.pluralizable != message.pluralizable or (
            message.pluralizable and tuple(translated.id) != tuple(message.id)
        ):
            missing.append(_label(message))
    assert not missing, (
        f"{len(missing)} texts in the code are not in the English catalogue – run `make extract-messages` "
        "and translate them in remiss/translations/en/LC_MESSAGES/messages.po:\n" + "\n".join(missing)
    )
