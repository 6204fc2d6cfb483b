"""Report generation per format against the floor.

The floor is the least any report can cost: one hand-written SQL SELECT of the same rows the
answer table of every format shows (each submitted answer × principle with its respondent's
name, the principle, stance, comment, proposed wording and the four criterion ratings pivoted
into columns), sent through the database driver's own cursor and fetched to the last row, with
no ORM, no Python objects beyond the driver's tuples and no formatting. A format's ratio is its
time divided by that.

PDF and DOCX are laid out as a whole (pages, a table of contents): their time and pages per
second are reported instead, up to BENCH_PDF_MAX respondents (default 1 000) – a 100 000
respondent PDF is some 50 000 pages, not a document anyone prints. The HTML report is one
document built whole from the full Report, so it is measured up to BENCH_HTML_MAX respondents
(default 10 000).
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
import time

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.reports import rendering

from benchmarks.common import timed

STREAMED = ("csv", "json", "xlsx")
TARGETS = {"html": 3.0, "csv": 3.0, "json": 3.0, "xlsx": 6.0}


def floor_sql(world) -> tuple[str, dict]:
    ratings = []
    joins = []
    for i, criterion_id in enumerate(world.criterion_ids):
        ratings.append(f"c{i}.rating, c{i}.comment")
        joins.append(f"LEFT JOIN criterion_answer c{i} ON c{i}.principle_answer_id = pa.id "
                     f"AND c{i}.criterion_id = {int(criterion_id)}")
    sql = (
        "SELECT o.name, pt.number, pt.title, pa.stance, pa.comment, pa.proposed_wording, s.submitted_at, "
        + ", ".join(ratings) +
        " FROM respondent r JOIN organisation o ON o.id = r.organisation_id"
        " JOIN response s ON s.respondent_id = r.id AND s.status = 'submitted'"
        " JOIN principle_answer pa ON pa.response_id = s.id"
        " JOIN principle_text pt ON pt.id = pa.principle_text_id "
        + " ".join(joins) +
        f" WHERE r.consultation_id = {int(world.consultation_id)} ORDER BY pt.position, o.name"
    )
    return sql, {}


def floor(world) -> tuple[float, int]:
    """Seconds for the plain SELECT through the driver, and the number of rows."""
    sql, _ = floor_sql(world)
    rows = 0

    def run():
        nonlocal rows
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(sql)
            rows = sum(1 for _ in cursor)
            cursor.close()
        finally:
            connection.close()

    return timed(run), rows


def produce(consultation_id: int, fmt: str) -> int:
    """Build one report as a download would (streamed formats drained chunk by chunk); its size."""
    consultation = db.session.get(Consultation, consultation_id)
    if fmt in STREAMED:
        size = sum(len(chunk) for chunk in rendering.stream(consultation, fmt, public=False))
    else:
        size = len(rendering.render(consultation, fmt, public=False))
    db.session.remove()
    return size


def pdf_pages(content: bytes) -> int:
    if shutil.which("pdfinfo"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
            file.write(content)
            file.flush()
            info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True).stdout
        match = re.search(r"Pages:\s+(\d+)", info)
        if match:
            return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", content))


def docx_pages_estimate(content: bytes) -> int:
    """Word lays out pages when it opens the file; the same text as the PDF is about as many
    pages, so DOCX is reported per PDF page (explicit page breaks + 1 as a floor)."""
    from docx import Document

    document = Document(io.BytesIO(content))
    breaks = sum(1 for p in document.paragraphs for r in p.runs if 'w:br w:type="page"' in r._r.xml)
    return breaks + 1


def measure(world, repeat: int = 3, pdf_max: int | None = None) -> dict:
    """One size: the floor and every format. Returns a row for the results table."""
    pdf_max = int(os.environ.get("BENCH_PDF_MAX", "1000")) if pdf_max is None else pdf_max
    floor_seconds, rows = floor(world)
    row = {"respondents": world.respondents, "principles": world.principles, "answer_rows": rows,
           "floor_s": floor_seconds}
    big = world.respondents * world.principles >= 400_000
    html_max = int(os.environ.get("BENCH_HTML_MAX", "10000"))
    for fmt in ("html", "csv", "json", "xlsx"):
        if fmt == "html" and world.respondents > html_max:
            row["html_s"] = row["html_ratio"] = ""
            continue
        seconds = timed(lambda: produce(world.consultation_id, fmt), 1 if big else repeat)
        row[f"{fmt}_s"] = seconds
        row[f"{fmt}_ratio"] = seconds / floor_seconds if floor_seconds else float("nan")
    for fmt in ("pdf", "docx"):
        if world.respondents > pdf_max:
            row[f"{fmt}_s"] = row[f"{fmt}_pages"] = row[f"{fmt}_pages_per_s"] = ""
            continue
        consultation = db.session.get(Consultation, world.consultation_id)
        start = time.perf_counter()
        content = rendering.render(consultation, fmt, public=False)
        seconds = time.perf_counter() - start
        db.session.remove()
        pages = pdf_pages(content) if fmt == "pdf" else row.get("pdf_pages") or docx_pages_estimate(content)
        row[f"{fmt}_s"] = seconds
        row[f"{fmt}_pages"] = pages
        row[f"{fmt}_pages_per_s"] = pages / seconds if seconds else ""
    return row
