"""The report as an editable Word document (python-docx).

Real heading styles (Rubrik 1–3 in a Swedish Word) so that the navigation pane and a table of
contents work; tables with a repeated header row; a table-of-contents field that Word fills in
when the document is opened; the reference number (and UTKAST, for a draft) in the page header
and "Sida X av Y" in the footer. User text is written as typed: plain text, never markup.
"""
from __future__ import annotations

import io
import re

from docx import Document
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from flask_babel import force_locale, gettext as _, ngettext

from remiss.reports import common
from remiss.reports.data import Report
from remiss.i18n import babel_locale

DRAFT_RED = RGBColor(0x8A, 0x1C, 0x14)
# Characters XML 1.0 cannot carry (python-docx would refuse the whole document).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def clean(text) -> str:
    return _NOT_XML.sub("", str(text or ""))


def render(report: Report) -> bytes:
    with force_locale(babel_locale(report.locale)):
        document = _Writer(report).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def page_furniture(doc, header_text: str, draft_marker: str | None = None) -> None:
    """Header (small text, and a bold red draft marker when there is one) and a footer 'Sida X av Y'
    with Word's PAGE and NUMPAGES fields: for the report and for an exported document version."""
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.add_run(clean(header_text)).font.size = Pt(8)
    if draft_marker:
        marker = header.add_run("   " + draft_marker)
        marker.bold = True
        marker.font.color.rgb = DRAFT_RED
    footer = section.footer.paragraphs[0]
    page_text = _("Sida %(page)s av %(pages)s", page="\x00", pages="\x01")
    for piece in re.split(r"([\x00\x01])", page_text):
        if piece == "\x00":
            _field(footer, "PAGE", "1")
        elif piece == "\x01":
            _field(footer, "NUMPAGES", "1")
        elif piece:
            footer.add_run(piece)


def _field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC): begin, instruction, separate, shown text, end."""
    def run_with(element):
        run = paragraph.add_run()
        run._r.append(element)
        return run

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(code)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _repeat_header(row) -> None:
    """Mark a table row as its header: repeated on every page and announced as such by screen readers."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _no_split(row) -> None:
    properties = row._tr.get_or_add_trPr()
    properties.append(OxmlElement("w:cantSplit"))


