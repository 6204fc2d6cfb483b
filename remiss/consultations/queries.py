"""Read side of consultations: what the process owner's pages and mails need, each in a fixed
number of SQL statements however many respondents there are (no query per row)."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, exists, func, select
from sqlalchemy.orm import selectinload

from remiss.auth.models import Role, User
from remiss.consultations.models import (
    Consultation,
    LateSave,
    Reminder,
    ReminderKind,
    Respondent,
    Response,
    ResponseStatus,
    respondent_network,
)
from remiss.documents.models import Document, DocumentVersion, VersionStatus
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation, network_member

DASHBOARD_PAGE_SIZE = 50
LIST_PAGE_SIZE = 25

# Versions that can be sent on remiss: work in progress, not approved or withdrawn texts.
VERSIONS_FOR_REMISS = (VersionStatus.draft, VersionStatus.on_remiss)


class RespondentState(str, enum.Enum):
    not_opened = "not_opened"
    draft = "draft"
    submitted = "submitted"
    late = "late"
    declined = "declined"


STATE_LABELS = {
    RespondentState.not_opened: _l("Inte öppnad"),
    RespondentState.draft: _l("Utkast"),
    RespondentState.submitted: _l("Inskickat"),
    RespondentState.late: _l("Sent inkommet"),
    RespondentState.declined: _l("Avstår"),
}


@dataclass
class Rate:
    """A response rate: how many of the respondents have a submitted answer, how many declined
    to answer ("avstår"; an answer submitted after all counts as answered) and how many are missing."""

    total: int = 0
    submitted: int = 0
    declined: int = 0

    @property
    def fraction(self) -> float:
        return self.submitted / self.total if self.total else 0.0

    @property
    def missing(self) -> int:
        return self.total - self.submitted - self.declined


@dataclass
class NetworkRate:
    network: Network | None  # None: respondents added by hand, through no network
    rate: Rate


@dataclass
class Rates:
    overall: Rate
    per_network: list[NetworkRate] = field(default_factory=list)


@dataclass
class RespondentRow:
    respondent: Respondent
    state: RespondentState
    response: Response | None  # the current revision, if any
    last_activity_at: datetime | None
    submitted_at: datetime | None
    late_saves: int
    last_reminded_at: datetime | None  # a reminder, by hand or automatic; not the invitation

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])


def _submitted_exists():
    """True for a respondent whose current answer is submitted (only the current revision can be)."""
    return exists().where(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted)


def _declined_case():
    """1 for a respondent that declined and has no submitted answer: the dashboard's "avstår"."""
    return case((Respondent.declined_at.is_not(None) & ~_submitted_exists(), 1), else_=0)


def respondent_name(respondent: Respondent) -> str:
    if respondent.organisation is not None:
        return respondent.organisation.name
    return respondent.user.name if respondent.user is not None else ""


# --- the consultation itself ---------------------------------------------------------------

def get_consultation(consultation_id: int) -> Consultation | None:
    """A consultation with its version, networks and questions loaded."""
    return db.session.execute(
        select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(
            selectinload(Consultation.version).selectinload(DocumentVersion.document),
            selectinload(Consultation.version).selectinload(DocumentVersion.criteria),
            selectinload(Consultation.version).selectinload(DocumentVersion.alternatives),
            selectinload(Consultation.networks),
            selectinload(Consultation.criteria),
            selectinload(Consultation.general_questions),
            selectinload(Consultation.created_by),
        )
    ).scalar_one_or_none()


