"""Writing to the audit trail; every operation that changes state calls record()."""
from remiss.audit.models import AuditEntry
from remiss.extensions import db


def record(actor, action: str, obj, *, summary: str = "", before=None, after=None, document_id=None):
    """Append one entry. The caller's transaction commits it with the change itself."""
    db.session.flush()  # so that a new object has its id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__name__,
        object_id=getattr(obj, "id", None),
        document_id=document_id,
        summary=summary,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry
