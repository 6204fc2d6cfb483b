"""The verbs of answering a consultation: save (with optimistic locking), submit, reopen,
keep late saves, register answers on behalf, and write many answers at once.

Every operation takes the acting user, validates, changes state (asking `states.py`),
writes an audit entry and never commits: the request or the command does. Permission
is the caller's to check (see each docstring); the deadline is checked here, on every
write path, so no caller can forget it.
"""
from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import SimpleNamespace

from flask_babel import format_datetime, format_number, gettext as _
from sqlalchemy import bindparam, inspect, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from remiss.audit import record
from remiss.auth.models import User
from remiss.consultations import states
from remiss.consultations.models import (
    AlternativeChoice,
    Attachment,
    Consultation,
    CriterionAnswer,
    Dissent,
    GeneralAnswer,
    GeneralQuestion,
    LateSave,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
    Stance,
)
from remiss.documents.models import PrincipleText, Section
from remiss.extensions import db
from remiss.labels import RATINGS
from remiss.timeutil import local, utcnow
from remiss.errors import UserError

# Generous for a comment on one principle (about four pages), told to the user beside every
# field, and well under what remiss.markdown renders quickly.
MAX_TEXT_LENGTH = 10_000
MAX_REASON_LENGTH = 2_000
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
REGISTRATION_CHANNELS = (ResponseChannel.email, ResponseChannel.paper)
# Saves of one answer by one person within this time make one audit entry, not one per keystroke pause.
AUDIT_COALESCE = timedelta(minutes=10)
# When someone last worked on an answer (the respondent's last_activity_at and the response's
# updated_at, which the dashboard shows as the last activity) is kept to the minute: an autosave
# every few seconds need not write either row each time.
ACTIVITY_RESOLUTION = timedelta(minutes=1)


# --- refusals ---------------------------------------------------------------------------------


class AnswerError(UserError):
    """A refusal of an answer; field errors are keyed by field path (e.g. "p12.comment")."""


class InvalidAnswer(AnswerError):
    status = 422


class UnknownSubject(AnswerError):
    """A principle, question or alternative that is not part of this consultation."""

    status = 404


class DeadlinePassed(AnswerError):
    """The consultation no longer accepts answers; what was sent is kept as a LateSave."""

    status = 423

    def __init__(self, message: str, late_save: LateSave | None = None):
        super().__init__(message)
        self.late_save = late_save


class NotEditable(AnswerError):
    """The answer is submitted (or superseded) and so read-only."""

    status = 409


class AlreadySubmitted(NotEditable):
    def __init__(self, message: str, response: Response):
        super().__init__(message)
        self.response = response


class NotReopenable(AnswerError):
    status = 409


class AttachmentRejected(InvalidAnswer):
    pass


class ConsentMissing(InvalidAnswer):
    """The respondent has not said whether its answer may be published with its name."""


def consent_message() -> str:
    return _("Svara på om svaret får publiceras med namn i den offentliga remissammanställningen.")


class SignatureRequired(AnswerError):
    """The organisation requires sign-off: only a signatory may submit its answer."""

    status = 409


class DeclinedAnswer(NotEditable):
    """The respondent has declined to answer: withdraw the declining first."""


# --- what the forms hand over -----------------------------------------------------------------

PRINCIPLE = "principle"
ALTERNATIVE = "alternative"
GENERAL = "general"


@dataclass
class AnswerInput:
    """One versioned part of an answer as the user sent it.

    kind: "principle" (subject PrincipleText; values stance, comment, proposed_wording,
    criteria {criterion_id: {rating, comment}}), "alternative" (subject PrincipleText or
    Section; values alternative_id, reason) or "general" (subject GeneralQuestion; values text).
    Only the keys present in `values` are written. `key` names the part in forms ("p12").
    """

    kind: str
    subject: PrincipleText | Section | GeneralQuestion
    values: dict
    base_lock_version: int = 0
    key: str = ""


@dataclass
class Conflict:
    """Someone else saved first: nothing was overwritten. Both versions, for the user to merge."""

    stored: dict
    yours: dict
    stored_by: str | None
    stored_at: datetime | None
    # Send this as the base to save the merged text deliberately.
    lock_version: int


@dataclass
class SaveResult:
    key: str
    saved: bool
    lock_version: int
    saved_at: datetime | None = None
    conflict: Conflict | None = None
    # The part went from saying nothing to saying something, or back: the progress may have moved.
    answered_changed: bool = False


@dataclass
class SubmitResult:
    response: Response
    receipts_sent: int = 0
    receipts_failed: list[str] = field(default_factory=list)


@dataclass
class Registration:
    """An answer that came by e-mail or on paper, as the process owner registers it."""

    received_at: datetime
    answers: list[AnswerInput] = field(default_factory=list)
    publish_name: bool | None = None  # None: not stated (refused)


# --- text -------------------------------------------------------------------------------------


def clean_text(value) -> str:
    """Text as typed, with the browser's CRLF made LF and NUL removed (PostgreSQL refuses it)."""
    if value is None:
        return ""
    return str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


def too_long_message(length: int, maximum: int = MAX_TEXT_LENGTH) -> str:
    return _("Texten har %(length)s tecken. Högst %(max)s tecken får plats – korta texten och spara igen.",
             length=format_number(length), max=format_number(maximum))


def _check_text(errors: dict, path: str, text: str, maximum: int = MAX_TEXT_LENGTH) -> str:
    text = clean_text(text)
    if len(text) > maximum:
        errors[path] = too_long_message(len(text), maximum)
    return text


