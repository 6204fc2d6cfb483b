"""What the consolidated response report says, as plain data every format renders from.

Two ways in:

- `build_report(consultation, public=…, locale=…)` returns a `Report` holding everything
  (for HTML, PDF and DOCX, which are laid out as a whole). It runs a fixed number of SQL
  statements whatever the number of respondents: one statement per kind of row.
- The row iterators – `respondent_rows`, `answer_rows`, `general_answer_rows`,
  `section_choice_rows`, `appendix_rows` – stream the same rows with `yield_per` (a
  server-side cursor on PostgreSQL), so that CSV, XLSX and JSON are written in memory that
  does not grow with the number of respondents. `build_report(..., answers=False)` gives
  the outline those formats need (consultation, principles, figures, summaries) without
  the per-respondent lists.

Both use the same statements, so every format shows the same answers in the same order.

Personal data (docs/report-format.md): respondents are named by organisation; an individual
by name only if their submitted answer says `publish_name`, otherwise "Patientföreträdare N",
numbered by respondent id among the individuals who are not named. In the public report an
organisation whose submitted answer said no to `publish_name` is "Remissinstans N", numbered by
respondent id among those organisations, listed after the named ones. Passages the process owner
redacted (remiss/consolidation/redaction.py) read "[maskerat: skäl]" in the public report; the
internal one shows them and notes that they are hidden from the public. The internal report adds
who submitted or registered each answer (name and e-mail address); the public one never
contains an e-mail address or the name of the person who submitted.
"""
from __future__ import annotations

import functools
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import NamedTuple

from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from sqlalchemy import DateTime, String, and_, exists, func, null, select, text as sql_text, true, type_coerce
from sqlalchemy.orm import aliased, joinedload, selectinload

from remiss.auth.models import User
from remiss.consolidation.models import (
    CommentGroup,
    CommentGroupMember,
    ConsolidatedReport,
    Disposition,
    DispositionKind,
    DispositionTarget,
    PrincipleSummary,
)
from remiss.consolidation.queries import said, sections_with_alternatives
from remiss.consolidation import redaction
from remiss.consultations.models import (
    AlternativeChoice,
    Attachment,
    Consultation,
    CriterionAnswer,
    Dissent,
    GeneralAnswer,
    GeneralQuestion,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
    Stance,
    respondent_network,
)
from remiss.documents.models import Alternative, DocumentVersion, Principle, PrincipleText, Section
from remiss.extensions import db
from remiss.labels import RATINGS, label
from remiss.organisations.models import Network, Organisation
from remiss.reports import figures
from remiss.timeutil import utcnow
from remiss.i18n import babel_locale
from remiss.consultations import states

FORMATS = ("html", "pdf", "docx", "xlsx", "csv", "json")
# Rows fetched per round trip by the streaming iterators.
YIELD_PER = 500
# Channels whose answers were registered on behalf with an original attached: the appendix.
ON_BEHALF_CHANNELS = (ResponseChannel.email, ResponseChannel.paper)


# --- the data -----------------------------------------------------------------------------------
# The values made once per streamed row (DispositionInfo, RespondentInfo, CriterionRating, AnswerRow)
# are NamedTuples: as immutable as a frozen dataclass, but built several times faster, which
# showed in the CSV and JSON exports of 100 000 respondents (benchmarks/reports.py).


class DispositionInfo(NamedTuple):
    """What the process owner did with one comment or proposed wording. `kind` None: not yet handled."""

    kind: str | None
    label: str
    reason: str


class RespondentInfo(NamedTuple):
    id: int
    name: str  # organisation, consenting individual, or "Patientföreträdare N"
    kind: str  # "organisation" | "individual"
    organisation_kind: str
    kind_label: str  # "Enskild person", or the organisation's kind in words ("sjukhus")
    networks: tuple[str, ...]
    answered: bool
    submitted_at: datetime | None
    late: bool  # submitted after the deadline
    channel: str | None
    channel_label: str
    # Internal report only (empty in the public one): "Name <e-mail>" of who submitted or registered.
    submitted_by: str = ""
    registered_by: str = ""
    # "Avstår från att yttra sig" (and no answer submitted since), with the reason given.
    declined: bool = False
    declined_reason: str = ""
    # Sign-off inside the organisation: who signed the submitted answer, and when.
    signed_by: str = ""
    signed_at: datetime | None = None


@dataclass(frozen=True)
class DissentInfo:
    """"Avvikande mening": a representative's dissent attached to the organisation's submitted answer.
    `author` is the representative's name in the internal report and empty in the public one."""

    respondent: RespondentInfo
    author: str
    text: str
    created_at: datetime


class CriterionRating(NamedTuple):
    criterion_id: int
    criterion: str
    rating: str | None
    rating_label: str
    comment: str


class AnswerRow(NamedTuple):
    """One respondent's answer on one principle (every principle, answered or not)."""

    principle_id: int
    principle_key: str
    principle_number: int
    principle_title: str
    respondent: RespondentInfo
    stance: str | None
    stance_label: str
    criteria: tuple[CriterionRating, ...]
    comment: str
    proposed_wording: str
    comment_disposition: DispositionInfo | None  # None when there is no comment
    wording_disposition: DispositionInfo | None  # None when there is no proposed wording
    alternative_id: int | None
    alternative_label: str
    alternative_reason: str
    # Internal report only: passages hidden from the public one (the public text already says "[maskerat: …]").
    comment_redactions: tuple[redaction.RedactionNote, ...] = ()
    wording_redactions: tuple[redaction.RedactionNote, ...] = ()


@dataclass(frozen=True)
class GeneralAnswerRow:
    question_id: int
    question: str
    respondent: RespondentInfo
    text: str
    disposition: DispositionInfo
    redactions: tuple[redaction.RedactionNote, ...] = ()  # internal report only, as AnswerRow's


@dataclass(frozen=True)
class SectionChoiceRow:
    section_id: int
    alternative_id: int | None
    respondent: RespondentInfo
    reason: str


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str
    size: int
    sha256: str


@dataclass(frozen=True)
class AppendixRow:
    respondent: RespondentInfo
    attachments: tuple[AttachmentInfo, ...]


@dataclass
class Choice:
    respondent: RespondentInfo
    reason: str


