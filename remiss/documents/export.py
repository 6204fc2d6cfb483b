"""A version of a principle document as PDF (WeasyPrint) and as Word (python-docx).

The same approach as the consolidated report (remiss/reports/pdf.py and docx.py), whose helpers
are reused: the PDF is made from a standalone HTML document (templates/documents/export.html) with
paged media – "Sida X av Y", the title as running header, DejaVu fonts embedded, PDF/UA-1 tags –
and a version that is not approved carries the UTKAST watermark as a page background. The Word file
has real heading styles: every principle is a Heading 1, so the navigation pane lists them.
"""
from __future__ import annotations

import base64
import io
import re

from docx import Document as WordDocument
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from flask import render_template
from flask_babel import format_date, get_locale, gettext as _
from markupsafe import Markup

from remiss.documents import states
from remiss.documents.models import DocumentVersion
from remiss.reports.docx import DRAFT_RED, clean, page_furniture
from remiss.reports.pdf import PDF_VARIANT, css_string, page_counter_content, watermark_png
from remiss.reports import common


def file_name(version: DocumentVersion, extension: str) -> str:
    return f"{version.document.key}-version-{version.number}.{extension}"


def language() -> str:
    """The language the file is written in (the interface language of the request)."""
    locale = get_locale()
    return locale.language if locale is not None else "sv"


# --- PDF -------------------------------------------------------------------------------------------------


def render_html(version: DocumentVersion, decision=None, paged_css: Markup | None = None) -> str:
    return render_template("documents/export.html", version=version, document=version.document,
                           decision=decision, paged_css=paged_css, lang=language(),
                           approved=states.is_public(version))


def paged_css(version: DocumentVersion) -> str:
    approved = states.is_public(version)
    watermark = ""
    if not approved:
        watermark = "data:image/png;base64," + base64.b64encode(watermark_png(common.draft_word())).decode()
    return render_template(
        "documents/export_paged.css", approved=approved, page_counter=page_counter_content(),
        not_approved=css_string(_("Inte fastställd")), watermark=watermark,
    )


def render_pdf(version: DocumentVersion, decision=None) -> bytes:
    from weasyprint import HTML

    # Our own stylesheet (translated strings CSS-escaped, the watermark base64): safe to put in <style>.
    html = render_html(version, decision, paged_css=Markup(paged_css(version)))
    return HTML(string=html, base_url=None).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)


# --- DOCX ------------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_EMPHASIS = re.compile(r"(\*\*[^*\n]+\*\*|\*[^*\n]+\*)")


