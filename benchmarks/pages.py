"""The pages people wait for: SQL statements per request and median server time.

Each page is fetched through Flask's test client (the whole app – routing, log-in, permission,
queries, templates – without a network or a web server), logged in as who would open it:

- consolidation: the consolidation overview, as the process owner
- dashboard: the consultation's dashboard, as the process owner
- answer form: the answer form, as a representative who has not answered yet
- public document: the published version of the document, logged out

Statements are counted with SQLAlchemy's before_cursor_execute event on the app's engine.
"""
from __future__ import annotations

import re
import statistics
import time
from contextlib import contextmanager

from sqlalchemy import event

from remiss.extensions import db

from benchmarks.generate import PASSWORD


def pages(world) -> list[tuple[str, str, str | None]]:
    """(name, url, e-mail of who opens it or None)."""
    c = world.consultation_id
    return [
        ("consolidation", f"/consultations/{c}/consolidation", world.owner_email),
        ("dashboard", f"/consultations/{c}/dashboard", world.owner_email),
        ("answer form", f"/consultations/{c}/respond", world.user_emails[0] if world.user_emails else None),
        ("public document", f"/documents/{world.document_key}/versions/{world.published_number}", None),
    ]


def log_in(client, email: str) -> None:
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code in (302, 303), f"log-in as {email} failed ({response.status_code})"


@contextmanager
def counting(app):
    statements: list[str] = []
    with app.app_context():
        engine = db.engine

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def statements_for(app, client, url: str) -> int:
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(statements)


def clients(app, world) -> dict[str | None, object]:
    """One logged-in test client per person who opens a page (None: logged out)."""
    out = {}
    for _, _, email in pages(world):
        if email not in out:
            client = app.test_client()
            if email:
                log_in(client, email)
            out[email] = client
    return out


def measure(app, world, repeat: int = 15) -> list[dict]:
    """A row per page: statements per request and the median of `repeat` requests in ms."""
    by_person = clients(app, world)
    rows = []
    for name, url, email in pages(world):
        client = by_person[email]
        statements = statements_for(app, client, url)  # also warms the caches
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200
        rows.append({"page": name, "respondents": world.respondents, "principles": world.principles,
                     "statements": statements, "median_ms": statistics.median(times) * 1000,
                     "bytes": len(response.data)})
    return rows