# --- validation -------------------------------------------------------------------------------


def _valid_principle_values(consultation: Consultation, values: dict, prefix: str, errors: dict) -> dict:
    clean: dict = {}
    if "stance" in values and consultation.ask_stance:
        stance = values["stance"] or None
        if stance is not None and stance not in {s.value for s in Stance}:
            errors[f"{prefix}stance"] = _("Välj ett av ställningstagandena.")
        clean["stance"] = stance
    if "criteria" in values:
        asked = {criterion.id for criterion in consultation.criteria}
        ratings = {value for value, _label in RATINGS[consultation.criteria_scale]}
        criteria = {}
        for criterion_id, answer in (values["criteria"] or {}).items():
            try:
                criterion_id = int(criterion_id)
            except (TypeError, ValueError):
                raise UnknownSubject(_("Frågan finns inte i den här remissen.")) from None
            if criterion_id not in asked:
                raise UnknownSubject(_("Frågan finns inte i den här remissen."))
            answer = answer or {}
            given = {}
            if "rating" in answer:
                rating = answer["rating"] or None
                if rating is not None and rating not in ratings:
                    errors[f"{prefix}c{criterion_id}.rating"] = _("Välj ett av svarsalternativen.")
                given["rating"] = rating
            if "comment" in answer:
                given["comment"] = _check_text(errors, f"{prefix}c{criterion_id}.comment", answer["comment"])
            criteria[criterion_id] = given
        clean["criteria"] = criteria
    if "comment" in values and consultation.ask_comment:
        clean["comment"] = _check_text(errors, f"{prefix}comment", values["comment"])
    if "proposed_wording" in values and consultation.ask_proposed_wording:
        clean["proposed_wording"] = _check_text(errors, f"{prefix}proposed_wording", values["proposed_wording"])
    return clean


def _valid_alternative_values(consultation: Consultation, subject, values: dict, prefix: str, errors: dict) -> dict:
    if not consultation.ask_alternatives or not subject.alternatives:
        raise UnknownSubject(_("Det finns inga alternativ att välja mellan här."))
    clean: dict = {}
    if "alternative_id" in values:
        chosen = values["alternative_id"]
        if chosen in (None, ""):
            clean["alternative_id"] = None
        else:
            try:
                chosen = int(chosen)
            except (TypeError, ValueError):
                chosen = None
            if chosen not in {alternative.id for alternative in subject.alternatives}:
                errors[f"{prefix}alternative"] = _("Välj ett av alternativen.")
            clean["alternative_id"] = chosen
    if "reason" in values:
        clean["reason"] = _check_text(errors, f"{prefix}reason", values["reason"])
    return clean


def _check_subject(consultation: Consultation, answer: AnswerInput) -> None:
    """The subject must belong to this consultation: ids in a request are never trusted."""
    subject = answer.subject
    if answer.kind == GENERAL:
        ok = isinstance(subject, GeneralQuestion) and subject.consultation_id == consultation.id
    elif answer.kind == PRINCIPLE:
        ok = isinstance(subject, PrincipleText) and subject.version_id == consultation.version_id
    elif answer.kind == ALTERNATIVE:
        ok = isinstance(subject, (PrincipleText, Section)) and subject.version_id == consultation.version_id
    else:
        ok = False
    if not ok:
        raise UnknownSubject(_("Det du försökte spara hör inte till den här remissen."))


def validate_inputs(consultation: Consultation, answers: list[AnswerInput]) -> list[AnswerInput]:
    """The inputs with their values cleaned; raises InvalidAnswer with every problem at once."""
    errors: dict[str, str] = {}
    cleaned = []
    for answer in answers:
        _check_subject(consultation, answer)
        prefix = f"{answer.key}." if answer.key else ""
        if answer.kind == PRINCIPLE:
            values = _valid_principle_values(consultation, answer.values, prefix, errors)
        elif answer.kind == ALTERNATIVE:
            values = _valid_alternative_values(consultation, answer.subject, answer.values, prefix, errors)
        else:
            values = {}
            if "text" in answer.values:
                values["text"] = _check_text(errors, f"{prefix}text", answer.values["text"])
        cleaned.append(AnswerInput(answer.kind, answer.subject, values, answer.base_lock_version, answer.key))
    if errors:
        raise InvalidAnswer(_("Svaret kunde inte sparas: rätta det som är markerat. Ingenting av det du skrev har tagits bort."),
                            errors)
    return cleaned


# --- stored values, as the forms and conflicts show them --------------------------------------


def principle_values(answer: PrincipleAnswer | None) -> dict:
    if answer is None:
        return {"stance": None, "comment": "", "proposed_wording": "", "criteria": {}}
    return {
        "stance": answer.stance.value if answer.stance else None,
        "comment": answer.comment or "",
        "proposed_wording": answer.proposed_wording or "",
        "criteria": {ca.criterion_id: {"rating": ca.rating, "comment": ca.comment or ""}
                     for ca in answer.criterion_answers},
    }


def alternative_values(choice: AlternativeChoice | None) -> dict:
    if choice is None:
        return {"alternative_id": None, "reason": ""}
    return {"alternative_id": choice.alternative_id, "reason": choice.reason or ""}


def general_values(answer: GeneralAnswer | None) -> dict:
    return {"text": answer.text if answer is not None else ""}


