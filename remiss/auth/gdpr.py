"""A person's rights under the GDPR: everything stored about them (access, art. 15 and 20) and
erasure (art. 17), both done by an administrator and both written to the audit trail.

What erasure keeps and why is written down in docs/decisions.md ("Erasing a person"): submitted
answers are official records of the organisation and stay, without the person's name; drafts
the person alone wrote are deleted; the account stays as an anonymised row so that the
append-only audit trail and the records that point to it stay whole.
"""
from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import LargeBinary, delete, func, or_, select, update

from remiss.audit import record
from remiss.audit.models import AuditEntry
from remiss.auth.models import AuthToken, User
from remiss.auth.operations import AccountError, revoke_all_sessions
from remiss.consultations.models import (
    AlternativeChoice,
    GeneralAnswer,
    LateSave,
    MagicLink,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
)
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.organisations.models import network_member
from remiss.timeutil import utcnow

EXPORT_FORMAT_VERSION = "1.0"
ERASED_NAME = "Raderad person"
# The parts of an answer: each records who saved it last.
ANSWER_PARTS = (PrincipleAnswer, GeneralAnswer, AlternativeChoice)


class NotErasable(AccountError):
    """This person cannot be erased (the administrator themself, or someone already erased)."""


def erased_email(person: User) -> str:
    """A unique address that is nobody's: the account keeps its row, not its owner's address."""
    return f"raderad-{person.id}@remiss.invalid"


def is_erased(person: User) -> bool:
    return person.email == erased_email(person)


# --- export -----------------------------------------------------------------------------------


def _plain(value):
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _user_columns():
    """Every column in the schema that points to a person: (table, column), found from the
    foreign keys, so that a column added later is exported and erased without being listed here."""
    user_table = User.__table__
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table is user_table for fk in column.foreign_keys):
                yield table, column


def _row(table, row) -> dict:
    """A row as JSON, without secrets (hashes of passwords and links) or file contents."""
    return {column.name: _plain(row._mapping[column.name]) for column in table.columns
            if not column.name.endswith("hash") and not isinstance(column.type, LargeBinary)}


def _of_response(kind: str, part) -> dict:
    """What every saved part of an answer says about the answer it belongs to."""
    return {"kind": kind, "response_id": part.response_id, "response_status": part.response.status.value,
            "consultation_id": part.response.respondent.consultation_id}


def _saved_by(model, person: User):
    """The parts of answers of this kind the person saved last, in the order they were made."""
    return db.session.execute(select(model).where(model.updated_by_id == person.id).order_by(model.id)).scalars()


def _answer_parts(person: User) -> list[dict]:
    parts = []
    for answer in _saved_by(PrincipleAnswer, person):
        parts.append({
            **_of_response("principle", answer),
            "principle": f"{answer.principle_text.number}. {answer.principle_text.title}",
            "stance": _plain(answer.stance), "comment": answer.comment, "proposed_wording": answer.proposed_wording,
            "criteria": [{"criterion_id": ca.criterion_id, "rating": ca.rating, "comment": ca.comment}
                         for ca in answer.criterion_answers],
            "saved_at": _plain(answer.updated_at),
        })
    for answer in _saved_by(GeneralAnswer, person):
        parts.append({
            **_of_response("general", answer),
            "question": answer.general_question.text, "text": answer.text, "saved_at": _plain(answer.updated_at),
        })
    for choice in _saved_by(AlternativeChoice, person):
        parts.append({
            **_of_response("alternative", choice),
            "alternative": choice.alternative.label if choice.alternative else None, "reason": choice.reason,
            "saved_at": _plain(choice.updated_at),
        })
    return parts


def _about_person(person: User):
    """Audit entries by the person, and about their account."""
    return or_(AuditEntry.actor_id == person.id,
               (AuditEntry.object_type == "User") & (AuditEntry.object_id == person.id))


