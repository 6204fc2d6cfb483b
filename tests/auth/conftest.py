"""Helpers for the account tests: read the mails the console backend kept, and the links in them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.extensions import db
from remiss.mail import OutboxMail

BASE = "http://127.0.0.1:5000"  # PUBLIC_BASE_URL's default


def link_path(body: str, base: str = BASE) -> str:
    """The path of the one absolute link into Remiss that a one-time-link mail carries."""
    links = re.findall(re.escape(base) + r"(/(?:password/reset|invitation)/[A-Za-z0-9_\-]+)", body)
    assert len(links) == 1, body
    return links[0]


@pytest.fixture
def link_in():
    return link_path


@pytest.fixture
def outbox(app):
    """The mails sent so far, oldest first, as (recipient, subject, body)."""

    def read():
        with app.app_context():
            rows = db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars()
            return [(m.recipient, m.subject, m.body) for m in rows]

    return read


@pytest.fixture
def admin(make_user):
    return make_user(Role.administrator, email="admin@example.se", name="Alva Administratör")
