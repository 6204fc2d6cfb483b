"""The report as HTML: the standalone, printable document (templates/reports/report.html) and the
report read inside the app, page by page (view.html, page.html).

The document's per-respondent parts (respondent lists, answers, choices, general answers, the
appendix) come from a `rows` object the templates ask:

- `WholeRows` reads them from a Report built with its answers (freezing, the PDF, `render`);
- `StreamedRows` runs the row statements of remiss.reports.data while the template is rendered
  (`stream`, the live download): the respondents once, the answers once (principle by principle
  from one ordered statement), so the memory of a download does not grow with the number of
  respondents. The two give the same bytes (tests/reports/test_paged_view.py).

Where the document lists the same rows in two places – each principle's overview table and then
the answers' texts, the respondents per network, then received, declined and missing – the
second and later lists are written to a `Spool` (memory, then a temporary file) during the one
reading and copied out in their place.

- `OutlineRows` is the first page inside the app: figures and summaries, with links to the
  pages of answers (`principle_page` and friends) instead of the lists.
"""
from __future__ import annotations

import itertools
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from flask import render_template, stream_template, url_for
from flask_babel import force_locale, gettext as _
from markupsafe import Markup
from sqlalchemy import func, select

from remiss.consolidation import queries as consolidation_queries
from remiss.consultations.models import GeneralAnswer, GeneralQuestion, Respondent, Response, ResponseStatus
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.i18n import babel_locale
from remiss.reports import common, data
from remiss.reports.data import Report

PAGE_SIZE = 100  # respondents per page inside the app
SPOOL_MEMORY = 1024 * 1024


# --- the whole and the streamed document ------------------------------------------------------


def render_html(report: Report, paged_css: Markup | None = None) -> str:
    """The whole document as text; `render` gives the bytes that are frozen.
    `paged_css` (the PDF's paged media, our own stylesheet) comes after the screen stylesheet."""
    with force_locale(babel_locale(report.locale)):
        return render_template("reports/report.html", report=report, rows=WholeRows(report), fmt=common,
                               paged_css=paged_css)


def render(report: Report) -> bytes:
    return render_html(report).encode("utf-8")


def stream(consultation, report: Report) -> Iterator[bytes]:
    """The same document as `render` from a Report built without its answers (answers=False)."""
    with force_locale(babel_locale(report.locale)):
        yield from common.chunked(stream_template("reports/report.html", report=report,
                                                  rows=StreamedRows(consultation, report), fmt=common, paged_css=None))


class Spool:
    """HTML written while a principle's overview table is written (the answers' texts) and read back
    after it: one reading of the answers for both, in memory up to SPOOL_MEMORY, on disk beyond."""

    def __init__(self):
        self.file = None  # made when the pieces first outgrow a chunk: most spools are small
        self.pending, self.length = [], 0  # pieces not yet in the file, written a chunk at a time
        self.written = False

    def write(self, html: str) -> None:
        if html:
            self.pending.append(html)
            self.length += len(html)
            self.written = True
            if self.length >= common.CHUNK:
                self._flush()

    def _flush(self) -> None:
        if self.file is None:
            self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY, mode="w+", encoding="utf-8")
        self.file.write("".join(self.pending))
        self.pending, self.length = [], 0

    def __bool__(self) -> bool:
        return self.written

    def chunks(self) -> Iterator[Markup]:
        if self.file is None:  # everything is still in the pieces
            yield Markup("".join(self.pending))  # our own template's output, already escaped
            self.pending = []
            return
        self._flush()
        self.file.seek(0)
        while chunk := self.file.read(common.CHUNK):
            yield Markup(chunk)  # our own template's output, already escaped
        self.file.close()


class RespondentLists:
    """Everyone asked, read once and written into the report's lists of them: per network (those
    added by hand last), the table of answers received (counting the late ones), declined, missing.
    `item`, `received`, `declined`: the HTML of one respondent in each (row_html.RowHtml)."""

    def __init__(self, respondents: Iterable[data.RespondentInfo], networks: list[data.NetworkCount],
                 item, received, declined):
        groups = {name: Spool() for name in dict.fromkeys(n.name for n in networks)}
        by_hand = Spool()
        self.answered, self.declined, self.missing = Spool(), Spool(), Spool()
        self.late = 0
        for respondent in respondents:
            html = item(respondent)
            for name in respondent.networks:
                groups.setdefault(name, Spool()).write(html)
            if not respondent.networks:
                by_hand.write(html)
            if respondent.answered:
                self.answered.write(received(respondent))
                self.late += respondent.late
            elif respondent.declined:
                self.declined.write(declined(respondent))
            else:
                self.missing.write(html)
        self.groups = list(groups.items()) + ([(_("Tillagda utan nätverk"), by_hand)] if by_hand else [])


