"""Reading the audit trail: one consultation's, one document's, or all of it – newest first,
filtered by action and by person, in a fixed number of statements per page."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import joinedload

from remiss.audit.labels import action_label
from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consultations.models import Consultation
from remiss.documents.models import Document
from remiss.extensions import db

PER_PAGE = 50
MAX_PAGE = 100_000
SYSTEM = "system"  # the person filter's value for entries without an actor (commands, daily jobs)
STREAM_BATCH = 500


@dataclass(frozen=True)
class Filters:
    action: str | None = None
    # A user id, SYSTEM, or None (everyone).
    actor: int | str | None = None

    @property
    def active(self) -> bool:
        return bool(self.action or self.actor)


def scope_of_consultation(consultation: Consultation) -> ColumnElement[bool]:
    return AuditEntry.consultation_id == consultation.id


def scope_of_document(document: Document) -> ColumnElement[bool]:
    return AuditEntry.document_id == document.id


def scope_of_everything() -> ColumnElement[bool]:
    return true()


def parse_filters(args) -> Filters:
    """The filters from the address; anything odd counts as no filter rather than an error."""
    action = (args.get("action") or "").strip()[:64] or None
    if action and "\x00" in action:
        action = None
    raw = (args.get("actor") or "").strip()
    actor: int | str | None = None
    if raw == SYSTEM:
        actor = SYSTEM
    elif raw.isdigit() and 0 < int(raw) <= 2**31 - 1:
        actor = int(raw)
    return Filters(action=action, actor=actor)


def statement(scope: ColumnElement[bool], filters: Filters) -> Select:
    query = (select(AuditEntry).where(scope).options(joinedload(AuditEntry.actor))
             .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))
    if filters.action:
        query = query.where(AuditEntry.action == filters.action)
    if filters.actor == SYSTEM:
        query = query.where(AuditEntry.actor_id.is_(None))
    elif filters.actor is not None:
        query = query.where(AuditEntry.actor_id == filters.actor)
    return query


def page(scope: ColumnElement[bool], filters: Filters, number: int):
    """One page of entries (two statements: the count and the rows, each actor joined)."""
    number = min(max(number, 1), MAX_PAGE)
    return db.paginate(statement(scope, filters), page=number, per_page=PER_PAGE, error_out=False)


def stream(scope: ColumnElement[bool], filters: Filters) -> Iterator[AuditEntry]:
    """Every entry the filters select, newest first, fetched in batches (for the CSV export)."""
    result = db.session.execute(statement(scope, filters).execution_options(yield_per=STREAM_BATCH))
    yield from result.scalars()


def action_choices(scope: ColumnElement[bool]) -> list[tuple[str, str]]:
    """(action, label) of every action in the scope, by label."""
    actions = db.session.execute(select(AuditEntry.action).where(scope).distinct()).scalars()
    return sorted(((a, action_label(a)) for a in actions), key=lambda pair: pair[1].casefold())


def actor_choices(scope: ColumnElement[bool]) -> tuple[list[tuple[int, str]], bool]:
    """The people who appear in the scope, by name, and whether the system does (no actor)."""
    rows = db.session.execute(
        select(AuditEntry.actor_id, User.name).outerjoin(User, User.id == AuditEntry.actor_id).where(scope).distinct()
    ).all()
    people = sorted(((actor_id, name) for actor_id, name in rows if actor_id is not None),
                    key=lambda pair: (pair[1] or "").casefold())
    return people, any(actor_id is None for actor_id, _name in rows)


@dataclass
class Context:
    """What the entries of a page refer to: consultation titles and document keys, by id."""
    consultations: dict[int, str]
    documents: dict[int, str]


def context(entries: list[AuditEntry]) -> Context:
    """At most two statements however many entries."""
    consultation_ids = {e.consultation_id for e in entries if e.consultation_id is not None}
    document_ids = {e.document_id for e in entries if e.document_id is not None}
    consultations = dict(db.session.execute(
        select(Consultation.id, Consultation.title).where(Consultation.id.in_(consultation_ids))
    ).all()) if consultation_ids else {}
    documents = dict(db.session.execute(
        select(Document.id, Document.key).where(Document.id.in_(document_ids))
    ).all()) if document_ids else {}
    return Context(consultations, documents)
