"""The decision pages in a real browser: the decision page (version, diff, report, open issues,
comments, decision form), the confirmation of a decision and the recorded decision pass the shared
page checks (axe WCAG 2.1 A/AA at 1280 and 320 px, no sideways scrolling)."""
import pytest

from remiss.auth.models import User
from remiss.consultations.models import Consultation
from remiss.decisions import operations
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.extensions import db
from tests.consolidation.conftest import consolidating  # noqa: F401  (fixture)
from tests.decisions.conftest import deciding, next_version  # noqa: F401  (fixture)
from tests.e2e.conftest import check_page, login
from tests.responses.conftest import answering  # noqa: F401  (consolidating builds on it)

pytestmark = pytest.mark.e2e


def test_decision_page_passes_the_checks(app, page, live_server, deciding):
    w = deciding
    with app.app_context():
        # An approved version 1 to compare with, so that the page shows its diff.
        db.session.get(DocumentVersion, w.v1).published_at = db.func.now()
        db.session.commit()
        proposal = operations.propose(db.session.get(DocumentVersion, w.v2), db.session.get(Consultation, w.consultation),
                                      "Version 2 efter **remissen**.", None, db.session.get(User, w.owner.id))
        operations.comment(proposal, "Jag stöder förslaget.", db.session.get(User, w.steering.id))
        db.session.commit()
        proposal_id = proposal.id
    login(page, live_server, w.steering.email)
    response = page.goto(live_server.url(f"/decisions/{proposal_id}"))
    assert response.status == 200
    assert page.locator("ins").count() > 0  # the word diff is on the page
    check_page(page, "decision-page")

    # The decision form leads to a confirmation, then to the recorded decision.
    page.check("input[name=outcome][value=approved]")
    page.fill("#decided_on", operations.today_in_stockholm().isoformat())
    page.fill("#minutes_reference", "Protokoll 2026-11-20")
    page.fill("#paragraph", "§ 7")
    page.fill("#present", "Stig Styrgrupp\nSara Styrgrupp")
    page.locator("#decision form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Stämmer beslutet?" in page.content()
    check_page(page, "decision-confirm")
    page.locator("button[value=record]").click()
    page.wait_for_load_state()
    assert "Beslutet är registrerat" in page.content()
    check_page(page, "decision-recorded")
    with app.app_context():
        assert db.session.get(DocumentVersion, w.v2).status == VersionStatus.published

    page.goto(live_server.url("/decisions"))
    check_page(page, "decisions-index")


def test_propose_page_passes_the_checks(app, page, live_server, deciding):
    w = deciding
    login(page, live_server, w.owner.email)
    response = page.goto(live_server.url(f"/documents/{w.key}/versions/2/propose"))
    assert response.status == 200
    check_page(page, "decision-propose")
    page.fill("#meeting_on", "1999-01-01")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "Mötesdatumet har redan passerat." in page.content()
    check_page(page, "decision-propose-error")
