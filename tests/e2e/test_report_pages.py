"""The report pages in a real browser: the report page and the in-app view pass the shared page checks
(axe WCAG 2.1 A/AA at 1280 and 320 px, no sideways scrolling), before and after the consolidation is
complete, with the paged parts of the view (a principle's answers, the respondents, a general
question, the appendix); the downloaded HTML report passes axe."""
import pytest

from remiss.consultations.models import ConsultationStatus
from remiss.reports import html
from tests.consolidation.conftest import consolidating, set_status  # noqa: F401  (fixture)
from tests.e2e.conftest import DESKTOP, NARROW, assert_no_horizontal_scroll, check_accessibility, check_page, login
from tests.responses.conftest import answering  # noqa: F401  (consolidating builds on it)

pytestmark = pytest.mark.e2e


def test_report_pages_pass_the_checks(app, page, live_server, consolidating, monkeypatch):
    w = consolidating
    monkeypatch.setattr(html, "PAGE_SIZE", 1)  # a few respondents: previous/next links on every paged part
    login(page, live_server, w.owner.email)
    base = f"/consultations/{w.consultation}/report"
    for name, path in [("report-page", base), ("report-view", base + "/view"),
                       ("report-view-principle", base + "/view?principle=1&page=2"),
                       ("report-view-respondents", base + "/view?part=respondents&page=2"),
                       ("report-view-question", base + "/view?question=1"),
                       ("report-view-appendix", base + "/view?part=appendix")]:
        response = page.goto(live_server.url(path))
        assert response.status == 200, f"{path}: {response.status}"
        check_page(page, name)
        # A table's box is a tab stop only while it scrolls (remiss.js), not on every table of the report.
        assert page.evaluate("""() => [...document.querySelectorAll('.table-wrapper[data-auto]')].every(box =>
            box.hasAttribute('tabindex') === (box.scrollWidth > box.clientWidth + 1))"""), name
    # The downloadable HTML report is a file, opened as the reader's browser would open it.
    download = page.request.get(live_server.url(base + ".html"))
    assert download.status == 200 and "attachment" in download.headers["content-disposition"]
    page.goto("about:blank")  # a file on the reader's disk: none of the site's policy applies
    page.set_content(download.text())
    check_accessibility(page)
    page.set_viewport_size(NARROW)  # 400 % zoom: the file reflows too
    assert_no_horizontal_scroll(page, "downloaded report at 320px")
    check_accessibility(page, "downloaded report at 320px")
    page.set_viewport_size(DESKTOP)
    assert "UTKAST" in page.content()

    set_status(app, w.consultation, ConsultationStatus.consolidated)
    page.goto(live_server.url(base))
    check_page(page, "report-page-consolidated")
