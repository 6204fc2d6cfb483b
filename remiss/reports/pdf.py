"""The report as PDF, made by WeasyPrint from the same HTML document.

Paged media only WeasyPrint understands lives here: a title page, the table of contents with
page numbers (target-counter), "Sida X av Y" at the foot, the reference number as running
header, a diagonal UTKAST watermark on every page of a draft. Fonts (DejaVu, fonts-dejavu-core)
are embedded as subsets. The PDF is tagged as PDF/UA-1 (WeasyPrint ≥ 61 writes the structure
tree, the document language and the title from <html lang> and <title>).
"""
from __future__ import annotations

import re

from flask import render_template
from flask_babel import force_locale, gettext as _

from remiss.reports import common
from remiss.reports.data import Report
from remiss.reports.html import render_html

PDF_VARIANT = "pdf/ua-1"


def css_string(text: str) -> str:
    """A CSS string literal of any text (the reference number is typed by a person)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("\r", " ")
    return f'"{escaped}"'


def page_counter_content() -> str:
    """'Sida X av Y' in the report's language, as a CSS content value."""
    text = _("Sida %(page)s av %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    parts = []
    for piece in re.split(r"(\x00pages?\x00)", text):
        if piece == "\x00page\x00":
            parts.append("counter(page)")
        elif piece == "\x00pages\x00":
            parts.append("counter(pages)")
        elif piece:
            parts.append(css_string(piece))
    return " ".join(parts)


def paged_css(report: Report) -> str:
    with force_locale(report.locale):
        return render_template(
            "reports/paged.css", report=report, page_counter=page_counter_content(),
            draft_word=css_string(common.draft_word()),
        )


def render(report: Report) -> bytes:
    from weasyprint import CSS, HTML

    html = render_html(report)
    document = HTML(string=html, base_url=None)
    return document.write_pdf(stylesheets=[CSS(string=paged_css(report))], pdf_variant=PDF_VARIANT,
                              pdf_tags=True)
