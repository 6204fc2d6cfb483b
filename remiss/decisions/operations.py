"""The verbs of the steering group's decision: send a version to the steering group (propose),
the members' comments before the meeting, record the decision, withdraw a version.

Every operation takes the acting user, validates, changes a version's status only through
`remiss.documents.states.move` (a consultation's through `remiss.consultations.states.move`),
writes an audit entry with the document and the consultation, and never commits: the request
does. Permission is the caller's to check (`may_propose`, `may_comment_proposal`,
`may_record_decision`, `may_withdraw_version`).

Two people at once (or a double click) cannot both act on one version: every status change of a
version is an UPDATE conditional on its lock_version (SQLAlchemy's version counter), so the second
one changes no row and is told that someone else came first. A proposal has one decision at most:
the operation checks, and the unique proposal_id of the decision table makes sure.
"""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import force_locale, format_date, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from remiss.audit import record
from remiss.auth.models import Role, User
from remiss.consultations import states as consultation_states
from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.decisions.models import Decision, DecisionOutcome, Proposal, ProposalComment
from remiss.documents import states
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.errors import UserError
from remiss.extensions import db
from remiss.i18n import babel_locale
from remiss.mail import MailError, absolute_url, send_mail
from remiss.markdown import MAX_LENGTH as MARKDOWN_MAX_LENGTH
from remiss.timeutil import local, utcnow

MESSAGE_MAX = MARKDOWN_MAX_LENGTH
COMMENT_MAX = 5_000
BODY_MAX = 300
MINUTES_MAX = 200
PARAGRAPH_MAX = 50
PRESENT_MAX = 5_000
MOTIVATION_MAX = MARKDOWN_MAX_LENGTH


class DecisionError(UserError):
    """Something typed cannot be accepted; `errors` names the fields."""

    status = 422


class NotNow(UserError):
    """The state of the version or the proposal does not allow it (anymore)."""

    status = 409


# --- helpers ------------------------------------------------------------------------------------


def _text(errors: dict, field: str, value, maximum: int, *, required_message=None) -> str:
    """Text as typed (CRLF made LF, surrounding spaces off); errors go into `errors[field]`."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in text:
        errors[field] = str(_l("Texten innehåller ett otillåtet tecken (NUL). Ta bort det och försök igen."))
    elif required_message and not text:
        errors[field] = str(required_message)
    elif len(text) > maximum:
        errors[field] = str(_l("Högst %(max)d tecken (nu %(length)d).", max=maximum, length=len(text)))
    return text


def _raise_if(errors: dict) -> None:
    if errors:
        raise DecisionError(str(_l("Formuläret har fel som behöver rättas.")), errors)


def _flush_or_refuse(message) -> None:
    """Flush the changes; the version's lock_version makes the UPDATE conditional, so a second
    request on the same version changes nothing and is refused."""
    try:
        db.session.flush()
    except (StaleDataError, IntegrityError):
        # The session must be rolled back before it is used again: the view does that.
        raise NotNow(str(message)) from None


def _move_version(version: DocumentVersion, target: VersionStatus, actor, consultation_id: int | None) -> None:
    before = version.status
    states.move(version, target)
    record(actor, "document_version.status_changed", version, document_id=version.document_id,
           consultation_id=consultation_id,
           summary=f"Version {version.number}: {before.value} → {target.value}",
           before={"status": before.value}, after={"status": target.value})


def format_day(value) -> str:
    """A date (no time of day) in the reader's language: "20 november 2026"."""
    return format_date(value, "long") if value else ""


def today_in_stockholm(now: datetime | None = None) -> date:
    return local(now or utcnow()).date()


def is_open(proposal: Proposal) -> bool:
    """Waiting for the steering group: no decision yet and the version still proposed (a proposal
    whose version was withdrawn before the meeting is closed without decision)."""
    return proposal.decision is None and states.awaiting_decision(proposal.version)


def _require_open(proposal: Proposal) -> None:
    if proposal.decision is not None:
        raise NotNow(str(_l("Styrgruppen har redan beslutat om förslaget.")))
    if not states.awaiting_decision(proposal.version):
        raise NotNow(str(_l("Förslaget väntar inte längre på beslut: version %(number)s är ”%(status)s”.",
                            number=proposal.version.number, status=_status_label(proposal.version))))


def _status_label(version: DocumentVersion) -> str:
    from remiss.labels import label

    return label(version.status)


def consultation_fits(version: DocumentVersion, consultation: Consultation) -> bool:
    """A consultation whose report can go with a proposal of this version: on this version or an
    earlier one of the same document, with its consolidation complete."""
    on = consultation.version
    return (on.document_id == version.document_id and on.number <= version.number
            and consultation_states.report_is_final(consultation))


def steering_members() -> list[User]:
    return list(db.session.execute(
        select(User).where(User.role == Role.steering_member, User.active.is_(True)).order_by(User.name)
    ).scalars())


