"""The shared look in a real browser: every page passes axe (WCAG 2.1 A/AA) at 1280 px and at 320 px,
never scrolls sideways, shows where the keyboard focus is, and starts with a working skip link."""
import pytest
from flask import url_for

from remiss.auth.models import Role
from remiss.documents.models import VersionStatus
from tests.e2e.conftest import DESKTOP, NARROW, check_page, login

pytestmark = pytest.mark.e2e


def _paths(app, *endpoints):
    """Addresses by endpoint name, so that a renamed page fails here with its name."""
    with app.test_request_context():
        return [(endpoint, url_for(endpoint, **params)) for endpoint, params in endpoints]


def test_public_pages(page, live_server, make_version):
    version = make_version(status=VersionStatus.published, alternatives=True)
    pages = [
        ("start", "/"),
        ("accessibility-statement", "/tillganglighet"),
        ("document-version", f"/documents/invanarinteraktion/versions/{version.number}"),
        ("document-versions", "/documents/invanarinteraktion/versions"),
    ]
    for name, path in pages:
        response = page.goto(live_server.url(path))
        assert response.status == 200, f"{path}: {response.status}"
        assert page.locator("html").get_attribute("lang") == "sv"
        assert page.locator("h1").count() == 1, f"{path}: one h1"
        check_page(page, name)


def test_start_page_lists_the_published_document(page, live_server, make_version):
    make_version(status=VersionStatus.published)
    page.goto(live_server.url("/"))
    card = page.locator(".card-list .card")
    assert card.count() == 1
    assert "Styrande principer för invånarinteraktion" in card.inner_text()
    assert page.locator(".card .status-published").is_visible()


def test_accessibility_statement_is_linked_from_every_page_and_names_the_law(page, live_server, app):
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = "tillganglighet@example.se"
    page.goto(live_server.url("/login"))
    page.locator("footer").get_by_role("link", name="Tillgänglighetsredogörelse").click()
    assert page.url == live_server.url("/tillganglighet")
    text = page.locator("main").inner_text()
    for expected in ("2018:1937", "Myndigheten för digital förvaltning (Digg)", "tillganglighet@example.se",
                     "axe", "tangentbord", "Innehåll som inte är tillgängligt"):
        assert expected in text, expected
    assert page.get_by_role("link", name="tillganglighet@example.se").first.get_attribute("href") == \
        "mailto:tillganglighet@example.se"


def test_login_form_errors_are_announced_and_linked(page, live_server):
    page.goto(live_server.url("/login"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    summary = page.locator(".error-summary")
    assert summary.is_visible()
    # The summary takes the focus, so keyboard and screen reader users start at the errors.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    email = page.locator("#email")
    assert email.get_attribute("aria-invalid") == "true"
    assert "email-error" in email.get_attribute("aria-describedby")
    assert page.locator("#email-error").inner_text().strip() != ""
    # Following the summary's link puts the focus in the field.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "email"
    check_page(page, "login-errors")


def test_not_found_page(page, live_server):
    response = page.goto(live_server.url("/finns-inte"))
    assert response.status == 404
    assert page.locator("h1").inner_text() == "Sidan finns inte"
    assert page.get_by_role("link", name="Till startsidan").is_visible()
    check_page(page, "not-found")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page, live_server):
    from playwright.sync_api import expect

    page.goto(live_server.url("/"))
    skip = page.locator(".skip-link")
    expect(skip).not_to_be_in_viewport()  # hidden until it has the focus
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    expect(skip).to_be_in_viewport()
    assert skip.inner_text() == "Hoppa till huvudinnehållet"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab continues after the start of the main content, not back in the header.
    page.keyboard.press("Tab")
    assert page.evaluate("""() => !!(document.getElementById('main').compareDocumentPosition(document.activeElement)
                                    & (Node.DOCUMENT_POSITION_FOLLOWING | Node.DOCUMENT_POSITION_CONTAINED_BY))""")


def test_every_tab_stop_shows_the_focus(page, live_server, make_user, make_organisation):
    make_organisation()
    admin = make_user(Role.administrator)
    login(page, live_server, admin.email)
    for path in ("/admin/organisations", "/login"):
        page.goto(live_server.url(path))
        seen = set()
        for _ in range(60):
            page.keyboard.press("Tab")
            element = page.evaluate(FOCUSED)
            if element is None or element["key"] in seen:
                break
            seen.add(element["key"])
            assert element["indicated"], f"{path}: no visible focus on {element['key']}: {element['style']}"
        assert len(seen) > 3, f"{path}: only {len(seen)} tab stops"


def test_administrator_pages_in_swedish_and_english(page, live_server, app, make_user, make_organisation):
    organisation = make_organisation()
    admin = make_user(Role.administrator, organisation=None)
    login(page, live_server, admin.email)

    paths = _paths(
        app,
        ("documents.index", {}),
        ("organisations.organisations", {}),
        ("organisations.organisation_new", {}),
        ("organisations.organisation_edit", {"organisation_id": organisation.id}),
        ("organisations.networks", {}),
        ("organisations.network_new", {}),
        ("auth.people", {}),
        ("auth.people_invite", {}),
        ("auth.mailbox", {}),
        ("auth.account", {}),
    )
    # A network made through its form, so that its page (tables of members) is walked too.
    page.goto(live_server.url(dict(paths)["organisations.network_new"]))
    page.fill("#name", "Nätverk förvaltningsföreträdare")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Nätverk förvaltningsföreträdare"
    paths.append(("organisations.network", page.url.removeprefix(live_server.url())))

    # Pages others add to the main menu are walked too.
    page.goto(live_server.url("/"))
    for href in page.locator("nav.main-nav a").evaluate_all("links => links.map(a => a.getAttribute('href'))"):
        if href not in [path for _, path in paths]:
            paths.append((href, href))

    for language in ("sv", "en"):
        if language == "en":
            page.goto(live_server.url("/"))
            page.locator(".language-switch button").click()
            page.wait_for_load_state()
        for name, path in paths:
            response = page.goto(live_server.url(path))
            assert response.status == 200, f"{path}: {response.status}"
            assert page.locator("html").get_attribute("lang") == language
            check_page(page, f"admin-{language}-{name}")
            _check_current_page_is_marked(page, path)

    # Back to Swedish with the same button.
    page.locator(".language-switch button").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "sv"


def test_empty_admin_form_shows_errors_in_the_shared_look(page, live_server, make_user):
    admin = make_user(Role.administrator)
    login(page, live_server, admin.email)
    page.goto(live_server.url("/admin/organisations/new"))
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".error-summary").is_visible()
    field = page.locator(".field.has-error").first
    assert field.is_visible()
    # Not colour alone: a thick bar beside the field and a text in the message.
    assert float(field.evaluate("el => getComputedStyle(el).borderLeftWidth").rstrip("px")) >= 4
    check_page(page, "admin-organisation-errors")


