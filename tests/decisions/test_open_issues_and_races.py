"""The open issues list ("ej beaktad" only, in a fixed number of statements) and a decision that
arrives twice at once."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from remiss.auth.models import User
from remiss.consolidation import operations as consolidation
from remiss.consolidation.models import DispositionTarget
from remiss.consultations.models import Consultation, ConsultationStatus, PrincipleAnswer, Respondent, Response
from remiss.decisions import operations, queries
from remiss.decisions.models import Decision, Proposal
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.extensions import db
from tests.conftest import post_form
from tests.consolidation.conftest import StatementCounter, add_respondents, page_of, set_status
from tests.decisions.conftest import NOT_ACCEPTED_REASONS


def _propose(app, w) -> int:
    with app.app_context():
        proposal = operations.propose(db.session.get(DocumentVersion, w.v2), db.session.get(Consultation, w.consultation),
                                      "", None, db.session.get(User, w.owner.id))
        db.session.commit()
        return proposal.id


def test_the_open_issues_are_the_comments_not_accepted(app, client, auth, deciding):
    w = deciding
    proposal_id = _propose(app, w)
    with app.app_context():
        issues = queries.open_issues(db.session.get(Consultation, w.consultation))
        assert [(i.respondent, i.target, i.reason) for i in issues] == [
            ("Sahlgrenska Universitetssjukhuset", DispositionTarget.comment, NOT_ACCEPTED_REASONS[0]),
            ("Sahlgrenska Universitetssjukhuset", DispositionTarget.proposed_wording, NOT_ACCEPTED_REASONS[1]),
            ("Sahlgrenska Universitetssjukhuset", DispositionTarget.general, NOT_ACCEPTED_REASONS[2]),
        ]
        assert issues[0].principle.number == 2 and issues[1].text == "Ny lydelse." and issues[2].question.text == "Synpunkter?"
    auth.login(w.steering.email)
    page = page_of(client.get(f"/decisions/{proposal_id}"))
    section = page[page.index('id="issues-heading"'):page.index('id="comments-heading"')]
    assert "Ny lydelse." in section and "Allmänt bra." in section
    assert "&lt;script&gt;" in section and "<script>alert" not in section  # the comment is escaped
    for handled_otherwise in ("Bra princip.", "Skriv så här.", "Tack för att jag fick svara."):
        assert handled_otherwise not in section


def test_the_open_issues_take_the_same_statements_however_many(app, deciding):
    w = deciding
    set_status(app, w.consultation, ConsultationStatus.closed)

    def count():
        with app.app_context():
            consultation = db.session.get(Consultation, w.consultation)
            with StatementCounter(app) as counter:
                issues = queries.open_issues(consultation)
                [(i.respondent, i.principle and i.principle.title) for i in issues]
            return len(counter), len(issues)

    before, few = count()
    add_respondents(app, w, 6)
    add_respondents(app, w, 3, prefix="Patient", individuals=True)
    with app.app_context():
        owner = db.session.get(User, w.owner.id)
        answers = db.session.execute(
            select(PrincipleAnswer).join(Response).join(Respondent)
            .where(Respondent.consultation_id == w.consultation, PrincipleAnswer.comment.like("Synpunkt nummer%"))
        ).scalars().all()
        for answer in answers:
            consolidation.set_disposition(answer, "comment", "not_accepted", "Nej.", 0, owner)
        db.session.commit()
    after, many = count()
    assert many > few + 20
    assert after == before


def test_a_second_decision_at_the_same_time_is_refused(app, deciding):
    w = deciding
    proposal_id = _propose(app, w)
    args = (operations.today_in_stockholm(), "Styrgruppen", "Protokoll 1", "§ 1", "Stig", "")
    with app.app_context():
        stale = db.session.get(Proposal, proposal_id)
        assert operations.is_open(stale)  # loaded before the other decision lands
        with app.app_context():  # another request, its own session
            other = db.session.get(Proposal, proposal_id)
            operations.record_decision(other, "approved", *args, db.session.get(User, w.steering.id))
            db.session.commit()
        with pytest.raises(operations.NotNow) as refused:
            operations.record_decision(stale, "rejected", *args, db.session.get(User, w.owner.id))
        assert "redan beslutat" in refused.value.message
        db.session.rollback()
        assert db.session.query(Decision).count() == 1
        assert db.session.get(DocumentVersion, w.v2).status == VersionStatus.published


def test_a_version_withdrawn_while_proposed_closes_the_proposal(app, client, auth, deciding):
    w = deciding
    proposal_id = _propose(app, w)
    auth.login(w.owner.email)
    assert post_form(client, f"/documents/{w.key}/versions/2/withdraw").status_code == 303
    page = page_of(client.get(f"/decisions/{proposal_id}"))
    assert "Versionen återkallades innan styrgruppen beslutade." in page
    refused = client.get(f"/decisions/{proposal_id}/decision")
    assert refused.status_code == 409 and "väntar inte längre på beslut" in page_of(refused)
