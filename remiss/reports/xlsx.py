"""The report as an Excel workbook, written in openpyxl's write-only (streaming) mode.

Sheets: "Sammanfattning" (the consultation, response rate per network, figures per principle,
the alternatives' outcome), "Remissinstanser" (who was asked and who answered), one sheet per
principle in the coordinator's familiar layout (respondents in rows: stance, criteria, comment,
proposed wording, disposition, reason), "Övergripande frågor", "Alternativ" (choices offered for
sections) and "Bilaga" (answers registered on behalf, their originals and checksums).
Rows come from the streaming iterators: memory does not grow with the number of respondents.
Every text cell is stored as text, so a comment starting with "=" is never a formula.
"""
from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import datetime

from flask_babel import force_locale, gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from remiss.reports import common, data
from remiss.i18n import babel_locale

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
DRAFT = Font(bold=True, size=12, color="8A1C14")
WRAP = Alignment(wrap_text=True, vertical="top")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Where a principle sheet's header row is: title, statement and edition above it.
HEADER_ROW = 4


def sheet_name(text: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", "", text).strip()[:31] or "Blad"
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


class _Book:
    def __init__(self, report: data.Report):
        self.report = report
        self.workbook = Workbook(write_only=True)
        self.names: set[str] = set()

    def sheet(self, title: str, widths: list[int] | None = None, header_row: int | None = None):
        """A new sheet. Its view (frozen header row) must be set before the first row is written."""
        sheet = self.workbook.create_sheet(sheet_name(title, self.names))
        for i, width in enumerate(widths or [], 1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        if header_row is not None:
            sheet.freeze_panes = f"B{header_row + 1}"
            sheet.print_title_rows = f"{header_row}:{header_row}"
        return sheet

    def cell(self, sheet, value, font=None, wrap=False):
        if isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"  # text stays text: never a formula
        elif isinstance(value, datetime):
            cell.number_format = DATE_FORMAT
        if font is not None:
            cell.font = font
        if wrap:
            cell.alignment = WRAP
        return cell

    def row(self, sheet, values, font=None, wrap=False) -> None:
        sheet.append([self.cell(sheet, v, font, wrap) if v is not None else None for v in values])

    def header(self, sheet, values, row: int) -> None:
        self.row(sheet, values, BOLD)
        last = get_column_letter(max(len(values), 1))
        sheet.auto_filter.ref = f"A{row}:{last}{row}"

    def draft_or_edition(self, sheet) -> None:
        if self.report.draft:
            self.row(sheet, [common.draft_notice()], DRAFT)
        else:
            self.row(sheet, [f"{_('Remissammanställning')}, {common.edition(self.report).lower()}"], BOLD)


def write(consultation, report: data.Report, target) -> None:
    """Write the workbook to `target` (a path or a binary file)."""
    with force_locale(babel_locale(report.locale)):
        book = _Book(report)
        properties = book.workbook.properties
        properties.title = f"{_('Remissammanställning')}: {report.title}"
        properties.subject = report.document_title
        properties.creator = "Remiss"
        properties.keywords = report.reference_number
        properties.category = common.draft_word() if report.draft else common.edition(report)
        properties.language = report.locale
        _summary(book)
        _respondents(book, consultation)
        if report.dissents:
            _dissents(book)
        _principles(book, consultation)
        _general(book, consultation)
        if report.section_alternatives:
            _section_choices(book, consultation)
        _appendix(book, consultation)
        book.workbook.save(target)


def render(consultation, report: data.Report) -> bytes:
    with tempfile.TemporaryFile() as file:
        write(consultation, report, file)
        file.seek(0)
        return file.read()


def stream(consultation, report: data.Report, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
    """The workbook in chunks: written to a temporary file (a zip is finished only at the end)."""
    with tempfile.TemporaryFile() as file:
        write(consultation, report, file)
        file.seek(0)
        while chunk := file.read(chunk_size):
            yield chunk


def _summary(book: _Book) -> None:
    report = book.report
    sheet = book.sheet(_("Sammanfattning"), [34, 60, 14, 14, 14, 14, 14, 14, 14, 60])
    book.draft_or_edition(sheet)
    book.row(sheet, [_("Remissammanställning")], TITLE)
    book.row(sheet, [report.title], TITLE)
    facts = [
        (_("Diarienummer"), report.reference_number),
        (_("Dokument"), report.document_title),
        (_("Version"), report.version_number),
        (_("Öppnade"), common.local_naive(report.opens_at)),
        (_("Svarsdatum"), common.local_naive(report.deadline)),
        (_("Stängdes"), common.local_naive(report.closed_at)),
        (_("Sammanställningen"), common.edition(report)),
        (_("Utgåva"), common.audience(report)),
        (_("Skapad"), common.local_naive(report.generated_at)),
        (_("Tillfrågade remissinstanser"), report.asked),
        (_("Har svarat"), report.answered_count),
        (_("Avstår"), report.declined_count),
        (_("Saknas"), report.missing_count),
    ]
    for name, value in facts:
        book.row(sheet, [name, value], wrap=True)
    book.row(sheet, [])
    book.row(sheet, [_("Nätverk"), "", _("Tillfrågade"), _("Har svarat"), _("Avstår"), _("Saknas")], BOLD)
    for network in report.networks:
        book.row(sheet, [network.name, "", network.asked, network.answered, network.declined, network.missing])
    book.row(sheet, [])
    stance_labels = []
    for principle in report.principles:
        if principle.figures is not None:
            stance_labels = [text for _k, text, _c in principle.figures.stances]
            break
    book.row(sheet, [_("Princip"), _("Titel"), *stance_labels, _("Synpunkter"), _("Förslag till ny formulering"),
                     _("Sammanfattning av synpunkter och ställningstagande")], BOLD, wrap=True)
    for principle in report.principles:
        figures = principle.figures
        counts = [count for _k, _t, count in figures.stances] if figures else []
        book.row(sheet, [principle.number, principle.title, *counts,
                         figures.comments if figures else None, figures.proposed_wordings if figures else None,
                         principle.summary], wrap=True)
    outcomes = [p.alternatives for p in report.principles if p.alternatives] + report.section_alternatives
    if outcomes:
        book.row(sheet, [])
        book.row(sheet, [_("Val mellan alternativ"), _("Alternativ"), _("Antal")], BOLD)
        for outcome in outcomes:
            for alternative in outcome.alternatives:
                book.row(sheet, [outcome.heading, alternative.label, alternative.count], wrap=True)
            book.row(sheet, [outcome.heading, _("Inget alternativ valt"), outcome.without_choice], wrap=True)


def _respondents(book: _Book, consultation) -> None:
    report = book.report
    headers = [_("Remissinstans"), _("Typ av remissinstans"), _("Nätverk"), _("Har svarat"), _("Inkom"),
               _("Efter svarsdatum"), _("Kanal"), _("Skäl för att avstå"), _("Undertecknat av"), _("Undertecknat")]
    widths = [40, 24, 40, 12, 18, 14, 16, 40, 30, 18]
    if not report.public:
        headers.append(_("Inskickat eller registrerat av"))
        widths.append(44)
    sheet = book.sheet(_("Remissinstanser"), widths, header_row=2)
    book.draft_or_edition(sheet)
    book.header(sheet, headers, 2)
    for r in data.respondent_rows(consultation, report.public, report.locale):
        values = [r.name, common.kind_label(r), ", ".join(r.networks) or _("Tillagd utan nätverk"),
                  _("Ja") if r.answered else _("Avstår") if r.declined else _("Nej"),
                  common.local_naive(r.submitted_at), common.yes(r.late), r.channel_label, r.declined_reason,
                  r.signed_by, common.local_naive(r.signed_at)]
        if not report.public:
            values.append(r.registered_by or r.submitted_by)
        book.row(sheet, values)


def _dissents(book: _Book) -> None:
    """"Avvikande meningar": the author named in the internal report only."""
    report = book.report
    sheet = book.sheet(_("Avvikande meningar"), [40, 30, 80], header_row=2)
    book.draft_or_edition(sheet)
    book.header(sheet, [_("Remissinstans"), _("Från"), _("Avvikande mening")], 2)
    for dissent in report.dissents:
        book.row(sheet, [dissent.respondent.name, dissent.author or _("en företrädare för remissinstansen"),
                         dissent.text], wrap=True)


def _principles(book: _Book, consultation) -> None:
    report = book.report
    columns = common.answer_columns(report)
    criteria = len(report.criteria)
    widths = [36, 20, 18, 12, 14, 22] + [14] * criteria + [30, 60, 18, 40, 50, 18, 40, 20, 40, 40]
    sheets = {}
    for principle in report.principles:
        sheet = book.sheet(_("Princip %(number)s", number=principle.number), widths, header_row=HEADER_ROW)
        book.row(sheet, [_("Princip %(number)s: %(title)s", number=principle.number, title=principle.title)], TITLE)
        book.row(sheet, [principle.statement])
        book.draft_or_edition(sheet)
        book.header(sheet, columns, HEADER_ROW)
        sheets[principle.id] = sheet
    for row in data.answer_rows(consultation, report.public, report.locale):
        book.row(sheets[row.principle_id], common.answer_cells(report, row), wrap=True)


def _general(book: _Book, consultation) -> None:
    report = book.report
    sheet = book.sheet(_("Övergripande frågor"), [40, 36, 70, 18, 50], header_row=2)
    book.draft_or_edition(sheet)
    book.header(sheet, [_("Fråga"), _("Remissinstans"), _("Svar"), _("Hantering"), _("Motivering")], 2)
    for row in data.general_answer_rows(consultation, report.public, report.locale):
        book.row(sheet, [row.question, row.respondent.name, row.text, row.disposition.label,
                         row.disposition.reason], wrap=True)


def _section_choices(book: _Book, consultation) -> None:
    report = book.report
    headings = {outcome.section_id: outcome.heading for outcome in report.section_alternatives}
    labels = {a.id: a.label for outcome in report.section_alternatives for a in outcome.alternatives}
    sheet = book.sheet(_("Alternativ"), [30, 40, 24, 60], header_row=2)
    book.draft_or_edition(sheet)
    book.header(sheet, [_("Avsnitt"), _("Remissinstans"), _("Föredraget alternativ"), _("Skäl")], 2)
    for row in data.section_choice_rows(consultation, report.public, report.locale):
        book.row(sheet, [headings.get(row.section_id, ""), row.respondent.name,
                         labels.get(row.alternative_id, _("inget valt")), row.reason], wrap=True)


def _appendix(book: _Book, consultation) -> None:
    report = book.report
    headers = [_("Remissinstans"), _("Kanal"), _("Inkom"), _("Efter svarsdatum")]
    widths = [36, 12, 18, 14]
    if not report.public:
        headers.append(_("Registrerat av"))
        widths.append(40)
    headers += [_("Original"), _("Storlek (byte)"), "SHA-256"]
    widths += [36, 14, 70]
    sheet = book.sheet(_("Bilaga"), widths, header_row=2)
    book.draft_or_edition(sheet)
    book.header(sheet, headers, 2)
    for entry in data.appendix_rows(consultation, report.public, report.locale):
        r = entry.respondent
        base = [r.name, r.channel_label, common.local_naive(r.submitted_at), common.yes(r.late)]
        if not report.public:
            base.append(r.registered_by)
        for attachment in entry.attachments or [None]:
            if attachment is None:
                book.row(sheet, base + [_("Inget original bifogat"), None, None])
            else:
                book.row(sheet, base + [attachment.filename, attachment.size, attachment.sha256])
