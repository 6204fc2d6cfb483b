"""A golden snapshot of a small report (the world of conftest.py, internal version, draft) that
reviewers can read: tests/reports/golden/report.html.

Dates are replaced by placeholders before comparing, and each chart (inline SVG made by
remiss.consolidation.charts, tested there) by its title: the snapshot is about the report.
When the report changes on purpose, regenerate the file and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest -q tests/reports/test_golden.py
"""
from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

import pytest

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.reports import html as report_html, rendering

GOLDEN = Path(__file__).parent / "golden" / "report.html"


def normalise(html: str) -> str:
    html = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "ÅÅÅÅ-MM-DDTHH:MM:SSZ", html)
    html = re.sub(r"\b\d{1,2} (januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|"
                  r"december) \d{4}( kl\. \d{2}:\d{2})?", lambda m: "D MÅNAD ÅÅÅÅ" + (" kl. HH:MM" if m.group(2) else ""),
                  html)
    html = re.sub(r"<svg\b.*?<title[^>]*>(.*?)</title>.*?</svg>", r"<svg><!-- chart: \1 --></svg>", html, flags=re.S)
    return html


@pytest.mark.parametrize("through_files", [False, True])
def test_golden_html(app, world, monkeypatch, through_files):
    """`through_files`: with a tiny chunk and memory limit every list the report writes twice goes
    through a temporary file (html.Spool), as in a large report; the bytes are the same."""
    if through_files:
        monkeypatch.setattr(report_html.common, "CHUNK", 80)
        monkeypatch.setattr(report_html, "SPOOL_MEMORY", 100)
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        html = normalise(rendering.render(consultation, "html", public=False).decode("utf-8"))
    if os.environ.get("UPDATE_GOLDEN") == "1" or not GOLDEN.exists():
        GOLDEN.write_text(html, encoding="utf-8")
    expected = GOLDEN.read_text(encoding="utf-8")
    if html != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), html.splitlines(True), "golden", "rendered"))
        raise AssertionError("the report differs from tests/reports/golden/report.html "
                             "(UPDATE_GOLDEN=1 regenerates it):\n" + diff[:6000])


def test_a_spool_gives_back_every_piece_in_order(monkeypatch):
    """What a large report's lists write to a spool comes back whole, whether it stayed in memory,
    went to a file, or ended with pieces not yet written to the file."""
    monkeypatch.setattr(report_html, "SPOOL_MEMORY", 100)
    pieces = [f"<li>Remissinstans {n} – ”å, ä & ö”</li>" * (n % 3 + 1) for n in range(60)] + ["</ul>"]
    for chunk in (10_000, 200, 45):
        monkeypatch.setattr(report_html.common, "CHUNK", chunk)
        spool = report_html.Spool()
        assert not spool
        for piece in pieces:
            spool.write(piece)
        assert spool
        assert "".join(spool.chunks()) == "".join(pieces)
