"""Backup and restore of the whole database: `flask backup FILE` and `flask restore FILE`.

SQLite: SQLite's own online backup API (`sqlite3.Connection.backup`) copies a consistent snapshot
while the application keeps reading and writing (WAL mode); the copy is a single self-contained
file (journal mode DELETE) that `sqlite3` or `restore` can open.

PostgreSQL: `pg_dump --format=custom` (a consistent snapshot: pg_dump runs in one repeatable-read
transaction) and, to restore, `pg_restore` piped into `psql --single-transaction` after dropping
every table, sequence and type in the public schema, so that the database is either wholly
replaced or left as it was. The client tools must be of the server's
major version or newer (see docs/backup.md).

A restore refuses to overwrite a database that holds data unless forced, refuses a backup made
by a newer version of Remiss than the one running, and upgrades the schema afterwards
(`flask db upgrade`) when the backup is older.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import URL

from remiss.extensions import db


class BackupError(click.ClickException):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass
class RestoreResult:
    revision_in_backup: str | None
    upgraded: bool


# --- shared -----------------------------------------------------------------------------------


def _url() -> URL:
    return db.engine.url


def _dialect() -> str:
    return _url().get_backend_name()


def head_revision() -> str | None:
    """The newest migration this version of Remiss knows."""
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    config = current_app.extensions["migrate"].migrate.get_config()
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def user_rows() -> dict[str, int]:
    """Rows in every application table that exists (alembic_version left out)."""
    existing = set(inspect(db.engine).get_table_names())
    counts = {}
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name in existing:
                counts[table.name] = connection.execute(select(db.func.count()).select_from(table)).scalar_one()
    return counts


def database_has_data() -> bool:
    return any(user_rows().values())


# --- SQLite -----------------------------------------------------------------------------------


def _sqlite_path() -> Path:
    database = _url().database
    if not database or database == ":memory:":
        raise BackupError(_("Databasen finns bara i minnet och kan inte säkerhetskopieras."))
    return Path(database)


def _sqlite_backup(target: Path) -> None:
    source = sqlite3.connect(_sqlite_path(), timeout=30)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(partial)
    try:
        # pages=-1: the whole database in one step, under one read transaction: a consistent
        # snapshot even while other connections write (they go on writing to the WAL).
        source.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise BackupError(_("Kopian blev felaktig (%(result)s). Försök igen.", result=result))
    finally:
        copy.close()
        source.close()
    os.replace(partial, target)  # never a half-written file under the chosen name


def _sqlite_revision_of(path: Path) -> str | None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if connection.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(_("Filen %(file)s är en skadad SQLite-databas.", file=str(path)))
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            connection.close()
    except sqlite3.DatabaseError:
        raise BackupError(_("Filen %(file)s är ingen säkerhetskopia av en SQLite-databas från Remiss.",
                            file=str(path))) from None
    return row[0] if row else None


def _sqlite_restore(source_path: Path) -> None:
    db.session.remove()
    db.engine.dispose()
    source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
    target = sqlite3.connect(_sqlite_path(), timeout=30)
    try:
        # The backup API writes the target under its own lock: other connections see the old
        # database or the restored one, never a mixture.
        source.backup(target, pages=-1)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()


# --- PostgreSQL -------------------------------------------------------------------------------


def _pg_environment() -> dict[str, str]:
    """libpq settings from the SQLAlchemy URL: the password travels in the environment,
    never on a command line that other users could read."""
    url = _url()
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(_("Programmet %(tool)s saknas. Installera PostgreSQL-klienten (paketet postgresql-client) "
                            "i samma huvudversion som servern eller nyare.", tool=name))
    return path


def _run(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    result = subprocess.run(command, env=_pg_environment(), capture_output=True, **kwargs)
    if result.returncode != 0:
        error = result.stderr.decode("utf-8", "replace") if isinstance(result.stderr, bytes) else result.stderr
        raise BackupError(_("%(tool)s misslyckades: %(error)s", tool=Path(command[0]).name, error=error.strip()))
    return result


def _pg_backup(target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    # Grants are kept (the audit trail's REVOKE for the application role among them); owners are not,
    # so that the role that restores owns what it restores.
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={partial}"])
    os.replace(partial, target)


_COPY_ROW = re.compile(r"^COPY \S*alembic_version \(version_num\) FROM stdin;\n([^\n]*)\n", re.MULTILINE)


def _pg_revision_of(path: Path) -> str | None:
    listing = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True)
    if listing.returncode != 0:
        raise BackupError(_("Filen %(file)s är ingen säkerhetskopia från pg_dump (custom-format).", file=str(path)))
    data = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)]).stdout
    match = _COPY_ROW.search(data.decode("utf-8", "replace"))
    if match is None or match.group(1) == "\\.":
        return None
    return match.group(1)


# Everything in the schema goes, the schema itself (and who may use it) stays.
_EMPTY_PUBLIC_SCHEMA = b"""
DO $$
DECLARE item record;
BEGIN
  FOR item IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP TABLE IF EXISTS public.%I CASCADE', item.tablename);
  END LOOP;
  FOR item IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
    EXECUTE format('DROP SEQUENCE IF EXISTS public.%I CASCADE', item.sequencename);
  END LOOP;
  FOR item IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
              WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd') LOOP
    EXECUTE format('DROP TYPE IF EXISTS public.%I CASCADE', item.typname);
  END LOOP;
