"""A version sent to the steering group (Proposal), the members' comments before the meeting,
and the decision recorded afterwards (Decision)."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime, enum_column


class DecisionOutcome(str, enum.Enum):
    approved = "approved"  # fastställd
    returned = "returned"  # återremitterad för bearbetning
    rejected = "rejected"  # avslagen


class Proposal(db.Model):
    """One sending of a version to the steering group, with the consolidated report it rests on.
    A version returned for revision and sent again gets a new proposal; the old one keeps its
    decision."""

    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="RESTRICT"), index=True)
    # The remiss whose consolidated report goes with the proposal (None: a version decided without remiss).
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultation.id", ondelete="RESTRICT"), index=True)
    # The process owner's covering note to the steering group.
    message: Mapped[str] = mapped_column(Text, default="")
    meeting_on: Mapped[date | None] = mapped_column(Date)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    version: Mapped["DocumentVersion"] = relationship()  # noqa: F821
    consultation: Mapped["Consultation | None"] = relationship()  # noqa: F821
    sent_by: Mapped["User | None"] = relationship()  # noqa: F821
    comments: Mapped[list[ProposalComment]] = relationship(
        back_populates="proposal", order_by="ProposalComment.created_at", cascade="all, delete-orphan"
    )
    decision: Mapped[Decision | None] = relationship(back_populates="proposal", uselist=False)


class ProposalComment(db.Model):
    """A steering member's note to the others before the meeting."""

    __tablename__ = "proposal_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="comments")
    author: Mapped["User | None"] = relationship()  # noqa: F821


class Decision(db.Model):
    """The steering group's decision on a proposal, as in its minutes (protokoll)."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposal.id", ondelete="RESTRICT"), unique=True, index=True
    )
    outcome: Mapped[DecisionOutcome] = mapped_column(enum_column(DecisionOutcome, "decision_outcome"))
    decided_on: Mapped[date] = mapped_column(Date)
    # The deciding body as it signs ("Styrgruppen för invånarinteraktion").
    body: Mapped[str] = mapped_column(String(300), default="")
    # Minutes reference and paragraph ("Protokoll 2026-11-20", "§ 7").
    minutes_reference: Mapped[str] = mapped_column(String(200), default="")
    paragraph: Mapped[str] = mapped_column(String(50), default="")
    # Who was present, one name per line, as the minutes list them.
    present: Mapped[str] = mapped_column(Text, default="")
    # For "returned": what to change; for the others an optional motivation.
    motivation: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="decision")
    recorded_by: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def present_list(self) -> list[str]:
        return [name.strip() for name in self.present.splitlines() if name.strip()]
