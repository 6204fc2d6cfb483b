"""Each benchmark at a smoke size, on the test database, so that `make bench` cannot rot.

The figures are not checked (this machine is shared and small); what is checked is that each
benchmark runs end to end and measures what it says: the floor fetches every answer row, each
format produces a file, the export and import subprocesses report their memory, the pages
answer 200 with their statements counted, the load benchmark drives both routes on gunicorn
without a failed request.
"""
from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from benchmarks import importing, pages, reports
from benchmarks.common import fresh_database, table
from benchmarks.generate import generate
from benchmarks.run import export_memory
from remiss.consultations.models import PrincipleAnswer, Response, ResponseStatus
from remiss.extensions import db


def test_generator_builds_the_asked_size_with_swedish_comments(app):
    with app.app_context():
        world = generate(40, 3, users=2, seed=5)
        answers = db.session.execute(db.select(PrincipleAnswer)).scalars().all()
        submitted = db.session.execute(
            db.select(db.func.count()).select_from(Response).where(Response.status == ResponseStatus.submitted)
        ).scalar()
    assert world.answers == len(answers) > 0
    assert len(answers) % 3 == 0 and 20 <= submitted <= 40
    comments = [a.comment for a in answers if a.comment]
    assert comments and all(c.endswith(".") for c in comments)
    assert any(ch in "".join(comments) for ch in "åäö")
    assert len(world.user_emails) == 2


def test_report_benchmark_measures_the_floor_and_every_format(app, database_url):
    with app.app_context():
        world = generate(6, 2, seed=6)
        row = reports.measure(world, repeat=1, pdf_max=0)
    submitted_rows = row["answer_rows"]
    assert row["floor_s"] > 0
    assert row["floor_tuned_s"] > 0 if database_url.startswith("postgresql") else row["floor_tuned_s"] == ""
    assert submitted_rows > 0 and submitted_rows % 2 == 0
    for fmt in ("html", "csv", "json", "xlsx"):
        assert row[f"{fmt}_s"] > 0 and row[f"{fmt}_ratio"] > 0
    assert row["pdf_s"] == ""  # above pdf_max: not made
    assert "csv_ratio" in table([row])


def test_page_benchmark_counts_statements_and_times_each_page(app):
    with app.app_context():
        world = generate(5, 2, seed=7)
    rows = pages.measure(app, world, repeat=1)
    assert [r["page"] for r in rows] == ["consolidation", "dashboard", "answer form", "public document"]
    assert all(r["statements"] > 0 and r["median_ms"] > 0 for r in rows)


def test_export_memory_is_read_in_a_subprocess(app, database_url):
    with app.app_context():
        world = generate(5, 2, seed=8)
    result = export_memory(database_url, world.consultation_id, "csv")
    assert result["bytes"] > 0 and result["peak_kb"] >= result["before_kb"] > 0


def test_import_benchmark_writes_a_file_and_imports_it(app, database_url, tmp_path):
    with app.app_context():
        world = generate(4, 2, users=0, seed=9, answered=False)
        path = tmp_path / "svar.csv"
        rows = importing.write_file(world.consultation_id, path)
    assert rows == 8
    result = importing.run_in_subprocess(database_url, world.consultation_id, path)
    assert result["rows"] == 8 and result["seconds"] > 0
    with app.app_context():
        assert db.session.execute(db.select(db.func.count()).select_from(PrincipleAnswer)).scalar() == 8


POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432"


@pytest.fixture
def load_database():
    """A PostgreSQL database of this run's own (the production stack is PostgreSQL in either pass of
    the suite), dropped afterwards."""
    server = create_engine(f"{POSTGRESQL}/postgres", isolation_level="AUTOCOMMIT")
    try:
        server.connect().close()
    except Exception:
        if os.environ.get("CI"):
            raise
        pytest.skip("PostgreSQL is not running at 127.0.0.1:5432")
    name = f"remiss_load_smoke_{os.getpid()}"
    url = f"{POSTGRESQL}/{name}"
    fresh_database(url)
    yield url
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_load_benchmark_runs_both_routes_on_the_production_stack(tmp_path, load_database):
    """`make bench-load` end to end at a smoke size: gunicorn, PostgreSQL, Redis and locust, both
    routes paced and saturated, locust's and the server's own latencies in the result file."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = dict(os.environ, DATABASE_URL=load_database, BENCH_RESULTS=str(tmp_path), BENCH_LOAD_PORT=str(port),
               BENCH_LOAD_USERS="2", BENCH_LOAD_SECONDS="8", BENCH_LOAD_WAIT="0.2", BENCH_LOAD_RESPONDENTS="4",
               WEB_CONCURRENCY="2", RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/14")
    repo = Path(__file__).resolve().parent.parent
    run = subprocess.run([sys.executable, "-m", "benchmarks.load"], cwd=repo, env=env, capture_output=True,
                         text=True, timeout=900)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-2000:]
    with (tmp_path / "load.csv").open(newline="") as file:
        rows = list(csv.DictReader(file))
    assert [(r["mode"], r["route"]) for r in rows] == [
        ("paced", "autosave"), ("paced", "bare insert"), ("saturated", "autosave"), ("saturated", "bare insert")]
    for row in rows:
        assert int(row["requests"]) > 0 and int(row["failures"]) == 0, (row, run.stderr[-3000:])
        assert float(row["p95_ms"]) > 0 and float(row["server_p95_ms"]) > 0, (row, run.stderr[-3000:])
    assert all(float(r["ratio_to_bare"]) > 0 for r in rows if r["route"] == "autosave")
    engine = create_engine(load_database)
    with engine.connect() as connection:  # the autosaves were saved
        assert connection.execute(text("SELECT count(*) FROM principle_answer WHERE comment <> ''")).scalar() > 0
    engine.dispose()