@dataclass
class AlternativeOutcome:
    id: int
    label: str
    body: str
    count: int = 0
    choices: list[Choice] = field(default_factory=list)  # empty in the outline


@dataclass
class AlternativesReport:
    """The outcome of a choice between alternatives, for a principle or a section."""

    heading: str
    alternatives: list[AlternativeOutcome]
    section_id: int | None = None  # None: the alternatives of a principle
    without_choice: int = 0  # answers that chose none of the alternatives
    svg: str = ""  # the consolidation's bar chart of the counts
    reasons_without_choice: list[Choice] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(a.count for a in self.alternatives)


@dataclass
class Figures:
    """A principle's figures, as the consolidation statistics give them."""

    stances: list[tuple[str, str, int]]  # (stance value, label, count); value "" = no stance given
    criteria: list[tuple[str, list[tuple[str, int]]]]  # (criterion, [(rating label, count)])
    comments: int
    proposed_wordings: int
    answered: int
    # The consolidation's statistics of the principle, drawn as charts only when a format shows them
    # (HTML and PDF): drawing them was a third of a small JSON or XLSX report's time.
    statistics: object = field(default=None, repr=False, compare=False)

    @functools.cached_property
    def stance_svg(self) -> str:
        """Inline SVG from remiss.consolidation.charts (our own markup, not user text)."""
        return figures.stance_svg(self.statistics)

    @functools.cached_property
    def criteria_svg(self) -> str:
        return figures.criteria_svg(self.statistics)


@dataclass(frozen=True)
class GroupInfo:
    """A group of similar comments the process owner formed on a principle (internal report only:
    the labels are working notes) and how many of the submitted texts it holds."""

    label: str
    members: int


@dataclass
class PrincipleReport:
    id: int
    key: str
    number: int
    title: str
    statement: str
    keywords: list[str]
    implications: str
    summary: str
    figures: Figures | None
    alternatives: AlternativesReport | None
    answers: list[AnswerRow] = field(default_factory=list)
    groups: list[GroupInfo] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"princip-{self.number}"


@dataclass
class GeneralQuestionReport:
    id: int
    position: int
    text: str
    answers: list[GeneralAnswerRow] = field(default_factory=list)


@dataclass
class NetworkCount:
    name: str
    asked: int
    answered: int
    declined: int = 0

    @property
    def missing(self) -> int:
        return self.asked - self.answered - self.declined


@dataclass
class Report:
    consultation_id: int
    title: str
    reference_number: str
    document_key: str
    document_title: str
    version_number: int
    version_owner: str
    purpose: str
    opens_at: datetime
    deadline: datetime
    closed_at: datetime | None
    status: str
    status_label: str
    public: bool
    draft: bool
    locale: str
    generated_at: datetime
    # The number of the frozen report this is; None while it is a live (draft) rendering.
    number: int | None
    criteria: list[tuple[int, str]]
    criteria_scale: str
    ratings: list[tuple[str, str]]
    asks: dict[str, bool]
    # Empty and None in a table-only report (build_report).
    networks: list[NetworkCount]
    asked: int | None
    answered_count: int | None
    principles: list[PrincipleReport]
    section_alternatives: list[AlternativesReport]
    general_questions: list[GeneralQuestionReport]
    respondents: list[RespondentInfo] = field(default_factory=list)
    appendix: list[AppendixRow] = field(default_factory=list)
    declined_count: int | None = 0
    dissents: list[DissentInfo] = field(default_factory=list)  # filled in the outline too: they are few
    # The answer rows' statement, started before the outline was built (rendering.stream): a format
    # reads it once, through report_answer_rows.
    answer_stream: StartedRows | None = field(default=None, repr=False, compare=False)

    @property
    def answered(self) -> list[RespondentInfo]:
        return [r for r in self.respondents if r.answered]

    @property
    def not_answered(self) -> list[RespondentInfo]:
        """Missing: neither answered nor declined."""
        return [r for r in self.respondents if not r.answered and not r.declined]

    @property
    def declined(self) -> list[RespondentInfo]:
        return [r for r in self.respondents if r.declined]

    @property
    def missing_count(self) -> int:
        return self.asked - self.answered_count - self.declined_count

    @property
    def late(self) -> list[RespondentInfo]:
        return [r for r in self.respondents if r.late]

    def respondents_by_network(self) -> list[tuple[str, list[RespondentInfo]]]:
        """Who was asked, per network; respondents added by hand under a heading of their own."""
        groups: dict[str, list[RespondentInfo]] = {n.name: [] for n in self.networks}
        by_hand = []
        for respondent in self.respondents:
            for name in respondent.networks:
                groups.setdefault(name, []).append(respondent)
            if not respondent.networks:
                by_hand.append(respondent)
        result = list(groups.items())
        if by_hand:
            result.append((_("Tillagda utan nätverk"), by_hand))
        return result


# --- building it ----------------------------------------------------------------------------


def build_report(consultation: Consultation, *, public: bool, locale: str = "sv", answers: bool = True,
                 final: bool | None = None, number: int | None = None, table_only: bool = False) -> Report:
    """Everything the report says, in `locale` ("sv" or "en").

    `answers=False` leaves out the per-respondent lists (respondents, answers, general answers,
    choices, appendix): the streaming formats read those from the row iterators instead.
    `final` overrides whether the report is still a draft (freezing renders the final report);
    `number` is the frozen report's number, if it is one. `table_only=True` builds only what the
    flat answer table (CSV) shows – the heading, the criteria and the dissents – and leaves the
    principles and networks empty and the counts None: the CSV has no document outline, figures or
    counts, and their statements were most of a small CSV's time.
    """
    with force_locale(babel_locale(locale)):
        return _build(consultation, public=public, locale=locale, answers=answers,
                      final=states.report_is_final(consultation) if final is None else final, number=number,
                      table_only=table_only)