def test_document_prints_without_navigation_and_with_link_addresses(page, live_server, make_version):
    version = make_version(status=VersionStatus.published)
    page.goto(live_server.url(f"/documents/invanarinteraktion/versions/{version.number}"))
    page.emulate_media(media="print")
    assert not page.locator("nav.main-nav").is_visible()
    assert not page.locator(".language-switch").is_visible()
    assert page.locator(".principle").first.evaluate("el => getComputedStyle(el).breakInside") == "avoid"
    after = page.locator(".document a[href$='.md']").first.evaluate(
        "a => getComputedStyle(a, '::after').content")
    assert ".md" in after
    page.emulate_media(media="screen")


def test_wide_table_scrolls_in_its_own_box_at_320px(page, live_server, make_user, make_organisation):
    for n in range(3):
        make_organisation(short_name=f"O{n}", name=f"Organisationen med ett mycket långt namn nummer {n}")
    admin = make_user(Role.administrator)
    login(page, live_server, admin.email)
    page.set_viewport_size(NARROW)
    page.goto(live_server.url("/admin/organisations"))
    wrapper = page.locator(".table-wrapper").first
    assert wrapper.count() == 1
    if wrapper.evaluate("el => el.scrollWidth > el.clientWidth"):
        # A box that scrolls is a named region that keyboard users can focus.
        assert wrapper.get_attribute("tabindex") == "0"
        assert wrapper.get_attribute("role") == "region"
    page.set_viewport_size(DESKTOP)


# --- helpers -------------------------------------------------------------------------------------------

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2 && s.outlineColor !== 'rgba(0, 0, 0, 0)';
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const yellow = s.backgroundColor === 'rgb(255, 221, 0)';
  return {
    key: el.tagName.toLowerCase() + '|' + (el.id || el.getAttribute('href') || el.name || '') + '|' + (el.value || el.textContent || '').trim().slice(0, 40),
    indicated: outline || shadow || yellow,
    style: {outline: s.outline, boxShadow: s.boxShadow, background: s.backgroundColor},
  };
}"""


def _check_current_page_is_marked(page, path):
    """The menu marks the page shown (aria-current) so that it is not told by colour alone."""
    current = page.locator("nav.main-nav a[aria-current='page']")
    if page.locator(f"nav.main-nav a[href='{path}']").count():
        assert current.count() == 1 and current.get_attribute("href") == path, f"{path} is not marked in the menu"
