"""Fixtures in the flaskr style: app, client, runner, and a log-in helper.

The schema comes from the migrations (flask db upgrade), once per test session;
every test then starts from empty tables. REMISS_TEST_DATABASE_URL selects the
database (PostgreSQL in CI); the default is a SQLite file in a temporary folder.
"""
from __future__ import annotations

import os
import re

import pytest
from flask_migrate import upgrade
from sqlalchemy import event, text

from remiss import create_app
from remiss.auth.models import Role, User
from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.timeutil import utcnow

PASSWORD = "korrekt-häst-batteri-häfte"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("REMISS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def test_config(database_url, tmp_path_factory):
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MAIL_BACKEND": "console",
        "LOGIN_RATE_LIMIT": "1000 per minute",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # Hashing strength is not under test; scrypt would make every log-in fixture slow.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }


@pytest.fixture(scope="session")
def _migrated(test_config):
    app = create_app(test_config)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
        db.engine.dispose()
    return True


def _empty_all_tables():
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for name in tables:
                connection.execute(text(f"DELETE FROM {name}"))


@pytest.fixture
def app(_migrated, test_config):
    app = create_app(test_config)
    with app.app_context():
        _empty_all_tables()
    # No application context stays pushed: each request gets its own, as in production
    # (a shared one would keep g and the session's identity map between requests).
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def detached(obj):
    """Loaded attributes stay readable after the context that loaded them is gone."""
    db.session.refresh(obj)
    db.session.expunge(obj)
    return obj


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def statements_for(app, client, url) -> int:
    """How many SQL statements a GET of `url` runs (the page must answer 200)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def csrf_token(client) -> str:
    """The CSRF token of the client's session, read from a page as a browser would."""
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the start page"
    return match.group(1)


def post_form(client, url, data=None, **kwargs):
    """POST like the browser does: with the page's CSRF token."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client))
    return client.post(url, data=data, **kwargs)


@pytest.fixture
def make_user(app):
    def make(role=Role.representative, email=None, name=None, organisation=None, password=PASSWORD, active=True):
        with app.app_context():
            count = db.session.query(User).count() + 1
            user = User(
                email=email or f"{role.value}{count}@example.se",
                name=name or f"{role.value.replace('_', ' ').title()} {count}",
                role=role,
                organisation_id=organisation.id if organisation else None,
                active=active,
            )
            if password:
                user.set_password(password)
            db.session.add(user)
            db.session.commit()
            return detached(user)

    return make


@pytest.fixture
def make_organisation(app):
    def make(short_name="SU", name="Sahlgrenska Universitetssjukhuset", kind="hospital"):
        with app.app_context():
            organisation = Organisation(short_name=short_name, name=name, kind=kind)
            db.session.add(organisation)
            db.session.commit()
            return detached(organisation)

    return make


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email, password=PASSWORD):
        return post_form(self._client, "/login", {"email": email, "password": password})

    def logout(self):
        return post_form(self._client, "/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def make_version(app):
    """A document version built directly in the database: P principles, four criteria,
    optionally alternatives on the first principle and on a section."""
    from remiss.documents.models import (
        Alternative, Criterion, Document, DocumentVersion, Principle, PrincipleText, Section, SectionKind, VersionStatus,
    )

    def make(key="invanarinteraktion", principles=8, status=VersionStatus.draft, alternatives=False, number=1):
        with app.app_context():
            document = db.session.execute(db.select(Document).where(Document.key == key)).scalar_one_or_none()
            if document is None:
                document = Document(key=key)
                db.session.add(document)
            version = DocumentVersion(document=document, number=number, status=status,
                                      title="Styrande principer för invånarinteraktion", owner="Regional process invånarinteraktion",
                                      decision_body="Styrgruppen för digital patientkommunikation/invånarinteraktion",
                                      # Approved versions carry the moment of approval, as the decision sets it.
                                      published_at=utcnow() if status in (VersionStatus.published,
                                                                          VersionStatus.superseded) else None)
            db.session.add(version)
            intro = Section(version=version, position=0, key="bakgrund", heading="Bakgrund", body="Principerna ska bidra till ett gemensamt arbetssätt.")
            criteria = Section(version=version, position=1, key="kvalitet", kind=SectionKind.criteria,
                               heading="Hur säkras kvalitet i principerna?", body="")
            db.session.add_all([intro, criteria])
            questions = ["Stöder principen våra övergripande mål och värderingar?", "Är principen tydlig och lätt att förstå?",
                         "Är principen specifik nog?", "Hur kan principen driva beteende och vägleda oss praktiskt?"]
            criteria.body = "\n".join(f"{i}. {q}" for i, q in enumerate(questions, 1))
            for i, q in enumerate(questions, 1):
                db.session.add(Criterion(version=version, position=i, text=q))
            for n in range(1, principles + 1):
                principle = db.session.execute(
                    db.select(Principle).where(Principle.document == document, Principle.key == f"princip-{n}")
                ).scalar_one_or_none() or Principle(document=document, key=f"princip-{n}")
                text = PrincipleText(version=version, principle=principle, position=1 + n, number=n,
                                     title=f"Princip nummer {n}", statement=f"Vi gör det som princip {n} säger.",
                                     keywords="Samordning, personcentrering")
                db.session.add(text)
                if alternatives and n == 1:
                    db.session.add_all([
                        Alternative(version=version, principle_text=text, position=1, label="Formulering A", body="Vi gör A."),
                        Alternative(version=version, principle_text=text, position=2, label="Formulering B", body="Vi gör B."),
                    ])
            if alternatives:
                db.session.add_all([
                    Alternative(version=version, section=intro, position=1, label="Definition 1", body="Hur VGR och invånare interagerar."),
                    Alternative(version=version, section=intro, position=2, label="Definition 2", body="Allt samspel mellan VGR och invånare."),
                ])
            db.session.commit()
            return detached(version)

    return make
