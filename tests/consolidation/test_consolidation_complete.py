"""Marking the consolidation complete: refused while comments lack a disposition, then closed → consolidated."""
from __future__ import annotations

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consolidation import operations
from remiss.consultations.models import Consultation, ConsultationStatus, GeneralAnswer, PrincipleAnswer
from remiss.extensions import db
from tests.conftest import post_form
from tests.consolidation.conftest import page_of, set_status


def dispose_everything(app, w, except_last=False):
    with app.app_context():
        owner = db.session.get(User, w.owner.id)
        items = [(PrincipleAnswer, w.su_p1, "comment"), (PrincipleAnswer, w.su_p2, "comment"),
                 (PrincipleAnswer, w.su_p2, "proposed_wording"), (PrincipleAnswer, w.nu_p1, "proposed_wording"),
                 (GeneralAnswer, w.su_g1, "general"), (GeneralAnswer, w.pia_g1, "general")]
        if except_last:
            items = items[:-1]
        for model, answer_id, target in items:
            result = operations.set_disposition(db.session.get(model, answer_id), target, "noted", "", 0, owner)
            assert result.saved
        db.session.commit()


def status_of(app, w):
    with app.app_context():
        return db.session.get(Consultation, w.consultation).status


def test_complete_is_refused_while_comments_lack_a_disposition_then_allowed(app, owner_client, consolidating):
    w = consolidating
    url = f"{w.overview_url}/complete"
    html = page_of(owner_client.get(url))
    assert "0 av 6 synpunkter har ställningstagande" in html
    assert "Ja, markera sammanställningen som klar" not in html  # no button while something is missing
    refused = post_form(owner_client, url)
    assert refused.status_code == 409
    assert "6 synpunkter saknar ställningstagande" in page_of(refused)
    dispose_everything(app, w, except_last=True)
    refused = post_form(owner_client, url)
    assert refused.status_code == 409 and "1 synpunkt saknar ställningstagande" in page_of(refused)
    assert status_of(app, w) == ConsultationStatus.closed

    dispose_everything(app, w)
    html = page_of(owner_client.get(url))
    assert "6 av 6 synpunkter har ställningstagande" in html
    assert "3 principer saknar sammanfattning" in html  # told, not required
    done = post_form(owner_client, url)
    assert done.status_code == 303 and done.headers["Location"].endswith(w.overview_url)
    assert status_of(app, w) == ConsultationStatus.consolidated
    overview = page_of(owner_client.get(w.overview_url))
    assert "Sammanställningen är klar." in overview and "Sammanställd" in overview
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consultation.consolidated")).scalar_one()
        assert entry.before == {"status": "closed"} and entry.after["status"] == "consolidated"
        # The report is frozen with it (the report area's freeze_reports): report number 1.
        from remiss.consolidation.models import ConsolidatedReport
        numbers = set(db.session.execute(select(ConsolidatedReport.number)).scalars())
        assert numbers == {1}
    # Once consolidated: nothing more to complete, and dispositions are locked.
    again = post_form(owner_client, url)
    assert again.status_code == 409 and "klar och låst" in page_of(again)


def test_complete_is_refused_while_open(app, owner_client, consolidating):
    w = consolidating
    dispose_everything(app, w)
    set_status(app, w.consultation, ConsultationStatus.open)
    response = post_form(owner_client, f"{w.overview_url}/complete")
    assert response.status_code == 409 and "fortfarande öppen" in page_of(response)
    assert status_of(app, w) == ConsultationStatus.open


def test_complete_consolidation_operation_moves_the_state_once(app, consolidating):
    w = consolidating
    dispose_everything(app, w)
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        operations.complete_consolidation(consultation, db.session.get(User, w.owner.id))
        db.session.commit()
        assert consultation.status == ConsultationStatus.consolidated
        try:
            operations.complete_consolidation(consultation, None)
        except operations.NotEditable as refused:
            assert "klar och låst" in refused.message
        else:
            raise AssertionError("completed twice")


def test_the_overview_offers_completion_only_while_closed(app, owner_client, consolidating):
    w = consolidating
    assert "Markera sammanställningen som klar" in page_of(owner_client.get(w.overview_url))
    set_status(app, w.consultation, ConsultationStatus.open)
    html = page_of(owner_client.get(w.overview_url))
    assert "Markera sammanställningen som klar" not in html and "Förhandsvisning" in html
