"""The consolidation pages in a real browser: every view passes axe (WCAG 2.1 A/AA) at 1280 and 320 px
without sideways scrolling, and a disposition and a summary can be saved with the keyboard, no script needed.

Lives with the e2e tests because their session fixtures (one Playwright) are visible only here; the
consolidation's other tests are in tests/consolidation/, whose world this reuses.
"""
import pytest

from remiss.consultations.models import ConsultationStatus
from tests.consolidation.conftest import add_respondents, consolidating, set_status  # noqa: F401  (fixture)
from tests.e2e.conftest import check_page, login
from tests.responses.conftest import answering  # noqa: F401  (consolidating builds on it)

pytestmark = pytest.mark.e2e


def test_every_consolidation_page_passes_the_checks(app, page, live_server, consolidating):
    w = consolidating
    add_respondents(app, w, 30, comment="En längre synpunkt nummer {n} som fortsätter en bra bit till, "
                                        "så att utdraget i matrisen behöver kortas av vid ett ord.")
    login(page, live_server, w.owner.email)
    pages = [
        ("consolidation-overview", w.overview_url),
        ("consolidation-matrix", w.matrix_url),
        ("consolidation-matrix-filtered", w.matrix_url + "?kind=hospital&stance=opposes&q=synpunkt&pending=y"),
        ("consolidation-principle", w.principle_url(1)),
        ("consolidation-respondent", w.respondent_url(w.su_respondent)),
        ("consolidation-general", f"{w.overview_url}/general"),
        ("consolidation-question", w.question_url(0)),
        ("consolidation-alternatives", f"{w.overview_url}/alternatives"),
        ("consolidation-complete", f"{w.overview_url}/complete"),
        ("consolidation-bad-filter", w.matrix_url + "?network=abc"),
    ]
    for name, path in pages:
        response = page.goto(live_server.url(path))
        assert response.status in (200, 400), f"{path}: {response.status}"
        assert page.locator("h1").count() == 1
        check_page(page, name)
    # Read-only, once consolidated.
    set_status(app, w.consultation, ConsultationStatus.consolidated)
    page.goto(live_server.url(w.principle_url(1)))
    check_page(page, "consolidation-principle-readonly")


def test_a_disposition_and_a_summary_are_saved_with_the_keyboard(app, page, live_server, consolidating):
    w = consolidating
    login(page, live_server, w.owner.email)
    page.goto(live_server.url(w.principle_url(1)))
    key = f"d-p{w.su_p2}-comment"
    form = page.locator(f"#{key}")
    form.get_by_label("Delvis beaktad").focus()
    page.keyboard.press("Space")
    form.locator("textarea").fill("Vi förtydligar principen.")
    form.locator("textarea").focus()
    page.keyboard.press("Tab")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith(f"#{key}")
    assert "Ställningstagandet är sparat." in page.locator(".flashes").inner_text()
    assert page.locator(f"#{key} input[value=partly_accepted]").is_checked()
    assert "1 av 2 synpunkter har ställningstagande" in page.locator("main").inner_text()

    page.get_by_label("Sammanfattning för princip 2").fill("Två avstyrker; vi skriver om.")
    with page.expect_navigation():
        page.get_by_role("button", name="Spara sammanfattningen").click()
    assert page.url.endswith("#summary")
    assert "Sammanfattningen är sparad." in page.locator(".flashes").inner_text()


def test_a_conflict_shows_both_versions(app, page, live_server, consolidating, browser):
    w = consolidating
    login(page, live_server, w.owner.email)
    page.goto(live_server.url(w.principle_url(0)))
    key = f"d-p{w.su_p1}-comment"
    # Someone else saves the same disposition in another browser meanwhile.
    other = browser.new_context(locale="sv-SE").new_page()
    login(other, live_server, w.other_owner.email)
    other.goto(live_server.url(w.principle_url(0)))
    other.locator(f"#{key}").get_by_label("Beaktad", exact=True).check()
    other.locator(f"#{key} textarea").fill("Olles motivering.")
    with other.expect_navigation():
        other.locator(f"#{key} button").click()
    other.context.close()

    page.locator(f"#{key}").get_by_label("Ej beaktad").check()
    page.locator(f"#{key} textarea").fill("Petras motivering.")
    with page.expect_navigation():
        page.locator(f"#{key} button").click()
    assert "Olle Processansvarig sparade samma sak" in page.locator(".error-summary").inner_text()
    conflict = page.locator(f"#{key} .conflict").inner_text()
    assert "Olles motivering." in conflict and "Beaktad" in conflict
    assert page.locator(f"#{key} textarea").input_value() == "Petras motivering."
    check_page(page, "consolidation-conflict")