def _mail_steering_group(proposal: Proposal) -> tuple[int, int]:
    """Each active steering member gets the news in their own language. Returns (sent, failed):
    a mail server that fails does not undo the proposal; the sender is told."""
    link = absolute_url("decisions.show", proposal_id=proposal.id)
    sent = failed = 0
    for person in steering_members():
        with force_locale(babel_locale(person.locale)):
            subject = str(_l("Förslag till beslut: %(title)s, version %(number)s",
                             title=proposal.version.title, number=proposal.version.number))
            try:
                send_mail(person.email, subject.replace("\n", " ").replace("\r", " "), "proposal_sent",
                          proposal=proposal, version=proposal.version, consultation=proposal.consultation,
                          person=person, link=link, format_day=format_day)
            except MailError as error:
                current_app.logger.warning("proposal %s: mail to %s failed: %s", proposal.id, person.email, error)
                failed += 1
                continue
        sent += 1
    return sent, failed


# --- the verbs ----------------------------------------------------------------------------------


def propose(version: DocumentVersion, consultation: Consultation | None, message: str | None,
            meeting_on: date | None, actor) -> Proposal:
    """Process owners and administrators (`may_propose`): send a version to the steering group,
    with the consultation whose consolidated report goes with it (None: a version decided without
    remiss). The version becomes "proposed"; every active steering member gets a mail with a link
    to the decision page. Refused (409) when the state machine does not allow it; 422 for what was
    typed."""
    errors: dict[str, str] = {}
    message = _text(errors, "message", message, MESSAGE_MAX)
    if consultation is not None and not consultation_fits(version, consultation):
        if consultation.version.document_id != version.document_id or consultation.version.number > version.number:
            errors["consultation_id"] = str(_l("Välj en remiss av den här versionen eller en tidigare version av samma dokument."))
        else:
            errors["consultation_id"] = str(_l("Remissens sammanställning är inte klar än. Markera den som klar först."))
    if meeting_on is not None and meeting_on < today_in_stockholm():
        errors["meeting_on"] = str(_l("Mötesdatumet har redan passerat."))
    states.check_transition(version, VersionStatus.proposed)
    _raise_if(errors)
    consultation_id = consultation.id if consultation is not None else None
    _move_version(version, VersionStatus.proposed, actor, consultation_id)
    proposal = Proposal(version=version, consultation=consultation, message=message, meeting_on=meeting_on,
                        sent_by_id=getattr(actor, "id", None), sent_at=utcnow())
    db.session.add(proposal)
    _flush_or_refuse(_l("Versionen har just ändrats av någon annan. Ladda om sidan och försök igen."))
    sent, failed = _mail_steering_group(proposal)
    proposal.mails_sent, proposal.mails_failed = sent, failed  # for the view's message only
    record(actor, "proposal.sent", proposal, document_id=version.document_id, consultation_id=consultation_id,
           summary=f"Version {version.number} skickad till styrgruppen ({sent} e-postmeddelanden)",
           after={"version": version.number, "consultation_id": consultation_id,
                  "meeting_on": meeting_on.isoformat() if meeting_on else None, "mails": sent,
                  "mails_failed": failed})
    return proposal


def comment(proposal: Proposal, body: str | None, actor) -> ProposalComment:
    """Steering members and process owners (`may_comment_proposal`): a note to the others before
    the meeting, only while the proposal waits for its decision."""
    _require_open(proposal)
    errors: dict[str, str] = {}
    body = _text(errors, "body", body, COMMENT_MAX, required_message=_l("Skriv en kommentar."))
    _raise_if(errors)
    note = ProposalComment(proposal=proposal, author_id=getattr(actor, "id", None), body=body, created_at=utcnow())
    db.session.add(note)
    record(actor, "proposal.commented", note, document_id=proposal.version.document_id,
           consultation_id=proposal.consultation_id, summary=f"Kommentar till förslaget om version {proposal.version.number}",
           after={"proposal_id": proposal.id, "body": body})
    return note


def validate_decision(proposal: Proposal, outcome, decided_on: date | None, body, minutes_reference, paragraph,
                      present, motivation, now: datetime | None = None) -> dict:
    """The decision's fields cleaned, or DecisionError with a message per field. Shared by the
    confirmation step (nothing stored) and `record_decision`."""
    errors: dict[str, str] = {}
    try:
        outcome = DecisionOutcome(outcome) if outcome is not None else None
    except ValueError:
        outcome = None
    if outcome is None:
        errors["outcome"] = str(_l("Välj styrgruppens beslut."))
    if decided_on is None:
        errors["decided_on"] = str(_l("Ange beslutsdatum."))
    elif decided_on > today_in_stockholm(now):
        errors["decided_on"] = str(_l("Beslutsdatumet kan inte ligga i framtiden."))
    elif decided_on < local(proposal.sent_at).date():
        errors["decided_on"] = str(_l("Beslutsdatumet kan inte ligga före den dag förslaget skickades (%(day)s).",
                                      day=local(proposal.sent_at).date().isoformat()))
    values = {
        "outcome": outcome,
        "decided_on": decided_on,
        "body": _text(errors, "body", body, BODY_MAX),
        "minutes_reference": _text(
            errors, "minutes_reference", minutes_reference, MINUTES_MAX,
            required_message=_l("Ange protokollet som beslutet finns i.") if outcome == DecisionOutcome.approved else None),
        "paragraph": _text(errors, "paragraph", paragraph, PARAGRAPH_MAX),
        "present": "\n".join(line.strip() for line in _text(errors, "present", present, PRESENT_MAX).splitlines()
                             if line.strip()),
        "motivation": _text(
            errors, "motivation", motivation, MOTIVATION_MAX,
            required_message=_l("Skriv vad som ska ändras innan versionen kan skickas igen.")
            if outcome == DecisionOutcome.returned else None),
    }
    _raise_if(errors)
    return values


