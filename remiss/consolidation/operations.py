"""The verbs of consolidation: a disposition per comment, a summary per principle, and marking
the consolidation complete.

Every operation takes the acting user, validates, asks `states.py` whether the consultation
allows it, writes an audit entry with the values before and after, and never commits: the
request or the command does. Permission is the caller's to check (`may_consolidate`).

Several process owners may work at once. Each save carries the lock_version the user started
from; a save based on an older version is not applied and comes back as a Conflict with the
stored and the user's values, so that nobody's work is overwritten unseen. The check is made
twice: here against what was read, and by the database (version_id_col makes the UPDATE
conditional on the old lock_version; two first saves at once meet the unique constraint).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _, ngettext
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from remiss.audit import record
from remiss.auth.models import User
from remiss.consolidation import queries
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, PrincipleSummary
from remiss.consultations import states
from remiss.consultations.models import Consultation, ConsultationStatus, GeneralAnswer, PrincipleAnswer
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.responses.operations import clean_text, too_long_message
from remiss.timeutil import utcnow
from remiss.errors import UserError

MAX_REASON_LENGTH = 5_000
# Rendered through remiss.markdown, which is fast up to its MAX_LENGTH.
MAX_SUMMARY_LENGTH = 20_000


# --- refusals -----------------------------------------------------------------------------------


class ConsolidationError(UserError):
    """A refusal of a consolidation step; field errors are keyed "kind", "reason" or "text"."""


class InvalidInput(ConsolidationError):
    status = 422


class NotEditable(ConsolidationError):
    """The consultation is not closed (still open, or already consolidated)."""

    status = 409


class Incomplete(ConsolidationError):
    """Comments still lack their disposition: the consolidation cannot be completed."""

    status = 409

    def __init__(self, message: str, progress: queries.Progress):
        super().__init__(message)
        self.progress = progress


# --- results ------------------------------------------------------------------------------------


@dataclass
class Conflict:
    """Someone else saved first: nothing was overwritten. Both versions, for the user to merge."""

    stored: dict
    yours: dict
    stored_by: str | None
    stored_at: datetime | None
    # Send this as the base to save the user's version deliberately.
    lock_version: int


@dataclass
class SaveResult:
    saved: bool
    changed: bool
    lock_version: int
    conflict: Conflict | None = None


# --- helpers ------------------------------------------------------------------------------------


def not_editable_message(consultation: Consultation) -> str:
    """Why dispositions cannot be written now, for the user."""
    if states.consolidation_preview(consultation):
        return _("Remissen är fortfarande öppen för svar. Ställningstaganden och sammanfattningar skrivs när "
                 "remissen har stängts.")
    if states.consolidation_viewable(consultation):
        return _("Sammanställningen är klar och låst. Ställningstaganden och sammanfattningar kan inte ändras längre.")
    return _("Remissen är inte öppnad än: det finns inga svar att sammanställa.")


def _require_editable(consultation: Consultation) -> None:
    if not states.consolidation_editable(consultation):
        raise NotEditable(not_editable_message(consultation))


def _name_of(user_id: int | None) -> str | None:
    user = db.session.get(User, user_id) if user_id else None
    return user.name if user else None


def _check_length(errors: dict, name: str, text: str, maximum: int) -> None:
    if len(text) > maximum:
        errors[name] = too_long_message(len(text), maximum)


def disposition_values(disposition: Disposition | None) -> dict:
    if disposition is None:
        return {"kind": None, "reason": ""}
    return {"kind": disposition.kind.value if disposition.kind else None, "reason": disposition.reason or ""}


def summary_values(summary: PrincipleSummary | None) -> dict:
    return {"text": summary.text if summary is not None else ""}


def _conflict(stored_row, stored: dict, yours: dict) -> SaveResult:
    return SaveResult(saved=False, changed=False, lock_version=stored_row.lock_version, conflict=Conflict(
        stored=stored, yours=yours, stored_by=_name_of(stored_row.updated_by_id), stored_at=stored_row.updated_at,
        lock_version=stored_row.lock_version))


def _document_id(consultation: Consultation) -> int:
    return consultation.version.document_id


# --- dispositions -------------------------------------------------------------------------------


def _find_disposition(answer, target: DispositionTarget, fresh: bool = False) -> Disposition | None:
    if isinstance(answer, GeneralAnswer):
        statement = select(Disposition).where(Disposition.general_answer_id == answer.id,
                                              Disposition.target == target)
    else:
        statement = select(Disposition).where(Disposition.principle_answer_id == answer.id,
                                              Disposition.target == target)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one_or_none()


def _valid_target(answer, target) -> DispositionTarget:
    try:
        target = DispositionTarget(target)
    except ValueError:
        raise InvalidInput(_("Det finns ingen sådan synpunkt i svaret.")) from None
    if isinstance(answer, GeneralAnswer):
        allowed = {DispositionTarget.general}
    elif isinstance(answer, PrincipleAnswer):
        allowed = {DispositionTarget.comment, DispositionTarget.proposed_wording}
    else:
        allowed = set()
    if target not in allowed:
        raise InvalidInput(_("Det finns ingen sådan synpunkt i svaret."))
    return target


def _subject(answer, target: DispositionTarget) -> str:
    respondent = queries.respondent_name(answer.response.respondent)
    if isinstance(answer, GeneralAnswer):
        return _("%(respondent)s, övergripande fråga: %(question)s", respondent=respondent,
                 question=answer.general_question.text)
    what = _("ändringsförslag") if target == DispositionTarget.proposed_wording else _("synpunkt")
    return _("%(respondent)s, princip %(number)s (%(what)s)", respondent=respondent,
             number=answer.principle_text.number, what=what)


def set_disposition(answer: PrincipleAnswer | GeneralAnswer, target: DispositionTarget | str,
                    kind: DispositionKind | str | None, reason: str | None, base_lock_version: int, actor,
                    now: datetime | None = None) -> SaveResult:
    """Record what is done with one comment, proposed wording or general answer, and why.

    Called by process owners and administrators (`may_consolidate`), only while the consultation
    is closed. `answer` must belong to a submitted response (the caller found it among this
    consultation's); `target` is "comment" or "proposed_wording" for a principle answer and
    "general" for a general answer. `kind` may be empty (a reason kept as a note, no disposition
    yet). `base_lock_version` is the disposition's lock_version the user saw (0: none yet).

    Returns a SaveResult: saved (changed or not), or a Conflict when someone else saved it after
    the user's base – then nothing is written. Raises NotEditable or InvalidInput.
    """
    now = now or utcnow()
    response = answer.response
    consultation = response.respondent.consultation
    _require_editable(consultation)
    if not states.response_submitted(response):
        raise NotEditable(_("Svaret är inte inskickat (eller har ersatts av en ny revision): det sammanställs inte."))
    target = _valid_target(answer, target)
    if not queries.said(queries.target_text(answer, target)):
        raise InvalidInput(_("Texten är tom: det finns inget att ta ställning till."))
    errors: dict[str, str] = {}
    if kind in (None, ""):
        kind = None
    else:
        try:
            kind = DispositionKind(kind)
        except ValueError:
            errors["kind"] = _("Välj ett av ställningstagandena.")
            kind = None
    reason = clean_text(reason)
    _check_length(errors, "reason", reason, MAX_REASON_LENGTH)
    if errors:
        raise InvalidInput(_("Ställningstagandet kunde inte sparas: rätta det som är markerat. Det du skrev finns kvar."),
                           errors)
    yours = {"kind": kind.value if kind else None, "reason": reason}
    stored = _find_disposition(answer, target)
    before = disposition_values(stored)
    if before == yours:
        # Nothing new: no write, so that a colleague's base stays valid.
        return SaveResult(saved=True, changed=False, lock_version=stored.lock_version if stored is not None else 0)
    if stored is not None and stored.lock_version != (base_lock_version or 0):
        return _conflict(stored, before, yours)
    try:
        with db.session.begin_nested():
            if stored is None:
                stored = Disposition(target=target)
                if isinstance(answer, GeneralAnswer):
                    stored.general_answer_id = answer.id
                else:
                    stored.principle_answer_id = answer.id
                db.session.add(stored)
            stored.kind = kind
            stored.reason = reason
            stored.updated_at = now
            stored.updated_by_id = getattr(actor, "id", None)
            db.session.flush()
    except (IntegrityError, StaleDataError):
        stored = _find_disposition(answer, target, fresh=True)
        return _conflict(stored, disposition_values(stored), yours)
    record(actor, "consolidation.disposition_set", stored, summary=_subject(answer, target),
           before=before, after={**yours, "lock_version": stored.lock_version},
           document_id=_document_id(consultation), consultation_id=consultation.id)
    return SaveResult(saved=True, changed=True, lock_version=stored.lock_version)


# --- summaries ----------------------------------------------------------------------------------


def _find_summary(consultation: Consultation, principle_text: PrincipleText, fresh: bool = False):
    statement = select(PrincipleSummary).where(PrincipleSummary.consultation_id == consultation.id,
                                               PrincipleSummary.principle_text_id == principle_text.id)
    if fresh:
        statement = statement.execution_options(populate_existing=True)
    return db.session.execute(statement).scalar_one_or_none()


def set_summary(consultation: Consultation, principle_text: PrincipleText, text: str | None, base_lock_version: int,
                actor, now: datetime | None = None) -> SaveResult:
    """Write "Sammanfattning av synpunkter och ställningstagande" for one principle.

    Called by process owners and administrators (`may_consolidate`), only while the consultation
    is closed. The principle must be one of the consultation's version. Same locking and results
    as `set_disposition`. Raises NotEditable or InvalidInput.
    """
    now = now or utcnow()
    _require_editable(consultation)
    if principle_text.version_id != consultation.version_id:
        raise InvalidInput(_("Principen hör inte till den här remissen."))
    text = clean_text(text)
    errors: dict[str, str] = {}
    _check_length(errors, "text", text, MAX_SUMMARY_LENGTH)
    if errors:
        raise InvalidInput(_("Sammanfattningen kunde inte sparas: den är för lång. Det du skrev finns kvar."), errors)
    yours = {"text": text}
    stored = _find_summary(consultation, principle_text)
    before = summary_values(stored)
    if before == yours:
        return SaveResult(saved=True, changed=False, lock_version=stored.lock_version if stored is not None else 0)
    if stored is not None and stored.lock_version != (base_lock_version or 0):
        return _conflict(stored, before, yours)
    try:
        with db.session.begin_nested():
            if stored is None:
                stored = PrincipleSummary(consultation_id=consultation.id, principle_text_id=principle_text.id)
                db.session.add(stored)
            stored.text = text
            stored.updated_at = now
            stored.updated_by_id = getattr(actor, "id", None)
            db.session.flush()
    except (IntegrityError, StaleDataError):
        stored = _find_summary(consultation, principle_text, fresh=True)
        return _conflict(stored, summary_values(stored), yours)
    record(actor, "consolidation.summary_set", stored,
           summary=_("Sammanfattning för princip %(number)s: %(title)s", number=principle_text.number,
                     title=principle_text.title),
           before=before, after={**yours, "lock_version": stored.lock_version}, document_id=_document_id(consultation),
           consultation_id=consultation.id)
    return SaveResult(saved=True, changed=True, lock_version=stored.lock_version)


# --- completion ---------------------------------------------------------------------------------


def complete_consolidation(consultation: Consultation, actor, now: datetime | None = None) -> None:
    """Mark the consolidation complete: the consultation moves closed → consolidated, and the
    report is frozen (remiss.reports.operations.freeze_reports: a stored copy of every format).

    Called by process owners and administrators (`may_consolidate`). Refused (Incomplete) while
    any comment, proposed wording or general answer lacks its disposition; NotEditable when the
    consultation is not closed. A double click or two people at once complete it once: the
    UPDATE is conditional on the closed state.
    """
    now = now or utcnow()
    if not states.consolidation_completable(consultation):
        raise NotEditable(not_editable_message(consultation))
    progress = queries.progress(consultation)
    if progress.remaining > 0:
        raise Incomplete(ngettext(
            "%(num)d synpunkt saknar ställningstagande. Ta ställning till alla synpunkter innan sammanställningen "
            "markeras som klar.",
            "%(num)d synpunkter saknar ställningstagande. Ta ställning till alla synpunkter innan sammanställningen "
            "markeras som klar.",
            progress.remaining), progress)
    states.check_transition(consultation, ConsultationStatus.consolidated)
    claimed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.status == ConsultationStatus.closed)
        .values(status=ConsultationStatus.consolidated)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.refresh(consultation)
        raise NotEditable(not_editable_message(consultation))
    states.move(consultation, ConsultationStatus.consolidated)
    db.session.flush()
    record(actor, "consultation.consolidated", consultation,
           summary=_("Sammanställningen markerad som klar: %(done)d av %(needed)d synpunkter har ställningstagande.",
                     done=progress.done, needed=progress.needed),
           before={"status": ConsultationStatus.closed.value},
           after={"status": ConsultationStatus.consolidated.value, "dispositions": progress.done,
                  "at": now.isoformat()},
           document_id=_document_id(consultation), consultation_id=consultation.id)
    # Imported here: the report area builds on this one (its figures come from consolidation.queries).
    from remiss.reports.operations import freeze_reports

    freeze_reports(consultation, actor, now)
