"""`flask backup FILE` and `flask restore FILE`: a round trip gives back the same data, on the
database the suite runs on (SQLite file, or PostgreSQL when REMISS_TEST_DATABASE_URL says so).

Restores go into a second database: another SQLite file, or a PostgreSQL database created for
the test and dropped afterwards (remiss_restore_<pid>).
"""
from __future__ import annotations

import json
import os
import threading
import time

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from remiss import create_app
from remiss.backup import head_revision, user_rows
from remiss.consultations.models import Consultation
from remiss.documents.models import DocumentVersion
from remiss.documents.operations import export_version
from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.reports import rendering
from tests.consolidation.conftest import consolidating  # noqa: F401  (a populated world)
from tests.responses.conftest import answering  # noqa: F401



def older_revision() -> str:
    """The migration before the newest one."""
    from alembic.script import ScriptDirectory
    from flask import current_app

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_revision(head_revision()).down_revision


@pytest.fixture
def second_database_url(database_url, tmp_path):
    """An empty second database of the same kind as the suite's."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"remiss_restore_{os.getpid()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def second_app(test_config, second_database_url):
    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": second_database_url})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def all_rows() -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    rows = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            statement = select(table).order_by(*table.primary_key.columns)
            rows[table.name] = [tuple(row) for row in connection.execute(statement)]
    return rows


def snapshot(app) -> dict:
    """What a user would get out: the report as JSON, every version as Markdown, plus the raw rows."""
    with app.app_context():
        reports = {}
        for consultation in db.session.execute(select(Consultation).order_by(Consultation.id)).scalars():
            report = json.loads(rendering.render(consultation, "json", public=False))
            report.pop("generated_at")
            reports[consultation.id] = report
        markdown = {version.id: export_version(version)
                    for version in db.session.execute(select(DocumentVersion).order_by(DocumentVersion.id)).scalars()}
        result = {"reports": reports, "markdown": markdown, "counts": user_rows(), "rows": all_rows()}
        db.session.remove()
        return result


def revision(app) -> str | None:
    with app.app_context():
        with db.engine.connect() as connection:
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def test_backup_and_restore_give_back_the_same_report_documents_and_rows(app, consolidating, second_app, tmp_path):
    before = snapshot(app)
    assert before["reports"] and before["markdown"], "a populated world: a report and a document to compare"
    assert before["counts"]["principle_answer"] > 0 and before["counts"]["audit_entry"] >= 0

    file = tmp_path / "remiss.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopian är skriven" in result.output
    assert file.stat().st_size > 0

    result = second_app.test_cli_runner().invoke(args=["restore", str(file)])
    assert result.exit_code == 0, result.output
    assert "återställd" in result.output
    after = snapshot(second_app)
    assert after["counts"] == before["counts"]
    assert after["reports"] == before["reports"]
    assert after["markdown"] == before["markdown"]
    assert after["rows"] == before["rows"]
    assert revision(second_app) == revision(app)


def test_restore_refuses_a_database_with_data_unless_forced(app, consolidating, tmp_path):
    before = snapshot(app)
    file = tmp_path / "remiss.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    with app.app_context():
        db.session.add(Organisation(short_name="NY", name="Ny organisation efter säkerhetskopian", kind="hospital"))
        db.session.commit()

    refused = app.test_cli_runner().invoke(args=["restore", str(file)])
    assert refused.exit_code != 0
    assert "innehåller redan data" in refused.output and "--force" in refused.output
    assert snapshot(app)["counts"]["organisation"] == before["counts"]["organisation"] + 1, "nothing was touched"

    forced = app.test_cli_runner().invoke(args=["restore", "--force", str(file)])
    assert forced.exit_code == 0, forced.output
    assert snapshot(app) == before, "the later organisation is gone: the database is the backup again"


def test_an_older_backup_is_upgraded_after_restoring(second_app, tmp_path):
    with second_app.app_context():
        upgrade(revision=older_revision())
        with db.engine.begin() as connection:
            connection.execute(text("INSERT INTO organisation (short_name, name, kind, created_at) VALUES ('GML', 'Gammal', 'hospital', '2025-01-01 00:00:00')"))
        db.engine.dispose()
    file = tmp_path / "older.backup"
    assert second_app.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0

    result = second_app.test_cli_runner().invoke(args=["restore", "--force", str(file)])
    assert result.exit_code == 0, result.output
    assert "uppgraderad" in result.output
    with second_app.app_context():
        assert revision(second_app) == head_revision()
        assert db.session.execute(select(Organisation.name)).scalars().all() == ["Gammal"]


def test_a_backup_from_a_newer_remiss_or_a_stranger_file_is_refused_and_nothing_changes(second_app, tmp_path):
    with second_app.app_context():
        upgrade()
        with db.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
        db.engine.dispose()
    newer = tmp_path / "newer.backup"
    assert second_app.test_cli_runner().invoke(args=["backup", str(newer)]).exit_code == 0
    result = second_app.test_cli_runner().invoke(args=["restore", "--force", str(newer)])
    assert result.exit_code != 0 and "nyare version av Remiss" in result.output

    stranger = tmp_path / "stranger.backup"
    stranger.write_bytes(b"inte en databas\x00" * 100)
    result = second_app.test_cli_runner().invoke(args=["restore", "--force", str(stranger)])
    assert result.exit_code != 0 and "ingen säkerhetskopia" in result.output
    assert revision(second_app) == "ffffffffffff", "the database was left as it was"


def test_an_online_backup_while_the_app_writes_is_consistent(app, second_app, tmp_path):
    """A writer commits organisations one by one while the backup runs: the copy holds a prefix of them."""
    stop = threading.Event()
    written = []

    def writer():
        with app.app_context():
            n = 0
            while not stop.is_set() and n < 2000:
                n += 1
                db.session.add(Organisation(short_name=f"W{n}", name=f"Skriven under kopiering {n}", kind="hospital"))
                db.session.commit()
                written.append(n)
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while len(written) < 20:
            time.sleep(0.01)
        file = tmp_path / "online.backup"
        result = app.test_cli_runner().invoke(args=["backup", str(file)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert second_app.test_cli_runner().invoke(args=["restore", str(file)]).exit_code == 0
    with second_app.app_context():
        names = set(db.session.execute(select(Organisation.short_name)).scalars())
    count = len(names)
    assert 20 <= count <= len(written)
    assert names == {f"W{n}" for n in range(1, count + 1)}, "every commit up to a point, none half"


def test_a_backup_never_overwrites_the_live_sqlite_file(test_config, tmp_path):
    """A SQLite database of its own, in both passes: PostgreSQL has no file to overwrite."""
    live = tmp_path / "live.db"
    sqlite_app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{live}"})
    with sqlite_app.app_context():
        upgrade()
        db.session.add(Organisation(short_name="KVAR", name="Finns kvar", kind="hospital"))
        db.session.commit()
    try:
        for target in (live, live.with_name("live.db-wal")):
            result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
            assert result.exit_code != 0 and "själva databasfilen" in result.output
        with sqlite_app.app_context():
            assert db.session.execute(select(Organisation.short_name)).scalars().all() == ["KVAR"]
    finally:
        with sqlite_app.app_context():
            db.session.remove()
            db.engine.dispose()
