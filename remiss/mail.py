"""Sending e-mail: SMTP in production; in development printed and kept for the mailbox page."""
from __future__ import annotations

import smtplib
import sys
from datetime import datetime
from email.message import EmailMessage
from email.utils import make_msgid
from typing import NamedTuple

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


class MailAttachment(NamedTuple):
    """A file sent with a mail, e.g. a receipt's copy of the answer as text."""

    filename: str
    content_type: str  # a bare MIME type ("text/plain"); text is always sent as UTF-8
    data: bytes


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


def build_message(recipient: str, subject: str, body: str,
                  attachments: list[MailAttachment] | tuple = ()) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = recipient
    # One line whatever the caller passes: a title with a line break must not add headers (or fail).
    message["Subject"] = " ".join(subject.splitlines())
    message["Message-ID"] = make_msgid(domain="remiss")
    message.set_content(body)
    for attachment in attachments:
        maintype, _slash, subtype = attachment.content_type.partition("/")
        params = {"charset": "utf-8"} if maintype == "text" else None
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype or "octet-stream",
                               filename=attachment.filename, params=params)
    return message


def _outbox_listing(attachments) -> str:
    """The development outbox keeps only a body: attachments are appended to it, text ones in full."""
    parts = []
    for attachment in attachments:
        parts.append(f"\n--- Bilaga: {attachment.filename} ({attachment.content_type}, {len(attachment.data)} byte) ---\n")
        if attachment.content_type.startswith("text/"):
            parts.append(attachment.data.decode("utf-8", errors="replace"))
    return "".join(parts)


def send_mail(recipient: str, subject: str, template: str, *,
              attachments: list[MailAttachment] | tuple = (), **context) -> None:
    """Render templates/mail/<template>.txt (plain text: nothing a user wrote can inject markup).

    `attachments` (optional) are sent as files with the mail.
    Raises MailError when the SMTP server fails; the console backend never fails.
    """
    body = render_template(f"mail/{template}.txt", **context)
    message = build_message(recipient, subject, body, attachments)
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
        db.session.add(OutboxMail(recipient=recipient, subject=subject, body=body + _outbox_listing(attachments)))
