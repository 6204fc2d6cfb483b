"""Writing to the audit trail; every operation that changes state calls record()."""
from sqlalchemy import event
from sqlalchemy.orm import Session

from remiss.audit.models import AuditEntry
from remiss.extensions import db


def record(actor, action: str, obj, *, summary: str = "", before=None, after=None, document_id=None,
           consultation_id=None):
    """Append one entry. The caller's transaction commits it with the change itself."""
    db.session.flush()  # so that a new object has its id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        document_id=document_id,
        consultation_id=consultation_id,
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


class AppendOnly(RuntimeError):
    """The audit trail is never changed or deleted through the application."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session, flush_context, instances):
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, AuditEntry) and (obj in session.deleted or session.is_modified(obj)):
            raise AppendOnly(f"audit entry {obj.id} is append-only")
