"""Read side of answering: the question set of a consultation, a response's stored parts, the
people behind a respondent and the "Mina remisser" list – each in a fixed number of statements."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

from sqlalchemy import bindparam, case, exists, func, or_, select, union
from sqlalchemy.orm import joinedload, selectinload

from remiss.auth.models import Role, User
from remiss.consultations.models import (
    AlternativeChoice,
    Attachment,
    Consultation,
    ConsultationStatus,
    CriterionAnswer,
    Dissent,
    GeneralAnswer,
    GeneralQuestion,
    LateSave,
    PrincipleAnswer,
    Respondent,
    Response,
)
from remiss.documents.models import Criterion, DocumentVersion, PrincipleText, Section
from remiss.extensions import db
from remiss.labels import RATINGS
from remiss.permissions import may_answer_for

MY_PAGE_SIZE = 20


def respondent_name(respondent: Respondent) -> str:
    if respondent.organisation is not None:
        return respondent.organisation.name
    return respondent.user.name if respondent.user is not None else ""


# --- the question set ---------------------------------------------------------------------------


@dataclass
class AnswerContext:
    """What a consultation asks, in document order: principles, criteria, general questions,
    and the sections that offer alternatives."""

    consultation: Consultation
    principles: list[PrincipleText]
    criteria: list[Criterion]
    general_questions: list[GeneralQuestion]
    sections: list[Section]  # only those with alternatives, and only if alternatives are asked

    @property
    def ratings(self) -> list[tuple[str, str]]:
        return RATINGS[self.consultation.criteria_scale]

    def principle_by_number(self, number: int) -> PrincipleText | None:
        return next((p for p in self.principles if p.number == number), None)

    def principle_by_id(self, principle_text_id: int) -> PrincipleText | None:
        return next((p for p in self.principles if p.id == principle_text_id), None)

    def section_by_id(self, section_id: int) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    def question_by_id(self, question_id: int) -> GeneralQuestion | None:
        return next((q for q in self.general_questions if q.id == question_id), None)

    def asks_alternatives(self, principle_text: PrincipleText) -> bool:
        return bool(self.consultation.ask_alternatives and principle_text.alternatives)

    @property
    def has_general_page(self) -> bool:
        return bool(self.general_questions or self.sections)

    def neighbours(self, principle_text: PrincipleText) -> tuple[PrincipleText | None, PrincipleText | None]:
        index = self.principles.index(principle_text)
        previous = self.principles[index - 1] if index > 0 else None
        following = self.principles[index + 1] if index + 1 < len(self.principles) else None
        return previous, following


def answer_context(consultation_id: int) -> AnswerContext | None:
    """Four statements whatever the size of the document."""
    consultation = db.session.execute(
        select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(
            selectinload(Consultation.version).selectinload(DocumentVersion.document),
            selectinload(Consultation.criteria),
            selectinload(Consultation.general_questions),
        )
    ).scalar_one_or_none()
    if consultation is None:
        return None
    principles = list(db.session.execute(
        select(PrincipleText).where(PrincipleText.version_id == consultation.version_id)
        .options(selectinload(PrincipleText.alternatives), selectinload(PrincipleText.principle))
        .order_by(PrincipleText.position)
    ).scalars())
    sections = []
    if consultation.ask_alternatives:
        sections = [s for s in db.session.execute(
            select(Section).where(Section.version_id == consultation.version_id)
            .options(selectinload(Section.alternatives)).order_by(Section.position)
        ).scalars() if s.alternatives]
    return AnswerContext(consultation=consultation, principles=principles, criteria=list(consultation.criteria),
                         general_questions=list(consultation.general_questions), sections=sections)


@dataclass
class PartsContext:
    """What autosave needs of a consultation: the consultation and only the principles, sections
    and general questions a request names (`load`), not the whole document. AnswerContext cost ten
    statements on every save; this costs one per kind of part named. It answers the lookups
    forms.parse_parts and forms.differences make; criteria are loaded only when a request
    answers one (Consultation.criteria, lazily)."""

    consultation: Consultation
    principles: dict[int, PrincipleText] = field(default_factory=dict)
    sections: dict[int, Section] = field(default_factory=dict)  # as in AnswerContext: only those offering alternatives
    general_questions: dict[int, GeneralQuestion] = field(default_factory=dict)
    # The response's stored answer on each principle named, by principle (None: none yet), read in
    # the same statement as the principles when `load` is given the response (for save_answers).
    principle_answers: dict[int, PrincipleAnswer | None] = field(default_factory=dict)

    @property
    def criteria(self) -> list[Criterion]:
        return self.consultation.criteria

    @property
    def ratings(self) -> list[tuple[str, str]]:
        return RATINGS[self.consultation.criteria_scale]

    def principle_by_id(self, principle_text_id: int) -> PrincipleText | None:
        return self.principles.get(principle_text_id)

    def section_by_id(self, section_id: int) -> Section | None:
        return self.sections.get(section_id)

    def question_by_id(self, question_id: int) -> GeneralQuestion | None:
        return self.general_questions.get(question_id)

    def load(self, principle_ids, alternative_principle_ids, section_ids, question_ids, *,
             response: Response | None = None) -> None:
        """The subjects named, looked up in this consultation only (ids come from the request);
        with `response`, also its stored answers on the principles named (`principle_answers`)."""
        consultation = self.consultation
        ids = set(principle_ids) | set(alternative_principle_ids)
        if ids:
            statement = _PRINCIPLES_NAMED if response is None else _PRINCIPLES_NAMED_WITH_ANSWERS
            if alternative_principle_ids:
                statement = statement.options(selectinload(PrincipleText.alternatives))
            rows = db.session.execute(statement, {"version_id": consultation.version_id, "ids": list(ids),
                                                  "response_id": getattr(response, "id", None)}).unique()
            for principle, *answer in rows:
                self.principles[principle.id] = principle
                if answer:
                    self.principle_answers[principle.id] = answer[0]
        if section_ids and consultation.ask_alternatives:
            self.sections = {s.id: s for s in db.session.execute(
                select(Section).where(Section.version_id == consultation.version_id, Section.id.in_(set(section_ids)))
                .options(selectinload(Section.alternatives))
            ).scalars() if s.alternatives}
        if question_ids:
            self.general_questions = {q.id: q for q in db.session.execute(
                select(GeneralQuestion).where(GeneralQuestion.consultation_id == consultation.id,
                                              GeneralQuestion.id.in_(set(question_ids)))
            ).scalars()}


# Built once (autosave's statements run every few seconds per writer; building one costs about
# as much CPU as sending it).
_PRINCIPLES_NAMED = select(PrincipleText).where(PrincipleText.version_id == bindparam("version_id"),
                                                PrincipleText.id.in_(bindparam("ids", expanding=True)))
# The same with the response's answer on each (joined with its criterion answers: a few at most).
_PRINCIPLES_NAMED_WITH_ANSWERS = (
    _PRINCIPLES_NAMED.add_columns(PrincipleAnswer)
    .outerjoin(PrincipleAnswer, (PrincipleAnswer.principle_text_id == PrincipleText.id)
               & (PrincipleAnswer.response_id == bindparam("response_id")))
    .options(joinedload(PrincipleAnswer.criterion_answers))
)


def parts_context(consultation_id: int) -> PartsContext | None:
    """The consultation alone, for autosave (its subjects come with `load`): no statement when the
    answerer's respondent has brought it into the session (respondent_for), else one."""
    consultation = db.session.get(Consultation, consultation_id)
    return PartsContext(consultation) if consultation is not None else None


