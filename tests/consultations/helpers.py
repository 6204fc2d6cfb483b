"""Helpers shared by the consultation tests (fixtures are in conftest.py)."""
from __future__ import annotations

import html
import re

from sqlalchemy import select

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import post_form  # noqa: F401  (re-exported for the tests)


def outbox(app) -> list[OutboxMail]:
    with app.app_context():
        mails = db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars().all()
        for mail in mails:
            db.session.expunge(mail)
        return list(mails)


def clear_outbox(app) -> None:
    with app.app_context():
        db.session.execute(db.delete(OutboxMail))
        db.session.commit()


def get_consultation(app, consultation_id) -> Consultation:
    with app.app_context():
        consultation = db.session.get(Consultation, consultation_id)
        db.session.refresh(consultation)
        db.session.expunge(consultation)
        return consultation


def login(client, user):
    from tests.conftest import PASSWORD

    response = post_form(client, "/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302, "log-in failed"
    return response


def text_of(response) -> str:
    """The page as text, tags removed and whitespace collapsed: what a reader sees."""
    page = response.get_data(as_text=True)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))