END $$;
"""


def _pg_restore(source_path: Path) -> None:
    db.session.remove()
    db.engine.dispose()  # our own connections must not hold locks on what is dropped
    script = _run([_tool("pg_restore"), "--no-owner", "--file=-", str(source_path)]).stdout
    # One transaction: the old tables are dropped and the backup loaded, or nothing changes.
    prologue = _EMPTY_PUBLIC_SCHEMA
    _run([_tool("psql"), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", "--file=-"],
         input=prologue + script)


# --- the operations ---------------------------------------------------------------------------


def backup(target: str | Path) -> Path:
    """Write a consistent copy of the whole database to `target` (overwritten if it exists)."""
    target = Path(target).resolve()
    if target.is_dir():
        raise BackupError(_("%(file)s är en mapp. Ange ett filnamn.", file=str(target)))
    target.parent.mkdir(parents=True, exist_ok=True)
    dialect = _dialect()
    if dialect == "sqlite":
        live = _sqlite_path().resolve()
        if target in (live, live.with_name(live.name + "-wal"), live.with_name(live.name + "-shm")):
            raise BackupError(_("Säkerhetskopian kan inte skrivas över själva databasfilen. Välj ett annat filnamn."))
        _sqlite_backup(target)
    elif dialect == "postgresql":
        _pg_backup(target)
    else:
        raise BackupError(_("Databastypen %(dialect)s stöds inte.", dialect=dialect))
    return target


def revision_of(source: str | Path) -> str | None:
    """The migration the backup was made at (None: an empty database)."""
    source = Path(source)
    if not source.is_file():
        raise BackupError(_("Filen %(file)s finns inte.", file=str(source)))
    return _sqlite_revision_of(source) if _dialect() == "sqlite" else _pg_revision_of(source)


def restore(source: str | Path, *, force: bool = False) -> RestoreResult:
    """Replace the whole database with the backup in `source`, then upgrade its schema if it is older.

    Refuses (BackupError) a database that already holds data unless `force`, and a backup from a
    newer version of Remiss than this one. Upgrading runs the migrations (`flask db upgrade`).
    """
    from flask_migrate import upgrade

    source = Path(source).resolve()
    dialect = _dialect()
    if dialect not in ("sqlite", "postgresql"):
        raise BackupError(_("Databastypen %(dialect)s stöds inte.", dialect=dialect))
    revision = revision_of(source)
    if revision is not None and revision not in _known_revisions():
        raise BackupError(_("Säkerhetskopian är gjord med en nyare version av Remiss (databasversion %(revision)s). "
                            "Uppdatera Remiss först.", revision=revision))
    if not force and database_has_data():
        raise BackupError(_("Databasen innehåller redan data. Lägg till --force för att ersätta allt i den med "
                            "säkerhetskopian."))
    if dialect == "sqlite":
        if _sqlite_path().resolve() == source:
            raise BackupError(_("Säkerhetskopian är själva databasfilen."))
        _sqlite_restore(source)
    else:
        _pg_restore(source)
    upgraded = revision != head_revision()
    if upgraded:
        upgrade()
    db.session.remove()
    db.engine.dispose()
    return RestoreResult(revision, upgraded)


# --- commands ---------------------------------------------------------------------------------


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(file: Path):
    """Write a consistent backup of the whole database to FILE, also while Remiss is running.

    SQLite: a copy of the database file. PostgreSQL: pg_dump's custom format.
    """
    path = backup(file)
    click.echo(_("Säkerhetskopian är skriven till %(file)s (%(size)s byte).", file=str(path),
                 size=path.stat().st_size))


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
@with_appcontext
def restore_command(file: Path, force: bool):
    """Replace the whole database with the backup in FILE, then upgrade it if it is older.

    Stop the application first: sessions and pages open during a restore see the old data.
    """
    result = restore(file, force=force)
    click.echo(_("Databasen är återställd från %(file)s.", file=str(file)))
    if result.upgraded:
        click.echo(_("Säkerhetskopian var från en äldre version; databasen är uppgraderad (flask db upgrade)."))


def register_commands(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
