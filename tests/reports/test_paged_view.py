"""The report inside the app, page by page (reports.view), and the streamed HTML download.

The outline page has the figures and summaries and links to the pages of answers; a page of
answers shows html.PAGE_SIZE respondents with accessible previous/next links and runs the same
number of SQL statements whichever page it is. The downloaded HTML is streamed and is byte for
byte the document made whole (frozen copies, the PDF)."""
from __future__ import annotations

import re

import pytest

from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.extensions import db
from remiss.reports import html, rendering
from tests.conftest import statements_for
from tests.reports.conftest import GENERAL_SU, PER_COMMENT, PIA_COMMENT, SUMMARY_1, set_status
from tests.reports.test_downloads import log_in
from tests.reports.test_golden import normalise


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("public", [False, True])
@pytest.mark.parametrize("locale", ["sv", "en"])
def test_the_streamed_download_is_the_whole_document(app, client, auth, world, public, locale):
    log_in(auth, world, "process_owner")
    url = f"{world.report_url}.html?locale={locale}" + ("&public=1" if public else "")
    response = client.get(url)
    assert response.is_streamed
    streamed = text(response)
    with app.test_request_context():
        consultation = db.session.get(Consultation, world.consultation)
        whole = rendering.render(consultation, "html", public=public, locale=locale).decode("utf-8")
    assert normalise(streamed) == normalise(whole)
    assert PIA_COMMENT in streamed and "Koncernkontoret" in streamed


def test_the_outline_links_to_the_pages_of_answers(client, auth, world):
    log_in(auth, world, "process_owner")
    outline = text(client.get(f"{world.report_url}/view"))
    assert SUMMARY_1 in outline and "Svarsfrekvens" in outline
    # The answers themselves are on their own pages, one link per principle and question.
    assert PIA_COMMENT not in outline and GENERAL_SU not in outline
    for number in (1, 2, 3):
        assert f'href="{world.report_url}/view?principle={number}"' in outline
    assert f'href="{world.report_url}/view?question=1"' in outline
    assert f'href="{world.report_url}/view?part=respondents"' in outline
    assert f'href="{world.report_url}/view?part=appendix"' in outline
    public = text(client.get(f"{world.report_url}/view?public=1"))
    assert f'href="{world.report_url}/view?public=1&amp;principle=1"' in public


def test_answers_come_a_page_at_a_time(client, auth, world, monkeypatch):
    monkeypatch.setattr(html, "PAGE_SIZE", 2)  # four respondents answered: two pages
    log_in(auth, world, "process_owner")
    first = text(client.get(f"{world.report_url}/view?principle=1"))
    assert "Sida 1 av 2" in first and 'aria-current="page"' in first
    assert re.search(r'<nav class="pagination" aria-label="[^"]+">', first)
    assert re.search(r'href="[^"]*/report/view\?[^"]*page=2[^"]*" rel="next"', first)
    assert 'rel="prev"' not in first
    second = text(client.get(f"{world.report_url}/view?principle=1&page=2"))
    assert "Sida 2 av 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    both = first + second
    # Organisations by name, then individuals: each respondent on exactly one page.
    assert ("NU-sjukvården" in first) and ("Sahlgrenska Universitetssjukhuset" in first)
    assert PIA_COMMENT in second and "Patientföreträdare 1" in second and PER_COMMENT not in both  # on principle 3
    assert both.count("<th scope=\"row\">Pia Patient</th>") == 1
    assert "&lt;script&gt;" in first and "<script>alert" not in first
    assert client.get(f"{world.report_url}/view?principle=1&page=3").status_code == 404
    assert client.get(f"{world.report_url}/view?principle=9").status_code == 404


def test_respondents_questions_and_appendix_pages(client, auth, world, monkeypatch):
    log_in(auth, world, "process_owner")
    respondents = text(client.get(f"{world.report_url}/view?part=respondents"))
    assert "Koncernkontoret" in respondents and "Har inte svarat" in respondents
    assert "Patientföreträdare 2" in respondents  # Olle, not named, never answered
    question = text(client.get(f"{world.report_url}/view?question=1"))
    assert GENERAL_SU in question
    appendix = text(client.get(f"{world.report_url}/view?part=appendix"))
    assert "NU-sjukvården" in appendix and "SHA-256" in appendix
    monkeypatch.setattr(html, "PAGE_SIZE", 4)
    second = text(client.get(f"{world.report_url}/view?part=respondents&page=2"))
    assert "Sida 2 av 2" in second and "Koncernkontoret" not in second


def test_a_page_runs_as_many_statements_whichever_page(app, client, auth, world, monkeypatch):
    monkeypatch.setattr(html, "PAGE_SIZE", 1)
    log_in(auth, world, "process_owner")
    counts = {page: statements_for(app, client, f"{world.report_url}/view?principle=2&page={page}")
              for page in (1, 2, 4)}
    assert len(set(counts.values())) == 1, counts
    respondents = {page: statements_for(app, client, f"{world.report_url}/view?part=respondents&page={page}")
                   for page in (1, 6)}
    assert len(set(respondents.values())) == 1, respondents


def test_the_pages_are_read_as_the_report_is(app, client, auth, world):
    """Internal pages for the staff; the public ones for everyone once the consolidation is complete."""
    pages = ["/view?principle=1", "/view?part=respondents", "/view?question=1", "/view?part=appendix"]
    log_in(auth, world, "representative")
    for page in pages:
        assert client.get(world.report_url + page).status_code == 403
        assert client.get(world.report_url + page + "&public=1").status_code == 403
    set_status(app, world, ConsultationStatus.consolidated)
    for page in pages:
        assert client.get(world.report_url + page).status_code == 403
        public = text(client.get(world.report_url + page + "&public=1"))
        assert "@" not in re.sub(r"<(script|head)\b.*?</\1>", "", public, flags=re.S) or "example.se" not in public