def _differs(stored: dict, yours: dict) -> bool:
    """Would saving `yours` change anything the stored version says?"""
    for name, value in yours.items():
        if name == "criteria":
            stored_criteria = stored.get("criteria", {})
            for criterion_id, answer in value.items():
                before = stored_criteria.get(criterion_id, {})
                if "rating" in answer and (answer["rating"] or None) != (before.get("rating") or None):
                    return True
                if "comment" in answer and (answer["comment"] or "") != (before.get("comment") or ""):
                    return True
        elif (value or None) != (stored.get(name) or None):
            return True
    return False


# --- the response itself ----------------------------------------------------------------------


def current_response(respondent: Respondent, create: bool = True, now: datetime | None = None) -> Response | None:
    """The respondent's current answer: the draft, or the latest revision. Creates revision 1 if asked.

    Called for the people behind the respondent and for process owners registering on behalf.
    Two people opening the first draft at once get the same one (the unique revision decides).
    """
    if "responses" in inspect(respondent).dict:  # loaded with the respondent (queries.respondent_for)
        response = max(respondent.responses, key=lambda r: r.revision, default=None)
    else:
        response = db.session.execute(_CURRENT_RESPONSE, {"respondent_id": respondent.id}).scalar_one_or_none()
    if response is not None or not create:
        return response
    now = now or utcnow()
    try:
        with db.session.begin_nested():
            response = Response(respondent=respondent, revision=1, status=ResponseStatus.draft,
                                channel=ResponseChannel.online, created_at=now, updated_at=now)
            db.session.add(response)
            db.session.flush()
    except IntegrityError:
        return db.session.execute(_CURRENT_RESPONSE, {"respondent_id": respondent.id}).scalar_one()
    return response


def _require_writable(response: Response, actor, payload: dict, now: datetime) -> None:
    """The deadline, to the second, on the server; then the answer's own state.

    What arrives when answers are no longer accepted is stored as a LateSave (shown to
    the process owner) and refused: never applied, never lost.
    """
    consultation = response.respondent.consultation
    if not states.accepting_answers(consultation, now):
        late = None
        if states.has_been_opened(consultation):
            late = record_late_save(response.respondent, actor, payload, now)
        raise DeadlinePassed(_deadline_message(consultation), late)
    if not states.response_is_draft(response):
        raise AlreadySubmitted(_submitted_message(response), response)
    if states.respondent_declined(response.respondent):
        raise DeclinedAnswer(_declined_message())
    if not states.answer_writable_by(response.respondent, response, actor, now):
        raise NotEditable(_("Svaret är markerat som klart för undertecknande och kan bara ändras av en "
                            "firmatecknare. Det du skrev senast har inte sparats – kopiera texten om du vill behålla "
                            "den, och be firmatecknaren skicka tillbaka svaret om det behöver ändras."))


def _declined_message() -> str:
    return _("Ni har meddelat att ni avstår från att svara. Ångra det först om ni vill svara ändå.")


def _deadline_message(consultation: Consultation) -> str:
    if states.deadline_passed(consultation):
        return _("Svarstiden gick ut %(deadline)s. Det du skrev har inte kommit med i svaret, men det är sparat "
                 "separat och visas för processansvarig. Kontakta processansvarig om svaret behöver kompletteras.",
                 deadline=_when(consultation.deadline))
    return _("Remissen tar inte emot svar just nu. Det du skrev är sparat separat och visas för processansvarig.")


def _submitted_message(response: Response) -> str:
    if response.submitted_at is not None:
        return _("Svaret skickades in %(when)s och kan inte ändras längre. Det du skrev senast har inte sparats – "
                 "kopiera texten om du vill behålla den, och be processansvarig öppna svaret igen om det behöver ändras.",
                 when=_when(response.submitted_at))
    return _("Svaret kan inte ändras längre.")


def _when(moment: datetime | None) -> str:
    return format_datetime(moment, _("d MMMM y 'kl.' HH:mm")) if moment else ""


def _payload(action: str, answers: list[AnswerInput]) -> dict:
    """What a late save keeps: enough to show the process owner what was written and where."""
    items = []
    for answer in answers:
        subject = answer.subject
        if isinstance(subject, PrincipleText):
            where = f"{subject.number}. {subject.title}"
        elif isinstance(subject, Section):
            where = subject.heading
        else:
            where = subject.text
        items.append({"kind": answer.kind, "key": answer.key, "subject_id": subject.id, "subject": where,
                      "values": _jsonable(answer.values), "base_lock_version": answer.base_lock_version})
    return {"action": action, "answers": items}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _touch(response: Response, now: datetime) -> None:
    # Plain UPDATEs, not through the unit of work: a flush of Response weighs all its
    # relationships, and cost autosave more CPU than any statement it sends.
    if response.updated_at is None or now - response.updated_at >= ACTIVITY_RESOLUTION:
        db.session.execute(_TOUCH_RESPONSE, {"response_id": response.id, "now": now})
        set_committed_value(response, "updated_at", now)
    respondent = response.respondent
    if respondent.last_activity_at is None or now - respondent.last_activity_at >= ACTIVITY_RESOLUTION:
        db.session.execute(_TOUCH_RESPONDENT, {"respondent_id": respondent.id, "now": now})
        set_committed_value(respondent, "last_activity_at", now)


# Built once: autosave runs them every few seconds per writer, and building a statement costs
# about as much CPU as sending it.
_TOUCH_RESPONSE = (update(Response).where(Response.id == bindparam("response_id"))
                   .values(updated_at=bindparam("now")).execution_options(synchronize_session=False))