def personal_data(person: User) -> dict:
    """Everything Remiss stores about `person`, as a JSON-ready dict (art. 15 and 20).

    Called by administrators (`may_handle_personal_data`); the caller records the export
    (`record_export`). Secrets (password and link hashes) and attached files are left out;
    attachments are listed by name and checksum.
    """
    organisation = person.organisation
    networks = db.session.execute(
        select(network_member.c.network_id).where(network_member.c.user_id == person.id)).scalars().all()
    from remiss.organisations.models import Network
    network_names = db.session.execute(
        select(Network.name).where(Network.id.in_(networks)).order_by(Network.name)).scalars().all() if networks else []
    respondents = db.session.execute(
        select(Respondent).where(Respondent.user_id == person.id).order_by(Respondent.id)).scalars().all()
    responses = db.session.execute(
        select(Response).where(or_(Response.submitted_by_id == person.id, Response.registered_by_id == person.id))
        .order_by(Response.id)).scalars().all()
    audit = db.session.execute(select(AuditEntry).where(_about_person(person)).order_by(AuditEntry.at, AuditEntry.id))
    mails = db.session.execute(
        select(OutboxMail).where(func.lower(OutboxMail.recipient) == person.email.lower())
        .order_by(OutboxMail.created_at, OutboxMail.id)).scalars().all()
    records: dict[str, list] = {}
    for table, column in _user_columns():
        if table is AuditEntry.__table__:
            continue  # below, with what the entries say
        rows = db.session.execute(select(table).where(column == person.id)).all()
        if rows:
            records.setdefault(table.name, []).extend(_row(table, row) for row in rows)
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "kind": "personuppgifter",
        "exported_at": _plain(utcnow()),
        "account": {
            "id": person.id, "name": person.name, "email": person.email, "role": person.role.value,
            "active": person.active, "has_password": bool(person.password_hash), "language": person.locale,
            "created_at": _plain(person.created_at), "last_login_at": _plain(person.last_login_at),
            "erased": is_erased(person),
        },
        "memberships": {
            "organisation": ({"id": organisation.id, "short_name": organisation.short_name, "name": organisation.name}
                             if organisation else None),
            "networks": network_names,
            "consultations_as_individual_respondent": [
                {"consultation_id": r.consultation_id, "consultation": r.consultation.title,
                 "reference_number": r.consultation.reference_number} for r in respondents],
        },
        "answers_written": _answer_parts(person),
        "responses_submitted_or_registered": [
            {"response_id": r.id, "consultation_id": r.respondent.consultation_id, "revision": r.revision,
             "status": r.status.value, "channel": r.channel.value, "submitted_at": _plain(r.submitted_at),
             "submitted_by_person": r.submitted_by_id == person.id, "registered_by_person": r.registered_by_id == person.id}
            for r in responses],
        "audit_entries": [
            {"at": _plain(e.at), "action": e.action, "by_person": e.actor_id == person.id,
             "object_type": e.object_type, "object_id": e.object_id, "summary": e.summary,
             "before": _plain(e.before), "after": _plain(e.after)} for e in audit.scalars()],
        "mails": [{"sent_at": _plain(m.created_at), "to": m.recipient, "subject": m.subject, "body": m.body}
                  for m in mails],
        "mails_note": _("Bara e-post som utvecklingsläget sparar finns här. I drift skickas e-post med SMTP och "
                        "sparas inte i Remiss."),
        "records": records,
    }


def record_export(actor: User, person: User) -> None:
    """Administrators: log that the person's data was exported (the entry names no one but by id)."""
    record(actor, "user.personal_data_exported", person,
           summary=_("Personuppgifter exporterade för konto %(id)s.", id=person.id))


# --- erasure ----------------------------------------------------------------------------------


@dataclass
class ErasurePlan:
    """What erasing the person would do, for the confirmation page and the audit entry."""

    drafts_deleted: list[int]
    drafts_kept: list[int]  # written together with others: kept, without the person's name
    responses_kept: list[int]  # submitted (or superseded) answers the person took part in
    late_saves: int
    audit_entries: int
    mails_deleted: int

    def as_dict(self) -> dict:
        return {"drafts_deleted": len(self.drafts_deleted), "drafts_kept": len(self.drafts_kept),
                "responses_kept": len(self.responses_kept), "late_saves_kept": self.late_saves,
                "audit_entries_kept": self.audit_entries, "mails_deleted": self.mails_deleted}


def _writers(response_ids: list[int]) -> dict[int, set[int]]:
    """Who saved each part of these responses last, per response (unknown writers left out)."""
    writers: dict[int, set[int]] = {rid: set() for rid in response_ids}
    for model in ANSWER_PARTS:
        for response_id, user_id in db.session.execute(
            select(model.response_id, model.updated_by_id).where(model.response_id.in_(response_ids))
        ):
            if user_id is not None:
                writers[response_id].add(user_id)
    return writers


