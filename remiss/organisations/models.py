"""Organisations (förvaltningar) and the networks a remiss is sent to."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime

network_organisation = Table(
    "network_organisation",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)

# People in a network: representatives of a member organisation, or individual
# members (no organisation) who answer as their own respondent.
network_member = Table(
    "network_member",
    db.metadata,
    Column("network_id", ForeignKey("network.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
)


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    short_name: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    # The organisation's answer must be approved and submitted by one of its signatories.
    requires_signoff: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    users: Mapped[list["User"]] = relationship(back_populates="organisation")  # noqa: F821
    networks: Mapped[list["Network"]] = relationship(
        secondary=network_organisation, back_populates="organisations"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"


class Network(db.Model):
    __tablename__ = "network"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisations: Mapped[list[Organisation]] = relationship(
        secondary=network_organisation, back_populates="networks", order_by="Organisation.short_name"
    )
    members: Mapped[list["User"]] = relationship(  # noqa: F821
        secondary=network_member, order_by="User.name"
    )

    def representatives_of(self, organisation: Organisation) -> list:
        return [u for u in self.members if u.organisation_id == organisation.id]

    @property
    def individual_members(self) -> list:
        return [u for u in self.members if u.organisation_id is None]

    def __repr__(self) -> str:
        return f"<Network {self.name}>"