_TOUCH_RESPONDENT = (update(Respondent).where(Respondent.id == bindparam("respondent_id"))
                     .values(last_activity_at=bindparam("now")).execution_options(synchronize_session=False))
_CURRENT_RESPONSE = (select(Response).where(Response.respondent_id == bindparam("respondent_id"))
                     .order_by(Response.revision.desc()).limit(1))
# Joined, not a second SELECT: an answer has at most a few criterion answers.
_PRINCIPLE_ANSWER = (select(PrincipleAnswer)
                     .where(PrincipleAnswer.response_id == bindparam("response_id"),
                            PrincipleAnswer.principle_text_id == bindparam("principle_text_id"))
                     .options(joinedload(PrincipleAnswer.criterion_answers)))


def _audit_save(actor, obj, previous_by: int | None, previous_at: datetime | None, now: datetime, *,
                answer: AnswerInput, consultation: Consultation) -> None:
    if previous_by == getattr(actor, "id", None) and previous_at is not None and now - previous_at < AUDIT_COALESCE:
        return
    # The summary and the version are made only here: most saves are coalesced and need neither.
    record(actor, f"response.{answer.kind}_saved", obj, summary=_audit_subject(answer),
           after={"lock_version": obj.lock_version}, document_id=consultation.version.document_id,
           consultation_id=consultation.id)


# --- saving one part, with optimistic locking -------------------------------------------------


def _find_principle_answer(response: Response, principle_text: PrincipleText, fresh=False) -> PrincipleAnswer | None:
    statement = _PRINCIPLE_ANSWER.execution_options(populate_existing=True) if fresh else _PRINCIPLE_ANSWER
    return db.session.execute(statement, {"response_id": response.id, "principle_text_id": principle_text.id}
                              ).unique().scalar_one_or_none()


def _apply_principle(answer: PrincipleAnswer, values: dict) -> None:
    if "stance" in values:
        answer.stance = Stance(values["stance"]) if values["stance"] else None
    if "comment" in values:
        answer.comment = values["comment"]
    if "proposed_wording" in values:
        answer.proposed_wording = values["proposed_wording"]
    if "criteria" in values:
        existing = {ca.criterion_id: ca for ca in answer.criterion_answers}
        for criterion_id, given in values["criteria"].items():
            criterion_answer = existing.get(criterion_id)
            if criterion_answer is None:
                criterion_answer = CriterionAnswer(criterion_id=criterion_id)
                answer.criterion_answers.append(criterion_answer)
            if "rating" in given:
                criterion_answer.rating = given["rating"] or None
            if "comment" in given:
                criterion_answer.comment = given["comment"] or ""
            elif criterion_answer.comment is None:
                criterion_answer.comment = ""


