"""The report as one standalone, printable HTML document (templates/reports/report.html)."""
from __future__ import annotations

from flask import render_template
from flask_babel import force_locale

from remiss.reports import common
from remiss.reports.data import Report


def render_html(report: Report) -> str:
    """The whole document as text; `render` gives the bytes that are downloaded and frozen."""
    with force_locale(report.locale):
        return render_template("reports/report.html", report=report, fmt=common)


def render(report: Report) -> bytes:
    return render_html(report).encode("utf-8")
