"""Report generation per format against the floor.

The floor is the least any report can cost: one hand-written SQL SELECT of the same rows and the
same columns, in the same order, as the CSV's answer table (the internal report: each submitted
answer × principle with the principle's number and title; the respondent's organisation, or the
individual's name or pseudonym number, and organisation kind; when and through which channel the
answer came; the stance; each criterion's rating, then each criterion's comment; the comment and
its disposition (kind, reason); the proposed wording and its disposition; the preferred
alternative and its reason; who registered and who submitted (name, e-mail); who signed, and
when), ordered as the report orders them, sent through the database driver's own cursor and
fetched to the last row, with no ORM, no Python objects beyond the driver's tuples and no
formatting (labels, pseudonym wording, redaction, dates). A format's ratio is its time divided
by that.

`floor_tuned_s` (PostgreSQL only) is the same SELECT with the settings the report's own streamed
statements run with (data.STREAM_SETTINGS: the joins planned in the order written, room to sort in
memory). The ratios are against the plain floor; the tuned one shows how much of a ratio the
settings hide: at 10 respondents, where planning the plain SELECT's twenty joins is a good part of
its time, the tuned floor was 14–39 % shorter on 7 December; at size within 5 %, or longer (the
floor's own join order is not the report's).

The sizes are measured one after the other in one database, each beside the consultations of the
sizes before it, as a production database holds earlier remisses beside the current one: a report
that read other consultations' rows shows here as a small size measured after a large one (10 × 40
after 10 000 × 8: until 7 December the figures did, docs/performance-log.md).

Each format is measured in a warm process, as a running server is: one untimed build first (its
templates compiled, its SQL compiled and cached by SQLAlchemy, translations loaded), then the
median of BENCH_REPEAT builds; the floor likewise. Without it the first sizes measured paid
those one-off costs (at 10 × 8 about twice the time of a warm build). The largest sizes
(R × P ≥ 400 000) are built once, where one-off costs do not show.

PDF and DOCX are laid out as a whole (pages, a table of contents): their time and pages per
second are reported instead, up to BENCH_PDF_MAX respondents (default 1 000) – a 100 000
respondent PDF is some 50 000 pages, not a document anyone prints. The HTML report is measured
as it is downloaded: streamed (frozen copies are made whole, with the same bytes).

The report read inside the app is paged (remiss.reports.html): `view_*` is one page of a
principle's answers (the first and the last page of the middle principle) through the whole app
(test client, logged in as the process owner), against the floor of that page's rows – the same
SELECT restricted to the principle with LIMIT/OFFSET; `view_outline_s` is the first page.
"""
from __future__ import annotations

import io
import math
import os
import re
import shutil
import subprocess
import tempfile
import time

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.reports import data, html, rendering

from benchmarks.common import timed

STREAMED = ("csv", "json", "xlsx", "html")
TARGETS = {"html": 3.0, "csv": 3.0, "json": 3.0, "xlsx": 6.0}


def floor_sql(world) -> tuple[str, dict]:
    """The CSV's answer table as one hand-written SELECT: its columns in its order (internal report)."""
    consultation = int(world.consultation_id)
    ratings, comments, joins = [], [], []
    for i, criterion_id in enumerate(world.criterion_ids):
        ratings.append(f"c{i}.rating")
        comments.append(f"c{i}.comment")
        joins.append(f" LEFT JOIN criterion_answer c{i} ON c{i}.principle_answer_id = pa.id"
                     f" AND c{i}.criterion_id = {int(criterion_id)}")
    sql = (
        "SELECT pt.number, pt.title, o.name, person.name, pseudonym.number, o.kind, s.submitted_at, s.channel,"
        " pa.stance, " + ", ".join(ratings + comments) + ","
        " pa.comment, dc.kind, dc.reason, pa.proposed_wording, dw.kind, dw.reason, alt.label, ac.reason,"
        " registrar.name, registrar.email, submitter.name, submitter.email, signer.name, s.signed_at"
        " FROM respondent r"
        " JOIN response s ON s.respondent_id = r.id AND s.status = 'submitted'"
        " LEFT JOIN organisation o ON o.id = r.organisation_id"
        " LEFT JOIN user_account person ON person.id = r.user_id"
        # "Patientföreträdare N": individuals who did not consent to be named, numbered by respondent id.
        " LEFT JOIN (SELECT i.id, row_number() OVER (ORDER BY i.id) AS number FROM respondent i"
        f"  WHERE i.consultation_id = {consultation} AND i.user_id IS NOT NULL AND NOT EXISTS"
        "  (SELECT 1 FROM response c WHERE c.respondent_id = i.id AND c.status = 'submitted' AND c.publish_name))"
        " pseudonym ON pseudonym.id = r.id"
        " LEFT JOIN user_account signer ON signer.id = s.signed_by_id"
        " LEFT JOIN user_account submitter ON submitter.id = s.submitted_by_id"
        " LEFT JOIN user_account registrar ON registrar.id = s.registered_by_id"
        " JOIN consultation k ON k.id = r.consultation_id JOIN principle_text pt ON pt.version_id = k.version_id"
        " LEFT JOIN principle_answer pa ON pa.response_id = s.id AND pa.principle_text_id = pt.id"
        " LEFT JOIN disposition dc ON dc.principle_answer_id = pa.id AND dc.target = 'comment'"
        " LEFT JOIN disposition dw ON dw.principle_answer_id = pa.id AND dw.target = 'proposed_wording'"
        " LEFT JOIN alternative_choice ac ON ac.response_id = s.id AND ac.principle_text_id = pt.id"
        " LEFT JOIN alternative alt ON alt.id = ac.alternative_id"
        + "".join(joins) +
        f" WHERE r.consultation_id = {consultation}"
        " ORDER BY pt.position, o.name IS NULL, o.name, r.id"
    )
    return sql, {}


