"""The report as an Excel workbook, written by the streaming writer in `spreadsheet`.

Sheets: "Sammanfattning" (the consultation, response rate per network, figures per principle,
the alternatives' outcome), "Remissinstanser" (who was asked and who answered), one sheet per
principle in the coordinator's familiar layout (respondents in rows: stance, criteria, comment,
proposed wording, disposition, reason), "Övergripande frågor", "Alternativ" (choices offered for
sections) and "Bilaga" (answers registered on behalf, their originals and checksums).
Rows come from the streaming iterators and go straight into the zip: memory does not grow with
the number of respondents. Every text cell is stored as text, so a comment starting with "=" is
never a formula.
"""
from __future__ import annotations

import tempfile
from collections.abc import Iterator

from flask_babel import force_locale, gettext as _

from remiss.i18n import babel_locale
from remiss.reports import common, data
from remiss.reports.spreadsheet import BOLD, DRAFT, TITLE, Sheet, Workbook

# Where a principle sheet's header row is: title, statement and edition above it.
HEADER_ROW = 4


def draft_or_edition(report: data.Report, sheet: Sheet) -> None:
    if report.draft:
        sheet.row([common.draft_notice()], DRAFT)
    else:
        sheet.row([f"{_('Remissammanställning')}, {common.edition(report).lower()}"], BOLD)


def write(consultation, report: data.Report, target) -> None:
    """Write the workbook to `target` (a path or a binary file)."""
    with force_locale(babel_locale(report.locale)):
        with Workbook(target, title=f"{_('Remissammanställning')}: {report.title}",
                      subject=report.document_title, creator="Remiss", keywords=report.reference_number,
                      category=common.draft_word() if report.draft else common.edition(report),
                      language=report.locale) as book:
            _summary(book, report)
            _respondents(book, report, consultation)
            if report.dissents:
                _dissents(book, report)
            _principles(book, report, consultation)
            _general(book, report, consultation)
            if report.section_alternatives:
                _section_choices(book, report, consultation)
            _appendix(book, report, consultation)


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


def _summary(book: Workbook, report: data.Report) -> None:
    sheet = book.sheet(_("Sammanfattning"), [34, 60, 14, 14, 14, 14, 14, 14, 14, 60])
    draft_or_edition(report, sheet)
    sheet.row([_("Remissammanställning")], TITLE)
    sheet.row([report.title], TITLE)
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
        sheet.row([name, value], wrap=True)
    sheet.row([])
    sheet.row([_("Nätverk"), "", _("Tillfrågade"), _("Har svarat"), _("Avstår"), _("Saknas")], BOLD)
    for network in report.networks:
        sheet.row([network.name, "", network.asked, network.answered, network.declined, network.missing])
    sheet.row([])
    stance_labels = []
    for principle in report.principles:
        if principle.figures is not None:
            stance_labels = [text for _k, text, _c in principle.figures.stances]
            break
    sheet.row([_("Princip"), _("Titel"), *stance_labels, _("Synpunkter"), _("Förslag till ny formulering"),
                     _("Sammanfattning av synpunkter och ställningstagande")], BOLD, wrap=True)
    for principle in report.principles:
        figures = principle.figures
        counts = [count for _k, _t, count in figures.stances] if figures else []
        sheet.row([principle.number, principle.title, *counts,
                         figures.comments if figures else None, figures.proposed_wordings if figures else None,
                         principle.summary], wrap=True)
    outcomes = [p.alternatives for p in report.principles if p.alternatives] + report.section_alternatives
    if outcomes:
        sheet.row([])
        sheet.row([_("Val mellan alternativ"), _("Alternativ"), _("Antal")], BOLD)
        for outcome in outcomes:
            for alternative in outcome.alternatives:
                sheet.row([outcome.heading, alternative.label, alternative.count], wrap=True)
            sheet.row([outcome.heading, _("Inget alternativ valt"), outcome.without_choice], wrap=True)


