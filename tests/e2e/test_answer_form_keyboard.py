"""In a real browser, with the keyboard only: answer a principle, see "Sparat", go on to the next one."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from remiss.consultations.models import PrincipleAnswer
from remiss.extensions import db
from tests.e2e.conftest import check_page, login
# The consultation open for answers, from the answering tests.
from tests.responses.conftest import answering  # noqa: F401

pytestmark = pytest.mark.e2e


def tab_to(page, predicate: str, limit: int = 250):
    """Press Tab until the focused element matches the JavaScript predicate (on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"() => {{ const el = document.activeElement; return !!({predicate}); }}"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_answering_with_the_keyboard_only_autosaves(app, page, live_server, answering):  # noqa: F811
    w = answering
    key = f"p{w.principles[0]}"
    login(page, live_server, w.anna.email)
    page.goto(live_server.url(w.respond_url + "?principle=1"))
    check_page(page, "answer-principle")

    # The stance: Tab into the radio group, arrows choose.
    tab_to(page, f"el.name === '{key}.stance'")
    page.keyboard.press("ArrowDown")
    chosen = page.evaluate(f"() => document.querySelector('input[name=\"{key}.stance\"]:checked').value")
    assert chosen

    # The comment: type, and the status line says it was saved.
    tab_to(page, f"el.name === '{key}.comment'")
    page.keyboard.type("Skrivet med tangentbordet, sparat medan jag skrev.")
    status = page.locator("#save-status")
    status.filter(has_text=re.compile(r"Sparat \d\d:\d\d")).wait_for(timeout=10_000)
    assert page.locator(f"#{key}-comment-count").inner_text().startswith("50 av 10")
    assert page.locator("#progress-text").inner_text() == "1 av 3 principer besvarade"
    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer)).scalar_one()
        assert answer.comment == "Skrivet med tangentbordet, sparat medan jag skrev."
        assert answer.stance is not None and answer.stance.value == chosen

    # "Spara och gå vidare" by keyboard: the page change saves what was typed since.
    page.keyboard.type(" Och lite till.")
    tab_to(page, "el.tagName === 'BUTTON' && el.value === 'next'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"principle=2"))
    assert "Sparat" in page.locator(".flashes").inner_text()
    with app.app_context():
        assert db.session.execute(select(PrincipleAnswer.comment)).scalar_one().endswith("Och lite till.")
    assert page.browser_errors == []

    # The rest of the way, every page checked: general questions, summary, submission, receipt, Mina remisser.
    page.goto(live_server.url(w.respond_url + "/general"))
    check_page(page, "answer-general")
    page.goto(live_server.url(w.respond_url + "?all=1"))
    check_page(page, "answer-all")
    page.goto(live_server.url(w.respond_url + "/summary"))
    check_page(page, "answer-summary")
    # Whether the answer may be published with the organisation's name: a required yes/no.
    tab_to(page, "el.type === 'radio' && el.name === 'publish_name'")
    page.keyboard.press("Space")
    assert page.evaluate("() => document.querySelector('input[name=publish_name][value=yes]').checked")
    tab_to(page, "el.tagName === 'BUTTON' && el.textContent.trim() === 'Skicka in svaret'")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/respond/receipt"))
    assert "Svaret är inskickat" in page.locator("h1").inner_text()
    check_page(page, "answer-receipt")
    page.goto(live_server.url("/my"))
    check_page(page, "my-consultations")
