"""Read-side helpers for document pages; each loads what a page needs in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import exists, select, true
from sqlalchemy.orm import selectinload

from remiss.documents.models import Document, DocumentVersion, PrincipleText, Section, VersionStatus
from remiss.extensions import db
from remiss.permissions import may_read_unpublished_versions, may_read_version

# The same statuses as DocumentVersion.is_public, for filtering in SQL.
PUBLIC_STATUSES = (VersionStatus.published, VersionStatus.superseded)
DOCUMENTS_PER_PAGE = 20
VERSIONS_PER_PAGE = 20


def _readable_versions_clause(user):
    """SQL condition matching the versions may_read_version lets this user read."""
    if may_read_unpublished_versions(user):
        return true()
    return DocumentVersion.status.in_(PUBLIC_STATUSES)


def documents_with_versions() -> list[Document]:
    return list(
        db.session.execute(
            select(Document).options(selectinload(Document.versions)).order_by(Document.key)
        ).scalars()
    )


def documents_page(user, page: int = 1):
    """The documents with at least one version this user may read, with their versions, one page."""
    readable = exists().where(DocumentVersion.document_id == Document.id, _readable_versions_clause(user))
    return db.paginate(
        select(Document).where(readable).options(selectinload(Document.versions)).order_by(Document.key),
        page=page,
        per_page=DOCUMENTS_PER_PAGE,
        error_out=False,
    )


def visible_versions(user, document: Document) -> list[DocumentVersion]:
    return [v for v in document.versions if may_read_version(user, v)]


def current_version(user, document: Document) -> DocumentVersion | None:
    """The published version for everyone; for the staff, the newest they may read if none is published."""
    published = [v for v in document.versions if v.status == VersionStatus.published]
    if published:
        return published[-1]
    visible = visible_versions(user, document)
    return visible[-1] if visible else None


def get_document(key: str) -> Document | None:
    return db.session.execute(
        select(Document).where(Document.key == key).options(selectinload(Document.versions))
    ).scalar_one_or_none()


def versions_page(user, document: Document, page: int = 1):
    """The versions of a document this user may read, newest first, one page."""
    return db.paginate(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id, _readable_versions_clause(user))
        .order_by(DocumentVersion.number.desc()),
        page=page,
        per_page=VERSIONS_PER_PAGE,
        error_out=False,
    )


def _with_parts(statement):
    return statement.options(
        selectinload(DocumentVersion.sections).selectinload(Section.alternatives),
        selectinload(DocumentVersion.principle_texts).selectinload(PrincipleText.principle),
        selectinload(DocumentVersion.principle_texts).selectinload(PrincipleText.alternatives),
        selectinload(DocumentVersion.criteria),
        selectinload(DocumentVersion.document),
    )


def get_version(key: str, number: int) -> DocumentVersion | None:
    """A version with all its parts, in a fixed number of queries."""
    return db.session.execute(
        _with_parts(
            select(DocumentVersion).join(Document).where(Document.key == key, DocumentVersion.number == number)
        )
    ).scalar_one_or_none()


def newest_version(key: str) -> DocumentVersion | None:
    """The version with the highest number, whatever its status, with all its parts."""
    return db.session.execute(
        _with_parts(
            select(DocumentVersion)
            .join(Document)
            .where(Document.key == key)
            .order_by(DocumentVersion.number.desc())
            .limit(1)
        )
    ).scalar_one_or_none()


# --- publication: approved versions, their decisions and the reports they rest on --------------------


def approved_versions(document: Document) -> list[DocumentVersion]:
    """The versions of a document the steering group approved (now published or superseded), oldest
    first: public forever. A version superseded without ever being approved (it went on remiss and
    its successor was approved) is readable but is not one of them."""
    return [v for v in document.versions if v.status in PUBLIC_STATUSES and v.published_at is not None]


def approved_decisions(versions) -> dict[int, "Decision"]:  # noqa: F821
    """The steering group's latest approving decision of each version, by version id (one query).
    A version without one (e.g. imported as already approved) is missing from the result."""
    from remiss.decisions.models import Decision, DecisionOutcome, Proposal

    ids = [v.id for v in versions]
    if not ids:
        return {}
    rows = db.session.execute(
        select(Proposal.version_id, Decision)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.version_id.in_(ids), Decision.outcome == DecisionOutcome.approved)
        .order_by(Decision.decided_on, Decision.recorded_at, Decision.id)
    ).all()
    return {version_id: decision for version_id, decision in rows}  # the latest wins


def approved_decision(version: DocumentVersion):
    """The latest decision approving this version, or None."""
    return approved_decisions([version]).get(version.id)


def report_consultations(versions) -> dict[int, list]:
    """Per version id, the consultations its approval rests on: those on the version it was prepared
    from, and the one named in a proposal of it (a version proposed unchanged after its own remiss).
    One query for consultations, one for proposals; ordered by opening date."""
    from remiss.consultations.models import Consultation
    from remiss.decisions.models import Proposal

    versions = list(versions)
    if not versions:
        return {}
    ids = [v.id for v in versions]
    proposed = db.session.execute(
        select(Proposal.version_id, Proposal.consultation_id)
        .where(Proposal.version_id.in_(ids), Proposal.consultation_id.is_not(None))
    ).all()
    sources = {v.id: {v.based_on_id} if v.based_on_id else set() for v in versions}
    wanted_versions = set().union(*sources.values()) or {-1}
    wanted_ids = {consultation_id for _, consultation_id in proposed}
    consultations = db.session.execute(
        select(Consultation)
        .where(Consultation.version_id.in_(wanted_versions) | Consultation.id.in_(wanted_ids or {-1}))
        .order_by(Consultation.opens_at, Consultation.id)
    ).scalars().all()
    named: dict[int, set[int]] = {}
    for version_id, consultation_id in proposed:
        named.setdefault(version_id, set()).add(consultation_id)
    return {
        v.id: [c for c in consultations if c.version_id in sources[v.id] or c.id in named.get(v.id, set())]
        for v in versions
    }


def previous_readable_version(user, version: DocumentVersion) -> DocumentVersion | None:
    """What a version is compared with by default: the version it was prepared from, or else the
    closest earlier one – whichever of them this user may read."""
    document = version.document
    based_on = next((v for v in document.versions if v.id == version.based_on_id), None)
    if based_on is not None and may_read_version(user, based_on):
        return based_on
    earlier = [v for v in document.versions if v.number < version.number and may_read_version(user, v)]
    return earlier[-1] if earlier else None


def previous_approved_version(version: DocumentVersion) -> DocumentVersion | None:
    """The approved version before this one (the history page's diff link)."""
    earlier = [v for v in approved_versions(version.document) if v.number < version.number]
    return earlier[-1] if earlier else None


def newly_approved(document: Document | None = None, limit: int = 50) -> list[DocumentVersion]:
    """Approved versions, the most recently published first: the Atom feed's entries."""
    statement = (
        select(DocumentVersion)
        .where(DocumentVersion.status.in_(PUBLIC_STATUSES), DocumentVersion.published_at.is_not(None))
        .options(selectinload(DocumentVersion.document))
        .order_by(DocumentVersion.published_at.desc().nulls_last(), DocumentVersion.created_at.desc(),
                  DocumentVersion.id.desc())
        .limit(limit)
    )
    if document is not None:
        statement = statement.where(DocumentVersion.document_id == document.id)
    return list(db.session.execute(statement).scalars())
