"""Read side of the consolidation: the figures of a consultation (`statistics`), the paged and
filtered lists of answers the process owner reads side by side, and the progress of the
dispositions. Pages and reports share these; each loads what it needs in a fixed number of
SQL statements however many respondents there are (counts are made by the database, GROUP BY).

Only submitted answers are consolidated: a respondent's current answer is its revision with
status `submitted` (a reopened revision is `superseded`, a draft is not an answer).

A comment that needs a disposition ("synpunkt"): a principle answer's non-empty comment, its
non-empty proposed wording, or a non-empty answer to a general question. It has one when a
Disposition with a kind exists for that text (a reason alone is a note, not a disposition).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from remiss.auth.models import User
from remiss.consolidation.models import Disposition, DispositionTarget, PrincipleSummary
from remiss.consultations.models import (
    AlternativeChoice,
    Consultation,
    CriterionAnswer,
    GeneralAnswer,
    GeneralQuestion,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
    Stance,
    respondent_network,
)
from remiss.documents.models import Alternative, PrincipleText, Section
from remiss.extensions import db
from remiss.labels import RATINGS, label
from remiss.organisations.models import Organisation
from remiss.organisations.operations import organisation_kind_label

PAGE_SIZE = 25
EXCERPT_LENGTH = 80
MAX_SEARCH_LENGTH = 200
# The organisation-kind filter's value for respondents who answer as themselves (patient representatives).
INDIVIDUAL = "individual"
# The key of the "not answered" entry in every list of counts.
UNANSWERED = ""


# --- plain results ------------------------------------------------------------------------------


@dataclass
class Count:
    """One bar of a chart, one row of its table: `key` is the stance, rating or alternative id
    as a string ("" = not answered / no alternative chosen), `label` what the user reads."""

    key: str
    label: str
    count: int
    total: int = 0  # the number the share is of: the submitted answers

    @property
    def percent(self) -> str:
        """The share as the current language writes it ("42 %")."""
        return share_text(self.count, self.total)


def share_text(count: int, total: int) -> str:
    """`count` of `total` as a percentage, as the current language writes it ("25 %", "25%")."""
    from flask_babel import get_locale

    locale = get_locale()  # None outside a request or app: Babel's default, as flask_babel would use
    return _percent(count, total, str(locale) if locale is not None else None)


@lru_cache(maxsize=4096)
def _percent(count: int, total: int, locale: str | None) -> str:
    """A few counts and totals come back on every chart and table of a page or report, and Babel
    parses its number pattern on each call (a third of a chart's time): each is formatted once."""
    from babel.numbers import format_percent

    return format_percent(count / total if total else 0, locale=locale)


@dataclass
class Progress:
    """How many comments (and proposed wordings, and general answers) have a disposition."""

    done: int = 0
    needed: int = 0

    @property
    def remaining(self) -> int:
        return self.needed - self.done

    @property
    def complete(self) -> bool:
        return self.done >= self.needed

    @property
    def fraction(self) -> float:
        return self.done / self.needed if self.needed else 1.0

    def __add__(self, other: Progress) -> Progress:
        return Progress(self.done + other.done, self.needed + other.needed)


@dataclass
class CriterionStatistics:
    """The ratings one quality criterion got for one principle."""

    criterion_id: int
    position: int
    text: str
    counts: list[Count]  # every rating of the consultation's scale in scale order, then UNANSWERED

    @property
    def total(self) -> int:
        return sum(c.count for c in self.counts)


@dataclass
class Preference:
    """Who prefers which alternative, and why. `name` is the organisation's name or the individual's
    name; reports that must not name individuals (publish_name False) replace it themselves."""

    respondent_id: int
    response_id: int
    name: str
    individual: bool
    publish_name: bool
    alternative_id: int | None
    reason: str


@dataclass
class AlternativeCount:
    alternative_id: int | None  # None: the respondents who chose none (listed if they gave a reason)
    label: str
    body: str
    count: int
    preferences: list[Preference] = field(default_factory=list)  # name order; empty if not asked for


@dataclass
class ChoiceStatistics:
    """The outcome where respondents chose between alternatives: one section or one principle."""

    key: str  # "s<section_id>" or "p<principle_text_id>"
    heading: str
    section_id: int | None
    principle_text_id: int | None
    responses: int
    alternatives: list[AlternativeCount]  # in document order, then the "no alternative chosen" entry

    @property
    def counts(self) -> list[Count]:
        return [Count(str(a.alternative_id or UNANSWERED), a.label, a.count, self.responses) for a in self.alternatives]


@dataclass
class PrincipleStatistics:
    principle_text_id: int
    number: int
    title: str
    responses: int  # submitted answers: the denominator of every count below
    stances: list[Count]  # the four stances in order, then UNANSWERED
    criteria: list[CriterionStatistics]  # the criteria the consultation asks, in order
    comments: int
    proposed_wordings: int
    progress: Progress
    choice: ChoiceStatistics | None  # when the principle offered alternatives and they were asked


@dataclass
class GeneralQuestionStatistics:
    question_id: int
    position: int
    text: str
    answers: int  # non-empty answers
    progress: Progress


@dataclass
class ConsultationStatistics:
    """Everything `statistics()` counts. Plain data: safe to keep after the session is gone."""

    consultation_id: int
    responses: int
    principles: list[PrincipleStatistics]
    sections: list[ChoiceStatistics]  # sections of the document that offered alternatives
    general: list[GeneralQuestionStatistics]
    progress: Progress  # over principles and general questions

    def principle(self, principle_text_id: int) -> PrincipleStatistics | None:
        return next((p for p in self.principles if p.principle_text_id == principle_text_id), None)

    @property
    def choices(self) -> list[ChoiceStatistics]:
        """Every place alternatives were offered: sections first, then principles in order."""
        return self.sections + [p.choice for p in self.principles if p.choice is not None]


# --- helpers ------------------------------------------------------------------------------------


def respondent_name(respondent: Respondent) -> str:
    if respondent.organisation is not None:
        return respondent.organisation.name
    return respondent.user.name if respondent.user is not None else ""


_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")


def excerpt(text: str | None, length: int = EXCERPT_LENGTH) -> str:
    """The first `length` characters of a text on one line, cut at a word, with … if cut. Markdown's
    emphasis and links are shown as their words (the excerpt is plain text; the full text is rendered)."""
    flat = " ".join((text or "").split())
    flat = _EMPHASIS.sub(r"\2", _LINK.sub(r"\1", flat))
    if len(flat) <= length:
        return flat
    cut = flat[:length]
    if " " in cut[length // 2:]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:–-") + "…"


def _said(column):
    """A text that says something: not empty, not only spaces. Written so that a text starting with
    anything but a space is settled by its first character: length(trim(text)) copied and counted
    every comment, which was most of the time of the figures' aggregates (benchmarks/reports.py)."""
    return and_(column != "", or_(column.not_like(" %"), func.ltrim(column) != ""))


def said(text: str | None) -> bool:
    """The same rule in Python as `_said` in SQL, settled by the first character unless it is a
    space (stripping copied every comment of a streamed report)."""
    return bool(text) and (text[0] != " " or bool(text.strip(" ")))


def like_pattern(term: str) -> str:
    """A LIKE pattern that finds `term` literally: %, _ and the escape character match themselves."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _contains(column, term: str):
    return column.ilike(like_pattern(term), escape="\\")


def from_submitted(statement, consultation_id: int):
    """`statement` read from this consultation's respondents and their submitted answers (Response);
    the caller joins what hangs off the answer to Response.

    Written from the respondents on purpose: a report sets PostgreSQL's join_collapse_limit to 1 for
    its transaction (reports.data.STREAM_SETTINGS), which joins in the order written, and a statement
    written from the answers' side then read every consultation's answers before it kept this one's
    (the figures of a 10 × 40 consultation beside a 10 000 × 8 one: 75 ms instead of 1 ms)."""
    return (statement.select_from(Respondent)
            .join(Response, and_(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted))
            .where(Respondent.consultation_id == consultation_id))


def principle_texts(consultation: Consultation) -> list[PrincipleText]:
    """The consultation's principles in document order, with their alternatives: two statements."""
    return list(db.session.execute(
        select(PrincipleText).where(PrincipleText.version_id == consultation.version_id)
        .options(selectinload(PrincipleText.alternatives))
        .order_by(PrincipleText.position)
    ).scalars())


def sections_with_alternatives(consultation: Consultation) -> list[Section]:
    """Sections that offered alternatives, if the consultation asked about them: two statements."""
    if not consultation.ask_alternatives:
        return []
    return [s for s in db.session.execute(
        select(Section).where(Section.version_id == consultation.version_id)
        .options(selectinload(Section.alternatives)).order_by(Section.position)
    ).scalars() if s.alternatives]


def _stance_counts(counted: dict, responses: int, labels: list[tuple[Stance, str]], unanswered: str) -> list[Count]:
    """`labels`: each stance with its label; `unanswered`: the label of "not answered"."""
    counts = [Count(s.value, text, counted.get(s, 0), responses) for s, text in labels]
    counts.append(Count(UNANSWERED, unanswered, max(responses - sum(c.count for c in counts), 0), responses))
    return counts


def _unanswered_label() -> str:
    from flask_babel import gettext as _

    return _("Ej besvarat")


def _no_choice_label() -> str:
    from flask_babel import gettext as _

    return _("Inget alternativ valt")


# --- statistics ---------------------------------------------------------------------------------


def submitted_count(consultation: Consultation) -> int:
    return db.session.execute(
        from_submitted(select(func.count(Response.id)), consultation.id)
    ).scalar_one()


@dataclass
class _PrincipleCounts:
    stances: dict = field(default_factory=dict)  # Stance -> answers that took it
    comments: int = 0
    proposed_wordings: int = 0
    progress: Progress = field(default_factory=Progress)  # of the comments' and wordings' dispositions


def _principle_counts(consultation: Consultation) -> dict[int, _PrincipleCounts]:
    """Per principle: the answers per stance, the comments and proposed wordings, and the progress of
    their dispositions. One statement, one pass over the answers."""
    on_comment = aliased(Disposition)
    on_wording = aliased(Disposition)
    comment_said = _said(PrincipleAnswer.comment)
    wording_said = _said(PrincipleAnswer.proposed_wording)
    rows = db.session.execute(
        from_submitted(select(
            PrincipleAnswer.principle_text_id,
            PrincipleAnswer.stance,
            func.count(PrincipleAnswer.id),
            func.sum(case((comment_said, 1), else_=0)),
            func.sum(case((wording_said, 1), else_=0)),
            func.sum(case((and_(comment_said, on_comment.kind.is_not(None)), 1), else_=0)),
            func.sum(case((and_(wording_said, on_wording.kind.is_not(None)), 1), else_=0)),
        ), consultation.id)
        .join(PrincipleAnswer, PrincipleAnswer.response_id == Response.id)
        .outerjoin(on_comment, and_(on_comment.principle_answer_id == PrincipleAnswer.id,
                                    on_comment.target == DispositionTarget.comment))
        .outerjoin(on_wording, and_(on_wording.principle_answer_id == PrincipleAnswer.id,
                                    on_wording.target == DispositionTarget.proposed_wording))
        .group_by(PrincipleAnswer.principle_text_id, PrincipleAnswer.stance)
    ).all()
    result: dict[int, _PrincipleCounts] = {}
    for principle_text_id, stance, answers, comments, wordings, comments_done, wordings_done in rows:
        counts = result.setdefault(principle_text_id, _PrincipleCounts())
        if stance is not None:
            counts.stances[stance] = answers
        comments, wordings = int(comments or 0), int(wordings or 0)
        counts.comments += comments
        counts.proposed_wordings += wordings
        counts.progress += Progress(int(comments_done or 0) + int(wordings_done or 0), comments + wordings)
    return result


def _general_counts(consultation: Consultation) -> dict[int, Progress]:
    """Per general question: non-empty answers and how many have a disposition. One statement."""
    on_answer = aliased(Disposition)
    answer_said = _said(GeneralAnswer.text)
    rows = db.session.execute(
        from_submitted(select(
            GeneralAnswer.general_question_id,
            func.sum(case((answer_said, 1), else_=0)),
            func.sum(case((and_(answer_said, on_answer.kind.is_not(None)), 1), else_=0)),
        ), consultation.id)
        .join(GeneralAnswer, GeneralAnswer.response_id == Response.id)
        .outerjoin(on_answer, and_(on_answer.general_answer_id == GeneralAnswer.id,
                                   on_answer.target == DispositionTarget.general))
        .group_by(GeneralAnswer.general_question_id)
    ).all()
    return {question_id: Progress(int(done or 0), int(needed or 0)) for question_id, needed, done in rows}


def progress(consultation: Consultation) -> Progress:
    """(comments with a disposition, comments needing one) over the whole consultation: two statements.
    Shown as "42 av 57 synpunkter har ställningstagande"."""
    total = Progress()
    for counts in _principle_counts(consultation).values():
        total += counts.progress
    for part in _general_counts(consultation).values():
        total += part
    return total


def _preferences(consultation: Consultation) -> list[Preference]:
    """Every submitted choice between alternatives, with the respondent's name, in name order. One statement."""
    rows = db.session.execute(
        from_submitted(select(
            AlternativeChoice.section_id, AlternativeChoice.principle_text_id, AlternativeChoice.alternative_id,
            AlternativeChoice.reason, Response.id, Response.publish_name, Respondent.id, Respondent.user_id,
            Organisation.name, User.name), consultation.id)
        .join(AlternativeChoice, AlternativeChoice.response_id == Response.id)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .outerjoin(User, User.id == Respondent.user_id)
        .where(or_(AlternativeChoice.alternative_id.is_not(None), _said(AlternativeChoice.reason)))
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    ).all()
    return [
        (section_id, principle_text_id,
         Preference(respondent_id=respondent_id, response_id=response_id, name=organisation_name or user_name or "",
                    individual=user_id is not None, publish_name=bool(publish_name), alternative_id=alternative_id,
                    reason=reason or ""))
        for (section_id, principle_text_id, alternative_id, reason, response_id, publish_name, respondent_id, user_id,
             organisation_name, user_name) in rows
    ]


def _choice_statistics(key: str, heading: str, alternatives: list[Alternative], responses: int,
                       counted: dict, preferences: list[Preference] | None, *, section_id=None,
                       principle_text_id=None) -> ChoiceStatistics:
    entries = []
    for alternative in alternatives:
        entries.append(AlternativeCount(
            alternative.id, alternative.label, alternative.body, counted.get(alternative.id, 0),
            [p for p in preferences if p.alternative_id == alternative.id] if preferences is not None else [],
        ))
    chosen = sum(e.count for e in entries)
    entries.append(AlternativeCount(
        None, _no_choice_label(), "", max(responses - chosen, 0),
        [p for p in preferences if p.alternative_id is None] if preferences is not None else [],
    ))
    return ChoiceStatistics(key=key, heading=heading, section_id=section_id, principle_text_id=principle_text_id,
                            responses=responses, alternatives=entries)


def statistics(consultation: Consultation, *, preferences: bool = True, principles: list[PrincipleText] | None = None,
               sections: list[Section] | None = None, criteria: list | None = None,
               questions: list | None = None) -> ConsultationStatistics:
    """The figures of a consultation's submitted answers, for the consolidation pages and the report.

    Per principle: stance counts (with the not answered), per criterion the rating counts (with the
    not rated), the number of comments and proposed wordings and the progress of their dispositions,
    and – where the principle offered alternatives – the count per alternative. Per section that
    offered alternatives: the same count. Per general question: non-empty answers and progress.
    With `preferences` every count of an alternative lists who prefers it and why (name order).

    A fixed number of statements (at most eleven) whatever the number of respondents. Labels are
    in the current language. Callable by anyone who may read the consolidation or the report.
    The principles (with their alternatives), sections, criteria and general questions are read
    unless the caller has them already (the report does).
    """
    principles = principle_texts(consultation) if principles is None else principles
    sections = sections_with_alternatives(consultation) if sections is None else sections
    criteria = list(consultation.criteria) if criteria is None else criteria
    questions = consultation.general_questions if questions is None else questions
    # Labels in the current language, looked up once rather than per principle × criterion × rating.
    scale = [(value, str(text)) for value, text in RATINGS[consultation.criteria_scale]]
    stance_labels = [(s, label(s)) for s in Stance]
    unanswered = _unanswered_label()
    responses = submitted_count(consultation)

    ratings: dict[tuple[int, int], dict[str, int]] = {}
    for principle_text_id, criterion_id, rating, count in db.session.execute(
        from_submitted(select(PrincipleAnswer.principle_text_id, CriterionAnswer.criterion_id, CriterionAnswer.rating,
                              func.count(CriterionAnswer.id)), consultation.id)
        .join(PrincipleAnswer, PrincipleAnswer.response_id == Response.id)
        .join(CriterionAnswer, CriterionAnswer.principle_answer_id == PrincipleAnswer.id)
        .where(CriterionAnswer.rating.is_not(None))
        .group_by(PrincipleAnswer.principle_text_id, CriterionAnswer.criterion_id, CriterionAnswer.rating)
    ):
        ratings.setdefault((principle_text_id, criterion_id), {})[rating] = count

    per_principle = _principle_counts(consultation)
    general = _general_counts(consultation)

    chosen: dict[tuple[str, int | None], int] = {}
    listed: list | None = None
    if consultation.ask_alternatives:
        for section_id, principle_text_id, alternative_id, count in db.session.execute(
            from_submitted(select(AlternativeChoice.section_id, AlternativeChoice.principle_text_id,
                                  AlternativeChoice.alternative_id, func.count(AlternativeChoice.id)), consultation.id)
            .join(AlternativeChoice, AlternativeChoice.response_id == Response.id)
            .where(AlternativeChoice.alternative_id.is_not(None))
            .group_by(AlternativeChoice.section_id, AlternativeChoice.principle_text_id, AlternativeChoice.alternative_id)
        ):
            key = f"s{section_id}" if section_id is not None else f"p{principle_text_id}"
            chosen[(key, alternative_id)] = count
        if preferences:
            listed = _preferences(consultation)

    def counted_for(key: str) -> dict:
        return {alternative_id: count for (k, alternative_id), count in chosen.items() if k == key}

    def preferences_for(section_id=None, principle_text_id=None):
        if listed is None:
            return None
        return [p for s, pt, p in listed if s == section_id and pt == principle_text_id]

    principle_statistics = []
    for principle in principles:
        counted = per_principle.get(principle.id) or _PrincipleCounts()
        criterion_statistics = []
        for criterion in criteria:
            given = ratings.get((principle.id, criterion.id), {})
            counts = [Count(value, text, given.get(value, 0), responses) for value, text in scale]
            counts.append(Count(UNANSWERED, unanswered, max(responses - sum(c.count for c in counts), 0), responses))
            criterion_statistics.append(CriterionStatistics(criterion.id, criterion.position, criterion.text, counts))
        choice = None
        if consultation.ask_alternatives and principle.alternatives:
            choice = _choice_statistics(
                f"p{principle.id}", f"{principle.number}. {principle.title}", list(principle.alternatives), responses,
                counted_for(f"p{principle.id}"), preferences_for(principle_text_id=principle.id),
                principle_text_id=principle.id)
        principle_statistics.append(PrincipleStatistics(
            principle_text_id=principle.id, number=principle.number, title=principle.title, responses=responses,
            stances=_stance_counts(counted.stances, responses, stance_labels, unanswered),
            criteria=criterion_statistics, comments=counted.comments, proposed_wordings=counted.proposed_wordings,
            progress=counted.progress, choice=choice,
        ))

    section_statistics = [
        _choice_statistics(f"s{section.id}", section.heading, list(section.alternatives), responses,
                           counted_for(f"s{section.id}"), preferences_for(section_id=section.id), section_id=section.id)
        for section in sections
    ]
    general_statistics = []
    for question in questions:
        part = general.get(question.id, Progress())
        general_statistics.append(GeneralQuestionStatistics(question.id, question.position, question.text,
                                                            part.needed, part))
    total = Progress()
    for item in principle_statistics:
        total += item.progress
    for item in general_statistics:
        total += item.progress
    return ConsultationStatistics(consultation_id=consultation.id, responses=responses,
                                  principles=principle_statistics, sections=section_statistics,
                                  general=general_statistics, progress=total)


# --- the lists the process owner reads ----------------------------------------------------------


@dataclass
class Filters:
    """What the lists are narrowed to; all optional. Given as GET parameters on the pages."""

    network_id: int | None = None
    kind: str | None = None  # an organisation kind, or INDIVIDUAL
    stance: Stance | None = None
    search: str = ""
    pending: bool = False  # only answers with a comment that still lacks its disposition
    alternative_id: int | None = None  # only those who prefer this alternative

    @property
    def active(self) -> bool:
        return bool(self.network_id or self.kind or self.stance or self.search or self.pending or self.alternative_id)

    def args(self) -> dict:
        """As query parameters, for links that keep the filters (paging, back links)."""
        out = {}
        if self.network_id:
            out["network"] = self.network_id
        if self.kind:
            out["kind"] = self.kind
        if self.stance:
            out["stance"] = self.stance.value
        if self.search:
            out["q"] = self.search
        if self.pending:
            out["pending"] = 1
        if self.alternative_id:
            out["alternative"] = self.alternative_id
        return out


def kind_choices(consultation: Consultation) -> list[tuple[str, str]]:
    """The organisation kinds among the respondents (and "Enskilda personer" if any): one statement."""
    from flask_babel import gettext as _

    rows = db.session.execute(
        select(Organisation.kind, func.count(Respondent.user_id))
        .select_from(Respondent)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .where(Respondent.consultation_id == consultation.id)
        .group_by(Organisation.kind)
    ).all()
    kinds = sorted((kind for kind, _individuals in rows if kind), key=organisation_kind_label)
    choices = [(kind, organisation_kind_label(kind)) for kind in kinds]
    if any(individuals for _kind, individuals in rows):
        choices.append((INDIVIDUAL, _("Enskilda personer")))
    return choices


def _pending_principle(principle_text_id: int | None = None):
    """A principle answer of the current Response with a comment or wording lacking its disposition."""
    on_comment = aliased(Disposition)
    on_wording = aliased(Disposition)
    comment_done = exists().where(on_comment.principle_answer_id == PrincipleAnswer.id,
                                  on_comment.target == DispositionTarget.comment, on_comment.kind.is_not(None))
    wording_done = exists().where(on_wording.principle_answer_id == PrincipleAnswer.id,
                                  on_wording.target == DispositionTarget.proposed_wording,
                                  on_wording.kind.is_not(None))
    conditions = [PrincipleAnswer.response_id == Response.id,
                  or_(and_(_said(PrincipleAnswer.comment), ~comment_done),
                      and_(_said(PrincipleAnswer.proposed_wording), ~wording_done))]
    if principle_text_id is not None:
        conditions.append(PrincipleAnswer.principle_text_id == principle_text_id)
    return exists().where(*conditions)


def _pending_general(question_id: int | None = None):
    on_answer = aliased(Disposition)
    done = exists().where(on_answer.general_answer_id == GeneralAnswer.id,
                          on_answer.target == DispositionTarget.general, on_answer.kind.is_not(None))
    conditions = [GeneralAnswer.response_id == Response.id, _said(GeneralAnswer.text), ~done]
    if question_id is not None:
        conditions.append(GeneralAnswer.general_question_id == question_id)
    return exists().where(*conditions)


def response_page(consultation: Consultation, filters: Filters, page: int, *, per_page: int = PAGE_SIZE,
                  principle_text_id: int | None = None, question_id: int | None = None):
    """A page of submitted answers (Response, with respondent, organisation, user and networks loaded)
    in name order – organisations first, then individuals – narrowed by `filters`.

    Scope: with `principle_text_id` the stance, search and pending filters look at that principle
    only; with `question_id` only answers to that general question that say something are listed,
    and search and pending look at them; otherwise they look at every principle (search also in the
    general answers). Three statements (count, page, eager loads).
    """
    statement = (
        from_submitted(select(Response), consultation.id)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .outerjoin(User, User.id == Respondent.user_id)
        .options(selectinload(Response.respondent).selectinload(Respondent.organisation),
                 selectinload(Response.respondent).selectinload(Respondent.user),
                 selectinload(Response.respondent).selectinload(Respondent.networks))
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    )
    if filters.network_id:
        statement = statement.where(Respondent.id.in_(
            select(respondent_network.c.respondent_id).where(respondent_network.c.network_id == filters.network_id)))
    if filters.kind == INDIVIDUAL:
        statement = statement.where(Respondent.user_id.is_not(None))
    elif filters.kind:
        statement = statement.where(Organisation.kind == filters.kind)
    principle_scope = [PrincipleAnswer.response_id == Response.id]
    if principle_text_id is not None:
        principle_scope.append(PrincipleAnswer.principle_text_id == principle_text_id)
    general_scope = [GeneralAnswer.response_id == Response.id]
    if question_id is not None:
        general_scope.append(GeneralAnswer.general_question_id == question_id)
        statement = statement.where(exists().where(*general_scope, _said(GeneralAnswer.text)))
    if filters.stance:
        statement = statement.where(exists().where(*principle_scope, PrincipleAnswer.stance == filters.stance))
    if filters.search:
        if question_id is not None:
            statement = statement.where(exists().where(*general_scope, _contains(GeneralAnswer.text, filters.search)))
        else:
            found = exists().where(*principle_scope, or_(_contains(PrincipleAnswer.comment, filters.search),
                                                         _contains(PrincipleAnswer.proposed_wording, filters.search)))
            if principle_text_id is None:
                found = or_(found, exists().where(*general_scope, _contains(GeneralAnswer.text, filters.search)))
            statement = statement.where(found)
    if filters.pending:
        if question_id is not None:
            statement = statement.where(_pending_general(question_id))
        elif principle_text_id is not None:
            statement = statement.where(_pending_principle(principle_text_id))
        else:
            statement = statement.where(or_(_pending_principle(), _pending_general()))
    if filters.alternative_id:
        statement = statement.where(exists().where(AlternativeChoice.response_id == Response.id,
                                                   AlternativeChoice.alternative_id == filters.alternative_id))
    return db.paginate(statement, page=page, per_page=per_page, error_out=False)


def target_text(answer, target: DispositionTarget) -> str:
    """The text of an answer a disposition is about."""
    if target == DispositionTarget.comment:
        return answer.comment
    if target == DispositionTarget.proposed_wording:
        return answer.proposed_wording
    return answer.text


@dataclass
class AnswerSheet:
    """What the answers on one page said, and their dispositions – loaded in a fixed number of statements."""

    principles: dict[tuple[int, int], PrincipleAnswer] = field(default_factory=dict)  # (response_id, principle_text_id)
    general: dict[tuple[int, int], GeneralAnswer] = field(default_factory=dict)  # (response_id, question_id)
    choices: dict[tuple[int, str], AlternativeChoice] = field(default_factory=dict)  # (response_id, "p12" / "s3")
    principle_dispositions: dict[tuple[int, str], Disposition] = field(default_factory=dict)  # (answer id, target)
    general_dispositions: dict[int, Disposition] = field(default_factory=dict)  # general answer id

    def principle(self, response_id: int, principle_text_id: int) -> PrincipleAnswer | None:
        return self.principles.get((response_id, principle_text_id))

    def answer(self, response_id: int, question_id: int) -> GeneralAnswer | None:
        return self.general.get((response_id, question_id))

    def choice(self, response_id: int, key: str) -> AlternativeChoice | None:
        return self.choices.get((response_id, key))

    def disposition(self, answer, target: DispositionTarget | str) -> Disposition | None:
        target = DispositionTarget(target)
        if answer is None:
            return None
        if target == DispositionTarget.general:
            return self.general_dispositions.get(answer.id)
        return self.principle_dispositions.get((answer.id, target.value))

    def progress_of(self, answer) -> Progress:
        """Progress of one principle answer's comment and proposed wording."""
        result = Progress()
        if answer is None:
            return result
        for target in (DispositionTarget.comment, DispositionTarget.proposed_wording):
            if said(target_text(answer, target)):
                disposition = self.disposition(answer, target)
                result += Progress(1 if disposition is not None and disposition.kind is not None else 0, 1)
        return result


def answer_sheet(responses: list[Response], *, principle_text_ids: list[int] | None = None,
                 question_ids: list[int] | None = None, principles: bool = True, general: bool = True,
                 choices: bool = True) -> AnswerSheet:
    """The parts of these responses the page shows, with criteria and dispositions: at most six statements."""
    sheet = AnswerSheet()
    ids = [r.id for r in responses]
    if not ids:
        return sheet
    if principles:
        statement = (select(PrincipleAnswer).where(PrincipleAnswer.response_id.in_(ids))
                     .options(selectinload(PrincipleAnswer.criterion_answers)))
        if principle_text_ids is not None:
            statement = statement.where(PrincipleAnswer.principle_text_id.in_(principle_text_ids))
        for answer in db.session.execute(statement).scalars():
            sheet.principles[(answer.response_id, answer.principle_text_id)] = answer
        answer_ids = [a.id for a in sheet.principles.values()]
        if answer_ids:
            for disposition in db.session.execute(
                select(Disposition).where(Disposition.principle_answer_id.in_(answer_ids))
            ).scalars():
                sheet.principle_dispositions[(disposition.principle_answer_id, disposition.target.value)] = disposition
    if general:
        statement = select(GeneralAnswer).where(GeneralAnswer.response_id.in_(ids))
        if question_ids is not None:
            statement = statement.where(GeneralAnswer.general_question_id.in_(question_ids))
        for answer in db.session.execute(statement).scalars():
            sheet.general[(answer.response_id, answer.general_question_id)] = answer
        answer_ids = [a.id for a in sheet.general.values()]
        if answer_ids:
            for disposition in db.session.execute(
                select(Disposition).where(Disposition.general_answer_id.in_(answer_ids))
            ).scalars():
                sheet.general_dispositions[disposition.general_answer_id] = disposition
    if choices:
        statement = (select(AlternativeChoice).where(AlternativeChoice.response_id.in_(ids))
                     .options(selectinload(AlternativeChoice.alternative)))
        for choice in db.session.execute(statement).scalars():
            key = f"s{choice.section_id}" if choice.section_id is not None else f"p{choice.principle_text_id}"
            sheet.choices[(choice.response_id, key)] = choice
    return sheet


def editor_names(sheet: AnswerSheet, extra=()) -> dict[int, str]:
    """Who last saved each disposition on the page (and the users in `extra`), by user id: one statement."""
    ids = {d.updated_by_id for d in [*sheet.principle_dispositions.values(), *sheet.general_dispositions.values()]
           if d.updated_by_id} | {i for i in extra if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


def summaries(consultation: Consultation) -> dict[int, PrincipleSummary]:
    """The per-principle summaries written so far, by principle_text_id: one statement."""
    return {s.principle_text_id: s for s in db.session.execute(
        select(PrincipleSummary).where(PrincipleSummary.consultation_id == consultation.id)
    ).scalars()}


def summary_for(consultation: Consultation, principle_text_id: int) -> PrincipleSummary | None:
    return db.session.execute(
        select(PrincipleSummary).where(PrincipleSummary.consultation_id == consultation.id,
                                       PrincipleSummary.principle_text_id == principle_text_id)
    ).scalar_one_or_none()


def submitted_response(respondent: Respondent) -> Response | None:
    """The respondent's current submitted answer, if there is one."""
    return db.session.execute(
        select(Response).where(Response.respondent_id == respondent.id, Response.status == ResponseStatus.submitted)
        .order_by(Response.revision.desc()).limit(1)
    ).scalar_one_or_none()


def respondent_neighbours(consultation: Consultation, respondent: Respondent) -> tuple[int | None, int | None]:
    """The respondents with a submitted answer just before and after this one, in name order: one statement."""
    ids = list(db.session.execute(
        from_submitted(select(Respondent.id), consultation.id)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .outerjoin(User, User.id == Respondent.user_id)
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    ).scalars())
    if respondent.id not in ids:
        return None, None
    index = ids.index(respondent.id)
    return (ids[index - 1] if index > 0 else None), (ids[index + 1] if index + 1 < len(ids) else None)


def principle_answer_in(consultation: Consultation, answer_id: int) -> PrincipleAnswer | None:
    """A principle answer of a submitted response of this consultation, or None: ids from a form are not trusted."""
    return db.session.execute(
        from_submitted(select(PrincipleAnswer), consultation.id)
        .join(PrincipleAnswer, PrincipleAnswer.response_id == Response.id)
        .where(PrincipleAnswer.id == answer_id)
    ).scalar_one_or_none()


def general_answer_in(consultation: Consultation, answer_id: int) -> GeneralAnswer | None:
    return db.session.execute(
        from_submitted(select(GeneralAnswer), consultation.id)
        .join(GeneralAnswer, GeneralAnswer.response_id == Response.id)
        .where(GeneralAnswer.id == answer_id)
    ).scalar_one_or_none()


def general_question_in(consultation: Consultation, question_id: int) -> GeneralQuestion | None:
    return next((q for q in consultation.general_questions if q.id == question_id), None)