def floor(world, sql: str | None = None, *, tuned: bool = False) -> tuple[float, int]:
    """Seconds for the plain SELECT (or `sql`) through the driver, and the number of rows. `tuned`: with
    the settings the report's streamed statements run with on PostgreSQL (data.STREAM_SETTINGS: the
    joins in written order, room to sort in memory), which the plain floor does without (SQLite has none)."""
    sql = floor_sql(world)[0] if sql is None else sql
    rows = 0

    def run():
        nonlocal rows
        connection = db.engine.raw_connection()
        try:
            cursor = connection.cursor()
            if tuned and db.engine.dialect.name == "postgresql":
                cursor.execute(str(data.STREAM_SETTINGS))  # for this transaction only
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
    floor(world)  # warm-up, as for the formats below
    floor_seconds, rows = floor(world)
    row = {"respondents": world.respondents, "principles": world.principles, "answer_rows": rows,
           "floor_s": floor_seconds,
           "floor_tuned_s": floor(world, tuned=True)[0] if db.engine.dialect.name == "postgresql" else ""}
    big = world.respondents * world.principles >= 400_000
    for fmt in ("html", "csv", "json", "xlsx"):
        if not big:
            produce(world.consultation_id, fmt)  # warm-up: see the module's docstring
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
    row.update(view_pages(world, rows, repeat=max(5, repeat * 3)))
    return row


def page_floor_sql(world, number: int, offset: int) -> str:
    """floor_sql for one page of one principle's answers."""
    sql, _ = floor_sql(world)
    assert sql.count(" ORDER BY ") == 1
    return (sql.replace(" ORDER BY ", f" AND pt.number = {int(number)} ORDER BY ")
            + f" LIMIT {html.PAGE_SIZE} OFFSET {int(offset)}")


def view_pages(world, answer_rows: int, repeat: int = 9) -> dict:
    """The paged report inside the app: median seconds of the outline and of the first and last page of
    the middle principle's answers, each answers page with its floor and ratio."""
    from flask import current_app

    from benchmarks.pages import log_in

    client = current_app.test_client()
    log_in(client, world.owner_email)
    base = f"/consultations/{world.consultation_id}/report/view"
    number = (world.principles + 1) // 2
    last = max(1, math.ceil(answer_rows / world.principles / html.PAGE_SIZE))

    def get(url):
        assert client.get(url).status_code == 200, url

    get(base)  # warms the caches
    out = {"view_outline_s": timed(lambda: get(base), repeat)}
    for name, page in (("first", 1), ("last", last)):
        url = f"{base}?principle={number}&page={page}"
        get(url)
        seconds = timed(lambda: get(url), repeat)
        floor_seconds, _rows = floor(world, page_floor_sql(world, number, (page - 1) * html.PAGE_SIZE))
        out.update({f"view_{name}_s": seconds, f"view_{name}_floor_s": floor_seconds,
                    f"view_{name}_ratio": seconds / floor_seconds if floor_seconds else float("nan")})
    db.session.remove()
    return out
