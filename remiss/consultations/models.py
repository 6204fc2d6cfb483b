"""Consultations (remissomgångar), their respondents and the responses they give."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    JSON,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime, enum_column


class ConsultationStatus(str, enum.Enum):
    draft = "draft"
    open = "open"
    closed = "closed"
    consolidated = "consolidated"
    decided = "decided"


class CriteriaScale(str, enum.Enum):
    yes_partly_no = "yes_partly_no"
    one_to_four = "one_to_four"


class Stance(str, enum.Enum):
    supports = "supports"  # tillstyrker
    supports_with_changes = "supports_with_changes"  # tillstyrker med ändringar
    opposes = "opposes"  # avstyrker
    no_comments = "no_comments"  # inga synpunkter / ingen erinran


class ResponseStatus(str, enum.Enum):
    draft = "draft"
    submitted = "submitted"
    # A submitted revision that was reopened: kept, readable, no longer the current answer.
    superseded = "superseded"


class ResponseChannel(str, enum.Enum):
    online = "online"
    email = "email"
    paper = "paper"
    bulk_import = "bulk_import"


consultation_network = Table(
    "consultation_network",
    db.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="RESTRICT"), primary_key=True),
)

consultation_criterion = Table(
    "consultation_criterion",
    db.metadata,
    Column("consultation_id", ForeignKey("consultation.id", ondelete="CASCADE"), primary_key=True),
    Column("criterion_id", ForeignKey("criterion.id", ondelete="RESTRICT"), primary_key=True),
)

# Through which networks a respondent was asked: response rate per network.
respondent_network = Table(
    "respondent_network",
    db.metadata,
    Column("respondent_id", ForeignKey("respondent.id", ondelete="CASCADE"), primary_key=True),
    Column("network_id", ForeignKey("network.id", ondelete="RESTRICT"), primary_key=True),
)


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("document_version.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    purpose: Mapped[str] = mapped_column(Text, default="")
    reference_number: Mapped[str] = mapped_column(String(64), default="")
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[ConsultationStatus] = mapped_column(
        enum_column(ConsultationStatus, "consultation_status"), default=ConsultationStatus.draft
    )
    # The question set; fixed once the consultation is open.
    ask_stance: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_comment: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_proposed_wording: Mapped[bool] = mapped_column(Boolean, default=True)
    ask_alternatives: Mapped[bool] = mapped_column(Boolean, default=True)
    criteria_scale: Mapped[CriteriaScale] = mapped_column(
        enum_column(CriteriaScale, "criteria_scale"), default=CriteriaScale.yes_partly_no
    )
    reminder_days_before: Mapped[int | None] = mapped_column(Integer, default=3)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Återkoppling: objections to dispositions are accepted until this moment (set when feedback is sent).
    objections_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    version: Mapped["DocumentVersion"] = relationship()  # noqa: F821
    created_by: Mapped["User | None"] = relationship()  # noqa: F821
    networks: Mapped[list["Network"]] = relationship(secondary=consultation_network)  # noqa: F821
    criteria: Mapped[list["Criterion"]] = relationship(  # noqa: F821
        secondary=consultation_criterion, order_by="Criterion.position"
    )
    general_questions: Mapped[list[GeneralQuestion]] = relationship(
        back_populates="consultation", order_by="GeneralQuestion.position", cascade="all, delete-orphan"
    )
    respondents: Mapped[list[Respondent]] = relationship(back_populates="consultation", cascade="all, delete-orphan")


class GeneralQuestion(db.Model):
    """A question asked once per response, after the principles (e.g. "Synpunkter?")."""

    __tablename__ = "general_question"
    __table_args__ = (UniqueConstraint("consultation_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))

    consultation: Mapped[Consultation] = relationship(back_populates="general_questions")


class Respondent(db.Model):
    """A remissinstans: owes one answer. An organisation, or an individual member of a network."""

    __tablename__ = "respondent"
    __table_args__ = (
        CheckConstraint("(organisation_id IS NULL) <> (user_id IS NULL)", name="organisation_or_individual"),
        UniqueConstraint("consultation_id", "organisation_id"),
        UniqueConstraint("consultation_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id", ondelete="RESTRICT"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="RESTRICT"), index=True)
    # Added by hand by the process owner rather than through a network.
    added_manually: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by a conditional UPDATE: the automatic reminder goes out once, whichever instance runs the job.
    automatic_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Avstår från att yttra sig": declined to answer, with an optional reason; gets no reminders.
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_reason: Mapped[str] = mapped_column(Text, default="")
    declined_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Återkoppling: when the respondent was sent its feedback page after consolidation.
    feedback_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship(back_populates="respondents")
    organisation: Mapped["Organisation | None"] = relationship()  # noqa: F821
    user: Mapped["User | None"] = relationship(foreign_keys=[user_id])  # noqa: F821
    declined_by: Mapped["User | None"] = relationship(foreign_keys=[declined_by_id])  # noqa: F821
    networks: Mapped[list["Network"]] = relationship(secondary=respondent_network)  # noqa: F821
    responses: Mapped[list[Response]] = relationship(
        back_populates="respondent", order_by="Response.revision", cascade="all, delete-orphan"
    )


class Response(db.Model):
    """A respondent's answer. Reopening a submitted answer creates the next revision."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("respondent_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[ResponseStatus] = mapped_column(
        enum_column(ResponseStatus, "response_status"), default=ResponseStatus.draft
    )
    channel: Mapped[ResponseChannel] = mapped_column(
        enum_column(ResponseChannel, "response_channel"), default=ResponseChannel.online
    )
    # Individuals: may the report name them? Otherwise "Patientföreträdare 1, 2, …".
    publish_name: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # Set when the process owner registered an answer that came by e-mail or on paper.
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopen_reason: Mapped[str] = mapped_column(Text, default="")
    # Sign-off inside the organisation: representatives mark the draft ready, the signatory
    # (förvaltningschef …) reviews, may send it back with a note, and submits it.
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ready_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    returned_note: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship(back_populates="responses")
    submitted_by: Mapped["User | None"] = relationship(foreign_keys=[submitted_by_id])  # noqa: F821
    registered_by: Mapped["User | None"] = relationship(foreign_keys=[registered_by_id])  # noqa: F821
    principle_answers: Mapped[list[PrincipleAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    general_answers: Mapped[list[GeneralAnswer]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    alternative_choices: Mapped[list[AlternativeChoice]] = relationship(
        back_populates="response", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(back_populates="response", cascade="all, delete-orphan")
    ready_by: Mapped["User | None"] = relationship(foreign_keys=[ready_by_id])  # noqa: F821
    signed_by: Mapped["User | None"] = relationship(foreign_keys=[signed_by_id])  # noqa: F821
    dissents: Mapped[list[Dissent]] = relationship(
        back_populates="response", order_by="Dissent.created_at", cascade="all, delete-orphan"
    )


class Dissent(db.Model):
    """"Avvikande mening": a representative who disagrees with the organisation's answer says so;
    it stays attached to the answer and appears in the report."""

    __tablename__ = "dissent"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="dissents")
    author: Mapped["User | None"] = relationship()  # noqa: F821


class PrincipleAnswer(db.Model):
    """A response's answer on one principle. `lock_version` guards against silent overwrites."""

    __tablename__ = "principle_answer"
    __table_args__ = (UniqueConstraint("response_id", "principle_text_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    principle_text_id: Mapped[int] = mapped_column(ForeignKey("principle_text.id", ondelete="RESTRICT"), index=True)
    stance: Mapped[Stance | None] = mapped_column(enum_column(Stance, "stance"))
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_wording: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="principle_answers")
    principle_text: Mapped["PrincipleText"] = relationship()  # noqa: F821
    criterion_answers: Mapped[list[CriterionAnswer]] = relationship(
        back_populates="principle_answer", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": lock_version}


class CriterionAnswer(db.Model):
    """A rating of one quality criterion for one principle, with an optional comment."""

    __tablename__ = "criterion_answer"
    __table_args__ = (UniqueConstraint("principle_answer_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    principle_answer_id: Mapped[int] = mapped_column(ForeignKey("principle_answer.id", ondelete="CASCADE"), index=True)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("criterion.id", ondelete="RESTRICT"), index=True)
    # yes_partly_no: "yes" | "partly" | "no"; one_to_four: "1".."4".
    rating: Mapped[str | None] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")

    principle_answer: Mapped[PrincipleAnswer] = relationship(back_populates="criterion_answers")
    criterion: Mapped["Criterion"] = relationship()  # noqa: F821


class GeneralAnswer(db.Model):
    __tablename__ = "general_answer"
    __table_args__ = (UniqueConstraint("response_id", "general_question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    general_question_id: Mapped[int] = mapped_column(ForeignKey("general_question.id", ondelete="RESTRICT"), index=True)
    text: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="general_answers")
    general_question: Mapped[GeneralQuestion] = relationship()

    __mapper_args__ = {"version_id_col": lock_version}


class AlternativeChoice(db.Model):
    """Which alternative a response prefers for a section or principle, and why."""

    __tablename__ = "alternative_choice"
    __table_args__ = (
        CheckConstraint("(section_id IS NULL) <> (principle_text_id IS NULL)", name="exactly_one_subject"),
        UniqueConstraint("response_id", "section_id"),
        UniqueConstraint("response_id", "principle_text_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int | None] = mapped_column(ForeignKey("section.id", ondelete="RESTRICT"))
    principle_text_id: Mapped[int | None] = mapped_column(ForeignKey("principle_text.id", ondelete="RESTRICT"))
    alternative_id: Mapped[int | None] = mapped_column(ForeignKey("alternative.id", ondelete="RESTRICT"))
    reason: Mapped[str] = mapped_column(Text, default="")
    lock_version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="alternative_choices")
    alternative: Mapped["Alternative | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": lock_version}


class Attachment(db.Model):
    """An original document (PDF/DOCX) of an answer registered on behalf; checked by content."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="attachments")


class LateSave(db.Model):
    """What arrived after the deadline: never applied to the answer, never lost; shown to the process owner."""

    __tablename__ = "late_save"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payload: Mapped[dict] = mapped_column(JSON)

    respondent: Mapped[Respondent] = relationship()


class MagicLink(db.Model):
    """A personal link for an individual without an account: works until the consultation closes,
    and only for that person's own answer."""

    __tablename__ = "magic_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    respondent: Mapped[Respondent] = relationship()
    user: Mapped["User"] = relationship()  # noqa: F821


class ReminderKind(str, enum.Enum):
    invitation = "invitation"
    manual = "manual"
    automatic = "automatic"
    deadline_extended = "deadline_extended"


class Reminder(db.Model):
    """A message sent to the people behind a respondent: invitation, reminder, new deadline."""

    __tablename__ = "reminder"

    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_id: Mapped[int] = mapped_column(ForeignKey("respondent.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(enum_column(ReminderKind, "reminder_kind"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    recipients: Mapped[int] = mapped_column(Integer, default=0)

    respondent: Mapped[Respondent] = relationship()
