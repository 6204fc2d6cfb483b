"""The verbs of declining to answer ("avstår från att yttra sig") and of sign-off inside the
organisation: mark ready for signing, send back with a note, record a dissent ("avvikande mening").
Signing is the submission itself (`operations.submit` by a signatory records who signed).

As in operations.py: each takes the acting user, validates, changes state (asking `states.py`),
writes an audit entry and never commits. Permission is the caller's to check (see each docstring).
"""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import update

from remiss.audit import record
from remiss.consultations import states
from remiss.consultations.models import Dissent, Respondent, Response, ResponseStatus
from remiss.extensions import db
from remiss.responses.operations import (
    MAX_REASON_LENGTH,
    MAX_TEXT_LENGTH,
    AnswerError,
    InvalidAnswer,
    clean_text,
    current_response,
    too_long_message,
)
from remiss.timeutil import utcnow


class SignoffRefused(AnswerError):
    """The answer is not (or no longer) in a state where this can be done."""

    status = 409


def _text(value, field: str, maximum: int, required_message: str | None = None) -> str:
    text = clean_text(value).strip()
    if required_message and not text:
        raise InvalidAnswer(required_message, {field: required_message})
    if len(text) > maximum:
        message = too_long_message(len(text), maximum)
        raise InvalidAnswer(message, {field: message})
    return text


def _ids(respondent: Respondent) -> dict:
    consultation = respondent.consultation
    return {"document_id": consultation.version.document_id, "consultation_id": consultation.id}


# --- declining --------------------------------------------------------------------------------


