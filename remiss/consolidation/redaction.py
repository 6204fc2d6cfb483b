"""Redaction: passages of submitted answers hidden from the public report and the public pages.

A process owner may hide a passage of a comment, a proposed wording or an answer to a general
question – personal health details a patient representative wrote, a colleague's name – with a
reason. The stored answer never changes: a `Redaction` records the character range, the passage
itself (a check that the range still points at it) and the reason. Public renderings replace the
passage with "[maskerat: skäl]" (`public_text`); the internal report shows everything and says
what is hidden from the public.

Redactions are made while the consultation is closed or consolidated (before or after the public
report is frozen; a redaction after freezing means the public report must be frozen again, which
the report page says: `changed_since_frozen`). After the steering group's decision the report it
decided on stays as it is.

Operations take the acting user, validate, write an audit entry and never commit. The audit entry
keeps the range and the reason, not the passage: the passage is often exactly the personal data the
redaction protects, and the audit trail can never be erased.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from remiss.audit import record
from remiss.audit.models import AuditEntry
from remiss.consolidation.models import ConsolidatedReport, DispositionTarget, Redaction
from remiss.consultations import states
from remiss.consultations.models import Consultation, GeneralAnswer, PrincipleAnswer, Respondent, Response
from remiss.errors import UserError
from remiss.extensions import db
from remiss.responses.operations import clean_text
from remiss.timeutil import utcnow

MAX_REASON_LENGTH = 300
ACTIONS = ("redaction.created", "redaction.removed")


class RedactionError(UserError):
    """A refused redaction; field errors are keyed "passage", "occurrence" or "reason"."""

    status = 422


class NotRedactable(RedactionError):
    """The consultation is not closed or consolidated, or the answer is not a submitted one."""

    status = 409


# --- what a redaction is about ---------------------------------------------------------------------


def fits(answer, target: DispositionTarget) -> bool:
    """A principle answer has a comment and a proposed wording; a general answer its text."""
    if isinstance(answer, PrincipleAnswer):
        return target in (DispositionTarget.comment, DispositionTarget.proposed_wording)
    return isinstance(answer, GeneralAnswer) and target == DispositionTarget.general


def answer_text(answer, target: DispositionTarget) -> str:
    if target == DispositionTarget.general:
        return answer.text or ""
    return (answer.comment if target == DispositionTarget.comment else answer.proposed_wording) or ""


def ref(answer, target: DispositionTarget) -> str:
    """The text in an address: "p12-comment", "p12-proposed_wording", "g3-general" (as tracing names it)."""
    return f"{'g' if isinstance(answer, GeneralAnswer) else 'p'}{answer.id}-{target.value}"


def find(value: str):
    """(answer, target) for "p12-comment" / "g3-general", or None when there is no such text."""
    try:
        head, target_value = value.split("-", 1)
        kind, answer_id = head[0], int(head[1:])
        target = DispositionTarget(target_value)
    except (ValueError, IndexError):
        return None
    if not 0 < answer_id <= 2**31 - 1:
        return None
    model = GeneralAnswer if kind == "g" else PrincipleAnswer if kind == "p" else None
    answer = db.session.get(model, answer_id) if model is not None else None
    if answer is None or not fits(answer, target):
        return None
    return answer, target


def _answer_filter(answer):
    if isinstance(answer, GeneralAnswer):
        return Redaction.general_answer_id == answer.id
    return Redaction.principle_answer_id == answer.id


def redactions_of(answer, target: DispositionTarget) -> list[Redaction]:
    """The redactions of one text, in text order: one statement."""
    return list(db.session.execute(
        select(Redaction).where(_answer_filter(answer), Redaction.target == target).order_by(Redaction.start_offset)
    ).scalars())


def occurrences(text: str, passage: str) -> list[int]:
    """Where `passage` starts in `text`, every occurrence (overlapping ones too)."""
    found, start = [], text.find(passage) if passage else -1
    while start != -1:
        found.append(start)
        start = text.find(passage, start + 1)
    return found


# --- the verbs ---------------------------------------------------------------------------------------


def _check_redactable(answer) -> Consultation:
    response = answer.response
    consultation = response.respondent.consultation
    if not states.answers_redactable(consultation):
        raise NotRedactable(_("Passager kan maskeras medan remissen är stängd eller sammanställd, inte före eller "
                              "efter styrgruppens beslut."))
    if not states.response_submitted(response):
        raise NotRedactable(_("Bara inskickade svar kan maskeras."))
    return consultation


def _clean_reason(reason) -> str:
    reason = " ".join(clean_text(reason).split())
    if not reason:
        raise RedactionError(_("Skriv skälet till maskeringen."), {"reason": _("Skriv skälet till maskeringen.")})
    if len(reason) > MAX_REASON_LENGTH:
        message = _("Skälet får vara högst %(max)s tecken.", max=MAX_REASON_LENGTH)
        raise RedactionError(message, {"reason": message})
    return reason


def redact(answer, target: DispositionTarget, start: int, end: int, reason: str, actor, *,
           passage: str | None = None, now: datetime | None = None) -> Redaction:
    """Hide text[start:end] of the answer's `target` text from the public renderings, with a reason.

    Called by process owners and administrators (`may_redact`) while the consultation is closed
    or consolidated. `passage`, if given, must be exactly the text in that range (the form's check
    that the range was found in the text the user saw). Refused with 422: a range outside the text,
    a passage that does not match, no reason or one over 300 characters, a range that overlaps a
    redaction already made in the same text.
    """
    if not fits(answer, target):
        raise RedactionError(_("Den texten finns inte i svaret."))
    consultation = _check_redactable(answer)
    reason = _clean_reason(reason)
    text = answer_text(answer, target)
    if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
        raise RedactionError(_("Passagen ligger utanför texten."), {"passage": _("Passagen ligger utanför texten.")})
    if passage is not None and text[start:end] != passage:
        message = _("Passagen stämmer inte med texten på den platsen.")
        raise RedactionError(message, {"passage": message})
    for other in redactions_of(answer, target):
        if other.start_offset < end and start < other.end_offset:
            message = _("Passagen överlappar en maskering som redan finns (”%(passage)s”). Ta bort den först eller "
                        "välj en annan passage.", passage=other.passage)
            raise RedactionError(message, {"passage": message})
    redaction = Redaction(
        target=target, start_offset=start, end_offset=end, passage=text[start:end], reason=reason,
        created_at=now or utcnow(), created_by_id=getattr(actor, "id", None),
    )
    if isinstance(answer, GeneralAnswer):
        redaction.general_answer_id = answer.id
    else:
        redaction.principle_answer_id = answer.id
    db.session.add(redaction)
    db.session.flush()
    record(actor, "redaction.created", redaction, summary=reason,
           after={"answer": ref(answer, target), "start": start, "end": end, "reason": reason},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    return redaction


def redact_passage(answer, target: DispositionTarget, passage: str, occurrence: int | None, reason: str, actor,
                   now: datetime | None = None) -> Redaction:
    """Redact the passage the user typed or pasted: the server finds where it is. When it occurs
    more than once, `occurrence` (1, 2, …) says which; without it the refusal asks for it."""
    if not fits(answer, target):
        raise RedactionError(_("Den texten finns inte i svaret."))
    _check_redactable(answer)
    passage = clean_text(passage).strip()
    errors: dict[str, str] = {}
    try:
        reason = _clean_reason(reason)
    except RedactionError as refused:
        errors.update(refused.errors)
        reason = ""
    if not passage:
        errors["passage"] = _("Skriv eller klistra in den text som ska maskeras.")
        raise RedactionError(errors["passage"], errors)
    found = occurrences(answer_text(answer, target), passage)
    if not found:
        errors["passage"] = _("Texten finns inte i svaret. Kopiera den exakt som den står, med samma stavning och "
                              "skiljetecken.")
    elif len(found) > 1 and occurrence is None:
        errors["occurrence"] = _("Texten förekommer %(count)s gånger. Välj vilken förekomst som ska maskeras.",
                                 count=len(found))
    elif occurrence is not None and not 1 <= occurrence <= len(found):
        errors["occurrence"] = _("Välj en förekomst mellan 1 och %(count)s.", count=len(found))
    if errors:
        raise RedactionError(next(iter(errors.values())), errors)
    start = found[(occurrence or 1) - 1]
    return redact(answer, target, start, start + len(passage), reason, actor, passage=passage, now=now)


def unredact(redaction: Redaction, actor) -> None:
    """Show the passage in the public renderings again. Process owners and administrators, in the
    same states as `redact`."""
    answer = redaction.general_answer or redaction.principle_answer
    consultation = _check_redactable(answer)
    record(actor, "redaction.removed", redaction, summary=redaction.reason,
           before={"answer": ref(answer, redaction.target), "start": redaction.start_offset,
                   "end": redaction.end_offset, "reason": redaction.reason},
           document_id=consultation.version.document_id, consultation_id=consultation.id)
    db.session.delete(redaction)
    db.session.flush()


# --- rendering -------------------------------------------------------------------------------------


def marker(reason: str) -> str:
    """What the public reads instead of the passage, in the rendering's language."""
    return _("[maskerat: %(reason)s]", reason=reason)