def _build(consultation, *, public, locale, answers, final, number, table_only=False) -> Report:
    version = db.session.execute(
        select(DocumentVersion).where(DocumentVersion.id == consultation.version_id)
        .options(joinedload(DocumentVersion.document))
    ).scalar_one()
    criteria = list(consultation.criteria)
    report = Report(
        consultation_id=consultation.id, title=consultation.title, reference_number=consultation.reference_number,
        document_key=version.document.key, document_title=version.title, version_number=version.number,
        version_owner=version.owner, purpose=consultation.purpose, opens_at=consultation.opens_at,
        deadline=consultation.deadline, closed_at=consultation.closed_at, status=consultation.status.value,
        status_label=label(consultation.status), public=public, draft=not final, locale=locale,
        generated_at=utcnow(), number=number, criteria=[(c.id, c.text) for c in criteria],
        criteria_scale=consultation.criteria_scale.value,
        ratings=[(value, str(text)) for value, text in RATINGS[consultation.criteria_scale]],
        asks={"stance": consultation.ask_stance, "comment": consultation.ask_comment,
              "proposed_wording": consultation.ask_proposed_wording,
              "alternatives": consultation.ask_alternatives},
        networks=[], asked=None, answered_count=None, declined_count=None,
        principles=[], section_alternatives=[], general_questions=[],
    )
    report.dissents = list(_dissent_rows(consultation, public))
    if table_only:
        return report

    principles = list(db.session.execute(
        select(PrincipleText).where(PrincipleText.version_id == consultation.version_id)
        .options(selectinload(PrincipleText.alternatives), joinedload(PrincipleText.principle))
        .order_by(PrincipleText.position)
    ).scalars())
    sections = sections_with_alternatives(consultation)
    summaries = dict(db.session.execute(
        select(PrincipleSummary.principle_text_id, PrincipleSummary.text)
        .where(PrincipleSummary.consultation_id == consultation.id)
    ).all())
    questions = list(db.session.execute(
        select(GeneralQuestion).where(GeneralQuestion.consultation_id == consultation.id)
        .order_by(GeneralQuestion.position)
    ).scalars())
    groups = {} if public else _groups(consultation)
    report.networks, report.asked, report.answered_count, report.declined_count = _network_counts(consultation)

    principle_reports = []
    for text in principles:
        alternatives = None
        if consultation.ask_alternatives and text.alternatives:
            alternatives = AlternativesReport(
                heading=_("Princip %(number)s: %(title)s", number=text.number, title=text.title),
                alternatives=[AlternativeOutcome(a.id, a.label, a.body) for a in text.alternatives],
            )
        principle_reports.append(PrincipleReport(
            id=text.id, key=text.principle.key, number=text.number, title=text.title, statement=text.statement,
            keywords=text.keyword_list, implications=text.implications, summary=summaries.get(text.id, ""),
            figures=None, alternatives=alternatives, groups=groups.get(text.id, []),
        ))
    section_reports = {s.id: AlternativesReport(
        heading=s.heading, alternatives=[AlternativeOutcome(a.id, a.label, a.body) for a in s.alternatives],
        section_id=s.id)
        for s in sections}
    question_reports = [GeneralQuestionReport(q.id, q.position, q.text) for q in questions]

    report.principles = principle_reports
    report.section_alternatives = list(section_reports.values())
    report.general_questions = question_reports
    figures.fill(consultation, principle_reports, section_reports,
                 principles=principles, sections=sections, criteria=criteria, questions=questions)
    if not answers:
        return report

    report.respondents = list(_respondent_rows(consultation, public))
    by_principle = {p.id: p for p in principle_reports}
    for row in _answer_rows(consultation, public):
        principle = by_principle[row.principle_id]
        principle.answers.append(row)
        if principle.alternatives is not None and (row.alternative_id or row.alternative_reason):
            _add_choice(principle.alternatives, row.alternative_id, Choice(row.respondent, row.alternative_reason))
    for row in _section_choice_rows(consultation, public):
        if row.section_id in section_reports:
            _add_choice(section_reports[row.section_id], row.alternative_id, Choice(row.respondent, row.reason))
    by_question = {q.id: q for q in question_reports}
    for row in _general_answer_rows(consultation, public):
        by_question[row.question_id].answers.append(row)
    report.appendix = list(_appendix_rows(consultation, public))
    return report


def _groups(consultation: Consultation) -> dict[int, list[GroupInfo]]:
    """Per principle text, its comment groups with the number of current submitted texts in each."""
    rows = db.session.execute(
        select(CommentGroup.principle_text_id, CommentGroup.label, func.count(CommentGroupMember.id))
        .join(CommentGroupMember, CommentGroupMember.group_id == CommentGroup.id)
        .join(PrincipleAnswer, PrincipleAnswer.id == CommentGroupMember.principle_answer_id)
        .join(Response, Response.id == PrincipleAnswer.response_id)
        .where(CommentGroup.consultation_id == consultation.id, Response.status == ResponseStatus.submitted)
        .group_by(CommentGroup.id, CommentGroup.principle_text_id, CommentGroup.label, CommentGroup.position)
        .order_by(CommentGroup.position, CommentGroup.id)
    ).all()
    result: dict[int, list[GroupInfo]] = {}
    for principle_text_id, group_label, members in rows:
        result.setdefault(principle_text_id, []).append(GroupInfo(group_label, members))
    return result


def _add_choice(outcome: AlternativesReport, alternative_id: int | None, choice: Choice) -> None:
    for alternative in outcome.alternatives:
        if alternative.id == alternative_id:
            alternative.choices.append(choice)
            return
    if choice.reason:  # a reason given without choosing
        outcome.reasons_without_choice.append(choice)


def _network_counts(consultation: Consultation) -> tuple[list[NetworkCount], int, int, int]:
    """Per network, and in all: asked, answered, declined (missing is what remains)."""
    from remiss.consultations.queries import response_rates

    rates = response_rates(consultation)
    networks = [NetworkCount(rate.network.name if rate.network is not None else _("Tillagda utan nätverk"),
                             rate.rate.total, rate.rate.submitted, rate.rate.declined) for rate in rates.per_network]
    return networks, rates.overall.total, rates.overall.submitted, rates.overall.declined


# --- the statements -------------------------------------------------------------------------


# The aliases every statement joins, made once per process: an alias adapts each column the first
# time it is read (and memoizes it), which was a third of a small report's time when every report
# made its own (benchmarks/reports.py).
# The current answer of each respondent: its submitted revision (a reopened one is superseded).
_CURRENT = aliased(Response, name="current_response")
_INDIVIDUAL = aliased(User, name="individual")
_SUBMITTER = aliased(User, name="submitter")
_REGISTRAR = aliased(User, name="registrar")
_SIGNER = aliased(User, name="signer")
_DISSENT_AUTHOR = aliased(User, name="dissent_author")
_ON_COMMENT = aliased(Disposition, name="comment_disposition")
_ON_WORDING = aliased(Disposition, name="wording_disposition")


