"""Submitting is done once, however many people, tabs or clicks ask for it at the same moment."""
from __future__ import annotations

from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.consultations.models import Response, ResponseStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import csrf_token
from tests.data_safety.conftest import logged_in_client, run_together
from tests.responses.conftest import autosave

THREADS = 6


def write_something(client, world):
    key = f"p{world.principles[0]}"
    response = autosave(client, world, {f"{key}.lock_version": "0", f"{key}.comment": "Vår synpunkt"})
    assert response.status_code == 200


def assert_one_submission(app, world):
    with app.app_context():
        responses = db.session.execute(select(Response)).scalars().all()
        assert [(r.revision, r.status) for r in responses] == [(1, ResponseStatus.submitted)]
        assert db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "response.submitted")) == 1
        recipients = db.session.execute(select(OutboxMail.recipient).order_by(OutboxMail.recipient)).scalars().all()
        assert recipients == [world.anna.email, world.bengt.email], "one receipt to each representative, once"


def submit(client, world, token):
    return lambda: client.post(world.respond_url + "/submit", data={"csrf_token": token, "publish_name": "yes"})


def test_parallel_submits_by_several_people_make_one_submission(app, answering):
    w = answering
    clients = [logged_in_client(app, (w.anna.email, w.bengt.email)[i % 2]) for i in range(THREADS)]
    write_something(clients[0], w)
    tokens = [csrf_token(client) for client in clients]

    responses = run_together([submit(client, w, token) for client, token in zip(clients, tokens)])

    assert [r.status_code for r in responses] == [303] * THREADS, "each click ends on the receipt"
    assert all(r.headers["Location"].endswith("/respond/receipt") for r in responses)
    assert_one_submission(app, w)


def test_a_double_clicked_submit_is_one_submission(app, answering):
    """Two requests of the same browser (the same log-in session) at once."""
    w = answering
    first = logged_in_client(app, w.anna.email)
    write_something(first, w)
    token = csrf_token(first)
    second = app.test_client()
    for cookie in ("session",):
        second.set_cookie(cookie, first.get_cookie(cookie).value)

    responses = run_together([submit(first, w, token), submit(second, w, token)])

    assert [r.status_code for r in responses] == [303, 303]
    assert_one_submission(app, w)
    messages = [first.get(r.headers["Location"]).get_data(as_text=True) for r in responses[:1]]
    assert "Svaret är inskickat" in messages[0]