def public_text(text: str, redactions: Iterable) -> str:
    """The text with each redacted passage replaced by "[maskerat: skäl]".

    A redaction whose range no longer holds its passage (it cannot happen: a submitted text never
    changes) is looked for elsewhere in the text rather than leaving the passage shown."""
    text = text or ""
    spans = []
    for r in redactions:
        start, end = r.start_offset, r.end_offset
        if text[start:end] != r.passage:
            start = text.find(r.passage) if r.passage else -1
            if start == -1:
                continue
            end = start + len(r.passage)
        spans.append((start, end, r.reason))
    out, position = [], 0
    for start, end, reason in sorted(spans):
        if start < position:  # overlapping (refused when made): the earlier one already hides it
            start = position
            if start >= end:
                continue
        out.append(text[position:start])
        out.append(marker(reason))
        position = end
    out.append(text[position:])
    return "".join(out)


@dataclass(frozen=True)
class RedactionNote:
    """A redacted passage as the internal report mentions it."""

    passage: str
    reason: str


def notes(redactions: Iterable) -> tuple[RedactionNote, ...]:
    return tuple(RedactionNote(r.passage, r.reason) for r in sorted(redactions, key=lambda r: r.start_offset))


# --- reading them --------------------------------------------------------------------------------


Key = tuple[str, int, str]  # ("p" | "g", answer id, target value)