@functools.cache
def _criterion_alias(i: int):
    """The i:th criterion's answer, a join of its own per criterion."""
    return aliased(CriterionAnswer, name=f"criterion_{i}")


def _pseudonyms(consultation: Consultation):
    """"Patientföreträdare N": individuals who did not consent to be named, numbered by respondent id."""
    consent = exists().where(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted,
                             Response.publish_name.is_(True))
    return (
        select(Respondent.id.label("respondent_id"), func.row_number().over(order_by=Respondent.id).label("number"))
        .where(Respondent.consultation_id == consultation.id, Respondent.user_id.is_not(None), ~consent)
        .subquery("pseudonym")
    )


def _organisation_pseudonyms(consultation: Consultation):
    """"Remissinstans N" in the public report: organisations whose submitted answer may not be
    published with their name, numbered by respondent id."""
    return (
        select(Respondent.id.label("respondent_id"), func.row_number().over(order_by=Respondent.id).label("number"))
        .join(Response, and_(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted))
        .where(Respondent.consultation_id == consultation.id, Respondent.organisation_id.is_not(None),
               Response.publish_name.is_(False))
        .subquery("organisation_pseudonym")
    )


def _network_columns(consultation: Consultation):
    """One EXISTS column per network respondents came through: streams without a row per network."""
    networks = list(db.session.execute(
        select(Network).where(Network.id.in_(
            select(respondent_network.c.network_id).join(Respondent, Respondent.id == respondent_network.c.respondent_id)
            .where(Respondent.consultation_id == consultation.id)
        )).order_by(Network.name)
    ).scalars())
    columns = [
        exists().where(respondent_network.c.respondent_id == Respondent.id,
                       respondent_network.c.network_id == network.id).label(f"network_{i}")
        for i, network in enumerate(networks)
    ]
    return [n.name for n in networks], columns


# Respondents whose RespondentInfo a stream keeps while it runs (_RespondentColumns.info): bounded,
# so that memory does not grow with the number of respondents (some 10 MB when full). A stream gives
# the respondents in the same order for every principle, so it keeps the first ones it meets: those
# are what the next principle's rows find (a cache that made room for the latest would find none).
REMEMBERED_RESPONDENTS = 20_000


class Remembered(dict):
    """What a stream made of a respondent's values, for its later rows: the first
    REMEMBERED_RESPONDENTS kept (see there), the rest made again when they come."""

    def remember(self, key, value):
        if len(self) < REMEMBERED_RESPONDENTS:
            self[key] = value
        return value


class _RespondentColumns:
    """The columns that name a respondent and its current answer, shared by every statement.

    `remember`: the stream gives each respondent on several rows (one per principle or question), so
    `info` keeps what it made of a respondent's columns – for the first REMEMBERED_RESPONDENTS of
    them – instead of making it again on every row."""

    current, individual, submitter, registrar, signer = _CURRENT, _INDIVIDUAL, _SUBMITTER, _REGISTRAR, _SIGNER

    def __init__(self, consultation: Consultation, public: bool, with_networks: bool = False, remember: bool = False):
        self.remembered = Remembered() if remember else None
        self.consultation = consultation
        self.public = public
        self.pseudonym = _pseudonyms(consultation)
        self.organisation_pseudonym = _organisation_pseudonyms(consultation) if public else None
        self.network_names, self.network_columns = _network_columns(consultation) if with_networks else ([], [])
        self.labels = _Labels()
        self.deadline = consultation.deadline
        # Where the statement's own columns start, after these.
        self.width = len(self.columns())

    def columns(self):
        """The same columns in every report, in this order: `info` reads them by position (a row's
        mapping, by name, cost more than the rest of a streamed row). Those a report leaves out are NULL."""
        organisation_pseudonym = (self.organisation_pseudonym.c.number if self.organisation_pseudonym is not None
                                  else null())
        who = ([null(), null(), null(), null()] if self.public else
               [self.submitter.name, self.submitter.email, self.registrar.name, self.registrar.email])
        cols = [Respondent.id, Organisation.name, Organisation.kind, self.individual.name, self.pseudonym.c.number,
                self.current.id, _as_naive(self.current.submitted_at), _as_text(self.current.channel),
                Respondent.declined_at.is_not(None), Respondent.declined_reason,
                # Who signed speaks for the organisation, as on a signed paper answer: in both reports.
                self.signer.name, _as_naive(self.current.signed_at), organisation_pseudonym, *who]
        names = ["r_id", "r_org", "r_org_kind", "r_person", "r_pseudonym", "r_response", "r_submitted_at",
                 "r_channel", "r_declined", "r_declined_reason", "r_signer", "r_signed_at", "r_org_pseudonym",
                 "r_submitter", "r_submitter_email", "r_registrar", "r_registrar_email"]
        return [column.label(name) for column, name in zip(cols, names)] + self.network_columns

    def joins(self, statement, *, only_answered: bool):
        current_join = and_(self.current.respondent_id == Respondent.id,
                            self.current.status == ResponseStatus.submitted)
        statement = (statement.join(self.current, current_join) if only_answered
                     else statement.outerjoin(self.current, current_join))
        statement = (statement
                     .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
                     .outerjoin(self.individual, self.individual.id == Respondent.user_id)
                     .outerjoin(self.pseudonym, self.pseudonym.c.respondent_id == Respondent.id)
                     .outerjoin(self.signer, self.signer.id == self.current.signed_by_id))
        if self.organisation_pseudonym is not None:
            statement = statement.outerjoin(self.organisation_pseudonym,
                                            self.organisation_pseudonym.c.respondent_id == Respondent.id)
        if not self.public:
            statement = (statement
                         .outerjoin(self.submitter, self.submitter.id == self.current.submitted_by_id)
                         .outerjoin(self.registrar, self.registrar.id == self.current.registered_by_id))
        return statement.where(Respondent.consultation_id == self.consultation.id)

    def order(self):
        """Organisations by name, then individuals by respondent id (a name order would give pseudonyms away).
        In the public report the organisations without their name come after the named ones, by number."""
        if self.organisation_pseudonym is None:
            return [Organisation.name.is_(None), Organisation.name, Respondent.id]
        number = self.organisation_pseudonym.c.number
        return [Organisation.name.is_(None), number.is_not(None), number, Organisation.name, Respondent.id]

    def info(self, row) -> RespondentInfo:
        if self.remembered is None:
            return self._info(row)
        key = row[0], row[5]  # the respondent and its current answer
        info = self.remembered.get(key)
        return info if info is not None else self.remembered.remember(key, self._info(row))

    def _info(self, row) -> RespondentInfo:
        (respondent_id, organisation, organisation_kind, person, pseudonym, response, submitted_at, channel,
         declined, declined_reason, signed_by, signed_at, organisation_pseudonym,
         submitter, submitter_email, registrar, registrar_email) = row[:17]
        submitted_at, signed_at = _as_utc(submitted_at), _as_utc(signed_at)
        organisation_kind = organisation_kind or ""
        signed_by = signed_by or ""
        if organisation is not None and organisation_pseudonym is not None:
            name, kind = self.labels.numbered(_ORGANISATION_PSEUDONYM, organisation_pseudonym), "organisation"
            organisation_kind = signed_by = ""  # the kind or the signatory's name could give the organisation away
        elif organisation is not None:
            name, kind = organisation, "organisation"
        elif pseudonym is not None:
            name, kind = self.labels.numbered(_INDIVIDUAL_PSEUDONYM, pseudonym), "individual"
        else:
            name, kind = person or "", "individual"
        networks = ()
        if self.network_names:
            networks = tuple(n for n, member in zip(self.network_names, row[17:]) if member)
        return RespondentInfo(
            respondent_id, name, kind, organisation_kind, self.labels.kind(kind, organisation_kind), networks,
            answered=response is not None, submitted_at=submitted_at,
            late=bool(submitted_at and submitted_at > self.deadline),
            channel=channel, channel_label=self.labels.of(ResponseChannel, channel) if channel is not None else "",
            # Internal report only: the public one selects NULL.
            submitted_by=_person(submitter, submitter_email), registered_by=_person(registrar, registrar_email),
            declined=bool(declined) and response is None,
            declined_reason=(declined_reason or "") if response is None else "",
            signed_by=signed_by, signed_at=signed_at,
        )


