"""The report as PDF, made by WeasyPrint from the same HTML document.

Paged media only WeasyPrint understands lives here: a title page, the table of contents with
page numbers (target-counter), "Sida X av Y" at the foot, the reference number as running
header, a diagonal UTKAST watermark on every page of a draft. Fonts (DejaVu, fonts-dejavu-core)
are embedded as subsets. The PDF is tagged as PDF/UA-1 (WeasyPrint ≥ 61 writes the structure
tree, the document language and the title from <html lang> and <title>).

The watermark is a page background image, not text: backgrounds are artifacts, so screen
readers, copying and text extraction do not meet "UTKAST" in the middle of every page (the
draft is said in words on the title page and in every page's footer).
"""
from __future__ import annotations

import base64
import io
import re
from functools import lru_cache

from flask import render_template
from flask_babel import force_locale, gettext as _
from markupsafe import Markup

from remiss.reports import common
from remiss.reports.data import Report
from remiss.reports.html import render_html
from remiss.i18n import babel_locale

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


WATERMARK_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"  # fonts-dejavu-core


@lru_cache(maxsize=4)
def watermark_png(word: str) -> bytes:
    """The word across an A4 page (150 dpi), diagonal, in a pale red on a transparent ground."""
    from PIL import Image, ImageDraw, ImageFont

    width, height = 1240, 1754
    try:
        font = ImageFont.truetype(WATERMARK_FONT, 230)
    except OSError:
        font = ImageFont.load_default(size=230)
    layer = Image.new("RGBA", (height, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), word, font=font)
    draw.text(((height - (right - left)) / 2 - left, (height - (bottom - top)) / 2 - top), word, font=font,
              fill=(138, 28, 20, 36))
    layer = layer.rotate(55, resample=Image.Resampling.BICUBIC)
    page = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    page.alpha_composite(layer, ((width - height) // 2, 0))
    buffer = io.BytesIO()
    page.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def paged_css(report: Report) -> str:
    with force_locale(babel_locale(report.locale)):
        watermark = ""
        if report.draft:
            watermark = "data:image/png;base64," + base64.b64encode(watermark_png(common.draft_word())).decode()
        return render_template(
            "reports/paged.css", report=report, page_counter=page_counter_content(),
            draft_word=css_string(common.draft_word()), watermark=watermark,
        )


def render(report: Report) -> bytes:
    from weasyprint import HTML

    # Our own stylesheet (translated strings CSS-escaped, the watermark base64): safe to put in <style>.
    html = render_html(report, paged_css=Markup(paged_css(report)))
    return HTML(string=html, base_url=None).write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
