"""Remiss: formal consultations on governing principles."""
import gc
import sqlite3

from flask import Flask, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from remiss import config
from remiss.i18n import LOCALES, babel_locale
from remiss.extensions import babel, csrf, db, limiter, login_manager, migrate


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite: enforce foreign keys, WAL for concurrent readers, wait instead of failing on locks."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


def _sqlite_savepoint_inside_a_transaction(connection, name):
    """SQLite: pysqlite begins a transaction only before a write, and a SAVEPOINT outside one starts
    a transaction of its own that its RELEASE commits – a nested block (db.session.begin_nested())
    opened before the request's first write was committed at once, whatever the request did next.
    BEGIN first, as pysqlite itself does before a write, so that it nests as on PostgreSQL."""
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN")


def _sqlite_savepoints(app) -> None:
    """On SQLite engines only: a connection event on every engine made every statement on
    PostgreSQL go through SQLAlchemy's event dispatch too."""
    with app.app_context():
        for engine in db.engines.values():
            if engine.dialect.name == "sqlite":
                event.listen(engine, "savepoint", _sqlite_savepoint_inside_a_transaction)


# PostgreSQL's JIT compiles a statement whose estimated cost is high: 70–170 ms for a report's
# answer rows at 10 000 respondents, more than it saves on statements that run in a second
# (docs/performance-log.md). Off for the app's connections, as is common for web applications.
POSTGRESQL_OPTIONS = "-c jit=off"


def _engine_options(config) -> None:
    if str(config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        options = config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
        options.setdefault("connect_args", {}).setdefault("options", POSTGRESQL_OPTIONS)


def select_locale():
    if not has_request_context():  # commands and jobs speak Swedish
        return babel_locale("sv")
    if current_user and current_user.is_authenticated and current_user.locale in LOCALES:
        return babel_locale(current_user.locale)
    return babel_locale(session.get("locale"))


CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: ids beyond a database integer are simply not found (404),
    instead of reaching PostgreSQL, which refuses them with an error (500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates")
    app.url_map.converters["int"] = DatabaseIdConverter
    app.config.from_mapping(config.settings_from_env(app.instance_path))
    if test_config:
        app.config.update(test_config)
    _engine_options(app.config)

    db.init_app(app)
    _sqlite_savepoints(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Logga in för att se sidan.")
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    # Models must be imported before Alembic or the app uses the metadata.
    from remiss import models  # noqa: F401

    from remiss import templating
    templating.init_app(app)

    from remiss.auth.views import bp as auth_bp
    from remiss.consultations.views import bp as consultations_bp
    from remiss.documents.views import bp as documents_bp
    from remiss.organisations.views import bp as organisations_bp

    app.register_blueprint(documents_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organisations_bp)
    from remiss.responses.views import bp as responses_bp
    app.register_blueprint(responses_bp)
    app.register_blueprint(consultations_bp)
    from remiss.responses.import_views import bp as response_import_bp
    app.register_blueprint(response_import_bp)
    from remiss.responses.signoff_views import bp as signoff_bp
    app.register_blueprint(signoff_bp)
    from remiss.pages import bp as pages_bp
    app.register_blueprint(pages_bp)
    from remiss.consolidation.views import bp as consolidation_bp
    app.register_blueprint(consolidation_bp)
    from remiss.consolidation.redaction_views import bp as redaction_bp
    app.register_blueprint(redaction_bp)
    from remiss.consolidation.feedback_views import bp as feedback_bp
    app.register_blueprint(feedback_bp)
    from remiss.reports.views import bp as reports_bp
    app.register_blueprint(reports_bp)
    from remiss.audit.views import bp as audit_bp
    app.register_blueprint(audit_bp)
    from remiss.tracing.views import bp as tracing_bp
    app.register_blueprint(tracing_bp)
    from remiss.documents.editor_views import bp as editor_bp
    app.register_blueprint(editor_bp)
    from remiss.decisions.views import bp as decisions_bp
    app.register_blueprint(decisions_bp)
    from remiss.archive_views import bp as archive_bp
    app.register_blueprint(archive_bp)
    from remiss.health import bp as health_bp
    app.register_blueprint(health_bp)
    from remiss import logs
    logs.init_app(app)  # JSON lines in production

    from remiss.errors import register_error_handlers
    register_error_handlers(app)

    from remiss.cli import register_commands
    register_commands(app)
    from remiss.backup import register_commands as register_backup_commands
    register_backup_commands(app)
    from remiss.archive import archive_command
    app.cli.add_command(archive_command)

    app.after_request(_security_headers)
    from remiss import input_safety
    input_safety.init_app(app)  # NUL or invalid UTF-8 anywhere in a request: 400 before anything else
    return app


def freeze_startup_objects() -> None:
    """For a server process once it has loaded the app (deploy/gunicorn.conf.py, post_worker_init):
    the some 240 000 objects the app is made of – modules, models, compiled templates – are moved
    out of the garbage collector's reach. They live as long as the process, yet each full collection
    went through all of them: some 140 ms, every twentieth small report or so, 8 ms a report on
    average at 10 × 8 (benchmarks/reports.py); after this, 1.5 ms. Objects made later, by requests,
    are collected as before."""
    gc.collect()
    gc.freeze()