def _person(name: str | None, email: str | None) -> str:
    if not name and not email:
        return ""
    return f"{name} <{email}>" if email else name


def _stream(statement) -> Iterator:
    """The rows through Core, as tuples read by position: the ORM's handling of each row cost as much
    as the row's own work. YIELD_PER rows per round trip (a server-side cursor on PostgreSQL). The
    statement runs when the first row is read (`_Ahead`: at once, on a connection of its own)."""
    connection = db.session.connection()  # when the first row is read: a streamed download's, not the view's
    if connection.dialect.name == "postgresql":
        _tune(connection)
    for rows in connection.execute(statement.execution_options(yield_per=YIELD_PER)).partitions():
        yield from rows


def _tune(connection) -> None:
    """STREAM_SETTINGS for the rest of the session's transaction, set by its first stream.

    The joins planned in the order they are written – the respondent (or, for the answer rows, the
    principles and the respondents), its current answer, then what hangs off them – instead of the
    planner trying every order of some twenty relations: planning
    3–6 ms -> 1–2 ms, the same plans at size. work_mem: room to sort the answer rows (a row per
    respondent × principle, with its texts) in memory; 64 000 of them spilled to disk with the
    default 4 MB. Left set, not put back after each stream (two round trips a stream, a tenth of a
    small CSV): what a report reads after its first stream is more streams and small lookups, and the
    outline's aggregates were measured no slower with these settings (10 000 × 8: 182-197 ms against
    197-199 ms)."""
    session = db.session()
    transaction = session.get_transaction()
    if session.info.get("stream_settings") is not transaction:
        connection.execute(STREAM_SETTINGS)  # SET LOCAL: until the transaction ends
        session.info["stream_settings"] = transaction


# Partitions of rows an `_Ahead` thread fetches before the reader takes them: memory stays bounded.
AHEAD = 2
_END = object()


class _Ahead:
    """The rows of a statement run on a connection of its own by a thread that fetches up to AHEAD
    partitions before the reader takes them. The database then sorts a large report's answers –
    most of a download's waiting – while the report's outline and respondent lists are read and
    written (rendering.stream): PostgreSQL in a process of its own, SQLite in C without Python's
    lock. Every statement of a report sees what was committed when it began (READ COMMITTED; on
    SQLite, in WAL mode, a reader sees the last commit), on the request's connection or on this one.

    The thread stops, and gives its connection back, when the rows are read to the end, when the
    reader stops, when `close` is called (rendering.stream, when the download is closed: a download
    cancelled half-way leaves a template's generators in reference cycles that only the garbage
    collector frees), or when the reader is dropped unread."""

    def __init__(self, engine, statement):
        self.parts = queue.Queue(maxsize=AHEAD)
        self.stop = threading.Event()
        # The thread holds the queue and the event, not this object: dropping the object stops it.
        self.thread = threading.Thread(target=_fetch_ahead, args=(engine, statement, self.parts, self.stop),
                                       name="report-rows", daemon=True)
        self.thread.start()

    def __iter__(self) -> Iterator:
        try:
            while (part := self._next_part()) is not _END:
                if isinstance(part, BaseException):
                    raise part
                yield from part
        finally:
            self.close()

    def _next_part(self):
        while True:
            try:
                return self.parts.get(timeout=1)
            except queue.Empty:
                if not self.thread.is_alive():  # stopped by close(): never wait for it
                    try:
                        return self.parts.get_nowait()
                    except queue.Empty:
                        raise RuntimeError("rows read ahead were stopped before their end") from None

    def close(self) -> None:
        self.stop.set()

    __del__ = close


class StartedRows:
    """Rows whose statement is already running on a connection of its own (`_Ahead`): iterate them
    once; `close`, read or not, stops the thread that reads them."""

    def __init__(self, rows: Iterator, ahead: _Ahead):
        self.rows = rows
        self.ahead = ahead

    def __iter__(self) -> Iterator:
        return self.rows

    def close(self) -> None:
        self.rows.close()
        self.ahead.close()


