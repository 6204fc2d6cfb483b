"""Återkoppling: after the consolidation is complete, each respondent is told what was done with each
of its comments – the disposition, the reason and the change it led to in the next version – and may
object to a disposition in writing within a set period. The objections go to the steering group's
decision page and into the decision record.

State questions (when feedback can be sent, when objections are accepted), the operations (send the
feedback, object) and the read side (one respondent's feedback page, a consultation's objections).
Operations take the acting user, validate, write an audit entry and never commit.

Rules chosen here:
- Feedback goes out once per consultation: the conditional UPDATE of `objections_until` (NULL →
  the end of the period) is the gate, so a double click or two process owners at once send one
  mail per person; each respondent is claimed with its own conditional UPDATE of
  `feedback_sent_at`, as the automatic reminders are.
- Only respondents with a current submitted answer get feedback (the others have no comments);
  a respondent that declined (`declined_at`) gets none.
- Objections are accepted while the period runs and the steering group has not decided: an
  objection after the decision would reach nobody. Sent after the decision, the feedback has no
  objection period (it ends when it is sent).
- One objection per disposition per respondent (the table's unique constraint), which the
  respondent's people may change until the period ends: the organisation speaks with one voice, as
  in its answer, and the audit trail keeps every earlier wording.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale, format_datetime, gettext as _, lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from remiss.audit import record
from remiss.consolidation import queries as consolidation_queries
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, Objection
from remiss.consultations import states
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
from remiss.documents.models import PrincipleText
from remiss.errors import UserError
from remiss.extensions import db
from remiss.i18n import babel_locale
from remiss.mail import absolute_url, send_mail
from remiss.responses.operations import clean_text, too_long_message
from remiss.timeutil import utcnow

DEFAULT_OBJECTION_DAYS = 14
MAX_OBJECTION_DAYS = 90
MAX_OBJECTION_LENGTH = 5_000


# --- refusals -----------------------------------------------------------------------------------


class FeedbackError(UserError):
    """A refusal of sending feedback or of an objection; field errors are keyed "days" or "text"."""


class InvalidFeedback(FeedbackError):
    status = 422


class FeedbackNotNow(FeedbackError):
    """Not possible in the consultation's state: not consolidated yet, already sent, period over."""

    status = 409


# --- state questions ----------------------------------------------------------------------------


def feedback_sent(consultation: Consultation) -> bool:
    return consultation.objections_until is not None


def feedback_sendable(consultation: Consultation) -> bool:
    """Once the consolidation is complete (the report is final), and only once."""
    return states.report_is_final(consultation) and not feedback_sent(consultation)


def objection_period_possible(consultation: Consultation) -> bool:
    """Feedback sent before the steering group's decision opens an objection period; after it, none."""
    return consultation.status == ConsultationStatus.consolidated


def objections_open(consultation: Consultation, now: datetime | None = None) -> bool:
    """Feedback sent, the period not over, and the steering group has not decided yet."""
    return (feedback_sent(consultation) and consultation.status == ConsultationStatus.consolidated
            and (now or utcnow()) < consultation.objections_until)


def feedback_received(respondent: Respondent) -> bool:
    return respondent.feedback_sent_at is not None


def _when(moment: datetime) -> str:
    return format_datetime(moment, _("d MMMM y 'kl.' HH:mm"))


def not_sendable_message(consultation: Consultation) -> str:
    if feedback_sent(consultation):
        return _("Återkopplingen är redan skickad till remissinstanserna. Den skickas bara en gång.")
    return _("Återkoppling kan skickas först när sammanställningen är markerad som klar.")


def objections_closed_message(consultation: Consultation) -> str:
    if not feedback_sent(consultation):
        return _("Återkopplingen är inte skickad än: det går inte att invända ännu.")
    if consultation.status == ConsultationStatus.decided:
        return _("Styrgruppen har redan beslutat. Invändningar tas inte emot längre.")
    return _("Tiden för invändningar gick ut %(when)s. Invändningar tas inte emot längre.",
             when=_when(consultation.objections_until))


# --- sending the feedback -----------------------------------------------------------------------


@dataclass
class SendResult:
    respondents: int
    mails: int
    objections_until: datetime


MAIL_SUBJECT = _l("Återkoppling på ert remissvar: %(title)s")


def feedback_url(respondent: Respondent) -> str:
    return absolute_url("feedback.show", consultation_id=respondent.consultation_id, respondent_id=respondent.id)