def record_decision(proposal: Proposal, outcome, decided_on: date | None, body, minutes_reference, paragraph,
                    present, motivation, actor, now: datetime | None = None) -> Decision:
    """A steering member or the process owner (`may_record_decision`): the decision as the minutes
    have it.

    approved  the version is published (published_at now); the document's published version and
              its versions under consolidation older than this one are superseded; the consultation
              whose report went with it is decided.
    returned  the version goes back to draft, with what to change (motivation, required); it can
              be proposed again, as a new proposal.
    rejected  the version is withdrawn.

    Exactly one decision per proposal (409 for a second one, also when two arrive at once); the
    date may not lie in the future; approval needs the minutes reference (422 per field)."""
    now = now or utcnow()
    _require_open(proposal)
    values = validate_decision(proposal, outcome, decided_on, body, minutes_reference, paragraph, present,
                               motivation, now)
    outcome = values["outcome"]
    version = proposal.version
    document_id = version.document_id
    consultation = proposal.consultation
    already = db.session.execute(select(Decision.id).where(Decision.proposal_id == proposal.id)).first()
    if already is not None:
        raise NotNow(str(_l("Styrgruppen har redan beslutat om förslaget.")))
    target = {DecisionOutcome.approved: VersionStatus.published, DecisionOutcome.returned: VersionStatus.draft,
              DecisionOutcome.rejected: VersionStatus.withdrawn}[outcome]
    states.check_transition(version, target)
    if outcome == DecisionOutcome.approved:
        others = db.session.execute(
            select(DocumentVersion).where(DocumentVersion.document_id == document_id,
                                          DocumentVersion.id != version.id)
            .order_by(DocumentVersion.number)
        ).scalars().all()
        for other in others:
            if other.status == VersionStatus.published or (
                    other.status == VersionStatus.consolidation and other.number < version.number):
                _move_version(other, VersionStatus.superseded, actor, proposal.consultation_id)
        version.published_at = now
    _move_version(version, target, actor, proposal.consultation_id)
    decision = Decision(proposal=proposal, outcome=outcome, decided_on=values["decided_on"], body=values["body"],
                        minutes_reference=values["minutes_reference"], paragraph=values["paragraph"],
                        present=values["present"], motivation=values["motivation"],
                        recorded_by_id=getattr(actor, "id", None), recorded_at=now)
    db.session.add(decision)
    _flush_or_refuse(_l("Styrgruppen har redan beslutat om förslaget: någon annan registrerade beslutet samtidigt."))
    if (outcome == DecisionOutcome.approved and consultation is not None
            and consultation.status == ConsultationStatus.consolidated):
        consultation_states.move(consultation, ConsultationStatus.decided)
        record(actor, "consultation.decided", consultation, document_id=document_id, consultation_id=consultation.id,
               summary=f"Styrgruppen fastställde version {version.number}",
               before={"status": ConsultationStatus.consolidated.value},
               after={"status": ConsultationStatus.decided.value})
    record(actor, "decision.recorded", decision, document_id=document_id, consultation_id=proposal.consultation_id,
           summary=f"Version {version.number}: {outcome.value}",
           after={"proposal_id": proposal.id, "outcome": outcome.value,
                  "decided_on": values["decided_on"].isoformat(), "body": values["body"],
                  "minutes_reference": values["minutes_reference"], "paragraph": values["paragraph"],
                  "present": values["present"], "motivation": values["motivation"]})
    return decision


def withdraw(version: DocumentVersion, actor) -> None:
    """Process owners and administrators (`may_withdraw_version`): a version that will not be
    decided is withdrawn (a draft, a proposed version before its meeting, or one under
    consolidation – the state machine decides). It stays readable for the staff."""
    states.check_transition(version, VersionStatus.withdrawn)
    pending = db.session.execute(
        select(Proposal.id).outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.version_id == version.id, Decision.id.is_(None))
        .order_by(Proposal.id.desc()).limit(1)
    ).scalar_one_or_none()
    _move_version(version, VersionStatus.withdrawn, actor, None)
    _flush_or_refuse(_l("Versionen har just ändrats av någon annan. Ladda om sidan och försök igen."))
    record(actor, "document_version.withdrawn", version, document_id=version.document_id,
           summary=f"Version {version.number} återkallad",
           after={"status": VersionStatus.withdrawn.value, "open_proposal_id": pending})

