"""The development mailbox: administrators only, console backend only, newest first, escaped."""
from __future__ import annotations

from datetime import timedelta

import pytest

from remiss import create_app
from remiss.auth.models import Role
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import AuthActions


@pytest.mark.parametrize(
    "role, status",
    [(None, 302), (Role.representative, 403), (Role.process_owner, 403), (Role.administrator, 200)],
)
def test_mailbox_is_for_administrators(client, auth, make_user, role, status):
    if role is not None:
        auth.login(make_user(role).email)
    assert client.get("/admin/mailbox").status_code == status


def test_no_mailbox_when_mail_really_goes_out(app, test_config, make_user):
    admin = make_user(Role.administrator)
    smtp_app = create_app({**test_config, "MAIL_BACKEND": "smtp"})
    client = smtp_app.test_client()
    AuthActions(client).login(admin.email)
    assert client.get("/admin/mailbox").status_code == 403
    assert "Utkorg" not in client.get("/admin/people").get_data(as_text=True)


def test_mailbox_lists_newest_first_paginated_and_escaped(app, client, auth, make_user):
    admin = make_user(Role.administrator)
    start = utcnow() - timedelta(days=1)
    with app.app_context():
        for n in range(25):
            db.session.add(OutboxMail(recipient=f"mottagare{n:02d}@example.se", subject=f"Ämne {n:02d}",
                                      body=f"Rad ett\n<script>alert({n})</script>", created_at=start + timedelta(minutes=n)))
        db.session.commit()
    auth.login(admin.email)

    html = client.get("/admin/mailbox").get_data(as_text=True)
    assert html.index("Ämne 24") < html.index("Ämne 23"), "newest first"
    assert "mottagare24@example.se" in html
    assert "Ämne 04" not in html and "Sida 1 av 2" in html
    assert "&lt;script&gt;alert(24)&lt;/script&gt;" in html and "<script>alert" not in html
    older = client.get("/admin/mailbox?page=2").get_data(as_text=True)
    assert "Ämne 04" in older and "Ämne 00" in older
