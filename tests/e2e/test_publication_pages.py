"""The public publication pages in a real browser: the current version with its decision, the history of
approved versions, the word-level diff and its print page pass the shared page checks (axe WCAG 2.1 A/AA
at 1280 and 320 px, no sideways scrolling, no CSP violations) – read by the public, not logged in."""
import pytest

from tests.documents.test_publication import KEY, build_published_world
from tests.e2e.conftest import check_page

pytestmark = pytest.mark.e2e


def test_publication_pages_pass_the_checks(app, page, live_server, make_version, make_user):
    build_published_world(app, make_version, make_user)
    for name, path in [
        ("publication-diff", f"/documents/{KEY}/diff?from=1&to=2"),
        ("publication-diff-print", f"/documents/{KEY}/diff/print?from=1&to=2"),
        ("publication-history", f"/documents/{KEY}/history"),
        ("publication-current-version", f"/documents/{KEY}/versions/2"),
    ]:
        response = page.goto(live_server.url(path))
        assert response.status == 200, f"{path}: {response.status}"
        check_page(page, name)


def test_diff_changes_are_announced_in_words(app, page, live_server, make_version, make_user):
    build_published_world(app, make_version, make_user)
    page.goto(live_server.url(f"/documents/{KEY}/diff?from=1&to=2"))
    inserted = page.locator("#princip-1 ins").first
    # Underlined, not only coloured; the words "Infogat:" are there for screen readers.
    assert "underline" in inserted.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert inserted.inner_text().startswith("Infogat:") or "Infogat:" in inserted.text_content()
    deleted = page.locator("del").first
    assert "line-through" in deleted.evaluate("e => getComputedStyle(e).textDecorationLine")
    # Choosing two other versions with the form.
    page.select_option("#diff_from", "2")
    page.select_option("#diff_to", "1")
    page.get_by_role("button", name="Jämför").click()
    page.wait_for_load_state()
    assert "from=2" in page.url and "to=1" in page.url
