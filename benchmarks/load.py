"""Throughput under load: autosave against a bare one-INSERT route, on the production stack.

    python -m benchmarks.load          (make bench-load)

1. A consultation with BENCH_LOAD_USERS representatives who have not answered, among
   BENCH_LOAD_RESPONDENTS respondents (default 1000), is generated in the production database
   (DATABASE_URL, default remiss_prod – the database `make serve-prod` uses; nothing in it is
   removed).
2. deploy/serve-prod.sh starts gunicorn (WEB_CONCURRENCY workers, default 4) with the WSGI app
   benchmarks.bare_app:create() – Remiss plus the benchmark-only bare route – on 127.0.0.1:8011,
   PostgreSQL and Redis, REMISS_ENV=production, JSON logs to benchmarks/work/server.log.
3. Locust (headless, in its own virtualenv .venv-load so that its dependencies never touch the
   app's) runs each user kind for BENCH_LOAD_SECONDS (default 30) with BENCH_LOAD_USERS users
   (default 50), twice: paced (BENCH_LOAD_WAIT seconds between a user's requests on average,
   default 1, drawn at random – people pause while writing, each at their own pace:
   benchmarks/locustfile.py) for latency, and saturated (no pause) for the most requests per
   second. Statistics are reset when every user has started and, for autosave, again when every
   user has logged in and opened the answer form (log-ins are not counted: locustfile.py).
4. The server is stopped; the table is printed and written to benchmarks/results/load.csv.

Traffic goes to 127.0.0.1 only, for a bounded time.
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import ROOT, shown, table, write_results

REPO = ROOT.parent
LOAD_VENV = REPO / ".venv-load"
PORT = int(os.environ.get("BENCH_LOAD_PORT", "8011"))
HOST = f"http://127.0.0.1:{PORT}"
DATABASE_URL = os.environ.get("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/remiss_prod")


def locust_binary() -> Path:
    binary = LOAD_VENV / "bin" / "locust"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOAD_VENV)], check=True)
        subprocess.run([str(LOAD_VENV / "bin" / "pip"), "install", "-q", "locust>=2.20"], check=True)
    return binary


def seed(users: int) -> dict:
    from flask_migrate import upgrade

    from benchmarks import bare_app
    from benchmarks.common import bench_app, ensure_postgresql_database
    from benchmarks.generate import PASSWORD, generate
    from remiss.extensions import db

    ensure_postgresql_database(DATABASE_URL)
    app = bench_app(DATABASE_URL)
    with app.app_context():
        upgrade()
        bare_app.metadata.create_all(db.engine)
        respondents = int(os.environ.get("BENCH_LOAD_RESPONDENTS", "1000"))
        world = generate(max(respondents, users * 2), 8, users=users, seed=int(time.time()))
        db.session.remove()
        db.engine.dispose()
    return {"consultation_id": world.consultation_id, "principle_text_ids": world.principle_text_ids,
            "emails": world.user_emails, "password": PASSWORD}


def start_server(log: Path) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=DATABASE_URL, WSGI_APP="benchmarks.bare_app:create()", BIND=f"127.0.0.1:{PORT}",
               LOGIN_RATE_LIMIT="100000 per minute", WEB_CONCURRENCY=os.environ.get("WEB_CONCURRENCY", "4"))
    log.parent.mkdir(parents=True, exist_ok=True)
    server = subprocess.Popen([str(REPO / "deploy" / "serve-prod.sh")], cwd=REPO, env=env,
                              stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)
    for _ in range(120):
        try:
            with urllib.request.urlopen(f"{HOST}/healthz", timeout=2) as response:
                if response.status == 200:
                    return server
        except OSError:
            pass
        if server.poll() is not None:
            raise RuntimeError(f"the server stopped; see {log}")
        time.sleep(1)
    stop_server(server)
    raise RuntimeError(f"the server did not become healthy; see {log}")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_locust(user_class: str, name: str, users: int, seconds: int, wait: float, world_file: Path) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        prefix = Path(folder) / "run"
        env = dict(os.environ, BENCH_LOAD_WORLD=str(world_file), BENCH_WAIT=str(wait))
        run = subprocess.run([str(locust_binary()), "-f", str(ROOT / "locustfile.py"), "--headless", "--only-summary",
                        "-u", str(users), "-r", str(max(1, users // 2)), "-t", f"{seconds}s", "--host", HOST,
                        "--reset-stats", "--csv", str(prefix), "--stop-timeout", "5", user_class],
                       cwd=REPO, env=env, check=False, capture_output=True, text=True, timeout=seconds + 120)
        with open(f"{prefix}_stats.csv", newline="") as file:
            rows = {row["Name"]: row for row in csv.DictReader(file)}
    row = rows.get(name)
    if row is None or row["Request Count"] == "0":  # what locust said, for whoever reads why
        print(run.stdout[-3000:], run.stderr[-3000:], sep="\n", file=sys.stderr, flush=True)
    if row is None:
        return {"requests": 0}

    def number(column: str):
        try:
            return float(row[column])
        except ValueError:  # "N/A": no request of this kind finished after the statistics were reset
            return ""

    return {"requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "requests_per_s": number("Requests/s"), "p50_ms": number("50%"), "p95_ms": number("95%"),
            "p99_ms": number("99%")}


def server_latencies(log: Path, offset: int, path: str) -> dict:
    """p50/p95/p99 of the server's own time (gunicorn's access log, `duration_ms`) for the requests
    whose path ends in `path`, logged after `offset`: what locust measures less the client's and the
    accept queue's part. Log-ins and the answer form before the statistics were reset are included
    only for their own paths, not these."""
    times = []
    with log.open("rb") as file:
        file.seek(offset)
        for line in file:
            if b'"gunicorn.access"' not in line:
                continue
            entry = json.loads(line)
            if entry["path"].endswith(path) and entry["duration_ms"]:
                times.append(float(entry["duration_ms"]))
    if not times:
        return {}
    times.sort()
    return {f"server_p{q}_ms": times[min(len(times) - 1, len(times) * q // 100)] for q in (50, 95, 99)}


def main() -> None:
    users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
    seconds = int(os.environ.get("BENCH_LOAD_SECONDS", "30"))
    paced = float(os.environ.get("BENCH_LOAD_WAIT", "1"))
    locust_binary()
    world = seed(users * 2)
    work = ROOT / "work"
    work.mkdir(exist_ok=True)
    log = work / "server.log"
    server = start_server(log)
    rows = []
    try:
        for run, (mode, wait) in enumerate((("paced", paced), ("saturated", 0.0))):
            # Each run its own representatives: their answers start empty, lock versions at 0.
            world_file = work / f"load_world_{mode}.json"
            world_file.write_text(json.dumps({**world, "emails": world["emails"][run * users:(run + 1) * users]}))
            for route, user_class, name, path in (("autosave", "AutosaveUser", "autosave", "/autosave"),
                                                  ("bare insert", "BareUser", "bare insert", "/bench/bare")):
                offset = log.stat().st_size
                result = run_locust(user_class, name, users, seconds, wait, world_file)
                rows.append({"mode": mode, "route": route, "users": users, "seconds": seconds,
                             "workers": os.environ.get("WEB_CONCURRENCY", "4"), **result,
                             **server_latencies(log, offset, path)})
                print(table([rows[-1]]), flush=True)
    finally:
        stop_server(server)
    for mode in ("paced", "saturated"):
        autosave = next(r for r in rows if r["mode"] == mode and r["route"] == "autosave")
        bare = next(r for r in rows if r["mode"] == mode and r["route"] == "bare insert")
        if bare.get("requests_per_s"):
            autosave["ratio_to_bare"] = (autosave.get("requests_per_s") or 0) / bare["requests_per_s"]
    columns = ["mode", "route", "users", "seconds", "workers", "requests", "failures", "requests_per_s",
               "p50_ms", "p95_ms", "p99_ms", "server_p50_ms", "server_p95_ms", "server_p99_ms", "ratio_to_bare"]
    rows = [{c: r.get(c, "") for c in columns} for r in rows]
    path = write_results("load", rows)
    print(f"\n## Load: autosave against a bare INSERT route  ({shown(path)})\n")
    print(table(rows, columns))


if __name__ == "__main__":
    main()
