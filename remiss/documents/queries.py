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