def _find_choice(response: Response, subject, fresh=False) -> AlternativeChoice | None:
    column = AlternativeChoice.section_id if isinstance(subject, Section) else AlternativeChoice.principle_text_id
    statement = select(AlternativeChoice).where(AlternativeChoice.response_id == response.id, column == subject.id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one_or_none()


def _new_choice(response: Response, subject) -> AlternativeChoice:
    if isinstance(subject, Section):
        return AlternativeChoice(response_id=response.id, section_id=subject.id)
    return AlternativeChoice(response_id=response.id, principle_text_id=subject.id)


def _apply_choice(choice: AlternativeChoice, values: dict) -> None:
    if "alternative_id" in values:
        choice.alternative_id = values["alternative_id"]
    if "reason" in values:
        choice.reason = values["reason"]


def _find_general(response: Response, question: GeneralQuestion, fresh=False) -> GeneralAnswer | None:
    statement = select(GeneralAnswer).where(GeneralAnswer.response_id == response.id,
                                            GeneralAnswer.general_question_id == question.id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one_or_none()


def _apply_general(answer: GeneralAnswer, values: dict) -> None:
    if "text" in values:
        answer.text = values["text"]


_PARTS = {
    # kind: (find, create, apply, values of the stored row)
    PRINCIPLE: (_find_principle_answer,
                lambda response, subject: PrincipleAnswer(response_id=response.id, principle_text_id=subject.id),
                _apply_principle, principle_values),
    ALTERNATIVE: (_find_choice, _new_choice, _apply_choice, alternative_values),
    GENERAL: (_find_general,
              lambda response, subject: GeneralAnswer(response_id=response.id, general_question_id=subject.id),
              _apply_general, general_values),
}


def _name_of(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else None


def _conflict(answer: AnswerInput, stored_row, values_of) -> SaveResult:
    return SaveResult(
        key=answer.key, saved=False, lock_version=stored_row.lock_version,
        conflict=Conflict(stored=values_of(stored_row), yours=answer.values, stored_by=_name_of(stored_row.updated_by_id),
                          stored_at=stored_row.updated_at, lock_version=stored_row.lock_version),
    )


def _save_part(response: Response, answer: AnswerInput, actor, now: datetime,
               principle_answers: dict[int, PrincipleAnswer | None]) -> SaveResult:
    """Write one part if nobody else has saved it since the user's base lock_version.

    The check is made twice: here against what we read, and by the database itself
    (version_id_col makes the UPDATE conditional on the old lock_version; a concurrent
    first save hits the unique constraint). Either way the other's text stays, and the
    user gets both back.
    """
    find, _create, apply, values_of = _PARTS[answer.kind]
    if answer.kind == PRINCIPLE and answer.subject.id in principle_answers:
        stored = principle_answers[answer.subject.id]
    else:
        stored = find(response, answer.subject)
    before = values_of(stored)
    if not _differs(before, answer.values):
        # Nothing new: no write, so that an unchanged part sent along with a page does not
        # move its lock_version under a colleague who is editing it.
        return SaveResult(answer.key, saved=True, lock_version=stored.lock_version if stored is not None else 0,
                          saved_at=stored.updated_at if stored is not None else None)
    if stored is not None and stored.lock_version != (answer.base_lock_version or 0):
        return _conflict(answer, stored, values_of)
    previous_by = stored.updated_by_id if stored is not None else None
    previous_at = stored.updated_at if stored is not None else None
    if stored is not None and "criteria" not in answer.values:
        if not _update_in_place(stored, answer, apply, actor, now):
            return _conflict(answer, find(response, answer.subject, fresh=True), values_of)
    else:
        try:
            with db.session.begin_nested():
                stored = _write(response, answer, stored, actor, now)
                db.session.flush()
        except (IntegrityError, StaleDataError):
            stored = find(response, answer.subject, fresh=True)
            return _conflict(answer, stored, values_of)
    _audit_save(actor, stored, previous_by, previous_at, now, answer=answer,
                consultation=response.respondent.consultation)
    return SaveResult(answer.key, saved=True, lock_version=stored.lock_version, saved_at=now,
                      answered_changed=_says_something(before) != _says_something(values_of(stored)))


def _says_something(values) -> bool:
    """Whether a part's values say anything at all (a stance, a text, a rating, a choice): the
    rule queries.has_content applies to a principle's answer, for every kind of part."""
    if isinstance(values, dict):
        return any(_says_something(value) for value in values.values())
    return bool(values)


def _write(response: Response, answer: AnswerInput, stored, actor, now: datetime):
    """The part's values on its row (created if new), stamped with who and when: always a change to
    the row itself, so that its lock_version moves even when only a criterion (a child row) changed."""
    _find, create, apply, _values_of = _PARTS[answer.kind]
    if stored is None:
        stored = create(response, answer.subject)
        db.session.add(stored)
    apply(stored, answer.values)
    stored.updated_at = now
    stored.updated_by_id = getattr(actor, "id", None)
    return stored


@functools.cache
def _conditional_update(table):
    """UPDATE <table> SET <the columns given> WHERE id = :row_id AND lock_version = :read_version,
    built once per table (building it was a tenth of an autosave's time)."""
    return update(table).where(table.c.id == bindparam("row_id"), table.c.lock_version == bindparam("read_version"))


def _update_in_place(stored, answer: AnswerInput, apply, actor, now: datetime) -> bool:
    """A stored row whose own columns change (no criterion rows): one UPDATE … WHERE lock_version
    = the one read, without the unit of work and its savepoint – together they were half of what
    an autosave cost. False when someone else saved the row in between: the database decides, as
    version_id_col does on the other path, and nothing is written."""
    # apply sets the part's new values on a stand-in, not on the row: a row changed through its
    # attributes stays "modified" in the session, and the commit then weighed it in a flush.
    values = SimpleNamespace()
    apply(values, answer.values)
    changed = vars(values)
    base = stored.lock_version
    changed.update(updated_at=now, updated_by_id=getattr(actor, "id", None), lock_version=base + 1)
    mapper = inspect(stored).mapper
    columns = mapper.column_attrs
    written = db.session.execute(_conditional_update(mapper.local_table), {
        **{columns[key].columns[0].name: value for key, value in changed.items()},
        "row_id": stored.id, "read_version": base,
    }).rowcount
    if written != 1:
        return False
    for key, value in changed.items():
        set_committed_value(stored, key, value)
    return True


def _audit_subject(answer: AnswerInput) -> str:
    subject = answer.subject
    if isinstance(subject, PrincipleText):
        return _("Princip %(number)s: %(title)s", number=subject.number, title=subject.title)
    if isinstance(subject, Section):
        return subject.heading
    return subject.text


def save_answers(response: Response, answers: list[AnswerInput], actor, now: datetime | None = None, *,
                 principle_answers: dict[int, PrincipleAnswer | None] | None = None) -> list[SaveResult]:
    """Save several parts of a draft (a page of the form, or one autosave), each under its own lock.

    Called for the people behind the respondent (the view checks `may_answer_for` or the
    personal link). Raises DeadlinePassed (a LateSave is kept: the caller must commit),
    AlreadySubmitted, InvalidAnswer (nothing saved) or UnknownSubject. Parts that someone
    else saved in between come back as conflicts; the others are saved. `principle_answers`:
    the response's answers on principles as the caller has just read them (None: none yet), by
    principle; parts not in it are read here.
    """
    now = now or utcnow()
    consultation = response.respondent.consultation
    for answer in answers:
        _check_subject(consultation, answer)
    _require_writable(response, actor, _payload("save", answers), now)
    answers = validate_inputs(consultation, answers)
    known = principle_answers or {}
    results = [_save_part(response, answer, actor, now, known) for answer in answers]
    if any(result.saved for result in results):
        _touch(response, now)
    return results


def save_principle_answer(response: Response, principle_text: PrincipleText, data: dict, base_lock_version: int,
                          actor, now: datetime | None = None) -> SaveResult:
    """Save the answer on one principle (stance, criteria, comment, proposed wording); see save_answers."""
    return save_answers(response, [AnswerInput(PRINCIPLE, principle_text, data, base_lock_version)], actor, now)[0]


def save_general_answer(response: Response, question: GeneralQuestion, text: str, base_lock_version: int,
                        actor, now: datetime | None = None) -> SaveResult:
    """Save the answer to one general question; see save_answers."""
    return save_answers(response, [AnswerInput(GENERAL, question, {"text": text}, base_lock_version)], actor, now)[0]


def save_alternative_choice(response: Response, subject: PrincipleText | Section, data: dict, base_lock_version: int,
                            actor, now: datetime | None = None) -> SaveResult:
    """Save which alternative the respondent prefers for a principle or section, and why; see save_answers."""
    return save_answers(response, [AnswerInput(ALTERNATIVE, subject, data, base_lock_version)], actor, now)[0]


# --- late saves -------------------------------------------------------------------------------


def record_late_save(respondent: Respondent, actor, payload: dict, now: datetime | None = None) -> LateSave:
    """Keep what arrived after the deadline, unapplied, for the process owner to see.

    Called by the save and submit operations themselves; the caller must commit even
    though the save was refused, or the text would be lost.
    """
    now = now or utcnow()
    late = LateSave(respondent_id=respondent.id, user_id=getattr(actor, "id", None), received_at=now,
                    payload=_jsonable(payload))
    db.session.add(late)
    respondent.last_activity_at = now
    record(actor, "response.late_save", late,
           summary=_("Ändring efter svarstiden sparad separat (%(action)s).", action=payload.get("action", "")),
           document_id=respondent.consultation.version.document_id, consultation_id=respondent.consultation_id)
    return late


# --- submit -----------------------------------------------------------------------------------


def submit(response: Response, actor, *, publish_name: bool | None = None, now: datetime | None = None) -> SubmitResult:
    """Submit the draft: the time is recorded and a receipt goes to everyone behind the respondent.

    `publish_name`: whether the answer may be published with the respondent's name (organisation
    or person) in the public report and pages; every respondent states it (None: ConsentMissing).

    Called for the people behind the respondent. Unanswered principles are allowed (the
    summary page warns). Exactly one submission however many clicks or tabs: the UPDATE
    is conditional on the draft state, so of two racing requests only one changes the row;
    the other gets AlreadySubmitted. After the deadline the attempt is kept as a LateSave.
    """
    from remiss.responses import notifications

    now = now or utcnow()
    respondent = response.respondent
    consultation = respondent.consultation
    if not states.accepting_answers(consultation, now):
        late = None
        if states.has_been_opened(consultation) and states.response_is_draft(response):
            late = record_late_save(respondent, actor, {"action": "submit", "response_id": response.id,
                                                        "revision": response.revision}, now)
        raise DeadlinePassed(_deadline_message(consultation), late)
    if states.respondent_declined(respondent) and states.response_is_draft(response):
        raise DeclinedAnswer(_declined_message())
    signed = {}
    if states.signoff_required(respondent) and states.response_is_draft(response):
        # Sign-off inside the organisation: the submission is the signatory's signature.
        if not getattr(actor, "signatory", False):
            raise SignatureRequired(_("%(name)s kräver att svaret godkänns av en firmatecknare innan det skickas in. "
                                      "Markera svaret som klart för undertecknande, så får firmatecknaren ett "
                                      "meddelande.", name=respondent.organisation.name))
        signed = {"signed_by_id": actor.id, "signed_at": now}
    if publish_name is None:
        raise ConsentMissing(consent_message(), {"publish_name": consent_message()})
    publish = bool(publish_name)
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.draft)
        .values(status=ResponseStatus.submitted, submitted_at=now, submitted_by_id=getattr(actor, "id", None),
                publish_name=publish, updated_at=now, **signed)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise AlreadySubmitted(_("Svaret är redan inskickat (%(when)s).", when=_when(response.submitted_at)), response)
    respondent.last_activity_at = now
    record(actor, "response.submitted", response,
           summary=_("Remissvar revision %(revision)s inskickat.", revision=response.revision),
           before={"status": ResponseStatus.draft.value, "revision": response.revision},
           after={"status": ResponseStatus.submitted.value, "revision": response.revision,
                  "submitted_at": now.isoformat(), "publish_name": publish},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    if signed:
        record(actor, "response.signed", response,
               summary=_("Remissvar revision %(revision)s undertecknat av %(name)s och inskickat.",
                         revision=response.revision, name=actor.name),
               before={"ready_at": response.ready_at.isoformat() if response.ready_at else None},
               after={"signed_at": now.isoformat(), "signed_by": actor.name},
               document_id=consultation.version.document_id, consultation_id=consultation.id)
    sent, failed = notifications.send_receipts(response)
    return SubmitResult(response, sent, failed)


# --- reopen -----------------------------------------------------------------------------------


def _copy_answers(source: Response, target: Response) -> int:
    """Copy every part of an answer into a new revision, with who wrote it and when."""
    principle_answers = db.session.execute(
        select(PrincipleAnswer).where(PrincipleAnswer.response_id == source.id)
        .options(selectinload(PrincipleAnswer.criterion_answers))
    ).scalars().all()
    for answer in principle_answers:
        target.principle_answers.append(PrincipleAnswer(
            principle_text_id=answer.principle_text_id, stance=answer.stance, comment=answer.comment,
            proposed_wording=answer.proposed_wording, updated_at=answer.updated_at, updated_by_id=answer.updated_by_id,
            criterion_answers=[CriterionAnswer(criterion_id=ca.criterion_id, rating=ca.rating, comment=ca.comment)
                               for ca in answer.criterion_answers],
        ))
    for answer in db.session.execute(select(GeneralAnswer).where(GeneralAnswer.response_id == source.id)).scalars():
        target.general_answers.append(GeneralAnswer(
            general_question_id=answer.general_question_id, text=answer.text,
            updated_at=answer.updated_at, updated_by_id=answer.updated_by_id))
    for choice in db.session.execute(select(AlternativeChoice).where(AlternativeChoice.response_id == source.id)).scalars():
        target.alternative_choices.append(AlternativeChoice(
            section_id=choice.section_id, principle_text_id=choice.principle_text_id,
            alternative_id=choice.alternative_id, reason=choice.reason,
            updated_at=choice.updated_at, updated_by_id=choice.updated_by_id))
    # A dissent stays attached to the organisation's answer, whichever revision is current.
    for dissent in db.session.execute(select(Dissent).where(Dissent.response_id == source.id)).scalars():
        target.dissents.append(Dissent(author_id=dissent.author_id, text=dissent.text, created_at=dissent.created_at))
    return len(principle_answers)


def reopen(response: Response, actor, reason: str, now: datetime | None = None) -> Response:
    """Reopen a submitted answer on the respondent's request: returns the new draft revision.

    Called by process owners (`may_reopen_response`), only before the deadline. The submitted
    revision is kept, readable and unchanged, as `superseded`; the new draft starts as a copy.
    """
    from remiss.responses import notifications

    now = now or utcnow()
    reason = clean_text(reason).strip()
    if not reason:
        raise InvalidAnswer(_("Skriv varför svaret öppnas igen."), {"reason": _("Skriv varför svaret öppnas igen.")})
    if len(reason) > MAX_REASON_LENGTH:
        raise InvalidAnswer(too_long_message(len(reason), MAX_REASON_LENGTH),
                            {"reason": too_long_message(len(reason), MAX_REASON_LENGTH)})
    if not states.response_reopenable(response, now):
        if states.response_submitted(response):
            raise NotReopenable(_("Svarstiden har gått ut: svaret kan inte öppnas igen. Förläng svarstiden först om "
                                  "remissinstansen ska få ändra sitt svar."))
        raise NotReopenable(_("Bara ett inskickat svar kan öppnas igen."))
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.submitted)
        .values(status=ResponseStatus.superseded, reopened_at=now, reopen_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise NotReopenable(_("Svaret har redan öppnats igen."))
    draft = Response(respondent=response.respondent, revision=response.revision + 1,
                     status=ResponseStatus.draft, channel=ResponseChannel.online,
                     publish_name=response.publish_name, created_at=now, updated_at=now)
    db.session.add(draft)
    copied = _copy_answers(response, draft)
    db.session.flush()
    consultation = response.respondent.consultation
    record(actor, "response.reopened", draft, summary=reason,
           before={"response_id": response.id, "revision": response.revision, "status": "submitted"},
           after={"response_id": draft.id, "revision": draft.revision, "status": "draft", "answers_copied": copied},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    notifications.send_reopened(draft, reason)
    return draft


# --- bulk writes ------------------------------------------------------------------------------


def _row_inputs(consultation: Consultation, rows) -> list[AnswerInput]:
    texts = {text.id: text for text in db.session.execute(
        select(PrincipleText).where(PrincipleText.version_id == consultation.version_id)
        .options(selectinload(PrincipleText.alternatives))
    ).scalars()}
    inputs = []
    for row in rows:
        subject = texts.get(row.get("principle_text_id"))
        if subject is None:
            raise UnknownSubject(_("Principen finns inte i den här remissens version."))
        key = f"p{subject.id}"
        values = {name: row[name] for name in ("stance", "comment", "proposed_wording", "criteria") if name in row}
        inputs.append(AnswerInput(PRINCIPLE, subject, values, key=key))
        if row.get("alternative_id") or row.get("reason"):
            choice = {name: row[name] for name in ("alternative_id", "reason") if name in row}
            inputs.append(AnswerInput(ALTERNATIVE, subject, choice, key=f"ap{subject.id}"))
    return inputs


def _write_without_locks(response: Response, answers: list[AnswerInput], actor, now: datetime) -> None:
    for answer in answers:
        find = _PARTS[answer.kind][0]
        _write(response, answer, find(response, answer.subject), actor, now)
    db.session.flush()


def apply_answers(response: Response, rows, actor, now: datetime | None = None) -> int:
    """Write many principle answers at once, without lock checks or deadline: for bulk import.

    Each row is a dict: principle_text_id, and any of stance ("supports"… or None), comment,
    proposed_wording, criteria {criterion_id: {"rating": …, "comment": …}}, alternative_id,
    reason. Keys left out are not changed. Called by process owners' import and registration
    (they check permission and the response's state). Raises InvalidAnswer with errors keyed
    "p<principle_text_id>.<field>", or UnknownSubject. Returns the number of principles written.
    """
    now = now or utcnow()
    consultation = response.respondent.consultation
    inputs = validate_inputs(consultation, _row_inputs(consultation, list(rows)))
    _write_without_locks(response, inputs, actor, now)
    _touch(response, now)
    count = sum(1 for answer in inputs if answer.kind == PRINCIPLE)
    record(actor, "response.answers_applied", response,
           summary=_("%(count)s principsvar skrivna på en gång.", count=count),
           after={"revision": response.revision, "principles": count},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    return count


# --- registration on behalf -------------------------------------------------------------------


def sanitise_filename(name: str | None, extension: str) -> str:
    """A file name safe to store and send back: no path, no control characters, the right extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r'[<>:"|?*;]', "_", name).strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = stem.strip(" .")[:150] or "original"
    return stem + extension


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        return False


def check_attachment(filename: str | None, stream) -> tuple[str, str, bytes]:
    """(safe file name, content type, bytes) of an original answer document.

    Checked by content, not by name: a PDF starts with %PDF-, a Word document is a ZIP
    holding word/document.xml. At most MAX_ATTACHMENT_SIZE. Raises AttachmentRejected.
    """
    data = stream.read(MAX_ATTACHMENT_SIZE + 1)
    if not data:
        raise AttachmentRejected(_("Filen är tom."), {"original": _("Filen är tom. Välj filen med svaret igen.")})
    if len(data) > MAX_ATTACHMENT_SIZE:
        message = _("Filen är för stor: högst %(size)s MB tas emot. Spara en mindre version (till exempel som PDF) "
                    "och försök igen.", size=MAX_ATTACHMENT_SIZE // (1024 * 1024))
        raise AttachmentRejected(message, {"original": message})
    if data.startswith(b"%PDF-"):
        return sanitise_filename(filename, ".pdf"), "application/pdf", data
    if _is_docx(data):
        return sanitise_filename(filename, ".docx"), DOCX_TYPE, data
    message = _("Filen är varken en PDF eller ett Word-dokument (.docx) – innehållet stämmer inte med det. "
                "Spara svaret som PDF eller .docx och försök igen.")
    raise AttachmentRejected(message, {"original": message})


def register_on_behalf(respondent: Respondent, actor, channel: ResponseChannel | str, data: Registration,
                       attachment_file, now: datetime | None = None) -> Response:
    """Register an answer that came by e-mail or on paper, with its original attached.

    Called by process owners (`may_register_on_behalf`). Fills the respondent's draft (or a new
    one) with what the process owner typed, marks it submitted at the date it arrived and
    registered by the actor, and attaches the original (PDF or DOCX, checked by content).
    `attachment_file` has `.filename` and `.stream` (a werkzeug FileStorage). Not bound by
    the deadline: the date the answer arrived is what counts, and the dashboard shows it.
    The process owner states whether the respondent allows its name to be published
    (`data.publish_name`; None is refused).
    """
    from remiss.responses import notifications

    now = now or utcnow()
    consultation = respondent.consultation
    errors: dict[str, str] = {}
    if data.publish_name is None:
        errors["publish_name"] = consent_message()
    try:
        channel = ResponseChannel(channel)
    except ValueError:
        channel = None
    if channel not in REGISTRATION_CHANNELS:
        errors["channel"] = _("Välj om svaret kom med e-post eller på papper.")
    if data.received_at is None:
        errors["received_on"] = _("Skriv datumet då svaret kom in.")
    elif data.received_at > now + timedelta(minutes=5):
        errors["received_on"] = _("Datumet ligger i framtiden. Skriv datumet då svaret kom in.")
    if not states.registration_possible(consultation):
        raise NotEditable(_("Svar kan registreras medan remissen är öppen eller stängd, inte efter att den har sammanställts."))
    if attachment_file is None or not getattr(attachment_file, "filename", None):
        errors["original"] = _("Bifoga originalet (PDF eller Word-dokument).")
        filename = content_type = blob = None
    else:
        try:
            filename, content_type, blob = check_attachment(attachment_file.filename, attachment_file.stream)
        except AttachmentRejected as rejected:
            errors.update(rejected.errors)
            filename = content_type = blob = None
    try:
        answers = validate_inputs(consultation, data.answers)
    except InvalidAnswer as invalid:
        errors.update(invalid.errors)
        answers = []
    if errors:
        raise InvalidAnswer(_("Svaret kunde inte registreras: rätta det som är markerat."), errors)

    response = current_response(respondent, create=True, now=now)
    if not states.response_is_draft(response):
        raise NotEditable(_("Det finns redan ett inskickat svar (revision %(revision)s, %(when)s). Öppna det igen "
                            "först om det ska ersättas.", revision=response.revision, when=_when(response.submitted_at)))
    _write_without_locks(response, answers, actor, now)
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.draft)
        .values(status=ResponseStatus.submitted, channel=channel, registered_by_id=getattr(actor, "id", None),
                submitted_by_id=None, submitted_at=data.received_at, updated_at=now,
                publish_name=bool(data.publish_name))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise NotEditable(_("Svaret skickades in medan du registrerade. Öppna det igen först om det ska ersättas."))
    attachment = Attachment(response_id=response.id, filename=filename, content_type=content_type, size=len(blob),
                            sha256=hashlib.sha256(blob).hexdigest(), data=blob,
                            uploaded_by_id=getattr(actor, "id", None), uploaded_at=now)
    db.session.add(attachment)
    respondent.last_activity_at = now
    db.session.flush()
    record(actor, "response.registered", response,
           summary=_("Svar registrerat för remissinstansen (%(channel)s), inkom %(when)s.",
                     channel=channel.value, when=local(data.received_at).date().isoformat()),
           before={"status": ResponseStatus.draft.value, "revision": response.revision},
           after={"status": ResponseStatus.submitted.value, "revision": response.revision, "channel": channel.value,
                  "submitted_at": data.received_at.isoformat(),
                  "attachment": {"id": attachment.id, "filename": filename, "sha256": attachment.sha256,
                                 "size": attachment.size}},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    notifications.send_receipts(response)
    return response
