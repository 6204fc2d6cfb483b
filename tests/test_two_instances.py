"""Several app instances against one database work as one: nothing that matters lives in a process.

Two app objects (and, for rate limits, a second process) share the test database – PostgreSQL in
CI's second pass, a SQLite file in the first – as gunicorn workers or several machines behind a
load balancer do:

- a log-in made on instance A is a log-in on B (server-side session records, one SECRET_KEY),
  and logging out on A ends it on B;
- log-in rate limits are counted in Redis, so attempts spread over instances add up;
- the daily reminder job started on two instances at once reminds each respondent once: the
  conditional UPDATE on automatic_reminder_at is the gate.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from remiss import create_app
from remiss.consultations.models import Consultation, Reminder, ReminderKind, Respondent
from remiss.consultations.operations import remind_due
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import PASSWORD, csrf_token
from tests.responses.conftest import answering  # noqa: F401  (the world below builds on it)

REDIS_URL = os.environ.get("REMISS_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def other_instance(app, test_config):
    """Instance B: its own app object, engine and connection pool on the same database."""
    other = create_app(test_config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def _log_in(client, email):
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)})
    assert response.status_code in (302, 303)


def test_a_log_in_on_one_instance_holds_on_the_other_and_log_out_ends_it_there(app, other_instance, answering):
    a, b = app.test_client(), other_instance.test_client()
    _log_in(a, answering.anna.email)
    b.set_cookie("session", a.get_cookie("session").value)

    page = b.get("/my")
    assert page.status_code == 200
    assert "Anna SU" in page.get_data(as_text=True)

    assert a.post("/logout", data={"csrf_token": csrf_token(a)}).status_code in (302, 303)
    after = b.get("/my")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not running at {REDIS_URL}")
    client.flushdb()
    return client


_OTHER_PROCESS = """
import json, re, sys
from remiss import create_app
config = json.loads(sys.argv[1])
client = create_app(config).test_client()
statuses = []
for _ in range(int(sys.argv[2])):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    statuses.append(client.post("/login", data={"email": "nobody@example.se", "password": "wrong",
                                                "csrf_token": token}).status_code)
print(json.dumps(statuses))
"""


def test_log_in_attempts_on_two_instances_count_together_in_redis(test_config, app):
    redis_client = _redis_or_skip()
    config = {**test_config, "RATELIMIT_STORAGE_URI": REDIS_URL, "LOGIN_RATE_LIMIT": "4 per minute"}
    try:
        # Instance B, a process of its own, makes three failed attempts…
        other = subprocess.run([sys.executable, "-c", _OTHER_PROCESS, json.dumps(config), "3"], cwd=REPO,
                               check=True, capture_output=True, text=True)
        assert 429 not in json.loads(other.stdout.strip().splitlines()[-1])  # refused log-ins, not yet limited
        # …so instance A allows one more and then refuses, though it has seen only that one.
        instance_a = create_app(config)
        client = instance_a.test_client()
        statuses = [client.post("/login", data={"email": "nobody@example.se", "password": "wrong",
                                                "csrf_token": csrf_token(client)}).status_code for _ in range(2)]
        assert statuses[0] != 429 and statuses[1] == 429
    finally:
        redis_client.flushdb()


def test_the_reminder_job_on_two_instances_at_once_reminds_each_respondent_once(app, other_instance, answering):
    with app.app_context():
        consultation = db.session.get(Consultation, answering.consultation)
        consultation.deadline = utcnow() + timedelta(days=2)
        consultation.reminder_days_before = 3
        db.session.commit()
        respondents = db.session.execute(
            select(func.count()).select_from(Respondent).where(Respondent.consultation_id == answering.consultation)
        ).scalar()

    claimed = threading.Event()
    results: dict[str, object] = {}

    def instance_a():
        with app.app_context():
            results["a"] = remind_due()  # claims every respondent; not committed yet
            claimed.set()
            other_started.wait(5)
            threading.Event().wait(0.5)  # B is now inside its own run, waiting on A's row locks
            db.session.commit()
            db.session.remove()

    def instance_b():
        claimed.wait(10)
        with other_instance.app_context():
            other_started.set()
            try:
                results["b"] = remind_due()
                db.session.commit()
            except OperationalError as error:
                # SQLite only: B read before A committed, and SQLite refuses B's write instead of
                # waiting (PostgreSQL waits, re-checks the condition and finds nothing to claim).
                results["b"] = error
                db.session.rollback()
            finally:
                db.session.remove()

    other_started = threading.Event()
    threads = [threading.Thread(target=instance_a), threading.Thread(target=instance_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert results["a"] == respondents
    if isinstance(results["b"], OperationalError):
        assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    else:
        assert results["b"] == 0
    with app.app_context():
        reminders = db.session.execute(
            select(Reminder.respondent_id, func.count()).where(Reminder.kind == ReminderKind.automatic)
            .group_by(Reminder.respondent_id)
        ).all()
        assert len(reminders) == respondents and all(count == 1 for _, count in reminders)
        mails = db.session.execute(select(OutboxMail.recipient)).scalars().all()
        assert len(mails) == len(set(mails)) > 0  # nobody got the reminder twice

    # A later run on either instance finds nothing left to do.
    with other_instance.app_context():
        assert remind_due() == 0
        db.session.commit()
