"""Principle documents, their versions, sections, principles and alternatives."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime, enum_column


class VersionStatus(str, enum.Enum):
    draft = "draft"
    on_remiss = "on_remiss"
    consolidation = "consolidation"
    proposed = "proposed"
    published = "published"
    superseded = "superseded"
    withdrawn = "withdrawn"


class SectionKind(str, enum.Enum):
    text = "text"
    # The quality criteria every principle is judged against in a consultation.
    criteria = "criteria"


class Document(db.Model):
    """A principle document across all its versions; `key` is its stable URL name."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[DocumentVersion]] = relationship(
        back_populates="document", order_by="DocumentVersion.number"
    )
    principles: Mapped[list[Principle]] = relationship(back_populates="document")


class DocumentVersion(db.Model):
    __tablename__ = "document_version"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[VersionStatus] = mapped_column(
        enum_column(VersionStatus, "version_status"), default=VersionStatus.draft
    )
    title: Mapped[str] = mapped_column(String(300))
    owner: Mapped[str] = mapped_column(String(300), default="")
    decision_body: Mapped[str] = mapped_column(String(300), default="")
    change_summary: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The version this one was prepared from ("Create next version" or an import of an edited file).
    based_on_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_version.id", ondelete="SET NULL"), index=True
    )
    # When the steering group's approval made it the published version (the Atom feed's date).
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Guards the online editor's autosave of the version's own fields (title, change summary …).
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    document: Mapped[Document] = relationship(back_populates="versions")
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    based_on: Mapped[DocumentVersion | None] = relationship(remote_side="DocumentVersion.id")
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )
    principle_texts: Mapped[list[PrincipleText]] = relationship(
        back_populates="version", order_by="PrincipleText.position", cascade="all, delete-orphan"
    )
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="version", order_by="Criterion.position", cascade="all, delete-orphan"
    )
    alternatives: Mapped[list[Alternative]] = relationship(
        back_populates="version", order_by="Alternative.position", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def parts(self) -> list:
        """Sections and principles in document order."""
        return sorted([*self.sections, *self.principle_texts], key=lambda part: part.position)

    @property
    def is_public(self) -> bool:
        return self.status in (VersionStatus.published, VersionStatus.superseded)


class Section(db.Model):
    """A text part of a version that is not a principle: background, needs, criteria."""

    __tablename__ = "section"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    # Shared with PrincipleText.position: one order for the whole version.
    position: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(100))
    kind: Mapped[SectionKind] = mapped_column(enum_column(SectionKind, "section_kind"), default=SectionKind.text)
    heading: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    version: Mapped[DocumentVersion] = relationship(back_populates="sections")
    alternatives: Mapped[list[Alternative]] = relationship(
        back_populates="section", order_by="Alternative.position", overlaps="alternatives,version"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class Principle(db.Model):
    """A principle's identity: stays the same across versions when title or number change."""

    __tablename__ = "principle"
    __table_args__ = (UniqueConstraint("document_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(100))

    document: Mapped[Document] = relationship(back_populates="principles")
    texts: Mapped[list[PrincipleText]] = relationship(back_populates="principle")


principle_merge = Table(
    "principle_merge",
    db.metadata,
    Column("principle_text_id", ForeignKey("principle_text.id", ondelete="CASCADE"), primary_key=True),
    Column("principle_id", ForeignKey("principle.id", ondelete="RESTRICT"), primary_key=True),
)


class PrincipleText(db.Model):
    """What a principle says in one version."""

    __tablename__ = "principle_text"
    __table_args__ = (
        UniqueConstraint("version_id", "principle_id"),
        UniqueConstraint("version_id", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    principle_id: Mapped[int] = mapped_column(ForeignKey("principle.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    statement: Mapped[str] = mapped_column(Text, default="")
    # As written ("Hälsofrämjande, proaktivitet"): the file format keeps it verbatim.
    keywords: Mapped[str] = mapped_column(String(500), default="")
    # "Vad innebär det för utförare och utvecklare?"
    implications: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    version: Mapped[DocumentVersion] = relationship(back_populates="principle_texts")
    principle: Mapped[Principle] = relationship(back_populates="texts")
    alternatives: Mapped[list[Alternative]] = relationship(
        back_populates="principle_text", order_by="Alternative.position", overlaps="alternatives,version"
    )
    # Principles merged into this one in this version: they have no text of their own here, and
    # their comments from earlier versions trace forward to this text.
    merged_from: Mapped[list[Principle]] = relationship(secondary="principle_merge", order_by="Principle.key")

    __mapper_args__ = {"version_id_col": lock_version}

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in self.keywords.split(",") if word.strip()]

    @property
    def key(self) -> str:
        return self.principle.key


class Criterion(db.Model):
    """One of the document's quality questions, asked of every principle."""

    __tablename__ = "criterion"
    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))

    version: Mapped[DocumentVersion] = relationship(back_populates="criteria")


class Alternative(db.Model):
    """A candidate wording of a section or principle that respondents choose between."""

    __tablename__ = "alternative"
    __table_args__ = (
        CheckConstraint(
            "(section_id IS NULL) <> (principle_text_id IS NULL)", name="exactly_one_parent"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="CASCADE"), index=True)
    principle_text_id: Mapped[int | None] = mapped_column(
        ForeignKey("principle_text.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")

    version: Mapped[DocumentVersion] = relationship(back_populates="alternatives")
    section: Mapped[Section | None] = relationship(back_populates="alternatives", overlaps="alternatives,version")
    principle_text: Mapped[PrincipleText | None] = relationship(
        back_populates="alternatives", overlaps="alternatives,version"
    )
