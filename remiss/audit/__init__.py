"""Writing to the audit trail; every operation that changes state calls record()."""
from collections.abc import Iterable

from sqlalchemy import event
from sqlalchemy.orm import Session

from remiss.audit.models import AuditEntry
from remiss.extensions import db


def entry_values(actor_id: int | None, action: str, object_type: str, object_id: int | None, *, summary: str = "",
                 before=None, after=None, document_id=None, consultation_id=None) -> dict:
    """The columns of one entry: for `entry()`, and for bulk inserts that write entries as plain
    INSERTs (the trail is append-only, so an INSERT is all an entry ever is)."""
    return {"actor_id": actor_id, "action": action, "object_type": object_type, "object_id": object_id,
            "document_id": document_id, "consultation_id": consultation_id, "summary": summary,
            "before": before, "after": after}


def entry(actor, action: str, obj, *, summary: str = "", before=None, after=None, document_id=None,
          consultation_id=None) -> AuditEntry:
    """One entry, not yet added: `obj` must already have its id (flushed)."""
    return AuditEntry(**entry_values(getattr(actor, "id", None), action, type(obj).__name__, getattr(obj, "id", None),
                                     summary=summary, before=before, after=after, document_id=document_id,
                                     consultation_id=consultation_id))


def record(actor, action: str, obj, *, summary: str = "", before=None, after=None, document_id=None,
           consultation_id=None):
    """Append one entry. The caller's transaction commits it with the change itself."""
    db.session.flush()  # so that a new object has its id
    new = entry(actor, action, obj, summary=summary, before=before, after=after, document_id=document_id,
                consultation_id=consultation_id)
    db.session.add(new)
    return new


def record_many(entries: Iterable[AuditEntry]) -> list[AuditEntry]:
    """Append many entries (built with `entry()`) in one flush: for bulk operations, where
    record()'s flush per call would cost one round trip per entry."""
    entries = list(entries)
    db.session.add_all(entries)
    db.session.flush()
    return entries


class AppendOnly(RuntimeError):
    """The audit trail is never changed or deleted through the application."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnly(f"audit entry {obj.id} is append-only")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(orm_execute_state):
    """update(AuditEntry) / delete(AuditEntry) executed through the session bypass the flush."""
    if (orm_execute_state.is_update or orm_execute_state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in orm_execute_state.all_mappers
    ):
        raise AppendOnly("audit entries are append-only")