# --- a response's parts -------------------------------------------------------------------------


def has_content(answer: PrincipleAnswer | None) -> bool:
    """Anything at all said about the principle (the same rule as _answered_principles in SQL)."""
    if answer is None:
        return False
    return bool(answer.stance or answer.comment or answer.proposed_wording
                or any(ca.rating or ca.comment for ca in answer.criterion_answers))


@dataclass
class StoredAnswers:
    response: Response | None
    principles: dict[int, PrincipleAnswer] = field(default_factory=dict)  # by principle_text_id
    general: dict[int, GeneralAnswer] = field(default_factory=dict)  # by general_question_id
    principle_choices: dict[int, AlternativeChoice] = field(default_factory=dict)
    section_choices: dict[int, AlternativeChoice] = field(default_factory=dict)
    attachments: list[Attachment] = field(default_factory=list)

    def answered(self, principle_text: PrincipleText) -> bool:
        choice = self.principle_choices.get(principle_text.id)
        return has_content(self.principles.get(principle_text.id)) or bool(
            choice and (choice.alternative_id or choice.reason))

    def answered_count(self, context: AnswerContext) -> int:
        return sum(1 for p in context.principles if self.answered(p))

    def unanswered(self, context: AnswerContext) -> list[PrincipleText]:
        return [p for p in context.principles if not self.answered(p)]