def erasure_plan(person: User) -> ErasurePlan:
    """What `erase_person` would delete and keep; changes nothing."""
    touched = set()
    for model in ANSWER_PARTS:
        touched.update(db.session.execute(
            select(model.response_id).where(model.updated_by_id == person.id)).scalars())
    touched.update(db.session.execute(
        select(Response.id).join(Respondent, Respondent.id == Response.respondent_id)
        .where(Respondent.user_id == person.id)).scalars())
    touched.update(db.session.execute(select(Response.id).where(
        or_(Response.submitted_by_id == person.id, Response.registered_by_id == person.id))).scalars())
    responses = db.session.execute(
        select(Response).where(Response.id.in_(touched)).order_by(Response.id)).scalars().all() if touched else []
    writers = _writers([r.id for r in responses])
    deleted, kept_drafts, kept = [], [], []
    for response in responses:
        if response.status != ResponseStatus.draft:
            kept.append(response.id)
        # A first draft is the person's own if they answer as an individual, or nobody else wrote in it.
        # A later revision starts as a copy of a submitted answer, so it is the organisation's record.
        elif response.revision == 1 and (response.respondent.user_id == person.id
                                         or writers[response.id] <= {person.id}):
            deleted.append(response.id)
        else:
            kept_drafts.append(response.id)
    return ErasurePlan(
        drafts_deleted=deleted, drafts_kept=kept_drafts, responses_kept=kept,
        late_saves=db.session.scalar(select(func.count(LateSave.id)).where(LateSave.user_id == person.id)),
        audit_entries=db.session.scalar(select(func.count(AuditEntry.id)).where(_about_person(person))),
        mails_deleted=db.session.scalar(select(func.count(OutboxMail.id))
                                        .where(func.lower(OutboxMail.recipient) == person.email.lower())),
    )


def check_erasable(actor: User, person: User) -> None:
    if person.id == actor.id:
        raise NotErasable(_("Du kan inte radera dig själv. Be en annan administratör om det behövs."))
    if is_erased(person):
        raise NotErasable(_("Personen är redan raderad."))


def erase_person(actor: User, person: User) -> ErasurePlan:
    """Administrators (`may_handle_personal_data`): erase a person (art. 17), as far as the law allows.

    Drafts the person alone wrote are deleted. Submitted answers stay as the organisation's
    records with the person's name removed (submitted_by, registered_by and who saved each part
    set to none). The account is anonymised, deactivated and logged out everywhere; its one-time
    links, memberships and kept mails are deleted. The audit trail is append-only: its entries stay
    and point to the anonymised account. Raises NotErasable. Returns what was done.
    """
    check_erasable(actor, person)
    plan = erasure_plan(person)
    email = person.email

    for response_id in plan.drafts_deleted:
        db.session.delete(db.session.get(Response, response_id))
    db.session.flush()
    for model in ANSWER_PARTS:
        db.session.execute(update(model).where(model.updated_by_id == person.id).values(updated_by_id=None)
                           .execution_options(synchronize_session=False))
    for column in ("submitted_by_id", "registered_by_id"):
        db.session.execute(update(Response).where(getattr(Response, column) == person.id)
                           .values({column: None}).execution_options(synchronize_session=False))
    db.session.execute(update(LateSave).where(LateSave.user_id == person.id).values(user_id=None)
                       .execution_options(synchronize_session=False))

    revoke_all_sessions(person)
    db.session.execute(delete(AuthToken).where(AuthToken.user_id == person.id))
    db.session.execute(delete(MagicLink).where(MagicLink.user_id == person.id))
    db.session.execute(delete(network_member).where(network_member.c.user_id == person.id))
    db.session.execute(delete(OutboxMail).where(func.lower(OutboxMail.recipient) == email.lower()))

    person.name = ERASED_NAME
    person.email = erased_email(person)
    person.password_hash = None
    person.active = False
    person.signatory = False
    person.locale = None
    person.organisation_id = None
    person.last_login_at = None
    # The entry says what was done, by id and in numbers: it must not name the person it erased.
    record(actor, "user.erased", person, summary=_("Person raderad (konto %(id)s).", id=person.id),
           after=plan.as_dict())
    return plan
