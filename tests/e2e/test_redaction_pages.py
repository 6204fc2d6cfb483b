"""The redaction pages in a real browser: each passes axe (WCAG 2.1 A/AA) at 1280 and 320 px without
sideways scrolling, and a passage found twice is redacted with the keyboard only, no script needed."""
import pytest

from tests.consolidation.conftest import consolidating  # noqa: F401  (fixture)
from tests.e2e.conftest import check_page, login
from tests.responses.conftest import answering  # noqa: F401  (consolidating builds on it)

pytestmark = pytest.mark.e2e


def test_redacting_a_passage_with_the_keyboard(app, page, live_server, consolidating):
    w = consolidating
    login(page, live_server, w.owner.email)
    page.goto(live_server.url(w.respondent_url(w.su_respondent)))
    page.get_by_role("link", name=f"Maskera i synpunkten från Sahlgrenska Universitetssjukhuset på princip 2").click()
    check_page(page, "redaction-new")
    page.get_by_label("Text som ska maskeras").fill("script")
    page.get_by_label("Skäl till maskeringen").fill("Prov")
    page.get_by_role("button", name="Maskera").press("Enter")
    page.wait_for_load_state()
    assert "förekommer 2 gånger" in page.content()
    check_page(page, "redaction-occurrence")
    page.get_by_label("Förekomst 2", exact=False).check()
    page.get_by_role("button", name="Maskera").press("Enter")
    page.wait_for_load_state()
    assert "[maskerat: Prov]" in page.locator(".user-text").last.inner_text()
    check_page(page, "redaction-done")
    page.goto(live_server.url(f"/consultations/{w.consultation}/redactions"))
    check_page(page, "redaction-index")
    page.get_by_role("link", name="Ta bort maskeringen", exact=False).first.click()
    check_page(page, "redaction-remove")