def _key(redaction: Redaction) -> Key:
    if redaction.general_answer_id is not None:
        return ("g", redaction.general_answer_id, redaction.target.value)
    return ("p", redaction.principle_answer_id, redaction.target.value)


def _group(redactions) -> dict[Key, list[Redaction]]:
    out: dict[Key, list[Redaction]] = {}
    for redaction in redactions:
        out.setdefault(_key(redaction), []).append(redaction)
    return out


def in_consultations(statement, consultation_ids):
    return (statement
            .outerjoin(PrincipleAnswer, PrincipleAnswer.id == Redaction.principle_answer_id)
            .outerjoin(GeneralAnswer, GeneralAnswer.id == Redaction.general_answer_id)
            .join(Response, Response.id == func.coalesce(PrincipleAnswer.response_id, GeneralAnswer.response_id))
            .join(Respondent, Respondent.id == Response.respondent_id)
            .where(Respondent.consultation_id.in_(consultation_ids)))


def for_consultation(consultation_id: int) -> dict[Key, list[Redaction]]:
    """Every redaction of the consultation's answers, keyed by text: one statement."""
    return _group(db.session.execute(
        in_consultations(select(Redaction), [consultation_id]).order_by(Redaction.start_offset)
    ).scalars())


def for_answers(principle_answer_ids: Iterable[int], general_answer_ids: Iterable[int]) -> dict[Key, list[Redaction]]:
    """The redactions of these answers, keyed by text: one statement (none without ids)."""
    principle_answer_ids, general_answer_ids = list(principle_answer_ids), list(general_answer_ids)
    conditions = []
    if principle_answer_ids:
        conditions.append(Redaction.principle_answer_id.in_(principle_answer_ids))
    if general_answer_ids:
        conditions.append(Redaction.general_answer_id.in_(general_answer_ids))
    if not conditions:
        return {}
    return _group(db.session.execute(select(Redaction).where(or_(*conditions))).scalars())


def changed_since_frozen(consultation: Consultation) -> bool:
    """A redaction was made or removed after the latest frozen report: its public version no
    longer shows what it should, and a new version must be frozen. Two statements."""
    frozen_at = db.session.execute(
        select(func.max(ConsolidatedReport.created_at)).where(ConsolidatedReport.consultation_id == consultation.id)
    ).scalar_one_or_none()
    if frozen_at is None:
        return False
    return db.session.execute(
        select(AuditEntry.id).where(AuditEntry.consultation_id == consultation.id, AuditEntry.action.in_(ACTIONS),
                                    AuditEntry.at > frozen_at).limit(1)
    ).first() is not None