class _DocumentRows:
    paged = False

    def spool(self) -> Spool:
        return Spool()


class WholeRows(_DocumentRows):
    """The per-respondent parts from a Report that holds them."""

    def __init__(self, report: Report):
        self.report = report

    def respondent_lists(self, *macros) -> RespondentLists:
        return RespondentLists(self.report.respondents, self.report.networks, *macros)

    def answers(self, principle):
        return principle.answers

    def choices(self, outcome, alternative):
        return alternative.choices

    def reasons_without_choice(self, outcome):
        return outcome.reasons_without_choice

    def general_answers(self, question):
        return question.answers

    def appendix(self):
        return self.report.appendix


_NOTHING = object()


class _Rows:
    """Rows read from the database each time the template iterates them, never kept. Its truth
    reads the first row and keeps the open iterator for the loop that follows (`{% if %}{% for %}`)."""

    def __init__(self, rows: Callable[[], Iterable]):
        self.rows = rows
        self.pending = None

    def __iter__(self):
        if self.pending is not None:
            first, rest = self.pending
            self.pending = None
            return itertools.chain([first], rest)
        return iter(self.rows())

    def __bool__(self) -> bool:
        rest = iter(self.rows())
        first = next(rest, _NOTHING)
        if first is _NOTHING:
            return False
        self.pending = (first, rest)
        return True


class _Group:
    """One group of an ordered stream (common.Groups); true when it has a row."""

    def __init__(self, groups: common.Groups, value):
        self.groups = groups
        self.value = value

    def __bool__(self) -> bool:
        return self.groups.pending is not None and self.groups.key(self.groups.pending) == self.value

    def __iter__(self):
        return self.groups.take(self.value)


class StreamedRows(_DocumentRows):
    """The per-respondent parts as statements run while the document is written, one statement each
    time the template reads a list (a group of respondents, the choices of an alternative)."""

    def __init__(self, consultation, report: Report):
        self.consultation = consultation
        self.report = report
        self.principle_of = {id(p.alternatives): p.id for p in report.principles if p.alternatives is not None}
        self.answer_groups = None

    def respondent_lists(self, *macros) -> RespondentLists:
        return RespondentLists(data.respondent_rows(self.consultation, self.report.public, self.report.locale),
                               self.report.networks, *macros)

    def _answer_rows(self, principle_id: int):
        return data.answer_rows(self.consultation, self.report.public, self.report.locale, principle_id=principle_id)

    def answers(self, principle):
        """A principle's answers, from one statement over every principle's read principle by principle
        (the template asks for them in the principles' order)."""
        if self.answer_groups is None:
            self.answer_groups = common.Groups(data.report_answer_rows(self.consultation, self.report),
                                               lambda row: row.principle_id)
        return _Group(self.answer_groups, principle.id)

    def _choices(self, outcome) -> Iterator[tuple[int | None, data.Choice]]:
        """(alternative id, choice) of every answer that chose or gave a reason, as Report's build adds them."""
        if outcome.section_id is None:
            for row in self._answer_rows(self.principle_of[id(outcome)]):
                if row.alternative_id or row.alternative_reason:
                    yield row.alternative_id, data.Choice(row.respondent, row.alternative_reason)
        else:
            for row in data.section_choice_rows(self.consultation, self.report.public, self.report.locale):
                if row.section_id == outcome.section_id:
                    yield row.alternative_id, data.Choice(row.respondent, row.reason)

    def choices(self, outcome, alternative):
        return _Rows(lambda: (choice for chosen, choice in self._choices(outcome) if chosen == alternative.id))

    def reasons_without_choice(self, outcome):
        offered = {a.id for a in outcome.alternatives}
        return _Rows(lambda: (choice for chosen, choice in self._choices(outcome)
                              if chosen not in offered and choice.reason))

    def general_answers(self, question):
        return _Rows(lambda: data.general_answer_rows(self.consultation, self.report.public, self.report.locale,
                                                      question_id=question.id))

    def appendix(self):
        return _Rows(lambda: data.appendix_rows(self.consultation, self.report.public, self.report.locale))


