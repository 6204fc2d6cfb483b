"""Consolidation: what the process owner does with each comment, per-principle summaries,
and the frozen consolidated report (remissammanställning)."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime, enum_column


class DispositionKind(str, enum.Enum):
    accepted = "accepted"  # beaktad
    partly_accepted = "partly_accepted"  # delvis beaktad
    not_accepted = "not_accepted"  # ej beaktad
    noted = "noted"  # noterad


class DispositionTarget(str, enum.Enum):
    """Which text of an answer the disposition is about."""

    comment = "comment"
    proposed_wording = "proposed_wording"
    general = "general"


class Disposition(db.Model):
    """The process owner's handling of one comment or proposed wording, with a reason."""

    __tablename__ = "disposition"
    __table_args__ = (
        CheckConstraint(
            "(principle_answer_id IS NULL) <> (general_answer_id IS NULL)", name="exactly_one_answer"
        ),
        UniqueConstraint("principle_answer_id", "target"),
        UniqueConstraint("general_answer_id", "target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("principle_answer.id", ondelete="CASCADE"), index=True
    )
    general_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("general_answer.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[DispositionTarget] = mapped_column(enum_column(DispositionTarget, "disposition_target"))
    kind: Mapped[DispositionKind | None] = mapped_column(enum_column(DispositionKind, "disposition_kind"))
    reason: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    principle_answer: Mapped["PrincipleAnswer | None"] = relationship()  # noqa: F821
    general_answer: Mapped["GeneralAnswer | None"] = relationship()  # noqa: F821
    updated_by: Mapped["User | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": lock_version}


class PrincipleSummary(db.Model):
    """"Sammanfattning av synpunkter och ställningstagande" for one principle of a consultation."""

    __tablename__ = "principle_summary"
    __table_args__ = (UniqueConstraint("consultation_id", "principle_text_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    principle_text_id: Mapped[int] = mapped_column(ForeignKey("principle_text.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    __mapper_args__ = {"version_id_col": lock_version}


class ConsolidatedReport(db.Model):
    """A frozen remissammanställning: stored as issued, with its checksum. A change after
    freezing needs a new report version (number + 1)."""

    __tablename__ = "consolidated_report"
    __table_args__ = (UniqueConstraint("consultation_id", "number", "format", "public"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="RESTRICT"), index=True)
    number: Mapped[int] = mapped_column(Integer, default=1)
    # html, pdf, docx, xlsx, csv or json; "public" variants leave out personal data.
    format: Mapped[str] = mapped_column(String(16))
    public: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class ChangeLink(db.Model):
    """"Ni sa – vi gjorde": a comment or proposed wording that led to a change in a principle of a
    later version. Keyed like Disposition (answer + target), so each link sits beside the
    disposition of the same text."""

    __tablename__ = "change_link"
    __table_args__ = (
        CheckConstraint(
            "(principle_answer_id IS NULL) <> (general_answer_id IS NULL)", name="exactly_one_answer"
        ),
        UniqueConstraint("principle_text_id", "principle_answer_id", "target"),
        UniqueConstraint("principle_text_id", "general_answer_id", "target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The changed principle's text in the new version.
    principle_text_id: Mapped[int] = mapped_column(ForeignKey("principle_text.id", ondelete="CASCADE"), index=True)
    principle_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("principle_answer.id", ondelete="CASCADE"), index=True
    )
    general_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("general_answer.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[DispositionTarget] = mapped_column(enum_column(DispositionTarget, "disposition_target"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    principle_text: Mapped["PrincipleText"] = relationship()  # noqa: F821
    principle_answer: Mapped["PrincipleAnswer | None"] = relationship()  # noqa: F821
    general_answer: Mapped["GeneralAnswer | None"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821


class Objection(db.Model):
    """Återkoppling: a respondent's written objection to the disposition of one of its comments,
    made within the consultation's objection period; shown on the steering group's decision page."""

    __tablename__ = "objection"
    __table_args__ = (UniqueConstraint("disposition_id", "respondent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disposition_id: Mapped[int] = mapped_column(ForeignKey("disposition.id", ondelete="RESTRICT"), index=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    disposition: Mapped[Disposition] = relationship()
    respondent: Mapped["Respondent"] = relationship()  # noqa: F821
    author: Mapped["User | None"] = relationship()  # noqa: F821


class CommentGroup(db.Model):
    """Comments on one principle that say much the same, suggested by the grouping and adjusted by
    the process owner; one disposition can be given to all members (each keeps its own record)."""

    __tablename__ = "comment_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    principle_text_id: Mapped[int] = mapped_column(ForeignKey("principle_text.id", ondelete="RESTRICT"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[CommentGroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", order_by="CommentGroupMember.id"
    )


class CommentGroupMember(db.Model):
    """One comment (or proposed wording) in a group; a text is in at most one group."""

    __tablename__ = "comment_group_member"
    __table_args__ = (UniqueConstraint("principle_answer_id", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("comment_group.id", ondelete="CASCADE"), index=True)
    principle_answer_id: Mapped[int] = mapped_column(ForeignKey("principle_answer.id", ondelete="CASCADE"), index=True)
    target: Mapped[DispositionTarget] = mapped_column(enum_column(DispositionTarget, "disposition_target"))

    group: Mapped[CommentGroup] = relationship(back_populates="members")
    principle_answer: Mapped["PrincipleAnswer"] = relationship()  # noqa: F821


class Redaction(db.Model):
    """A passage hidden from the public report and pages ("[maskerat: skäl]"); the stored answer
    never changes and the internal report shows everything. Offsets are character positions in the
    answer's text, which cannot change once submitted; `passage` repeats the text as a check."""

    __tablename__ = "redaction"
    __table_args__ = (
        CheckConstraint(
            "(principle_answer_id IS NULL) <> (general_answer_id IS NULL)", name="exactly_one_answer"
        ),
        CheckConstraint("start_offset >= 0 AND end_offset > start_offset", name="valid_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("principle_answer.id", ondelete="CASCADE"), index=True
    )
    general_answer_id: Mapped[int | None] = mapped_column(
        ForeignKey("general_answer.id", ondelete="CASCADE"), index=True
    )
    target: Mapped[DispositionTarget] = mapped_column(enum_column(DispositionTarget, "disposition_target"))
    start_offset: Mapped[int] = mapped_column(Integer)
    end_offset: Mapped[int] = mapped_column(Integer)
    passage: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    principle_answer: Mapped["PrincipleAnswer | None"] = relationship()  # noqa: F821
    general_answer: Mapped["GeneralAnswer | None"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
