"""One mail through a real SMTP server (aiosmtpd on a free local port)."""
from __future__ import annotations

import email
import email.policy
import socket

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from remiss import create_app
from remiss.auth.models import Role
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import post_form


class Collect:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_reset_mail_arrives_at_a_real_smtp_server(app, test_config, make_user):
    make_user(Role.representative, email="rut@example.se", name="Rut Representant")
    handler = Collect()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        smtp_app = create_app({**test_config, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port,
                               "PUBLIC_BASE_URL": "https://remiss.example.se"})
        response = post_form(smtp_app.test_client(), "/password/forgot", {"email": "rut@example.se"})
        assert response.status_code == 302
    finally:
        controller.stop()

    [envelope] = handler.envelopes
    assert envelope.rcpt_tos == ["rut@example.se"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["To"] == "rut@example.se"
    assert "Remiss" in message["From"]
    assert message["Subject"] == "Välj ett nytt lösenord till Remiss"
    body = message.get_content()
    assert "Hej Rut Representant!" in body
    assert "https://remiss.example.se/password/reset/" in body
    with smtp_app.app_context():
        assert db.session.execute(select(func.count()).select_from(OutboxMail)).scalar_one() == 0


def test_unreachable_smtp_server_does_not_break_the_page(app, test_config, make_user):
    make_user(Role.representative, email="rut@example.se")
    smtp_app = create_app({**test_config, "MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": _free_port()})
    response = post_form(smtp_app.test_client(), "/password/forgot", {"email": "rut@example.se"})
    assert response.status_code == 302, "same answer as always: nothing tells whether the account exists"