def _fetch_ahead(engine, statement, parts: queue.Queue, stop: threading.Event) -> None:
    def put(item) -> bool:
        while not stop.is_set():
            try:
                parts.put(item, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    try:
        with engine.connect() as connection:  # a transaction of its own, rolled back when it closes
            if connection.dialect.name == "postgresql":
                connection.execute(STREAM_SETTINGS)  # SET LOCAL: nothing to put back
            for rows in connection.execute(statement.execution_options(yield_per=YIELD_PER)).partitions():
                if not put(rows):
                    return
        put(_END)
    except BaseException as error:  # raised where the rows are read
        put(error)


STREAM_SETTINGS = sql_text("SELECT set_config('join_collapse_limit', '1', true), set_config('work_mem', '32MB', true),"
                           " set_config('cursor_tuple_fraction', '1', true)")


# The names of respondents who may not be named in the report (_RespondentColumns.info).
_ORGANISATION_PSEUDONYM = _l("Remissinstans %(number)s")
_INDIVIDUAL_PSEUDONYM = _l("Patientföreträdare %(number)s")


def _as_naive(column):
    """A moment read as the database gives it (naive UTC): _as_utc makes it a moment again once per
    respondent, instead of the column type on every row (_RespondentColumns.info)."""
    return type_coerce(column, DateTime)


def _as_utc(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None else None


def _as_text(column):
    """An enum column read as its stored value: labels are looked up by value (`_Labels.of`), and
    making an enum member of each row's value cost more than the label lookup."""
    return type_coerce(column, String)


class _Labels(dict):
    """label() of each value looked up once per iterator, the locale being fixed while it runs:
    gettext on every row was a third of the time of a streamed export (benchmarks/reports.py)."""

    def __missing__(self, value) -> str:
        text = self[value] = _("Ingen hantering ännu") if value is None else label(value)
        return text

    def of(self, enum_class, value: str) -> str:
        """The label of an enum's stored value."""
        key = (enum_class, value)
        text = self.get(key)
        if text is None:
            text = self[key] = label(enum_class(value))
        return text

    def numbered(self, text, number: int) -> str:
        """A lazily translated "… %(number)s" text with its number: translated once per iterator."""
        key = ("numbered", id(text))
        template = self.get(key)
        if template is None:
            template = self[key] = str(text)
        return template % {"number": number}

    def kind(self, kind: str, organisation_kind: str) -> str:
        """What kind of respondent, in words: "Enskild person", or the organisation's kind."""
        key = ("individual",) if kind == "individual" else ("organisation", organisation_kind)
        text = self.get(key)
        if text is None:
            from remiss.organisations.operations import organisation_kind_label

            text = self[key] = (_("Enskild person") if kind == "individual"
                                else organisation_kind_label(organisation_kind or None))
        return text


def _disposition(text: str, kind: str | None, reason, labels: _Labels | None = None) -> DispositionInfo | None:
    """`kind`: the stored value (`_as_text`)."""
    if not said(text):  # the consolidation's rule: only a text that says something needs a disposition
        return None
    labels = _Labels() if labels is None else labels
    if kind is None:
        return DispositionInfo(None, labels[None], reason or "")
    return DispositionInfo(kind, labels.of(DispositionKind, kind), reason or "")


# Each public iterator forces the locale itself: a streaming response runs it after the view returned.

def respondent_rows(consultation: Consultation, public: bool, locale: str = "sv", *, limit: int | None = None,
                    offset: int = 0, declined: bool = False) -> Iterator[RespondentInfo]:
    """Every respondent asked, in report order, with its current answer's submission (streamed).
    `limit` and `offset`: one page of them (the report read inside the app). `declined`: only those
    who declined to answer, without their networks (the CSV's lines for them)."""
    with force_locale(babel_locale(locale)):
        yield from _respondent_rows(consultation, public, limit=limit, offset=offset, declined=declined)


def _page(statement, limit: int | None, offset: int):
    """One page of an ordered statement (every row when `limit` is None)."""
    return statement if limit is None else statement.limit(limit).offset(offset)


def _respondent_rows(consultation, public, *, limit=None, offset=0, declined=False):
    names = _RespondentColumns(consultation, public, with_networks=not declined)
    statement = names.joins(select(*names.columns()).select_from(Respondent), only_answered=False)
    if declined:
        statement = statement.where(Respondent.declined_at.is_not(None), names.current.id.is_(None))
    for row in _stream(_page(statement.order_by(*names.order()), limit, offset)):
        yield names.info(row)


def answer_rows(consultation: Consultation, public: bool, locale: str = "sv", *, principle_id: int | None = None,
                limit: int | None = None, offset: int = 0) -> Iterator[AnswerRow]:
    """One row per respondent with a submitted answer × principle, principle by principle (streamed).
    `principle_id` (a PrincipleText id): that principle's rows only; `limit`, `offset`: one page of them."""
    with force_locale(babel_locale(locale)):
        rows = _answer_rows(consultation, public, principle_id=principle_id, limit=limit, offset=offset)
    return _in_locale(rows, locale)


def started_answer_rows(consultation: Consultation, public: bool, locale: str = "sv") -> StartedRows:
    """Every answer row (as `answer_rows`), the statement started now on a connection of its own."""
    with force_locale(babel_locale(locale)):
        statement, made = _answer_query(consultation, public)
        ahead = _Ahead(db.session.get_bind(), statement)
    return StartedRows(_in_locale(made(ahead), locale), ahead)


def report_answer_rows(consultation: Consultation, report: Report) -> Iterator[AnswerRow]:
    """Every answer row of the report: the stream started with it (rendering.stream), else a new one."""
    rows, report.answer_stream = report.answer_stream, None
    return iter(rows if rows is not None else answer_rows(consultation, report.public, report.locale))


def _in_locale(rows: Iterator, locale: str) -> Iterator:
    with force_locale(babel_locale(locale)):
        yield from rows


def _answer_rows(consultation, public, *, principle_id=None, limit=None, offset=0):
    statement, made = _answer_query(consultation, public, principle_id=principle_id, limit=limit, offset=offset)
    return made(_stream(statement))


def _answer_query(consultation, public, *, principle_id=None, limit=None, offset=0):
    """The answer rows' statement, and what makes AnswerRows of its rows (a generator function)."""
    names = _RespondentColumns(consultation, public, remember=True)
    criteria = list(consultation.criteria)
    ratings = {value: str(text) for value, text in RATINGS[consultation.criteria_scale]}
    on_comment, on_wording = _ON_COMMENT, _ON_WORDING
    criterion_aliases = [_criterion_alias(i) for i in range(len(criteria))]
    # Each row is a principle × a respondent with a submitted answer, in the report's order: the
    # principles by position, the respondents by their place in names.order(), numbered (`rank`) once
    # per respondent. The rows are then sorted by two integers instead of by the names on each of them
    # (10 000 × 8 on PostgreSQL: the first row after 0.37–0.5 s instead of 0.5–0.7 s).
    principle = (
        select(PrincipleText.id, PrincipleText.position, PrincipleText.number, PrincipleText.title, Principle.key)
        .join(Principle, Principle.id == PrincipleText.principle_id)
        .where(PrincipleText.version_id == consultation.version_id)
    )
    if principle_id is not None:
        principle = principle.where(PrincipleText.id == principle_id)
    principle = principle.subquery("principle_side")
    respondent = names.joins(
        select(*names.columns(), func.row_number().over(order_by=names.order()).label("rank")).select_from(Respondent),
        only_answered=True,
    ).subquery("respondent_side")
    response_id = respondent.c.r_response
    columns = [*list(respondent.c)[:-1],  # read by position in the loop below: names.info, then these
        principle.c.id.label("p_id"), principle.c.key.label("p_key"), principle.c.number.label("p_number"),
        principle.c.title.label("p_title"),
        PrincipleAnswer.id.label("pa_id"), _as_text(PrincipleAnswer.stance).label("stance"), PrincipleAnswer.comment,
        PrincipleAnswer.proposed_wording, _as_text(on_comment.kind).label("comment_kind"),
        on_comment.reason.label("comment_reason"),
        _as_text(on_wording.kind).label("wording_kind"), on_wording.reason.label("wording_reason"),
        Alternative.id.label("alternative_id"), Alternative.label.label("alternative_label"),
        AlternativeChoice.reason.label("alternative_reason"),
    ]
    for i, alias in enumerate(criterion_aliases):
        columns += [alias.rating.label(f"rating_{i}"), alias.comment.label(f"rating_comment_{i}")]
    statement = (
        select(*columns).select_from(principle)
        .join(respondent, true())
        .outerjoin(PrincipleAnswer, and_(PrincipleAnswer.response_id == response_id,
                                         PrincipleAnswer.principle_text_id == principle.c.id))
        .outerjoin(on_comment, and_(on_comment.principle_answer_id == PrincipleAnswer.id,
                                    on_comment.target == DispositionTarget.comment))
        .outerjoin(on_wording, and_(on_wording.principle_answer_id == PrincipleAnswer.id,
                                    on_wording.target == DispositionTarget.proposed_wording))
        .outerjoin(AlternativeChoice, and_(AlternativeChoice.response_id == response_id,
                                           AlternativeChoice.principle_text_id == principle.c.id))
        .outerjoin(Alternative, Alternative.id == AlternativeChoice.alternative_id)
    )
    for criterion, alias in zip(criteria, criterion_aliases):
        statement = statement.outerjoin(alias, and_(alias.principle_answer_id == PrincipleAnswer.id,
                                                    alias.criterion_id == criterion.id))
    statement = _page(statement.order_by(principle.c.position, respondent.c.rank), limit, offset)
    redacted = redaction.for_consultation(consultation.id)
    on_comment_key, on_wording_key = DispositionTarget.comment.value, DispositionTarget.proposed_wording.value
    about = [(criterion.id, criterion.text) for criterion in criteria]
    # A rating without a comment is one of a few values per criterion: made once, shared by the rows.
    shared = [{value: CriterionRating(criterion_id, text, value, ratings.get(value, value or ""), "")
               for value in (None, *ratings)} for criterion_id, text in about]
    unrated = tuple(by_value[None] for by_value in shared)

    def rated(i: int, rating: str | None, note: str | None) -> CriterionRating:
        if not note and rating in shared[i]:
            return shared[i][rating]
        criterion_id, text = about[i]
        return CriterionRating(criterion_id, text, rating, ratings.get(rating, rating or ""), note or "")

    indexes = range(len(criteria))
    start = names.width

    def made(rows):
        for row in rows:
            (p_id, p_key, p_number, p_title, answer_id, stance, comment, wording, comment_kind, comment_reason,
             wording_kind, wording_reason, alternative_id, alternative_label, alternative_reason) = row[start:start + 15]
            given = row[start + 15:]  # each criterion's rating and comment
            comment, wording = comment or "", wording or ""
            on_comment_hidden = on_wording_hidden = ()
            if redacted and answer_id is not None:
                on_comment_hidden = redacted.get(("p", answer_id, on_comment_key), ())
                on_wording_hidden = redacted.get(("p", answer_id, on_wording_key), ())
            yield AnswerRow(
                principle_id=p_id, principle_key=p_key, principle_number=p_number, principle_title=p_title,
                respondent=names.info(row),
                stance=stance, stance_label=names.labels.of(Stance, stance) if stance is not None else "",
                criteria=tuple(map(rated, indexes, given[0::2], given[1::2])) if any(given) else unrated,
                comment=redaction.public_text(comment, on_comment_hidden) if public and on_comment_hidden else comment,
                proposed_wording=(redaction.public_text(wording, on_wording_hidden) if public and on_wording_hidden
                                  else wording),
                comment_disposition=_disposition(comment, comment_kind, comment_reason, names.labels),
                wording_disposition=_disposition(wording, wording_kind, wording_reason, names.labels),
                alternative_id=alternative_id, alternative_label=alternative_label or "",
                alternative_reason=alternative_reason or "",
                comment_redactions=redaction.notes(on_comment_hidden) if on_comment_hidden and not public else (),
                wording_redactions=redaction.notes(on_wording_hidden) if on_wording_hidden and not public else (),
            )

    return statement, made


def general_answer_rows(consultation: Consultation, public: bool, locale: str = "sv", *,
                        question_id: int | None = None, limit: int | None = None,
                        offset: int = 0) -> Iterator[GeneralAnswerRow]:
    """Every non-empty answer to a general question, question by question (streamed).
    `question_id`: that question's answers only; `limit`, `offset`: one page of them."""
    with force_locale(babel_locale(locale)):
        yield from _general_answer_rows(consultation, public, question_id=question_id, limit=limit, offset=offset)


def _general_answer_rows(consultation, public, *, question_id=None, limit=None, offset=0):
    names = _RespondentColumns(consultation, public, remember=True)
    statement = names.joins(
        select(*names.columns(), GeneralQuestion.id.label("q_id"), GeneralQuestion.text.label("q_text"),
               GeneralAnswer.id.label("a_id"), GeneralAnswer.text.label("a_text"), _as_text(Disposition.kind).label("d_kind"),
               Disposition.reason.label("d_reason")).select_from(Respondent),
        only_answered=True,
    )
    statement = (
        statement
        .join(GeneralAnswer, GeneralAnswer.response_id == names.current.id)
        .join(GeneralQuestion, GeneralQuestion.id == GeneralAnswer.general_question_id)
        .outerjoin(Disposition, and_(Disposition.general_answer_id == GeneralAnswer.id,
                                     Disposition.target == DispositionTarget.general))
        .where(GeneralAnswer.text != "")
        .order_by(GeneralQuestion.position, *names.order())
    )
    if question_id is not None:
        statement = statement.where(GeneralQuestion.id == question_id)
    statement = _page(statement, limit, offset)
    redacted = redaction.for_consultation(consultation.id)
    for row in _stream(statement):
        m = row._mapping
        hidden = redacted.get(("g", m["a_id"], DispositionTarget.general.value), ())
        text = redaction.public_text(m["a_text"], hidden) if public and hidden else m["a_text"]
        yield GeneralAnswerRow(question_id=m["q_id"], question=m["q_text"], respondent=names.info(row),
                               text=text, disposition=_disposition(m["a_text"], m["d_kind"], m["d_reason"], names.labels),
                               redactions=() if public else redaction.notes(hidden))


def section_choice_rows(consultation: Consultation, public: bool, locale: str = "sv") -> Iterator[SectionChoiceRow]:
    """Choices between alternatives offered for a section (e.g. two definitions), section by section."""
    with force_locale(babel_locale(locale)):
        yield from _section_choice_rows(consultation, public)


def _section_choice_rows(consultation, public):
    if not consultation.ask_alternatives:
        return
    names = _RespondentColumns(consultation, public)
    statement = names.joins(
        select(*names.columns(), AlternativeChoice.section_id.label("s_id"),
               AlternativeChoice.alternative_id.label("alternative_id"),
               AlternativeChoice.reason.label("reason")).select_from(Respondent),
        only_answered=True,
    )
    statement = (
        statement
        .join(AlternativeChoice, AlternativeChoice.response_id == names.current.id)
        .join(Section, Section.id == AlternativeChoice.section_id)
        .where((AlternativeChoice.alternative_id.is_not(None)) | (AlternativeChoice.reason != ""))
        .order_by(Section.position, *names.order())
    )
    for row in _stream(statement):
        m = row._mapping
        yield SectionChoiceRow(section_id=m["s_id"], alternative_id=m["alternative_id"],
                               respondent=names.info(row), reason=m["reason"] or "")


def appendix_rows(consultation: Consultation, public: bool, locale: str = "sv") -> Iterator[AppendixRow]:
    """Answers registered on behalf (e-mail or paper), each with its attached originals."""
    with force_locale(babel_locale(locale)):
        yield from _appendix_rows(consultation, public)


def _appendix_rows(consultation, public):
    names = _RespondentColumns(consultation, public)
    statement = names.joins(
        select(*names.columns(), Attachment.filename, Attachment.size, Attachment.sha256).select_from(Respondent),
        only_answered=True,
    )
    statement = (
        statement
        .outerjoin(Attachment, Attachment.response_id == names.current.id)
        .where(names.current.channel.in_(ON_BEHALF_CHANNELS))
        .order_by(*names.order(), Attachment.uploaded_at, Attachment.id)
    )
    current_id, respondent, attachments = None, None, []
    for row in _stream(statement):
        m = row._mapping
        if m["r_id"] != current_id:
            if respondent is not None:
                yield AppendixRow(respondent, tuple(attachments))
            current_id, respondent, attachments = m["r_id"], names.info(row), []
        if m["filename"] is not None:
            attachments.append(AttachmentInfo(m["filename"], m["size"], m["sha256"]))
    if respondent is not None:
        yield AppendixRow(respondent, tuple(attachments))


def dissent_rows(consultation: Consultation, public: bool, locale: str = "sv") -> Iterator[DissentInfo]:
    """Dissents ("avvikande mening") attached to the submitted answers, respondent by respondent."""
    with force_locale(babel_locale(locale)):
        yield from _dissent_rows(consultation, public)


def _dissent_rows(consultation, public):
    names = _RespondentColumns(consultation, public)
    author = _DISSENT_AUTHOR
    statement = names.joins(
        select(*names.columns(), Dissent.text.label("d_text"), Dissent.created_at.label("d_created_at"),
               author.name.label("d_author")).select_from(Respondent),
        only_answered=True,
    )
    statement = (statement.join(Dissent, Dissent.response_id == names.current.id)
                 .outerjoin(author, author.id == Dissent.author_id)
                 .order_by(*names.order(), Dissent.created_at, Dissent.id))
    for row in _stream(statement):
        m = row._mapping
        yield DissentInfo(respondent=names.info(row), author="" if public else (m["d_author"] or ""),
                          text=m["d_text"], created_at=m["d_created_at"])


# --- frozen reports -------------------------------------------------------------------------


def latest_number(consultation: Consultation) -> int | None:
    return db.session.execute(
        select(func.max(ConsolidatedReport.number)).where(ConsolidatedReport.consultation_id == consultation.id)
    ).scalar_one_or_none()


def frozen_report(consultation: Consultation, format: str, public: bool, number: int | None = None):
    """The stored report (with its bytes): the given number, or the latest."""
    number = number if number is not None else latest_number(consultation)
    if number is None:
        return None
    return db.session.execute(
        select(ConsolidatedReport).where(
            ConsolidatedReport.consultation_id == consultation.id, ConsolidatedReport.number == number,
            ConsolidatedReport.format == format, ConsolidatedReport.public.is_(public))
    ).scalar_one_or_none()