class _Writer:
    def __init__(self, version: DocumentVersion, decision=None):
        self.version = version
        self.decision = decision
        self.doc = WordDocument()

    def paragraph(self, text: str = "", style: str | None = None, bold_label: str | None = None):
        paragraph = self.doc.add_paragraph(style=style)
        if bold_label:
            paragraph.add_run(clean(bold_label) + " ").bold = True
        if text:
            paragraph.add_run(clean(text))
        return paragraph

    def inline(self, paragraph, text: str, bold: bool = False) -> None:
        """Runs of text with Markdown's **strong** and *emphasis* as bold and italic runs."""
        for piece in _EMPHASIS.split(text):
            if not piece:
                continue
            if piece.startswith("**") and piece.endswith("**") and len(piece) > 4:
                paragraph.add_run(piece[2:-2]).bold = True
            elif piece.startswith("*") and piece.endswith("*") and len(piece) > 2:
                run = paragraph.add_run(piece[1:-1])
                run.italic = True
                run.bold = bold or None
            else:
                paragraph.add_run(piece).bold = bold or None

    def markdown_text(self, text: str, bold: bool = False) -> None:
        """The Markdown source as Word paragraphs: a blank line parts paragraphs, a single newline is
        a space (as in Markdown), list items become Word list paragraphs, **strong** is bold."""
        for block in re.split(r"\n\s*\n", clean(text).strip()):
            if not block.strip():
                continue
            lines = block.split("\n")
            if any(_BULLET.match(line) or _NUMBERED.match(line) for line in lines):
                current = None
                for line in lines:
                    if _BULLET.match(line) or _NUMBERED.match(line):
                        style = "List Bullet" if _BULLET.match(line) else "List Number"
                        current = self.doc.add_paragraph(style=style)
                        self.inline(current, _NUMBERED.sub("", _BULLET.sub("", line)), bold)
                    elif current is None:
                        current = self.doc.add_paragraph()
                        self.inline(current, line.strip(), bold)
                    else:
                        self.inline(current, " " + line.strip(), bold)
                continue
            paragraph = self.doc.add_paragraph()
            self.inline(paragraph, " ".join(line.strip() for line in lines), bold)

    def properties(self) -> None:
        version = self.version
        properties = self.doc.core_properties
        # Word's document properties hold at most 255 characters; a title or owner may be 300.
        properties.title = clean(version.title)[:255]
        properties.subject = clean(version.document.key)[:255]
        properties.author = clean(version.owner or "Remiss")[:255]
        properties.language = "sv-SE" if language() == "sv" else "en-GB"
        properties.category = clean(_("Version %(number)s", number=version.number))
        styles = self.doc.styles.element
        run_properties = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), properties.language)
        run_properties.append(lang)

    def page_furniture(self) -> None:
        version = self.version
        page_furniture(self.doc, f"{version.title} – {_('version %(number)s', number=version.number)}",
                       None if states.is_public(version) else _("Inte fastställd"))

    def front(self) -> None:
        version = self.version
        self.doc.add_paragraph(clean(version.title), style="Title")
        if not states.is_public(version):
            notice = self.doc.add_paragraph()
            run = notice.add_run(_("Inte fastställd. Den här versionen är ett arbetsmaterial."))
            run.bold = True
            run.font.color.rgb = DRAFT_RED
        facts = [(_("Version"), str(version.number))]
        if version.owner:
            facts.append((_("Ägare"), version.owner))
        if version.decision_body:
            facts.append((_("Beslutas av"), version.decision_body))
        decision = self.decision
        if decision is not None:
            facts.append((_("Fastställd"), format_date(decision.decided_on, "long")))
            if decision.body:
                facts.append((_("Beslutat av"), decision.body))
            reference = ", ".join(part for part in (decision.minutes_reference, decision.paragraph) if part)
            if reference:
                facts.append((_("Protokoll"), reference))
        for name, value in facts:
            self.paragraph(value, bold_label=f"{name}:")
        if version.change_summary:
            self.doc.add_heading(_("Ändringar i den här versionen"), level=1)
            self.markdown_text(version.change_summary)

    def part(self, part) -> None:
        if hasattr(part, "statement"):
            self.doc.add_heading(clean(_("Princip %(number)s.", number=part.number) + " " + part.title), level=1)
            if part.statement:
                self.markdown_text(part.statement, bold=True)
            if part.keyword_list:
                self.paragraph(", ".join(part.keyword_list), bold_label=_("Nyckelord") + ":")
            self.doc.add_heading(_("Vad innebär det för utförare och utvecklare?"), level=2)
            if part.implications:
                self.markdown_text(part.implications)
            else:
                self.paragraph(_("Ännu inte beskrivet."))
        else:
            self.doc.add_heading(clean(part.heading), level=1)
            self.markdown_text(part.body or "")
        for alternative in part.alternatives:
            self.doc.add_heading(clean(f"{_('Alternativ')}: {alternative.label}"), level=2)
            self.markdown_text(alternative.body or "")

    def write(self):
        self.properties()
        self.page_furniture()
        self.front()
        for part in self.version.parts:
            self.part(part)
        return self.doc


def render_docx(version: DocumentVersion, decision=None) -> bytes:
    document = _Writer(version, decision).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