def stored_answers(response: Response | None) -> StoredAnswers:
    """Every part of a response, with who saved it; five statements."""
    stored = StoredAnswers(response=response)
    if response is None:
        return stored
    for answer in db.session.execute(
        select(PrincipleAnswer).where(PrincipleAnswer.response_id == response.id)
        .options(selectinload(PrincipleAnswer.criterion_answers))
    ).scalars():
        stored.principles[answer.principle_text_id] = answer
    for answer in db.session.execute(select(GeneralAnswer).where(GeneralAnswer.response_id == response.id)).scalars():
        stored.general[answer.general_question_id] = answer
    for choice in db.session.execute(
        select(AlternativeChoice).where(AlternativeChoice.response_id == response.id)
        .options(selectinload(AlternativeChoice.alternative))
    ).scalars():
        if choice.section_id is not None:
            stored.section_choices[choice.section_id] = choice
        else:
            stored.principle_choices[choice.principle_text_id] = choice
    stored.attachments = list(db.session.execute(
        select(Attachment).where(Attachment.response_id == response.id).order_by(Attachment.uploaded_at)
    ).scalars())
    return stored


def editor_names(stored: StoredAnswers) -> dict[int, str]:
    """Names of everyone who saved a part, by user id: one statement."""
    ids = {row.updated_by_id for rows in (stored.principles, stored.general, stored.principle_choices,
                                          stored.section_choices) for row in rows.values() if row.updated_by_id}
    if stored.response is not None:
        ids |= {i for i in (stored.response.submitted_by_id, stored.response.registered_by_id) if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def revisions(respondent: Respondent) -> list[Response]:
    return list(db.session.execute(
        select(Response).where(Response.respondent_id == respondent.id).order_by(Response.revision)
    ).scalars())


# --- who answers ------------------------------------------------------------------------------


def respondent_for(user, consultation_id: int) -> Respondent | None:
    """The respondent the user answers for in a consultation: their organisation, else themselves."""
    if not (user and user.is_authenticated):
        return None
    candidates = db.session.execute(_RESPONDENTS_OF, {
        "consultation_id": consultation_id, "user_id": user.id, "organisation_id": user.organisation_id,
    }).unique().scalars().all()
    return next((r for r in candidates if may_answer_for(user, r)), None)


# Built once: every autosave asks. Without an organisation, "organisation_id = NULL" matches nothing.
# The responses (revisions: one or two) come in the same statement: every answer page and autosave
# goes on to operations.current_response, which then needs no statement of its own. So does the
# consultation, which autosave then takes from the session (parts_context).
_RESPONDENTS_OF = (
    select(Respondent).options(joinedload(Respondent.responses), joinedload(Respondent.consultation))
    .where(Respondent.consultation_id == bindparam("consultation_id"),
           or_(Respondent.user_id == bindparam("user_id"), Respondent.organisation_id == bindparam("organisation_id")))
    .order_by(Respondent.organisation_id.is_(None))
)


def people_answering_for(respondent: Respondent) -> list[User]:
    """Everyone who may write this respondent's answer and is active: the organisation's
    representatives, or the individual. They all get the receipt."""
    if respondent.organisation_id is not None:
        statement = select(User).where(User.organisation_id == respondent.organisation_id,
                                       User.role == Role.representative, User.active.is_(True))
    else:
        statement = select(User).where(User.id == respondent.user_id, User.active.is_(True))
    return list(db.session.execute(statement.order_by(User.name, User.id)).scalars())


def late_saves(respondent: Respondent) -> list[LateSave]:
    return list(db.session.execute(
        select(LateSave).where(LateSave.respondent_id == respondent.id)
        .options(selectinload(LateSave.respondent)).order_by(LateSave.received_at.desc())
    ).scalars())


def _answered_principles(of_responses):
    """(response_id, principle_text_id) of every principle a response says anything about
    (the rule of StoredAnswers.answered), as a subquery; `of_responses(column)` is the condition
    on a response_id column."""
    criterion_said = exists().where(CriterionAnswer.principle_answer_id == PrincipleAnswer.id,
                                    or_(CriterionAnswer.rating.is_not(None), CriterionAnswer.comment != ""))
    said = select(PrincipleAnswer.response_id.label("response_id"),
                  PrincipleAnswer.principle_text_id.label("principle_text_id")).where(
        of_responses(PrincipleAnswer.response_id),
        or_(PrincipleAnswer.stance.is_not(None), PrincipleAnswer.comment != "", PrincipleAnswer.proposed_wording != "",
            criterion_said))
    chosen = select(AlternativeChoice.response_id, AlternativeChoice.principle_text_id).where(
        of_responses(AlternativeChoice.response_id), AlternativeChoice.principle_text_id.is_not(None),
        or_(AlternativeChoice.alternative_id.is_not(None), AlternativeChoice.reason != ""))
    return union(said, chosen).subquery()


def answered_counts(response_ids: list[int]) -> dict[int, int]:
    """How many principles each response says anything about (as StoredAnswers.answered): one statement."""
    if not response_ids:
        return {}
    both = _answered_principles(lambda column: column.in_(response_ids))
    return dict(db.session.execute(
        select(both.c.response_id, func.count(func.distinct(both.c.principle_text_id))).group_by(both.c.response_id)
    ).all())


@functools.cache
def _progress_statement():
    # Built once: constructing a statement this size cost more than running it (autosave sends it
    # every few seconds per writer).
    both = _answered_principles(lambda column: column == bindparam("response_id"))
    answered = select(func.count(func.distinct(both.c.principle_text_id))).scalar_subquery()
    total = (select(func.count(PrincipleText.id)).where(PrincipleText.version_id == bindparam("version_id"))
             .scalar_subquery())
    return select(answered, total)


def progress(response: Response, consultation: Consultation) -> tuple[int, int]:
    """(principles answered, principles asked): one statement, instead of loading the whole answer."""
    row = db.session.execute(_progress_statement(),
                             {"response_id": response.id, "version_id": consultation.version_id}).one()
    return row[0], row[1]


# --- "Mina remisser" ----------------------------------------------------------------------------


@dataclass
class MyRow:
    consultation: Consultation
    respondent: Respondent
    response: Response | None
    answered: int
    total: int


def my_consultations(user, page: int, per_page: int = MY_PAGE_SIZE):
    """The consultations the user's organisation (or the user) has been asked in, open ones first,
    with the state of the answer: a page of rows in four statements."""
    conditions = [Respondent.user_id == user.id]
    if user.organisation_id is not None:
        conditions.append(Respondent.organisation_id == user.organisation_id)
    statement = (
        select(Respondent)
        .join(Consultation, Consultation.id == Respondent.consultation_id)
        .where(or_(*conditions), Consultation.status != ConsultationStatus.draft)
        .options(selectinload(Respondent.consultation), selectinload(Respondent.organisation),
                 selectinload(Respondent.user))
        .order_by(case((Consultation.status == ConsultationStatus.open, 0), else_=1), Consultation.deadline,
                  Respondent.id)
    )
    pagination = db.paginate(statement, page=page, per_page=per_page, error_out=False)
    respondents = [r for r in pagination.items if may_answer_for(user, r)]
    current: dict[int, Response] = {}
    counts: dict[int, int] = {}
    totals: dict[int, int] = {}
    if respondents:
        for response in db.session.execute(
            select(Response).where(Response.respondent_id.in_([r.id for r in respondents]))
            .order_by(Response.respondent_id, Response.revision)
        ).scalars():
            current[response.respondent_id] = response  # the last revision wins
        counts = answered_counts([r.id for r in current.values()])
        version_ids = {r.consultation.version_id for r in respondents}
        totals = dict(db.session.execute(
            select(PrincipleText.version_id, func.count(PrincipleText.id))
            .where(PrincipleText.version_id.in_(version_ids)).group_by(PrincipleText.version_id)
        ).all())
    rows = []
    for respondent in respondents:
        response = current.get(respondent.id)
        rows.append(MyRow(
            consultation=respondent.consultation, respondent=respondent, response=response,
            answered=counts.get(response.id, 0) if response is not None else 0,
            total=totals.get(respondent.consultation.version_id, 0),
        ))
    return pagination, rows


def dissents(response: Response | None) -> list[Dissent]:
    """The dissents recorded on an answer, oldest first, with their authors: one statement."""
    if response is None or response.id is None:
        return []
    return list(db.session.execute(
        select(Dissent).where(Dissent.response_id == response.id)
        .options(selectinload(Dissent.author)).order_by(Dissent.created_at, Dissent.id)
    ).scalars())
