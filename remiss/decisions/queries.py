"""Read side of the decision pages; each helper runs a fixed number of statements."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget
from remiss.consolidation.queries import respondent_name
from remiss.consultations.models import (
    Consultation,
    ConsultationStatus,
    GeneralAnswer,
    GeneralQuestion,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
)
from remiss.decisions.models import Decision, Proposal, ProposalComment
from remiss.documents.models import DocumentVersion, PrincipleText, VersionStatus
from remiss.extensions import db

PROPOSALS_PER_PAGE = 20
# The awaiting list is short in practice (one per document at most); a cap keeps the page bounded.
AWAITING_MAX = 100


def _listed(statement):
    return statement.options(
        joinedload(Proposal.version).joinedload(DocumentVersion.document),
        joinedload(Proposal.consultation),
        joinedload(Proposal.sent_by),
        joinedload(Proposal.decision),
    )


def _undecided():
    return and_(Decision.id.is_(None), DocumentVersion.status == VersionStatus.proposed)


def awaiting_proposals() -> list[Proposal]:
    """Proposals the steering group has still to decide, the next meeting first: one statement."""
    return list(db.session.execute(
        _listed(select(Proposal).join(Proposal.version).outerjoin(Decision, Decision.proposal_id == Proposal.id)
                .where(_undecided())
                .order_by(Proposal.meeting_on.is_(None), Proposal.meeting_on, Proposal.sent_at)
                .limit(AWAITING_MAX))
    ).unique().scalars())


def closed_proposals_page(page: int = 1):
    """Decided proposals (and those whose version was withdrawn before the meeting), newest first."""
    return db.paginate(
        _listed(select(Proposal).join(Proposal.version).outerjoin(Decision, Decision.proposal_id == Proposal.id)
                .where(or_(Decision.id.is_not(None), DocumentVersion.status != VersionStatus.proposed))
                .order_by(Proposal.sent_at.desc(), Proposal.id.desc())),
        page=page, per_page=PROPOSALS_PER_PAGE, error_out=False,
    )


def get_proposal(proposal_id: int) -> Proposal | None:
    """A proposal with everything its decision page shows about it: three statements."""
    return db.session.execute(
        select(Proposal).where(Proposal.id == proposal_id).options(
            joinedload(Proposal.version).joinedload(DocumentVersion.document),
            joinedload(Proposal.consultation),
            joinedload(Proposal.sent_by),
            joinedload(Proposal.decision).joinedload(Decision.recorded_by),
            selectinload(Proposal.comments).joinedload(ProposalComment.author),
        )
    ).unique().scalar_one_or_none()


def pending_proposal(version: DocumentVersion) -> Proposal | None:
    """The proposal of this version that waits for its decision, if any."""
    return db.session.execute(
        select(Proposal).outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.version_id == version.id, Decision.id.is_(None))
        .order_by(Proposal.id.desc()).limit(1)
    ).scalar_one_or_none()


def proposals_of(version: DocumentVersion) -> list[Proposal]:
    """Every proposal of a version, oldest first, with its decision (one statement)."""
    return list(db.session.execute(
        select(Proposal).where(Proposal.version_id == version.id)
        .options(joinedload(Proposal.decision)).order_by(Proposal.id)
    ).unique().scalars())


def consultations_for(version: DocumentVersion) -> list[Consultation]:
    """Consultations whose report may go with a proposal of this version: on it or an earlier
    version of the same document, consolidation complete; the newest first."""
    return list(db.session.execute(
        select(Consultation).join(Consultation.version)
        .where(DocumentVersion.document_id == version.document_id, DocumentVersion.number <= version.number,
               Consultation.status.in_((ConsultationStatus.consolidated, ConsultationStatus.decided)))
        .options(joinedload(Consultation.version))
        .order_by(DocumentVersion.number.desc(), Consultation.id.desc())
    ).unique().scalars())


def previous_approved(version: DocumentVersion) -> DocumentVersion | None:
    """The approved version this one would replace (or replaced): the newest earlier version that
    was published, whether it still is or has been superseded since."""
    return db.session.execute(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == version.document_id, DocumentVersion.number < version.number,
               or_(DocumentVersion.status == VersionStatus.published, DocumentVersion.published_at.is_not(None)))
        .order_by(DocumentVersion.number.desc()).limit(1)
    ).scalar_one_or_none()


# --- the open issues --------------------------------------------------------------------------


@dataclass
class OpenIssue:
    """A comment the process owner did not accept ("ej beaktad"), with the reason and who said it."""

    respondent: str
    target: DispositionTarget
    text: str
    reason: str
    principle: PrincipleText | None = None
    question: GeneralQuestion | None = None

    @property
    def is_proposed_wording(self) -> bool:
        return self.target == DispositionTarget.proposed_wording


def open_issues(consultation: Consultation | None) -> list[OpenIssue]:
    """Every comment, proposed wording and general answer of the consultation's submitted answers
    marked "ej beaktad", in document order: two statements, however many there are."""
    if consultation is None:
        return []
    submitted = and_(Response.status == ResponseStatus.submitted, Respondent.consultation_id == consultation.id)
    on_principles = db.session.execute(
        select(Disposition, PrincipleAnswer, PrincipleText, Respondent)
        .join(PrincipleAnswer, Disposition.principle_answer_id == PrincipleAnswer.id)
        .join(PrincipleText, PrincipleAnswer.principle_text_id == PrincipleText.id)
        .join(Response, PrincipleAnswer.response_id == Response.id)
        .join(Respondent, Response.respondent_id == Respondent.id)
        .where(submitted, Disposition.kind == DispositionKind.not_accepted)
        .options(joinedload(Respondent.organisation), joinedload(Respondent.user))
        .order_by(PrincipleText.position, Respondent.id, Disposition.target)
    ).unique().all()
    on_questions = db.session.execute(
        select(Disposition, GeneralAnswer, GeneralQuestion, Respondent)
        .join(GeneralAnswer, Disposition.general_answer_id == GeneralAnswer.id)
        .join(GeneralQuestion, GeneralAnswer.general_question_id == GeneralQuestion.id)
        .join(Response, GeneralAnswer.response_id == Response.id)
        .join(Respondent, Response.respondent_id == Respondent.id)
        .where(submitted, Disposition.kind == DispositionKind.not_accepted)
        .options(joinedload(Respondent.organisation), joinedload(Respondent.user))
        .order_by(GeneralQuestion.position, Respondent.id)
    ).unique().all()
    issues = []
    for disposition, answer, principle, respondent in on_principles:
        text = answer.proposed_wording if disposition.target == DispositionTarget.proposed_wording else answer.comment
        issues.append(OpenIssue(respondent=respondent_name(respondent), target=disposition.target, text=text,
                                reason=disposition.reason, principle=principle))
    for disposition, answer, question, respondent in on_questions:
        issues.append(OpenIssue(respondent=respondent_name(respondent), target=disposition.target, text=answer.text,
                                reason=disposition.reason, question=question))
    return issues
