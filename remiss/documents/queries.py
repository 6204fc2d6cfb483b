"""Read-side helpers for document pages; each loads what a page needs in a fixed number of queries."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from remiss.documents.models import Document, DocumentVersion, PrincipleText, Section, VersionStatus
from remiss.extensions import db
from remiss.permissions import may_read_version

PUBLIC_STATUSES = (VersionStatus.published, VersionStatus.superseded)


def documents_with_versions() -> list[Document]:
    return list(
        db.session.execute(
            select(Document).options(selectinload(Document.versions)).order_by(Document.key)
        ).scalars()
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


def get_version(key: str, number: int) -> DocumentVersion | None:
    """A version with all its parts, in a fixed number of queries."""
    return db.session.execute(
        select(DocumentVersion)
        .join(Document)
        .where(Document.key == key, DocumentVersion.number == number)
        .options(
            selectinload(DocumentVersion.sections).selectinload(Section.alternatives),
            selectinload(DocumentVersion.principle_texts).selectinload(PrincipleText.principle),
            selectinload(DocumentVersion.principle_texts).selectinload(PrincipleText.alternatives),
            selectinload(DocumentVersion.criteria),
            selectinload(DocumentVersion.document),
        )
    ).scalar_one_or_none()