class _Writer:
    def __init__(self, report: Report):
        self.report = report
        self.doc = Document()

    # --- building blocks --------------------------------------------------------------------

    def heading(self, text: str, level: int):
        return self.doc.add_heading(clean(text), level=level)

    def paragraph(self, text: str = "", style: str | None = None, bold_label: str | None = None):
        paragraph = self.doc.add_paragraph(style=style)
        if bold_label:
            paragraph.add_run(clean(bold_label) + " ").bold = True
        if text:
            paragraph.add_run(clean(text))
        return paragraph

    def user_text(self, text: str, style: str | None = None) -> None:
        """Text as the person typed it: blank lines part paragraphs, single newlines break lines."""
        for block in re.split(r"\n\s*\n", clean(text).strip()):
            paragraph = self.doc.add_paragraph(style=style)
            for i, line in enumerate(block.split("\n")):
                if i:
                    paragraph.add_run().add_break(WD_BREAK.LINE)
                paragraph.add_run(line)

    def table(self, headers: list[str], rows: list[list[str]], widths=None):
        table = self.doc.add_table(rows=1, cols=len(headers))
        table.style = "Table Grid"
        header = table.rows[0]
        _repeat_header(header)
        for cell, text in zip(header.cells, headers):
            cell.text = ""
            cell.paragraphs[0].add_run(clean(text)).bold = True
        for values in rows:
            row = table.add_row()
            _no_split(row)
            for cell, value in zip(row.cells, values):
                cell.text = clean(value)
        self.doc.add_paragraph()
        return table

    def redacted_note(self, notes) -> None:
        """Internal report: the passages the public version hides, with their reasons."""
        for note in notes:
            paragraph = self.paragraph(f"”{note.passage}” – {_('skäl: %(reason)s', reason=note.reason)}",
                                       bold_label=_("Maskeras i den offentliga versionen:"))
            paragraph.paragraph_format.left_indent = Pt(14)

    def disposition(self, label: str, d) -> None:
        if d is None:
            return
        paragraph = self.paragraph(d.label, bold_label=f"{label}:")
        paragraph.paragraph_format.left_indent = Pt(14)
        if d.reason:
            first = True
            for block in re.split(r"\n\s*\n", clean(d.reason).strip()):
                reason = self.doc.add_paragraph()
                reason.paragraph_format.left_indent = Pt(14)
                if first:
                    reason.add_run(_("Motivering:") + " ").bold = True
                    first = False
                reason.add_run(block)

    # --- the document -----------------------------------------------------------------------

    def write(self):
        report = self.report
        self.properties()
        self.page_furniture()
        self.title_page()
        self.contents()
        self.about()
        self.respondents()
        for principle in report.principles:
            self.principle(principle)
        if report.section_alternatives:
            self.heading(_("Val mellan alternativ"), 1)
            for outcome in report.section_alternatives:
                self.heading(outcome.heading, 2)
                self.alternatives(outcome)
        if report.general_questions:
            self.general()
        self.appendix()
        self.paragraph(self.closing_text(), style="Caption")
        return self.doc

    def properties(self) -> None:
        report = self.report
        properties = self.doc.core_properties
        # Word's document properties hold at most 255 characters; a title may be 300 (python-docx refuses more).
        properties.title = clean(f"{_('Remissammanställning')}: {report.title}")[:255]
        properties.subject = clean(report.document_title)[:255]
        properties.author = "Remiss"
        properties.keywords = clean(report.reference_number)[:255]
        properties.language = "sv-SE" if report.locale == "sv" else "en-GB"
        properties.category = common.draft_word() if report.draft else common.edition(report)
        properties.comments = clean(common.draft_notice() if report.draft else common.audience(report))
        # The language of the text, for spelling and screen readers.
        styles = self.doc.styles.element
        defaults = styles.find(qn("w:docDefaults"))
        run_properties = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        language = OxmlElement("w:lang")
        language.set(qn("w:val"), properties.language)
        run_properties.append(language)
        # Ask Word to fill in the table of contents and page counts when the file is opened.
        update = OxmlElement("w:updateFields")
        update.set(qn("w:val"), "true")
        self.doc.settings.element.append(update)

    def page_furniture(self) -> None:
        report = self.report
        text = report.title
        if report.reference_number:
            text += f" – {_('Diarienummer')} {report.reference_number}"
        page_furniture(self.doc, text, common.draft_word() if report.draft else None)

    def title_page(self) -> None:
        report = self.report
        self.paragraph(_("Remissammanställning"), style="Subtitle")
        self.doc.add_paragraph(clean(report.title), style="Title")
        if report.reference_number:
            reference = self.paragraph(f"{_('Diarienummer')} {report.reference_number}")
            reference.runs[0].bold = True
            reference.runs[0].font.size = Pt(14)
        if report.draft:
            draft = self.doc.add_paragraph()
            run = draft.add_run(common.draft_notice())
            run.bold = True
            run.font.size = Pt(14)
            run.font.color.rgb = DRAFT_RED
        facts = [
            (_("Dokument"), f"{report.document_title}, {_('version %(number)s', number=report.version_number)}"),
            (_("Remisstid"), f"{common.day(report.opens_at)} – {common.when(report.deadline)}"),
            (_("Sammanställningen"), common.edition(report)),
            (_("Utgåva"), common.audience(report)),
            (_("Skapad"), common.when(report.generated_at)),
        ]
        for name, value in facts:
            self.paragraph(value, bold_label=f"{name}:")
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def contents(self) -> None:
        self.paragraph(_("Innehåll"), style="TOC Heading")
        paragraph = self.doc.add_paragraph()
        _field(paragraph, 'TOC \\o "1-2" \\h \\z \\u',
               _("Innehållsförteckningen fylls i när dokumentet öppnas i Word (eller: högerklicka och välj "
                 "Uppdatera fält)."))
        self.doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    def about(self) -> None:
        report = self.report
        self.heading(_("Om remissen"), 1)
        facts = [
            (_("Remiss"), report.title),
            (_("Diarienummer"), report.reference_number or _("Inget angivet")),
            (_("Dokument"), report.document_title),
            (_("Version"), str(report.version_number)),
            (_("Öppnade"), common.when(report.opens_at)),
            (_("Svarsdatum"), common.when(report.deadline)),
        ]
        if report.version_owner:
            facts.insert(4, (_("Ägare"), report.version_owner))
        if report.closed_at:
            facts.append((_("Stängdes"), common.when(report.closed_at)))
        facts.append((_("Svarsfrekvens"), _("%(answered)d av %(asked)d remissinstanser har svarat",
                                             answered=report.answered_count, asked=report.asked)))
        facts.append((_("Avstår"), str(report.declined_count)))
        facts.append((_("Saknas"), str(report.missing_count)))
        for name, value in facts:
            self.paragraph(value, bold_label=f"{name}:")
        if report.purpose:
            self.heading(_("Syfte"), 2)
            self.user_text(report.purpose)
        self.heading(_("Frågorna"), 2)
        self.paragraph(_("För varje princip fick remissinstanserna ta ställning och bedöma principen mot "
                         "kvalitetskriterierna:"))
        for _id, text in report.criteria:
            self.paragraph(text, style="List Number")
        self.paragraph(_("Svarsskala för kriterierna: %(scale)s.",
                         scale=", ".join(text for _value, text in report.ratings)))

    def respondents(self) -> None:
        report = self.report
        self.heading(_("Remissinstanser och svar"), 1)
        rows = [[n.name, str(n.asked), str(n.answered), str(n.declined), str(n.missing)] for n in report.networks]
        rows.append([_("Totalt (en remissinstans räknas en gång)"), str(report.asked), str(report.answered_count),
                     str(report.declined_count), str(report.missing_count)])
        self.table([_("Nätverk"), _("Tillfrågade"), _("Har svarat"), _("Avstår"), _("Saknas")], rows)
        self.heading(_("Tillfrågade remissinstanser"), 2)
        for network, members in report.respondents_by_network():
            self.paragraph(bold_label=network)
            for respondent in members:
                self.paragraph(respondent.name, style="List Bullet")
        self.heading(_("Inkomna svar"), 2)
        if report.answered:
            headers = [_("Remissinstans"), _("Inkom"), _("Kanal")]
            if not report.public:
                headers.append(_("Inskickat eller registrerat av"))
            rows = []
            for r in report.answered:
                row = [r.name, common.when(r.submitted_at) + (f" ({_('efter svarsdatum')})" if r.late else "")
                       + (" – " + _("Undertecknat av %(name)s, %(when)s", name=r.signed_by, when=common.day(r.signed_at))
                          if r.signed_by else ""),
                       r.channel_label]
                if not report.public:
                    row.append(r.registered_by or r.submitted_by)
                rows.append(row)
            self.table(headers, rows)
        else:
            self.paragraph(_("Inga svar har kommit in."))
        self.heading(_("Avstår från att yttra sig"), 2)
        if report.declined:
            for respondent in report.declined:
                self.paragraph(respondent.name + (f": {respondent.declined_reason}" if respondent.declined_reason else ""),
                               style="List Bullet")
        else:
            self.paragraph(_("Ingen remissinstans har meddelat att den avstår."))
        self.heading(_("Har inte svarat"), 2)
        if report.not_answered:
            for respondent in report.not_answered:
                self.paragraph(respondent.name, style="List Bullet")
        else:
            self.paragraph(_("Alla tillfrågade har svarat eller meddelat att de avstår.") if report.declined
                           else _("Alla tillfrågade har svarat."))
        if report.dissents:
            self.heading(_("Avvikande meningar"), 2)
            self.paragraph(_("Företrädare för en remissinstans som inte står bakom organisationens svar har lämnat en "
                             "avvikande mening. Den hör till svaret."))
            for dissent in report.dissents:
                self.heading(_("Avvikande mening från %(name)s, %(organisation)s", name=dissent.author,
                               organisation=dissent.respondent.name) if dissent.author
                             else _("Avvikande mening från en företrädare för %(organisation)s",
                                    organisation=dissent.respondent.name), 3)
                self.user_text(dissent.text)

    def principle(self, principle) -> None:
        report = self.report
        self.heading(_("Princip %(number)s: %(title)s", number=principle.number, title=principle.title), 1)
        self.heading(_("Remitterad text"), 2)
        self.user_text(principle.statement, style="Quote")
        if principle.keywords:
            self.paragraph(", ".join(principle.keywords), bold_label=_("Nyckelord:"))
        self.heading(_("Ställningstaganden och kriterier"), 2)
        figures = principle.figures
        if figures is not None:
            self.paragraph(" ".join([
                ngettext("%(num)d svar.", "%(num)d svar.", figures.answered),
                ngettext("%(num)d synpunkt", "%(num)d synpunkter", figures.comments) + ",",
                ngettext("%(num)d förslag till ny formulering.", "%(num)d förslag till ny formulering.",
                         figures.proposed_wordings),
            ]))
            self.table([_("Ställningstagande"), _("Antal")], [[text, str(count)] for _k, text, count in figures.stances])
            if figures.criteria:
                headers = [_("Kriterium")] + [text for text, _count in figures.criteria[0][1]]
                rows = [[f"{i}. {text}"] + [str(count) for _label, count in counts]
                        for i, (text, counts) in enumerate(figures.criteria, 1)]
                self.table(headers, rows)
        self.heading(_("Sammanfattning av synpunkter och ställningstagande"), 2)
        if principle.summary:
            self.user_text(principle.summary)
        else:
            self.paragraph(_("Ingen sammanfattning har skrivits."))
        if principle.groups:
            self.heading(_("Grupper av liknande synpunkter"), 2)
            for group in principle.groups:
                self.paragraph(f"{group.label or _('Grupp utan namn')} "
                               f"({ngettext('%(num)d text', '%(num)d texter', group.members)})")
        if principle.alternatives is not None:
            self.heading(_("Val mellan alternativ"), 2)
            self.alternatives(principle.alternatives)
        self.heading(_("Svaren"), 2)
        if not principle.answers:
            self.paragraph(_("Inga svar har kommit in."))
            return
        headers = [_("Remissinstans")]
        if report.asks["stance"]:
            headers.append(_("Ställningstagande"))
        headers += [_("Krit. %(number)s", number=i) for i in range(1, len(report.criteria) + 1)]
        rows = []
        for answer in principle.answers:
            row = [answer.respondent.name]
            if report.asks["stance"]:
                row.append(answer.stance_label or "–")
            row += [(c.rating if report.criteria_scale == "one_to_four" else c.rating_label) or "–"
                    for c in answer.criteria]
            rows.append(row)
        self.table(headers, rows)
        for answer in principle.answers:
            criterion_comments = [c for c in answer.criteria if c.comment]
            if not (answer.comment or answer.proposed_wording or answer.alternative_reason or criterion_comments):
                continue
            name = answer.respondent.name
            if answer.respondent.late:
                name += f" ({_('inkom efter svarsdatum')})"
            self.heading(name, 3)
            if answer.stance_label:
                self.paragraph(answer.stance_label, bold_label=_("Ställningstagande:"))
            if answer.comment:
                self.paragraph(bold_label=_("Synpunkter"))
                self.user_text(answer.comment)
                self.redacted_note(answer.comment_redactions)
                self.disposition(_("Hantering"), answer.comment_disposition)
            if answer.proposed_wording:
                self.paragraph(bold_label=_("Förslag till ny formulering"))
                self.user_text(answer.proposed_wording, style="Quote")
                self.redacted_note(answer.wording_redactions)
                self.disposition(_("Hantering av förslaget"), answer.wording_disposition)
            for i, c in enumerate(answer.criteria, 1):
                if c.comment:
                    self.paragraph(bold_label=f"{_('Kommentar till kriterium %(number)s', number=i)} ({c.criterion})")
                    self.user_text(c.comment)
            if answer.alternative_label or answer.alternative_reason:
                self.paragraph(answer.alternative_label or _("inget valt"), bold_label=_("Föredraget alternativ:"))
                if answer.alternative_reason:
                    self.user_text(answer.alternative_reason)

    def alternatives(self, outcome) -> None:
        rows = [[a.label, str(a.count)] for a in outcome.alternatives]
        rows.append([_("Inget alternativ valt"), str(outcome.without_choice)])
        self.table([_("Alternativ"), _("Antal")], rows)
        for alternative in outcome.alternatives:
            self.heading(alternative.label, 3)
            if alternative.body:
                self.user_text(alternative.body, style="Quote")
            if alternative.choices:
                self.paragraph(ngettext("Föredras av %(num)d remissinstans:", "Föredras av %(num)d remissinstanser:",
                                        alternative.count))
                for choice in alternative.choices:
                    item = self.paragraph(style="List Bullet")
                    item.add_run(clean(choice.respondent.name)).bold = True
                    if choice.reason:
                        item.add_run(": " + clean(choice.reason))
            elif alternative.count == 0:
                self.paragraph(_("Ingen remissinstans föredrar alternativet."))
        if outcome.reasons_without_choice:
            self.paragraph(_("Skäl från remissinstanser som inte valde något alternativ:"))
            for choice in outcome.reasons_without_choice:
                item = self.paragraph(style="List Bullet")
                item.add_run(clean(choice.respondent.name)).bold = True
                item.add_run(": " + clean(choice.reason))

    def general(self) -> None:
        self.heading(_("Övergripande frågor"), 1)
        for question in self.report.general_questions:
            self.heading(f"{question.position}. {question.text}", 2)
            if not question.answers:
                self.paragraph(_("Ingen remissinstans svarade på frågan."))
            for answer in question.answers:
                name = answer.respondent.name
                if answer.respondent.late:
                    name += f" ({_('inkom efter svarsdatum')})"
                self.heading(name, 3)
                self.user_text(answer.text)
                self.redacted_note(answer.redactions)
                self.disposition(_("Hantering"), answer.disposition)

    def appendix(self) -> None:
        report = self.report
        self.heading(_("Bilaga: svar registrerade för remissinstansens räkning"), 1)
        self.paragraph(_("Svar som kom in per e-post eller på papper och registrerades av processansvarig. "
                         "Originalen finns sparade med kontrollsumma (SHA-256)."))
        if not report.appendix:
            self.paragraph(_("Inga svar registrerades för någon remissinstans räkning."))
            return
        headers = [_("Remissinstans"), _("Kanal"), _("Inkom")]
        if not report.public:
            headers.append(_("Registrerat av"))
        headers.append(_("Original"))
        rows = []
        for entry in report.appendix:
            r = entry.respondent
            row = [r.name, r.channel_label,
                   common.when(r.submitted_at) + (f" ({_('efter svarsdatum')})" if r.late else "")]
            if not report.public:
                row.append(r.registered_by)
            row.append("\n".join(f"{a.filename} ({common.size(a.size)}), SHA-256: {a.sha256}"
                                 for a in entry.attachments) or _("Inget original bifogat"))
            rows.append(row)
        self.table(headers, rows)

    def closing_text(self) -> str:
        report = self.report
        text = _("Sammanställningen är gjord i Remiss %(when)s.", when=common.when(report.generated_at))
        if report.public:
            return text + " " + _("Offentlig version: e-postadresser och namn på dem som skickade in svaren är "
                                  "utelämnade. Enskilda personer namnges bara om de har samtyckt till det.")
        return text + " " + _("Intern version: innehåller personuppgifter (namn och e-postadresser) om vem som "
                              "skickade in eller registrerade svaren.")