def consultation_page(page: int, per_page: int = LIST_PAGE_SIZE):
    """The list of consultations, newest deadline first, with the response rate of each on the page."""
    pagination = db.paginate(
        select(Consultation)
        .options(selectinload(Consultation.version).selectinload(DocumentVersion.document))
        .order_by(Consultation.deadline.desc(), Consultation.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )
    ids = [c.id for c in pagination.items]
    rates = {i: Rate() for i in ids}
    if ids:
        rows = db.session.execute(
            select(
                Respondent.consultation_id,
                func.count(Respondent.id),
                func.sum(case((_submitted_exists(), 1), else_=0)),
                func.sum(_declined_case()),
            )
            .where(Respondent.consultation_id.in_(ids))
            .group_by(Respondent.consultation_id)
        )
        for consultation_id, total, submitted, declined in rows:
            rates[consultation_id] = Rate(total=total, submitted=int(submitted or 0), declined=int(declined or 0))
    return pagination, rates


def versions_for_remiss() -> list[DocumentVersion]:
    return list(
        db.session.execute(
            select(DocumentVersion)
            .join(Document)
            .where(DocumentVersion.status.in_(VERSIONS_FOR_REMISS))
            .options(selectinload(DocumentVersion.document))
            .order_by(Document.key, DocumentVersion.number)
        ).scalars()
    )


def all_networks() -> list[Network]:
    return list(db.session.execute(select(Network).order_by(Network.name)).scalars())


# --- respondents ---------------------------------------------------------------------------

def networks_with_members(network_ids) -> list[Network]:
    """Networks with their organisations and members, for deriving respondents."""
    if not network_ids:
        return []
    return list(
        db.session.execute(
            select(Network)
            .where(Network.id.in_(list(network_ids)))
            .options(selectinload(Network.organisations), selectinload(Network.members))
            .order_by(Network.name)
        ).scalars()
    )


def respondent_page(consultation: Consultation, page: int, per_page: int = DASHBOARD_PAGE_SIZE):
    """Respondents in name order (organisations first, then individuals), paged."""
    statement = (
        select(Respondent)
        .outerjoin(Organisation, Respondent.organisation_id == Organisation.id)
        .outerjoin(User, Respondent.user_id == User.id)
        .where(Respondent.consultation_id == consultation.id)
        .options(
            selectinload(Respondent.organisation),
            selectinload(Respondent.user),
            selectinload(Respondent.networks),
        )
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    )
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def all_respondents(consultation: Consultation) -> list[Respondent]:
    return list(
        db.session.execute(
            select(Respondent)
            .where(Respondent.consultation_id == consultation.id)
            .options(selectinload(Respondent.networks), selectinload(Respondent.organisation), selectinload(Respondent.user))
            .order_by(Respondent.id)
        ).scalars()
    )


def unsubmitted_respondents(consultation: Consultation, *, without_automatic_reminder: bool = False) -> list[Respondent]:
    """Respondents whose current answer is not submitted (none yet, a draft, or reopened) and who
    have not declined to answer: those that reminders go to."""
    statement = (
        select(Respondent)
        .where(Respondent.consultation_id == consultation.id, ~_submitted_exists(), Respondent.declined_at.is_(None))
        .options(selectinload(Respondent.networks), selectinload(Respondent.organisation), selectinload(Respondent.user))
        .order_by(Respondent.id)
    )
    if without_automatic_reminder:
        statement = statement.where(Respondent.automatic_reminder_at.is_(None))
    return list(db.session.execute(statement).scalars())


def people_by_respondent(respondents: list[Respondent]) -> dict[int, list[User]]:
    """The active people behind each respondent, who are mailed and may answer.

    An organisation: its representatives who are members of one of the networks the
    respondent came through – or, if there are none (e.g. added by hand), all its
    representatives. An individual: the person. Three statements in all.
    """
    result: dict[int, list[User]] = {r.id: [] for r in respondents}
    organisation_ids = {r.organisation_id for r in respondents if r.organisation_id is not None}
    representatives: dict[int, list[User]] = {}
    memberships: dict[int, set[int]] = {}
    if organisation_ids:
        users = db.session.execute(
            select(User)
            .where(
                User.organisation_id.in_(organisation_ids),
                User.active.is_(True),
                User.role == Role.representative,
            )
            .order_by(User.name, User.id)
        ).scalars()
        for user in users:
            representatives.setdefault(user.organisation_id, []).append(user)
        user_ids = [u.id for people in representatives.values() for u in people]
        if user_ids:
            for user_id, network_id in db.session.execute(
                select(network_member.c.user_id, network_member.c.network_id).where(
                    network_member.c.user_id.in_(user_ids)
                )
            ):
                memberships.setdefault(user_id, set()).add(network_id)
    for respondent in respondents:
        if respondent.organisation_id is not None:
            people = representatives.get(respondent.organisation_id, [])
            asked_through = {n.id for n in respondent.networks}
            in_networks = [u for u in people if memberships.get(u.id, set()) & asked_through]
            result[respondent.id] = in_networks or list(people)
        elif respondent.user is not None and respondent.user.active:
            result[respondent.id] = [respondent.user]
    return result


def people_behind(respondent: Respondent) -> list[User]:
    """The active people behind one respondent (see people_by_respondent)."""
    return people_by_respondent([respondent])[respondent.id]


def recipient_summary(respondents: list[Respondent]) -> tuple[int, list[Respondent]]:
    """How many people a mailing to these respondents reaches, and which respondents reach nobody."""
    people = people_by_respondent(respondents)
    unreachable = [r for r in respondents if not people[r.id]]
    return sum(len(p) for p in people.values()), unreachable


def addable_organisations(consultation: Consultation) -> list[Organisation]:
    taken = select(Respondent.organisation_id).where(
        Respondent.consultation_id == consultation.id, Respondent.organisation_id.is_not(None)
    )
    return list(
        db.session.execute(
            select(Organisation).where(Organisation.id.not_in(taken)).order_by(Organisation.name)
        ).scalars()
    )


def addable_individuals(consultation: Consultation) -> list[User]:
    """People who can answer in their own right: active representatives without an organisation."""
    taken = select(Respondent.user_id).where(
        Respondent.consultation_id == consultation.id, Respondent.user_id.is_not(None)
    )
    return list(
        db.session.execute(
            select(User)
            .where(
                User.organisation_id.is_(None),
                User.active.is_(True),
                User.role == Role.representative,
                User.id.not_in(taken),
            )
            .order_by(User.name)
        ).scalars()
    )


# --- the dashboard -------------------------------------------------------------------------

def response_rates(consultation: Consultation) -> Rates:
    """Overall and per network (a respondent in two networks counts in both). Two statements."""
    submitted = func.sum(case((_submitted_exists(), 1), else_=0))
    declined = func.sum(_declined_case())
    total, done, declined_count = db.session.execute(
        select(func.count(Respondent.id), submitted, declined).where(Respondent.consultation_id == consultation.id)
    ).one()
    overall = Rate(total=total or 0, submitted=int(done or 0), declined=int(declined_count or 0))

    rows = db.session.execute(
        select(respondent_network.c.network_id, func.count(Respondent.id), submitted, declined)
        .select_from(Respondent)
        .outerjoin(respondent_network, respondent_network.c.respondent_id == Respondent.id)
        .where(Respondent.consultation_id == consultation.id)
        .group_by(respondent_network.c.network_id)
    ).all()
    by_network = {network_id: Rate(total=n, submitted=int(s or 0), declined=int(d or 0)) for network_id, n, s, d in rows}
    per_network = [NetworkRate(n, by_network.pop(n.id, Rate())) for n in consultation.networks]
    if None in by_network:
        per_network.append(NetworkRate(None, by_network.pop(None)))
    return Rates(overall=overall, per_network=per_network)


def _state(consultation: Consultation, respondent: Respondent, response: Response | None, late_saves: int) -> RespondentState:
    if late_saves:
        return RespondentState.late
    if response is not None and response.status == ResponseStatus.submitted:
        if response.submitted_at is not None and response.submitted_at > consultation.deadline:
            return RespondentState.late
        return RespondentState.submitted
    if respondent.declined_at is not None:
        return RespondentState.declined
    if response is not None or respondent.first_opened_at is not None:
        return RespondentState.draft
    return RespondentState.not_opened


def dashboard_rows(consultation: Consultation, respondents: list[Respondent]) -> list[RespondentRow]:
    """One row per respondent on the page: state, last activity, submission, channel. Three statements."""
    ids = [r.id for r in respondents]
    current: dict[int, Response] = {}
    late: dict[int, tuple[int, datetime | None]] = {}
    reminded: dict[int, datetime] = {}
    if ids:
        for response in db.session.execute(
            select(Response).where(Response.respondent_id.in_(ids)).order_by(Response.respondent_id, Response.revision)
        ).scalars():
            current[response.respondent_id] = response  # the last revision wins
        for respondent_id, count, latest in db.session.execute(
            select(LateSave.respondent_id, func.count(LateSave.id), func.max(LateSave.received_at))
            .where(LateSave.respondent_id.in_(ids))
            .group_by(LateSave.respondent_id)
        ):
            late[respondent_id] = (count, latest)
        for respondent_id, latest in db.session.execute(
            select(Reminder.respondent_id, func.max(Reminder.sent_at))
            .where(Reminder.respondent_id.in_(ids), Reminder.kind.in_((ReminderKind.manual, ReminderKind.automatic)))
            .group_by(Reminder.respondent_id)
        ):
            reminded[respondent_id] = latest
    rows = []
    for respondent in respondents:
        response = current.get(respondent.id)
        late_count, late_latest = late.get(respondent.id, (0, None))
        late_latest = _aware(late_latest)
        moments = [respondent.last_activity_at, late_latest]
        if response is not None:
            moments += [response.updated_at, response.submitted_at]
        moments = [m for m in moments if m is not None]
        rows.append(
            RespondentRow(
                respondent=respondent,
                state=_state(consultation, respondent, response, late_count),
                response=response,
                last_activity_at=max(moments) if moments else None,
                submitted_at=response.submitted_at if response is not None else None,
                late_saves=late_count,
                last_reminded_at=_aware(reminded.get(respondent.id)),
            )
        )
    return rows


def _aware(value):
    """Aggregates (max) bypass the column type on some databases: give them their UTC zone back."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value
