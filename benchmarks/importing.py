"""Bulk import of answers from CSV and XLSX: rows per second and peak memory.

A consultation of R respondents × P principles where nobody has answered is generated; a file
with one row per respondent × principle (stance, comment on 40 %, criterion ratings) is
written; then the file is imported in a process of its own (python -m benchmarks.importing
URL CONSULTATION FILE), as the command `flask responses import` would run it. It prints the
time taken, the process's own CPU time (user + system: less disturbed by a busy machine than
the wall clock, but without the database server's share), and the resident set before the
import and its peak during it (VmHWM, the high-water mark reset just before: see
benchmarks.export_rss).
"""
from __future__ import annotations

import csv
import io
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.responses import importing

from benchmarks.export_rss import peak, reset_peak
from benchmarks.generate import text_pool

STANCE_WORDS = ["tillstyrker", "tillstyrker med ändringar", "avstyrker", "inga synpunkter"]


def write_file(consultation_id: int, path: Path, seed: int = 1) -> int:
    """The answers of every respondent on every principle as CSV or XLSX (by suffix); the row count."""
    rng = random.Random(seed)
    comments = text_pool(rng, 250)
    consultation = db.session.get(Consultation, consultation_id)
    template = importing.template_csv(consultation).lstrip("\ufeff")
    reader = csv.reader(io.StringIO(template), delimiter=";")
    header = next(reader)
    index = {name: i for i, name in enumerate(header)}
    rows = []
    for cells in reader:
        cells[index["ställningstagande"]] = rng.choice(STANCE_WORDS)
        if rng.random() < 0.4:
            cells[index["synpunkt"]] = rng.choice(comments)
        for name in header:
            if name.startswith("kriterium") and not name.endswith("kommentar"):
                cells[index[name]] = rng.choice(["ja", "delvis", "nej"])
        rows.append(cells)
    db.session.remove()
    if path.suffix == ".xlsx":
        from openpyxl import Workbook
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Svar")
        sheet.append(header)
        for cells in rows:
            sheet.append(cells)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8-sig") as file:
            writer = csv.writer(file, delimiter=";", lineterminator="\r\n")
            writer.writerow(header)
            writer.writerows(rows)
    return len(rows)


def run_in_subprocess(url: str, consultation_id: int, path: Path) -> dict:
    output = subprocess.run([sys.executable, "-m", "benchmarks.importing", url, str(consultation_id), str(path)],
                            check=True, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(output.stdout.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    url, consultation_id, path = argv[0], int(argv[1]), Path(argv[2])
    from benchmarks.common import bench_app

    app = bench_app(url, IMPORT_MAX_BYTES=1 << 30)
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        before = reset_peak()
        start, cpu_start = time.perf_counter(), _cpu_seconds()
        with path.open("rb") as stream:
            result = importing.import_responses(consultation, stream, path.name, None)
        db.session.commit()
        seconds, cpu_seconds = time.perf_counter() - start, _cpu_seconds() - cpu_start
        after = peak()
    print(json.dumps({"rows": result.answers, "seconds": seconds, "cpu_seconds": cpu_seconds,
                      "before_kb": before, "peak_kb": after}))


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


if __name__ == "__main__":
    main(sys.argv[1:])
