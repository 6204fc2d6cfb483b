"""make bench: every benchmark, a table each, results in benchmarks/results/*.csv.

    python -m benchmarks.run [reports] [memory] [pages] [import]      (default: all four)

Settings (environment):
  BENCH_DATABASES   "sqlite,postgresql" (PostgreSQL: the database remiss_bench on 127.0.0.1, emptied)
  BENCH_SIZES       respondents x principles for reports and pages,
                    default "10x8,1000x8,10000x8,100000x8,10x40,1000x40,10000x40"
  BENCH_MEMORY      sizes whose exports are measured in a subprocess, default "1000x8,100000x8"
  BENCH_IMPORT_ROWS answer rows in the import files, default 100000 (P = 8)
  BENCH_PDF_MAX     largest R for which PDF and DOCX are made, default 1000
  BENCH_REPEAT      repetitions per measurement (the median is kept), default 3

The load benchmark runs against `make serve-prod`: see benchmarks/load.py.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import importing, pages, reports
from benchmarks.common import (
    ROOT,
    database_urls,
    dialect_of,
    fresh_database,
    shown,
    sizes,
    table,
    write_results,
)
from benchmarks.generate import generate
from remiss import freeze_startup_objects

DEFAULT_SIZES = "10x8,1000x8,10000x8,100000x8,10x40,1000x40,10000x40"


def export_memory(url: str, consultation_id: int, fmt: str) -> dict:
    output = subprocess.run([sys.executable, "-m", "benchmarks.export_rss", url, str(consultation_id), fmt],
                            check=True, capture_output=True, text=True, cwd=ROOT.parent)
    return json.loads(output.stdout.strip().splitlines()[-1])


class Bench:
    def __init__(self, which: set[str]):
        self.which = which
        self.repeat = int(os.environ.get("BENCH_REPEAT", "3"))
        self.rows: dict[str, list[dict]] = {"reports": [], "pages": [], "memory": [], "import": []}

    def database(self, url: str) -> None:
        db_name = dialect_of(url)
        app = fresh_database(url)
        freeze_startup_objects()  # as a server's worker does once it has loaded the app (gunicorn.conf.py)
        worlds = {}

        def world(r, p):
            if (r, p) not in worlds:
                start = time.perf_counter()
                with app.app_context():
                    worlds[(r, p)] = generate(r, p, users=1, seed=r + p)
                print(f"[{db_name}] generated {r} x {p} in {time.perf_counter() - start:.1f} s", flush=True)
            return worlds[(r, p)]

        wanted = sizes(DEFAULT_SIZES)
        if "reports" in self.which or "pages" in self.which:
            for r, p in wanted:
                w = world(r, p)
                if "reports" in self.which:
                    with app.app_context():
                        row = reports.measure(w, repeat=self.repeat)
                    self.rows["reports"].append({"database": db_name, **row})
                    self.save("reports")
                    print(table([self.rows["reports"][-1]], ["database", "respondents", "principles", "floor_s",
                                                             "floor_tuned_s", "html_ratio", "csv_ratio", "json_ratio", "xlsx_ratio"]),
                          flush=True)
                if "pages" in self.which:
                    for row in pages.measure(app, w, repeat=max(5, self.repeat * 3)):
                        self.rows["pages"].append({"database": db_name, **row})
                    self.save("pages")
        if "import" in self.which:
            total = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
            principles = 8
            with tempfile.TemporaryDirectory() as folder:
                for suffix in (".csv", ".xlsx"):
                    with app.app_context():
                        w = generate(total // principles, principles, users=0, seed=7 + len(suffix), answered=False)
                        path = Path(folder) / f"svar{suffix}"
                        rows = importing.write_file(w.consultation_id, path)
                    result = importing.run_in_subprocess(url, w.consultation_id, path)
                    self.rows["import"].append({
                        "database": db_name, "format": suffix[1:], "rows": rows, "seconds": result["seconds"],
                        "rows_per_s": rows / result["seconds"], "file_mb": path.stat().st_size / 1e6,
                        "before_mb": result["before_kb"] / 1024, "peak_mb": result["peak_kb"] / 1024})
                    self.save("import")
                    print(table([self.rows["import"][-1]]), flush=True)

        if "memory" in self.which:
            memory_sizes = sizes("1000x8,100000x8", "BENCH_MEMORY")
            first = {}
            for r, p in memory_sizes:
                w = world(r, p)
                for fmt in ("csv", "json", "xlsx"):  # XLSX last: the slowest by far
                    result = export_memory(url, w.consultation_id, fmt)
                    before_mb, peak_mb = result["before_kb"] / 1024, result["peak_kb"] / 1024
                    adds = peak_mb - before_mb
                    first.setdefault(fmt, adds)
                    self.rows["memory"].append({
                        "database": db_name, "format": fmt, "respondents": r, "principles": p,
                        "before_mb": before_mb, "peak_mb": peak_mb, "export_adds_mb": adds,
                        "growth_from_smallest_mb": adds - first[fmt], "output_mb": result["bytes"] / 1e6,
                        "seconds": result["seconds"]})
                    self.save("memory")
                    print(table([self.rows["memory"][-1]]), flush=True)
    def save(self, name: str) -> None:
        """Written after every measurement: a long run that is stopped keeps what it measured."""
        write_results(name, self.rows[name])

    def report(self) -> None:
        titles = {"reports": "Report generation (seconds; ratio = format / floor)",
                  "pages": "Pages: SQL statements per request and median server time",
                  "memory": "Peak memory of streamed exports (subprocess, VmHWM)",
                  "import": "Bulk import"}
        for name, rows in self.rows.items():
            if rows:
                path = write_results(name, rows)
                print(f"\n## {titles[name]}  ({shown(path)})\n")
                print(table(rows))


def main(argv: list[str]) -> None:
    which = set(argv) or {"reports", "memory", "pages", "import"}
    bench = Bench(which)
    for url in database_urls():
        bench.database(url)
    bench.report()


if __name__ == "__main__":
    main(sys.argv[1:])