# --- the report inside the app, page by page --------------------------------------------------


class OutlineRows:
    """The first page inside the app: no per-respondent lists, links to their pages instead."""

    paged = True
    page_size = PAGE_SIZE

    def __init__(self, consultation_id: int, args: dict):
        self.consultation_id = consultation_id
        self.args = args  # public, locale: kept on every link

    def url(self, **part) -> str:
        return url_for("reports.view", consultation_id=self.consultation_id, **self.args, **part)

    def choices(self, outcome, alternative):
        return ()  # each answer's choice is on the pages of answers

    def reasons_without_choice(self, outcome):
        return ()

    def answers(self, principle):
        return ()


@dataclass(frozen=True)
class Pagination:
    """What templates/macros.html's pagination needs."""

    page: int
    pages: int
    total: int
    per_page: int = PAGE_SIZE

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first(self) -> int:
        return min(self.offset + 1, self.total)

    @property
    def last(self) -> int:
        return min(self.offset + self.per_page, self.total)

    has_prev = property(lambda self: self.page > 1)
    has_next = property(lambda self: self.page < self.pages)
    prev_num = property(lambda self: self.page - 1)
    next_num = property(lambda self: self.page + 1)


class PageNotFound(LookupError):
    pass


def pagination(total: int, page: int) -> Pagination:
    pages = max(1, math.ceil(total / PAGE_SIZE))
    if not 1 <= page <= pages:
        raise PageNotFound(page)
    return Pagination(page, pages, total, PAGE_SIZE)


@dataclass(frozen=True)
class PageReport:
    """What the shared macros read of `report` on a page of answers (the outline is not built there)."""

    consultation_id: int
    title: str
    public: bool
    locale: str
    asks: dict
    criteria: list[tuple[int, str]]
    criteria_scale: str


def page_report(consultation, public: bool, locale: str) -> PageReport:
    with force_locale(babel_locale(locale)):
        return PageReport(
            consultation.id, consultation.title, public, locale,
            asks={"stance": consultation.ask_stance}, criteria=[(c.id, c.text) for c in consultation.criteria],
            criteria_scale=consultation.criteria_scale.value,
        )


def _found(statement, key):
    found = db.session.execute(statement).scalar_one_or_none()
    if found is None:
        raise PageNotFound(key)
    return found


def principle_page(consultation, number: int, public: bool, locale: str, page: int):
    """One page of a principle's answers: (principle text, pagination, rows). Four statements."""
    principle = _found(select(PrincipleText).where(PrincipleText.version_id == consultation.version_id,
                                                   PrincipleText.number == number), number)
    pages = pagination(consolidation_queries.submitted_count(consultation), page)
    rows = list(data.answer_rows(consultation, public, locale, principle_id=principle.id, limit=PAGE_SIZE,
                                 offset=pages.offset))
    return principle, pages, rows


def question_page(consultation, position: int, public: bool, locale: str, page: int):
    """One page of the answers to a general question: (question, pagination, rows)."""
    question = _found(select(GeneralQuestion).where(GeneralQuestion.consultation_id == consultation.id,
                                                    GeneralQuestion.position == position), position)
    total = db.session.execute(
        select(func.count(GeneralAnswer.id)).join(Response, Response.id == GeneralAnswer.response_id)
        .where(GeneralAnswer.general_question_id == question.id, GeneralAnswer.text != "",
               Response.status == ResponseStatus.submitted)
    ).scalar_one()
    pages = pagination(total, page)
    rows = list(data.general_answer_rows(consultation, public, locale, question_id=question.id, limit=PAGE_SIZE,
                                         offset=pages.offset))
    return question, pages, rows


def respondents_page(consultation, public: bool, locale: str, page: int):
    """One page of everyone asked, with their answer: (pagination, rows)."""
    total = db.session.execute(
        select(func.count(Respondent.id)).where(Respondent.consultation_id == consultation.id)
    ).scalar_one()
    pages = pagination(total, page)
    return pages, list(data.respondent_rows(consultation, public, locale, limit=PAGE_SIZE, offset=pages.offset))


def appendix_page(consultation, public: bool, locale: str):
    """The appendix, whole: answers registered by hand for a respondent are a process owner's work,
    not a number that grows with the respondents who answer online."""
    return list(data.appendix_rows(consultation, public, locale))
