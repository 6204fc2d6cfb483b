"""SQLite (the first pass of the suite, and small installations): WAL, so that readers never wait
for a writer, and a busy timeout, so that a writer waits for another instead of failing.
Proven on the suite's SQLite database, or on a SQLite file of their own in the PostgreSQL pass."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from remiss import create_app
from remiss.extensions import db
from remiss.organisations.models import Organisation


@pytest.fixture
def sqlite_app(app, test_config, tmp_path):
    """The suite's app on the SQLite pass; on the PostgreSQL pass an app of its own on a new
    SQLite file, so that these settings are proven in both passes."""
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            yield app
            return
    own = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'own.db'}"})
    with own.app_context():
        upgrade()
        db.engine.dispose()  # the migrations turn foreign keys off on the connection they used
    yield own
    with own.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_connection_uses_wal_and_a_busy_timeout_and_foreign_keys(sqlite_app):
    with sqlite_app.app_context():
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert connection.execute(text("PRAGMA busy_timeout")).scalar_one() >= 5000
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1


def test_a_writer_waits_for_another_writer_instead_of_failing(sqlite_app):
    """Another process holds the write lock for a second: the app's write waits and succeeds."""
    with sqlite_app.app_context():
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the write lock
    released = threading.Timer(1.0, lambda: other.execute("COMMIT"))
    released.start()
    try:
        started = time.monotonic()
        with sqlite_app.app_context():
            db.session.add(Organisation(short_name="VÄNTA", name="Väntade på låset", kind="hospital"))
            db.session.commit()
            waited = time.monotonic() - started
            assert db.session.query(Organisation).filter_by(short_name="VÄNTA").count() == 1
    finally:
        released.join()
        other.close()
    assert waited >= 0.5, "the write waited for the lock"


def test_a_reader_is_not_blocked_by_a_writer(sqlite_app):
    with sqlite_app.app_context():
        db.session.add(Organisation(short_name="LÄS", name="Läses under skrivning", kind="hospital"))
        db.session.commit()
        path = db.engine.url.database
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE organisation SET name = 'Ändras' WHERE short_name = 'LÄS'")
    try:
        started = time.monotonic()
        with sqlite_app.app_context():
            name = db.session.query(Organisation.name).filter_by(short_name="LÄS").scalar()
        assert name == "Läses under skrivning", "the reader sees the last committed state"
        assert time.monotonic() - started < 1.0, "and does not wait for the writer (WAL)"
    finally:
        other.execute("ROLLBACK")
        other.close()