def _check_days(days) -> int:
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = None
    if days is None or not 1 <= days <= MAX_OBJECTION_DAYS:
        raise InvalidFeedback(_("Ange hur många dagar remissinstanserna har på sig att invända: 1–%(max)d.",
                                max=MAX_OBJECTION_DAYS),
                              {"days": _("Ange ett antal dagar mellan 1 och %(max)d.", max=MAX_OBJECTION_DAYS)})
    return days


def recipients(consultation: Consultation) -> list[Respondent]:
    """The respondents who get feedback: a current submitted answer, not declined, not yet sent.
    One statement (and one for their organisations and people)."""
    return list(db.session.execute(
        select(Respondent)
        .where(Respondent.consultation_id == consultation.id, Respondent.declined_at.is_(None),
               Respondent.feedback_sent_at.is_(None),
               select(Response.id).where(Response.respondent_id == Respondent.id,
                                         Response.status == ResponseStatus.submitted).exists())
        .options(selectinload(Respondent.organisation), selectinload(Respondent.user))
        .order_by(Respondent.id)
    ).scalars())


def send_feedback(consultation: Consultation, actor, days=DEFAULT_OBJECTION_DAYS,
                  now: datetime | None = None) -> SendResult:
    """Mail each respondent's people a link to its feedback page and open the objection period.

    Called by process owners and administrators (`may_send_feedback`), once the report is final.
    `days`: the objection period, 1–90 days from now (none when the steering group has already
    decided). Sent once: a second call – a double click, a colleague at the same moment – is refused
    (FeedbackNotNow) and sends nothing. Raises InvalidFeedback for a bad number of days.
    """
    from remiss.consultations.operations import issue_magic_link
    from remiss.consultations.queries import people_by_respondent

    now = now or utcnow()
    if not feedback_sendable(consultation):
        raise FeedbackNotNow(not_sendable_message(consultation))
    decided = not objection_period_possible(consultation)
    until = now if decided else now + timedelta(days=_check_days(days))
    claimed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.objections_until.is_(None),
               Consultation.status.in_([ConsultationStatus.consolidated, ConsultationStatus.decided]))
        .values(objections_until=until)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(consultation)
        raise FeedbackNotNow(not_sendable_message(consultation))
    consultation.objections_until = until
    candidates = recipients(consultation)
    people = people_by_respondent(candidates)
    sent_to, mails = [], 0
    for respondent in candidates:
        won = db.session.execute(
            update(Respondent)
            .where(Respondent.id == respondent.id, Respondent.feedback_sent_at.is_(None),
                   Respondent.declined_at.is_(None))
            .values(feedback_sent_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if won != 1:
            continue
        respondent.feedback_sent_at = now
        sent_to.append(respondent)
        for person in people.get(respondent.id, []):
            personal = respondent.user_id is not None
            link = (absolute_url("feedback.link", token=issue_magic_link(respondent, person, now)) if personal
                    else feedback_url(respondent))
            with force_locale(babel_locale(person.locale)):
                send_mail(person.email, str(MAIL_SUBJECT) % {"title": consultation.title}, "feedback",
                          consultation=consultation, respondent=respondent, person=person, link=link,
                          personal_link=personal, objections_until=until if not decided else None)
            mails += 1
    record(actor, "consultation.feedback_sent", consultation,
           summary=_("Återkoppling skickad till %(respondents)d remissinstanser (%(mails)d e-postmeddelanden).",
                     respondents=len(sent_to), mails=mails),
           before={"objections_until": None},
           after={"objections_until": until.isoformat(), "respondents": len(sent_to), "mails": mails},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    return SendResult(respondents=len(sent_to), mails=mails, objections_until=until)


# --- one respondent's feedback ------------------------------------------------------------------


@dataclass
class FeedbackItem:
    """One comment, proposed wording or general answer of the respondent, and what became of it."""

    target: DispositionTarget
    text: str
    answer_id: int
    principle: PrincipleText | None = None
    question: GeneralQuestion | None = None
    disposition: Disposition | None = None
    changes: list = field(default_factory=list)  # tracing.queries.Change
    objection: Objection | None = None

    @property
    def key(self) -> str:
        """The item's anchor and form id on the page."""
        return f"d{self.disposition.id}" if self.disposition is not None else ""

    @property
    def proposed_wording(self) -> bool:
        return self.target == DispositionTarget.proposed_wording


@dataclass
class Feedback:
    respondent: Respondent
    response: Response | None
    items: list[FeedbackItem]

    def item(self, disposition_id: int) -> FeedbackItem | None:
        return next((i for i in self.items if i.disposition is not None and i.disposition.id == disposition_id), None)

    @property
    def objections(self) -> int:
        return sum(1 for i in self.items if i.objection is not None)


def feedback_for(respondent: Respondent) -> Feedback:
    """The respondent's comments in its current submitted answer, in document order, each with its
    disposition, the changes it led to and the respondent's objection: a fixed number of statements."""
    from remiss.tracing.queries import changes_for

    consultation = respondent.consultation
    response = consolidation_queries.submitted_response(respondent)
    if response is None:
        return Feedback(respondent, None, [])
    sheet = consolidation_queries.answer_sheet([response], choices=False)
    items: list[FeedbackItem] = []
    for principle in consolidation_queries.principle_texts(consultation):
        answer = sheet.principle(response.id, principle.id)
        if answer is None:
            continue
        for target in (DispositionTarget.comment, DispositionTarget.proposed_wording):
            text = consolidation_queries.target_text(answer, target)
            if consolidation_queries.said(text):
                items.append(FeedbackItem(target, text, answer.id, principle=principle,
                                          disposition=sheet.disposition(answer, target)))
    for question in consultation.general_questions:
        answer = sheet.answer(response.id, question.id)
        if answer is not None and consolidation_queries.said(answer.text):
            items.append(FeedbackItem(DispositionTarget.general, answer.text, answer.id, question=question,
                                      disposition=sheet.disposition(answer, DispositionTarget.general)))
    changes = changes_for([i.answer_id for i in items if i.question is None],
                          [i.answer_id for i in items if i.question is not None])
    for item in items:
        item.changes = changes.get(("g" if item.question is not None else "p", item.answer_id, item.target.value), [])
    disposition_ids = [i.disposition.id for i in items if i.disposition is not None]
    if disposition_ids:
        objections = {o.disposition_id: o for o in db.session.execute(
            select(Objection).where(Objection.respondent_id == respondent.id,
                                    Objection.disposition_id.in_(disposition_ids))
        ).scalars()}
        for item in items:
            if item.disposition is not None:
                item.objection = objections.get(item.disposition.id)
    return Feedback(respondent, response, items)


# --- objecting ----------------------------------------------------------------------------------


def _subject(item: FeedbackItem) -> str:
    if item.question is not None:
        return _("Övergripande fråga: %(question)s", question=item.question.text)
    what = _("ändringsförslag") if item.proposed_wording else _("synpunkt")
    return _("Princip %(number)s (%(what)s)", number=item.principle.number, what=what)


def object_to(feedback: Feedback, disposition_id: int, text, actor, now: datetime | None = None) -> Objection:
    """Object in writing to the disposition of one of the respondent's comments, or change the
    objection already made.

    Called by the respondent's people (`may_object_for`: its representatives, or the individual by
    log-in or personal link) while objections are open. `disposition_id` must be the disposition of
    one of the comments on the feedback page (else InvalidFeedback, which the view turns into 404
    before calling). Raises FeedbackNotNow after the period or the decision, InvalidFeedback for an
    empty or too long text.
    """
    now = now or utcnow()
    respondent = feedback.respondent
    consultation = respondent.consultation
    if not (objections_open(consultation, now) and feedback_received(respondent)):
        raise FeedbackNotNow(objections_closed_message(consultation))
    item = feedback.item(disposition_id)
    if item is None:
        raise InvalidFeedback(_("Det finns ingen sådan synpunkt i ert svar."))
    text = clean_text(text)
    if not text.strip():
        raise InvalidFeedback(_("Invändningen kunde inte sparas: skriv vad ni invänder. Det du skrev finns kvar."),
                              {"text": _("Skriv invändningen.")})
    if len(text) > MAX_OBJECTION_LENGTH:
        raise InvalidFeedback(_("Invändningen kunde inte sparas: den är för lång. Det du skrev finns kvar."),
                              {"text": too_long_message(len(text), MAX_OBJECTION_LENGTH)})
    objection = item.objection
    if objection is None:
        try:
            with db.session.begin_nested():
                objection = Objection(disposition_id=disposition_id, respondent_id=respondent.id,
                                      author_id=getattr(actor, "id", None), text=text, created_at=now)
                db.session.add(objection)
                db.session.flush()
        except IntegrityError:
            # A colleague objected at the same moment: theirs is there now, and this one replaces it.
            objection = db.session.execute(
                select(Objection).where(Objection.disposition_id == disposition_id,
                                        Objection.respondent_id == respondent.id)
                .execution_options(populate_existing=True)
            ).scalar_one()
        else:
            item.objection = objection
            record(actor, "objection.created", objection, summary=_subject(item), after={"text": text},
                   document_id=consultation.version.document_id, consultation_id=consultation.id)
            return objection
    before = {"text": objection.text}
    if objection.text == text:
        return objection
    objection.text = text
    objection.author_id = getattr(actor, "id", None)
    objection.created_at = now
    item.objection = objection
    db.session.flush()
    record(actor, "objection.changed", objection, summary=_subject(item), before=before, after={"text": text},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    return objection


# --- a consultation's objections ----------------------------------------------------------------


@dataclass
class ObjectionRow:
    """An objection with what it is about, for the decision page, the process owner's list and the archive."""

    objection: Objection
    respondent: str
    target: DispositionTarget
    comment: str
    kind: DispositionKind | None
    reason: str
    principle: PrincipleText | None = None
    question: GeneralQuestion | None = None

    @property
    def author(self) -> str | None:
        return self.objection.author.name if self.objection.author is not None else None

    @property
    def proposed_wording(self) -> bool:
        return self.target == DispositionTarget.proposed_wording


def objections_of(consultation: Consultation | None) -> list[ObjectionRow]:
    """Every objection to the dispositions of this consultation, in document order, then by
    respondent: a fixed number of statements (the objections, then their dispositions, answers,
    principles, questions, respondents and authors, each loaded at once)."""
    if consultation is None:
        return []
    objections = db.session.execute(
        select(Objection)
        .join(Respondent, Respondent.id == Objection.respondent_id)
        .where(Respondent.consultation_id == consultation.id)
        .options(
            selectinload(Objection.disposition).selectinload(Disposition.principle_answer)
            .selectinload(PrincipleAnswer.principle_text),
            selectinload(Objection.disposition).selectinload(Disposition.general_answer)
            .selectinload(GeneralAnswer.general_question),
            selectinload(Objection.respondent).selectinload(Respondent.organisation),
            selectinload(Objection.respondent).selectinload(Respondent.user),
            selectinload(Objection.author),
        )
        .order_by(Objection.created_at, Objection.id)
    ).scalars().all()
    rows = []
    for objection in objections:
        disposition = objection.disposition
        principle_answer, general_answer = disposition.principle_answer, disposition.general_answer
        rows.append(ObjectionRow(
            objection=objection, respondent=consolidation_queries.respondent_name(objection.respondent),
            target=disposition.target,
            comment=(consolidation_queries.target_text(principle_answer, disposition.target)
                     if principle_answer is not None else general_answer.text),
            kind=disposition.kind, reason=disposition.reason or "",
            principle=principle_answer.principle_text if principle_answer is not None else None,
            question=general_answer.general_question if general_answer is not None else None,
        ))
    rows.sort(key=lambda r: (r.principle is None, r.principle.position if r.principle else r.question.position,
                             r.respondent.casefold(), r.objection.id))
    return rows


def objection_count(consultation: Consultation) -> int:
    from sqlalchemy import func

    return db.session.execute(
        select(func.count(Objection.id)).join(Respondent, Respondent.id == Objection.respondent_id)
        .where(Respondent.consultation_id == consultation.id)
    ).scalar_one()


def sent_count(consultation: Consultation) -> int:
    from sqlalchemy import func

    return db.session.execute(
        select(func.count(Respondent.id)).where(Respondent.consultation_id == consultation.id,
                                                Respondent.feedback_sent_at.is_not(None))
    ).scalar_one()


def objection_data(consultation: Consultation | None) -> list[dict]:
    """The objections as plain data, for the archive's decision record."""
    from remiss.labels import label

    out = []
    for row in objections_of(consultation):
        out.append({
            "respondent": row.respondent,
            "principle": ({"number": row.principle.number, "title": row.principle.title}
                          if row.principle is not None else None),
            "question": row.question.text if row.question is not None else None,
            "target": row.target.value,
            "comment": row.comment,
            "disposition": row.kind.value if row.kind else None,
            "disposition_label": label(row.kind) if row.kind else None,
            "reason": row.reason,
            "objection": row.objection.text,
            "author": row.author,
            "created_at": row.objection.created_at.isoformat(),
        })
    return out

