"""The mails of the accounts area. Links are absolute, from PUBLIC_BASE_URL."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale, gettext as _

from remiss.auth.models import User
from remiss.labels import label
from remiss.mail import absolute_url, send_mail
from remiss.i18n import babel_locale


def _hours(setting: str) -> int:
    return int(current_app.config[setting].total_seconds() // 3600)


def send_password_reset(user: User, token: str) -> None:
    # In the recipient's language, not the language of whoever caused the mail.
    with force_locale(babel_locale(user.locale)):
        _send_password_reset(user, token)


def send_invitation(user: User, token: str, inviter: User | None) -> None:
    with force_locale(babel_locale(user.locale)):
        _send_invitation(user, token, inviter)


def _send_password_reset(user: User, token: str) -> None:
    send_mail(
        user.email,
        _("Välj ett nytt lösenord till Remiss"),
        "password_reset",
        user=user,
        link=absolute_url("auth.reset_password", token=token),
        hours=_hours("PASSWORD_RESET_LIFETIME"),
        forgot_link=absolute_url("auth.forgot_password"),
    )


def _send_invitation(user: User, token: str, inviter: User | None) -> None:
    send_mail(
        user.email,
        _("Inbjudan till Remiss"),
        "invitation",
        user=user,
        inviter=inviter,
        role=label(user.role),
        link=absolute_url("auth.accept_invitation", token=token),
        days=current_app.config["INVITATION_LIFETIME"].days,
        forgot_link=absolute_url("auth.forgot_password"),
    )
