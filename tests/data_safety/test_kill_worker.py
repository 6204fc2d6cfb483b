"""A worker killed with SIGKILL in the middle of a load of autosaves loses no acknowledged save.

The application runs under gunicorn with two workers against the suite's database (the SQLite
file, or PostgreSQL in CI's second pass). Four writers autosave over HTTP, each its own part of an
answer; every save sends the whole text so far plus one new line, so "the save of line n is in
the database" means "the stored text starts with the text acknowledged for line n". In the middle
of the load one worker gets SIGKILL; gunicorn starts a new one and the writers carry on.
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import select

from remiss.consultations.models import PrincipleAnswer, Respondent, Response
from remiss.extensions import db
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
SAVES_BEFORE_KILL = 30
SAVES_AFTER_KILL = 15
KILLS = 3
MAX_LINES = 600  # well under the 10 000 characters a comment may have


class Browser:
    """Just enough of a browser: a session cookie, the CSRF token, a new connection per request."""

    def __init__(self, port: int):
        self.port = port
        self.cookie = ""
        self.token = ""

    def request(self, method, path, body=None, headers=None, timeout=30):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            all_headers = {"Cookie": self.cookie} if self.cookie else {}
            all_headers.update(headers or {})
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie" and value.startswith("session="):
                    self.cookie = value.split(";", 1)[0]
            return response.status, data
        finally:
            connection.close()

    def fetch_token(self):
        status, html = self.request("GET", "/")
        assert status == 200
        self.token = re.search(rb'name="csrf_token" value="([^"]+)"', html).group(1).decode()

    def login(self, email):
        self.fetch_token()
        form = urlencode({"csrf_token": self.token, "email": email, "password": PASSWORD})
        status, _body = self.request("POST", "/login", form,
                                     {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 302, "logged in"
        self.fetch_token()  # the log-in starts a fresh session


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def start_gunicorn(database_url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "kill-test-secret", "MAIL_BACKEND": "console",
           "LOGIN_RATE_LIMIT": "1000 per minute", "RATELIMIT_STORAGE_URI": "memory://", "REMISS_ENV": "development"}
    # Newer gunicorns open a control socket in the home folder unless told not to; older ones lack the flag.
    help_text = subprocess.run([sys.executable, "-m", "gunicorn", "--help"], capture_output=True, text=True).stdout
    no_control = ["--no-control-socket"] if "--no-control-socket" in help_text else []
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}", *no_control,
         "--timeout", "60", "--graceful-timeout", "5", "remiss:create_app()"],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )


def wait_until(condition, timeout, message):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(message)


def test_kill_9_of_a_worker_during_autosaves_keeps_every_acknowledged_save(app, answering, database_url, tmp_path):
    w = answering
    port = free_port()
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(database_url, port, log)
    try:
        def up():
            try:
                return Browser(port).request("GET", "/", timeout=2)[0] == 200 and len(worker_pids(server.pid)) == 2
            except OSError:
                return False

        wait_until(up, 60, f"gunicorn did not start: {log.read_text(errors='replace')}")

        # (who, principle): four writers on four different parts of three answers.
        writers = [(w.anna.email, w.principles[0]), (w.bengt.email, w.principles[1]),
                   (w.anna.email, w.principles[2]), (w.nils.email, w.principles[0])]
        acknowledged: dict[int, str] = {}  # writer → the last text the server said it saved
        counts = {"acknowledged": 0, "failed": 0, "conflicts": 0}
        lock = threading.Lock()
        stop = threading.Event()
        errors = []

        def write(index, email, principle_id):
            browser = Browser(port)
            browser.login(email)
            key = f"p{principle_id}"
            base, lines = 0, []
            try:
                while not stop.is_set() and len(lines) < MAX_LINES:
                    candidate = "\n".join([*lines, f"Rad {len(lines) + 1} från skrivare {index}"])
                    body = json.dumps({"fields": {f"{key}.lock_version": str(base), f"{key}.comment": candidate}})
                    try:
                        status, data = browser.request(
                            "POST", f"/consultations/{w.consultation}/respond/autosave", body,
                            {"Content-Type": "application/json", "Accept": "application/json",
                             "X-CSRFToken": browser.token})
                    except (OSError, http.client.HTTPException):
                        with lock:  # the worker died under this request: not acknowledged, try again
                            counts["failed"] += 1
                        continue
                    part = json.loads(data).get("parts", {}).get(key, {}) if data.startswith(b"{") else {}
                    if status == 200 and part.get("saved") is True:
                        lines = candidate.split("\n")
                        base = part["lock_version"]
                        with lock:
                            acknowledged[index] = candidate
                            counts["acknowledged"] += 1
                    elif status == 409 and part.get("conflict"):
                        # Our own save that landed while its worker died: the stored text is ours.
                        with lock:
                            counts["conflicts"] += 1
                        base = part["lock_version"]
                    elif status == 502 or status == 503:
                        with lock:
                            counts["failed"] += 1
                    else:
                        raise AssertionError(f"unexpected answer {status}: {data[:500]!r}")
            except BaseException as error:  # noqa: BLE001 – reported in the test
                errors.append(error)

        threads = [threading.Thread(target=write, args=(i, email, principle)) for i, (email, principle)
                   in enumerate(writers)]
        for thread in threads:
            thread.start()
        try:
            wait_until(lambda: counts["acknowledged"] >= SAVES_BEFORE_KILL or errors, 120, "no load")
            killed = []
            for _round in range(KILLS):
                # Both workers are busy (four writers, two workers): whichever is killed dies mid-request.
                victim = worker_pids(server.pid)[0]
                os.kill(victim, signal.SIGKILL)
                killed.append((victim, counts["acknowledged"]))
                wait_until(lambda: victim not in worker_pids(server.pid) and len(worker_pids(server.pid)) == 2, 60,
                           "gunicorn did not replace the killed worker")
                after = counts["acknowledged"]
                wait_until(lambda: counts["acknowledged"] >= after + SAVES_AFTER_KILL or errors, 120,
                           "the writers did not go on after the kill")
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
        assert not errors, errors[0]
        assert not any(thread.is_alive() for thread in threads)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    with app.app_context():
        stored = {}
        for index, (email, principle_id) in enumerate(writers):
            respondent_id = w.nu_respondent if email == w.nils.email else w.su_respondent
            stored[index] = db.session.execute(
                select(PrincipleAnswer.comment)
                .join(Response, Response.id == PrincipleAnswer.response_id)
                .join(Respondent, Respondent.id == Response.respondent_id)
                .where(Respondent.id == respondent_id, PrincipleAnswer.principle_text_id == principle_id)
            ).scalar_one()
    for index, text in acknowledged.items():
        assert stored[index].startswith(text), (
            f"writer {index}: the acknowledged save {text.splitlines()[-1]!r} is not in the database "
            f"(stored ends with {stored[index].splitlines()[-1]!r})")
    assert len(acknowledged) == len(writers), "every writer got saves through"
    print(f"kill -9 test: {counts}; workers killed (pid, after n acknowledged saves): {killed}")
