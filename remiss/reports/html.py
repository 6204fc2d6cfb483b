"""The report as one standalone, printable HTML document (templates/reports/report.html)."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup

from remiss.reports import common
from remiss.reports.data import Report
from remiss.i18n import babel_locale


def render_html(report: Report, paged_css: Markup | None = None) -> str:
    """The whole document as text; `render` gives the bytes that are downloaded and frozen.
    `paged_css` (the PDF's paged media, our own stylesheet) comes after the screen stylesheet."""
    with force_locale(babel_locale(report.locale)):
        return render_template("reports/report.html", report=report, fmt=common, paged_css=paged_css)


def render(report: Report) -> bytes:
    return render_html(report).encode("utf-8")
