"""What every benchmark shares: the app on a database of its own, timing, result files."""
from __future__ import annotations

import csv
import os
import platform
import statistics
import time
from datetime import datetime, timezone
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import text

from remiss import create_app
from remiss.extensions import db

ROOT = Path(__file__).resolve().parent
# BENCH_RESULTS: another folder for the result files (the smoke tests write theirs to a temporary one).
RESULTS = Path(os.environ.get("BENCH_RESULTS") or ROOT / "results")
DEFAULT_SQLITE = ROOT / "work" / "bench.db"
DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/remiss_bench"


def database_urls() -> list[str]:
    """BENCH_DATABASES: comma-separated SQLAlchemy URLs; "sqlite" and "postgresql" are shorthands."""
    urls = []
    for name in os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(","):
        name = name.strip()
        if name == "sqlite":
            urls.append(f"sqlite:///{DEFAULT_SQLITE}")
        elif name == "postgresql":
            urls.append(DEFAULT_POSTGRESQL)
        elif name:
            urls.append(name)
    return urls


def dialect_of(url: str) -> str:
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def bench_app(url: str | None = None, **config):
    settings = {
        "SECRET_KEY": "benchmark-secret-not-for-production",
        "MAIL_BACKEND": "console",
        "RATELIMIT_STORAGE_URI": "memory://",
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    if url:
        settings["SQLALCHEMY_DATABASE_URI"] = url
    settings.update(config)
    return create_app(settings)


def fresh_database(url: str):
    """An empty database with the schema from the migrations; returns the app bound to it."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        ensure_postgresql_database(url)
    app = bench_app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return app


def ensure_postgresql_database(url: str) -> None:
    """CREATE DATABASE for a PostgreSQL URL whose database does not exist yet."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.get_backend_name().startswith("postgresql"):
        return
    engine = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if not connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                  {"n": target.database}).first():
            connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    engine.dispose()


def timed(function, repeat: int = 3) -> float:
    """Median wall time in seconds of `repeat` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def write_results(name: str, rows: list[dict]) -> Path:
    """benchmarks/results/<name>.csv, each row stamped with when and where it was measured."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.csv"
    stamp = {"measured_at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M"),
             "machine": f"{platform.machine()} {os.cpu_count()} cpu"}
    rows = [{**row, **stamp} for row in rows]
    if rows:
        with path.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    return path


def shown(path: Path) -> Path:
    """A results path as printed: relative to the repository when it is inside it."""
    return path.relative_to(ROOT.parent) if path.is_relative_to(ROOT.parent) else path


def table(rows: list[dict], columns: list[str] | None = None) -> str:
    """A plain text table for the terminal (and Markdown, it is pipe-separated)."""
    if not rows:
        return "(no rows)"
    columns = columns or list(rows[0])
    cells = [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in cells)) for i, c in enumerate(columns)]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(columns, widths)) + " |",
             "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    lines += ["| " + " | ".join(v.rjust(w) for v, w in zip(r, widths)) + " |" for r in cells]
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 100 else f"{value:.0f}"
    return str(value)


def sizes(default: str, variable: str = "BENCH_SIZES") -> list[tuple[int, int]]:
    """Sizes from an environment variable: "RxP,RxP,…" e.g. "10x8,1000x8,100000x8,1000x40"."""
    spec = os.environ.get(variable, default)
    out = []
    for item in spec.split(","):
        r, p = item.strip().lower().split("x")
        out.append((int(r), int(p)))
    return out