def decline(respondent: Respondent, actor, reason: str = "", *, on_behalf: bool = False,
            now: datetime | None = None) -> Respondent:
    """The respondent declines to answer, with an optional reason; it gets no more reminders.

    Called for the people behind the respondent (`may_answer_for` or the personal link) while
    answers are accepted, or by process owners (`may_register_declining`, `on_behalf=True`) while
    answers can be registered. A draft written so far is kept (not submitted, not reported).
    """
    now = now or utcnow()
    reason = _text(reason, "reason", MAX_REASON_LENGTH)
    response = current_response(respondent, create=False)
    allowed = (states.declining_registrable(respondent, response) if on_behalf
               else states.may_be_declined(respondent, response, now))
    if not allowed:
        if states.respondent_declined(respondent):
            raise SignoffRefused(_("Remissinstansen har redan meddelat att den avstår."))
        if response is not None and not states.response_is_draft(response):
            raise SignoffRefused(_("Svaret är redan inskickat. Det måste öppnas igen innan remissinstansen kan avstå."))
        raise SignoffRefused(_("Remissen tar inte emot svar just nu."))
    result = db.session.execute(
        update(Respondent).where(Respondent.id == respondent.id, Respondent.declined_at.is_(None))
        .values(declined_at=now, declined_reason=reason, declined_by_id=getattr(actor, "id", None))
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(respondent)
    if result.rowcount != 1:
        raise SignoffRefused(_("Remissinstansen har redan meddelat att den avstår."))
    if response is not None and response.ready_at is not None:
        response.ready_at = None
        response.ready_by_id = None
    respondent.last_activity_at = now
    record(actor, "respondent.declining_registered" if on_behalf else "respondent.declined", respondent,
           summary=reason or _("Avstår från att yttra sig."),
           after={"declined_at": now.isoformat(), "reason": reason}, **_ids(respondent))
    return respondent


def withdraw_declining(respondent: Respondent, actor, now: datetime | None = None) -> Respondent:
    """Take back a declining: the respondent can answer (and is reminded) again.

    Called for the people behind the respondent, or by process owners, while answers are accepted.
    """
    now = now or utcnow()
    if not states.declining_withdrawable(respondent, now):
        if not states.respondent_declined(respondent):
            raise SignoffRefused(_("Remissinstansen har inte meddelat att den avstår."))
        raise SignoffRefused(_("Remissen tar inte emot svar längre: att avstå kan inte ångras nu."))
    before = {"declined_at": respondent.declined_at.isoformat(), "reason": respondent.declined_reason}
    respondent.declined_at = None
    respondent.declined_reason = ""
    respondent.declined_by_id = None
    respondent.last_activity_at = now
    record(actor, "respondent.declining_withdrawn", respondent, summary=_("Avstår inte längre: svarar ändå."),
           before=before, after={"declined_at": None}, **_ids(respondent))
    return respondent


# --- sign-off ---------------------------------------------------------------------------------


def mark_ready(response: Response, actor, now: datetime | None = None) -> tuple[int, list[str]]:
    """The representatives are done: the draft becomes read-only for all but the signatories, who
    get a mail. Returns (mails sent, addresses that failed).

    Called for the organisation's representatives (`may_answer_for`) when it requires sign-off.
    """
    from remiss.responses import notifications

    now = now or utcnow()
    if not states.response_markable_ready(response, now):
        if states.response_ready(response):
            raise SignoffRefused(_("Svaret är redan markerat som klart för undertecknande."))
        if not states.signoff_required(response.respondent):
            raise SignoffRefused(_("Organisationen kräver inte att svaret undertecknas: skicka in det direkt."))
        raise SignoffRefused(_("Svaret kan inte markeras som klart för undertecknande just nu."))
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.draft, Response.ready_at.is_(None))
        .values(ready_at=now, ready_by_id=getattr(actor, "id", None), returned_note="", updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise SignoffRefused(_("Svaret är redan markerat som klart för undertecknande."))
    record(actor, "response.ready", response,
           summary=_("Remissvar revision %(revision)s klart för undertecknande.", revision=response.revision),
           before={"ready_at": None}, after={"ready_at": now.isoformat()}, **_ids(response.respondent))
    return notifications.send_ready_for_signing(response, actor)


def send_back(response: Response, actor, note: str, now: datetime | None = None) -> Response:
    """The signatory sends the answer back to the representatives with a note saying what to change.

    Called for signatories (`may_sign_for`) while the answer is ready and answers are accepted.
    """
    from remiss.responses import notifications

    now = now or utcnow()
    note = _text(note, "note", MAX_REASON_LENGTH, _("Skriv vad som behöver ändras."))
    if not states.response_returnable(response, now):
        raise SignoffRefused(_("Bara ett svar som är markerat som klart för undertecknande kan skickas tillbaka."))
    result = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.draft, Response.ready_at.is_not(None))
        .values(ready_at=None, ready_by_id=None, returned_note=note, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(response)
    if result.rowcount != 1:
        raise SignoffRefused(_("Bara ett svar som är markerat som klart för undertecknande kan skickas tillbaka."))
    record(actor, "response.returned", response, summary=note,
           before={"ready_at": "set"}, after={"ready_at": None, "note": note}, **_ids(response.respondent))
    notifications.send_returned(response, actor, note)
    return response


def record_dissent(response: Response, actor, text: str, now: datetime | None = None) -> Dissent:
    """"Avvikande mening": a representative who disagrees with the organisation's answer says so;
    it stays attached to the answer (draft or submitted) and appears in the report.

    Called for the organisation's representatives (`may_record_dissent`) while answers are accepted.
    """
    now = now or utcnow()
    text = _text(text, "text", MAX_TEXT_LENGTH, _("Skriv din avvikande mening."))
    if not states.dissent_possible(response, now):
        raise SignoffRefused(_("En avvikande mening kan bara lämnas medan remissen tar emot svar."))
    dissent = Dissent(response_id=response.id, author_id=getattr(actor, "id", None), text=text, created_at=now)
    db.session.add(dissent)
    db.session.flush()
    record(actor, "response.dissent", dissent,
           summary=_("Avvikande mening till remissvar revision %(revision)s.", revision=response.revision),
           after={"response_id": response.id, "text": text}, **_ids(response.respondent))
    return dissent
