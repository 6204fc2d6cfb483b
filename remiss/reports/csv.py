"""The report's answers as CSV: one row per respondent with a submitted answer × principle; then
one row per respondent that declined to answer (its reason as the comment) and one per dissent
(its text as the comment), both without a principle.

UTF-8 with a byte-order mark and semicolons, which is what Excel in a Swedish locale opens
correctly by double-click; CRLF line ends (RFC 4180). Streamed: rows are written as the
database yields them. A cell that a spreadsheet would take for a formula (starting with
=, +, -, @, tab or carriage return) gets a leading apostrophe, so that it is shown as the text
it is and never evaluated (CSV injection).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from flask_babel import force_locale, gettext as _

from remiss.reports import common, data
from remiss.i18n import babel_locale

BOM = "\ufeff"
DELIMITER = ";"
FLUSH_EVERY = 200
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_FIRST = frozenset(_FORMULA_START)


def cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def cells(values) -> list[str]:
    """cell() of each value, text (most of them) checked inline: a call per cell was a third of the
    time of a large export (benchmarks/reports.py)."""
    return [("'" + v if v[:1] in _FORMULA_FIRST else v) if type(v) is str else cell(v) for v in values]


def columns(report: data.Report) -> list[str]:
    return [_("Status"), _("Diarienummer"), _("Princip"), _("Principens titel"), *common.answer_columns(report)]


def status(report: data.Report) -> str:
    return common.draft_word() if report.draft else common.edition(report)


def stream(consultation, report: data.Report) -> Iterator[bytes]:
    with force_locale(babel_locale(report.locale)):
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
        buffer.write(BOM)
        writer.writerow(cells(columns(report)))
        marker = status(report)
        moment = _Moments()
        lines = []
        for row in data.report_answer_rows(consultation, report):
            lines.append(cells([marker, report.reference_number, row.principle_number, row.principle_title,
                                *common.answer_cells(report, row, moment)]))
            if len(lines) == FLUSH_EVERY:
                writer.writerows(lines)
                lines.clear()
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
        writer.writerows(lines)
        writer.writerows(cells(values) for values in _respondent_lines(consultation, report, marker))
        yield buffer.getvalue().encode("utf-8")


class _Moments(data.Remembered):
    """A respondent's submission moment is on its row for every principle: written once."""

    def __call__(self, value):
        return self[value]

    def __missing__(self, value):
        return self.remember(value, cell(common.local_naive(value)))


def _respondent_lines(consultation, report: data.Report, marker: str) -> Iterator[list]:
    """Declinings and dissents: rows of the same columns, the title column saying what they are."""
    names = columns(report)
    where = {name: i for i, name in enumerate(names)}

    def line(respondent, title: str, text: str) -> list:
        values = [""] * len(names)
        values[0], values[1], values[3] = marker, report.reference_number, title
        values[where[_("Remissinstans")]] = respondent.name
        values[where[_("Typ av remissinstans")]] = respondent.kind_label
        values[where[_("Synpunkter")]] = text
        return values

    for respondent in data.respondent_rows(consultation, report.public, report.locale, declined=True):
        yield line(respondent, _("Avstår från att yttra sig"), respondent.declined_reason)
    for dissent in report.dissents:
        yield line(dissent.respondent, common.dissent_heading(dissent), dissent.text)


def render(consultation, report: data.Report) -> bytes:
    return b"".join(stream(consultation, report))