def _respondents(book: Workbook, report: data.Report, consultation) -> None:
    headers = [_("Remissinstans"), _("Typ av remissinstans"), _("Nätverk"), _("Har svarat"), _("Inkom"),
               _("Efter svarsdatum"), _("Kanal"), _("Skäl för att avstå"), _("Undertecknat av"), _("Undertecknat")]
    widths = [40, 24, 40, 12, 18, 14, 16, 40, 30, 18]
    if not report.public:
        headers.append(_("Inskickat eller registrerat av"))
        widths.append(44)
    sheet = book.sheet(_("Remissinstanser"), widths, header_row=2)
    draft_or_edition(report, sheet)
    sheet.header(headers)
    for r in data.respondent_rows(consultation, report.public, report.locale):
        values = [r.name, r.kind_label, ", ".join(r.networks) or _("Tillagd utan nätverk"),
                  _("Ja") if r.answered else _("Avstår") if r.declined else _("Nej"),
                  common.local_naive(r.submitted_at), common.yes(r.late), r.channel_label, r.declined_reason,
                  r.signed_by, common.local_naive(r.signed_at)]
        if not report.public:
            values.append(r.registered_by or r.submitted_by)
        sheet.row(values)


def _dissents(book: Workbook, report: data.Report) -> None:
    """"Avvikande meningar": the author named in the internal report only."""
    sheet = book.sheet(_("Avvikande meningar"), [40, 30, 80], header_row=2)
    draft_or_edition(report, sheet)
    sheet.header([_("Remissinstans"), _("Från"), _("Avvikande mening")])
    for dissent in report.dissents:
        sheet.row([dissent.respondent.name, dissent.author or _("en företrädare för remissinstansen"),
                         dissent.text], wrap=True)


def _principles(book: Workbook, report: data.Report, consultation) -> None:
    columns = common.answer_columns(report)
    criteria = len(report.criteria)
    widths = [36, 20, 18, 12, 14, 22] + [14] * criteria + [30, 60, 18, 40, 50, 18, 40, 20, 40, 40]
    rows = data.report_answer_rows(consultation, report)
    row = next(rows, None)
    for principle in report.principles:  # the rows come in the principles' order, a sheet at a time
        sheet = book.sheet(_("Princip %(number)s", number=principle.number), widths, header_row=HEADER_ROW)
        sheet.row([_("Princip %(number)s: %(title)s", number=principle.number, title=principle.title)], TITLE)
        sheet.row([principle.statement])
        draft_or_edition(report, sheet)
        sheet.header(columns)
        while row is not None and row.principle_id == principle.id:
            sheet.row(common.answer_cells(report, row), wrap=True)
            row = next(rows, None)
    if row is not None:
        raise RuntimeError(f"answer row for principle {row.principle_id} out of the principles' order")


def _general(book: Workbook, report: data.Report, consultation) -> None:
    sheet = book.sheet(_("Övergripande frågor"), [40, 36, 70, 18, 50], header_row=2)
    draft_or_edition(report, sheet)
    sheet.header([_("Fråga"), _("Remissinstans"), _("Svar"), _("Hantering"), _("Motivering")])
    for row in data.general_answer_rows(consultation, report.public, report.locale):
        sheet.row([row.question, row.respondent.name, row.text, row.disposition.label,
                         row.disposition.reason], wrap=True)


def _section_choices(book: Workbook, report: data.Report, consultation) -> None:
    headings = {outcome.section_id: outcome.heading for outcome in report.section_alternatives}
    labels = {a.id: a.label for outcome in report.section_alternatives for a in outcome.alternatives}
    sheet = book.sheet(_("Alternativ"), [30, 40, 24, 60], header_row=2)
    draft_or_edition(report, sheet)
    sheet.header([_("Avsnitt"), _("Remissinstans"), _("Föredraget alternativ"), _("Skäl")])
    for row in data.section_choice_rows(consultation, report.public, report.locale):
        sheet.row([headings.get(row.section_id, ""), row.respondent.name,
                         labels.get(row.alternative_id, _("inget valt")), row.reason], wrap=True)


def _appendix(book: Workbook, report: data.Report, consultation) -> None:
    headers = [_("Remissinstans"), _("Kanal"), _("Inkom"), _("Efter svarsdatum")]
    widths = [36, 12, 18, 14]
    if not report.public:
        headers.append(_("Registrerat av"))
        widths.append(40)
    headers += [_("Original"), _("Storlek (byte)"), "SHA-256"]
    widths += [36, 14, 70]
    sheet = book.sheet(_("Bilaga"), widths, header_row=2)
    draft_or_edition(report, sheet)
    sheet.header(headers)
    for entry in data.appendix_rows(consultation, report.public, report.locale):
        r = entry.respondent
        base = [r.name, r.channel_label, common.local_naive(r.submitted_at), common.yes(r.late)]
        if not report.public:
            base.append(r.registered_by)
        for attachment in entry.attachments or [None]:
            if attachment is None:
                sheet.row(base + [_("Inget original bifogat"), None, None])
            else:
                sheet.row(base + [attachment.filename, attachment.size, attachment.sha256])
