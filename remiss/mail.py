"""Sending e-mail: SMTP in production; in development printed and kept for the mailbox page."""
from __future__ import annotations

import smtplib
import sys
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app, render_template
from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from remiss.extensions import db
from remiss.timeutil import utcnow
from remiss.types import UTCDateTime


class OutboxMail(db.Model):
    """A mail as the console backend 'sent' it: only development and tests keep these."""

    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailError(RuntimeError):
    """The mail server could not be reached or refused the mail."""


def absolute_url(endpoint: str, **values) -> str:
    """An address for a link in a mail: PUBLIC_BASE_URL plus the route's path.

    Built from the URL map alone, so it works in CLI commands and behind a proxy
    alike; PUBLIC_BASE_URL includes any path prefix the site is served under.
    """
    adapter = current_app.url_map.bind("localhost", script_name="/")
    path = adapter.build(endpoint, values)
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


def build_message(recipient: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = recipient
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="remiss")
    message.set_content(body)
    return message


def send_mail(recipient: str, subject: str, template: str, **context) -> None:
    """Render templates/mail/<template>.txt (plain text: nothing a user wrote can inject markup).

    Raises MailError when the SMTP server fails; the console backend never fails.
    """
    body = render_template(f"mail/{template}.txt", **context)
    message = build_message(recipient, subject, body)
    config = current_app.config
    if config["MAIL_BACKEND"] == "smtp":
        try:
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
                if config["MAIL_USE_TLS"]:
                    smtp.starttls()
                if config["MAIL_USERNAME"]:
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            current_app.logger.error("mail to %s failed: %s", recipient, error)
            raise MailError(str(error)) from error
    else:
        print(f"--- mail to {recipient}: {subject}\n{body}\n---", file=sys.stderr)
        db.session.add(OutboxMail(recipient=recipient, subject=subject, body=body))
