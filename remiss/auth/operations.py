"""The verbs of accounts: log in and out, sessions, one-time links, people.

Never commit: the view or the CLI command does, so that a change and its audit
entry are stored together or not at all.
"""
from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, session
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from sqlalchemy import bindparam, delete, select, update

from remiss.audit import record
from remiss.auth.models import AuthToken, LoginSession, Role, TokenPurpose, User
from remiss.extensions import db, login_manager
from remiss.organisations.models import Organisation
from remiss.timeutil import utcnow

SESSION_KEY = "login_token"
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 200


class AccountError(ValueError):
    """A request about an account that cannot be done; the message is for the user (Swedish)."""

    field: str | None = None

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class DuplicateEmail(AccountError):
    field = "email"


class InvalidEmail(AccountError):
    field = "email"


class UnknownRole(AccountError):
    field = "role"


class UnknownOrganisation(AccountError):
    field = "organisation"


class WeakPassword(AccountError):
    field = "password"


class WrongPassword(AccountError):
    field = "current_password"


class SelfLockout(AccountError):
    """An administrator may not deactivate or demote themselves: someone must remain to administer."""


# --- passwords, e-mail --------------------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.replace("\x00", "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def password_problems(password: str, email: str | None = None) -> list[str]:
    """What is wrong with a new password, in words the user can act on; empty if nothing."""
    problems = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(_("Lösenordet måste ha minst %(n)d tecken.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(_("Lösenordet får ha högst %(n)d tecken.", n=MAX_PASSWORD_LENGTH))
    if email and password.strip().lower() == normalise_email(email):
        problems.append(_("Lösenordet får inte vara detsamma som e-postadressen."))
    return problems


def validate_password(password: str, email: str | None = None) -> None:
    problems = password_problems(password, email)
    if problems:
        raise WeakPassword(" ".join(problems))


def generate_password() -> str:
    """A random password for the command line: 20 characters, well above the minimum."""
    return secrets.token_urlsafe(15)


def _valid_email(email: str) -> str:
    email = normalise_email(email or "")
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        raise InvalidEmail(_("Skriv en giltig e-postadress, till exempel namn@vgregion.se.")) from None
    return email


def _role(role: Role | str) -> Role:
    if isinstance(role, Role):
        return role
    try:
        return Role(role)
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise UnknownRole(_("Okänd roll: %(role)s. Välj en av: %(known)s.", role=role, known=known)) from None


def find_organisation(short_name: str) -> Organisation:
    organisation = db.session.execute(
        select(Organisation).where(Organisation.short_name == short_name.strip())
    ).scalar_one_or_none()
    if organisation is None:
        raise UnknownOrganisation(_("Det finns ingen organisation med förkortningen %(short)s.", short=short_name))
    return organisation


def _organisation(organisation: Organisation | str | None) -> Organisation | None:
    if organisation is None or isinstance(organisation, Organisation):
        return organisation
    return find_organisation(organisation)


def _snapshot(user: User) -> dict:
    """The administrable facts of a person, for the audit trail's before and after."""
    return {
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "organisation": user.organisation.short_name if user.organisation else None,
        "active": user.active,
        "signatory": bool(user.signatory),
    }


# --- log-in sessions ----------------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same answer for every failure)."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def start_session(user: User) -> None:
    """Log the user in with a fresh server-side session record."""
    # Flask-Login must get the User itself: storing the current_user proxy in g
    # would make current_user resolve to itself forever.
    user = getattr(user, "_get_current_object", lambda: user)()
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=token_hash(token),
            created_at=now,
            expires_at=now + current_app.config["LOGIN_SESSION_LIFETIME"],
        )
    )
    user.last_login_at = now
    session.clear()  # no fixation: nothing from before the log-in survives
    session[SESSION_KEY] = token
    login_user(user)


def end_session() -> None:
    """Revoke this browser's session on the server, then forget it in the cookie."""
    token = session.get(SESSION_KEY)
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    logout_user()
    session.clear()


def revoke_all_sessions(user: User) -> None:
    """After a password change or deactivation: every browser of this user is logged out."""
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# Built once: every request of a logged-in user runs it.
_USER_OF_SESSION = (
    select(User)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(
        User.id == bindparam("user_id"),
        User.active.is_(True),
        LoginSession.token_hash == bindparam("token_hash"),
        LoginSession.revoked_at.is_(None),
        LoginSession.expires_at > bindparam("now"),
    )
)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    return db.session.execute(
        _USER_OF_SESSION, {"user_id": int(user_id), "token_hash": token_hash(token), "now": utcnow()}
    ).scalar_one_or_none()


# --- one-time links -----------------------------------------------------------------------------


class LinkProblem(enum.Enum):
    unknown = "unknown"
    used = "used"
    expired = "expired"


class InvalidLink(AccountError):
    """A one-time link that cannot be used (any more); `problem` says why."""

    def __init__(self, problem: LinkProblem):
        # No gettext here: the pages behind links say why in their own words, per problem.
        super().__init__(f"one-time link {problem.value}")
        self.problem = problem


_LIFETIME_SETTING = {
    TokenPurpose.invitation: "INVITATION_LIFETIME",
    TokenPurpose.password_reset: "PASSWORD_RESET_LIFETIME",
}


def _discard_unused_tokens(user: User, purpose: TokenPurpose) -> None:
    db.session.execute(
        delete(AuthToken).where(
            AuthToken.user_id == user.id, AuthToken.purpose == purpose, AuthToken.used_at.is_(None)
        )
    )


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta | None = None) -> str:
    """A new one-time link secret for the user; earlier unused links of that purpose stop working.

    Only the SHA-256 of the secret is stored: the database alone cannot open an account.
    """
    _discard_unused_tokens(user, purpose)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    lifetime = lifetime or current_app.config[_LIFETIME_SETTING[purpose]]
    db.session.add(
        AuthToken(user_id=user.id, purpose=purpose, token_hash=token_hash(token), created_at=now, expires_at=now + lifetime)
    )
    return token


def check_token(token: str, purpose: TokenPurpose) -> User:
    """The user a link belongs to, without using it up (to show the page behind the link).

    Raises InvalidLink with the reason: unknown, already used, or expired.
    """
    row = db.session.execute(
        select(AuthToken).where(AuthToken.token_hash == token_hash(token), AuthToken.purpose == purpose)
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        raise InvalidLink(LinkProblem.unknown)
    if row.used_at is not None:
        raise InvalidLink(LinkProblem.used)
    if row.expires_at <= utcnow():
        raise InvalidLink(LinkProblem.expired)
    return row.user


def consume_token(token: str, purpose: TokenPurpose) -> User:
    """Use up a one-time link and return its user; works once, even when two requests race.

    The conditional UPDATE is the lock: of two concurrent requests only one
    changes a row, and the other sees rowcount 0 and is refused.
    """
    now = utcnow()
    result = db.session.execute(
        update(AuthToken)
        .where(
            AuthToken.token_hash == token_hash(token),
            AuthToken.purpose == purpose,
            AuthToken.used_at.is_(None),
            AuthToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        check_token(token, purpose)  # raises with the reason
        raise InvalidLink(LinkProblem.used)  # pragma: no cover - lost a race between the two statements
    user = db.session.execute(
        select(User).join(AuthToken, AuthToken.user_id == User.id).where(AuthToken.token_hash == token_hash(token))
    ).scalar_one()
    if not user.active:
        raise InvalidLink(LinkProblem.unknown)
    return user


# --- password reset and invitation --------------------------------------------------------------


def request_password_reset(email: str) -> bool:
    """Anyone may ask. Mails a reset link if an active account has this address.

    The caller shows the same answer either way (no account enumeration); the
    return value is for logging only.
    """
    from remiss.auth import notifications

    user = find_user_by_email(email or "")
    if user is None or not user.active:
        return False
    token = issue_token(user, TokenPurpose.password_reset)
    record(None, "user.password_reset_requested", user, summary=user.email)
    notifications.send_password_reset(user, token)
    return True


def _set_new_password(user: User, password: str) -> None:
    validate_password(password, user.email)
    user.set_password(password)
    revoke_all_sessions(user)
    _discard_unused_tokens(user, TokenPurpose.password_reset)


def reset_password(token: str, password: str) -> User:
    """The holder of a valid reset link sets a new password: every session of the user
    ends, and this browser is logged in afresh."""
    validate_password(password, check_token(token, TokenPurpose.password_reset).email)
    user = consume_token(token, TokenPurpose.password_reset)
    _set_new_password(user, password)
    record(user, "user.password_reset", user, summary=user.email)
    start_session(user)
    return user


def accept_invitation(token: str, password: str) -> User:
    """The invited person chooses a password and is logged in."""
    validate_password(password, check_token(token, TokenPurpose.invitation).email)
    user = consume_token(token, TokenPurpose.invitation)
    _set_new_password(user, password)
    _discard_unused_tokens(user, TokenPurpose.invitation)
    record(user, "user.invitation_accepted", user, summary=user.email)
    start_session(user)
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """The logged-in user changes their own password; other browsers are logged out,
    this one continues with a fresh session record."""
    if not user.check_password(current_password):
        raise WrongPassword(_("Det nuvarande lösenordet stämmer inte."))
    if current_password == new_password:
        raise WeakPassword(_("Det nya lösenordet måste skilja sig från det nuvarande."))
    _set_new_password(user, new_password)
    record(user, "user.password_changed", user, summary=user.email)
    start_session(user)


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("Välj svenska eller engelska."), field="locale")
    user.locale = locale


# --- people administration ----------------------------------------------------------------------


def create_user(
    email: str,
    name: str,
    role: Role | str,
    organisation: Organisation | str | None = None,
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Create an account. Administrators (people pages), the CLI and the demo loader call this.

    `organisation` is an Organisation, its short name, or None for an individual
    network member. Without a password the person cannot log in until they accept
    an invitation or reset their password. Raises an AccountError (a ValueError)
    with a Swedish message for a duplicate or invalid e-mail, unknown role or
    organisation, or a weak password.
    """
    email = _valid_email(email)
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise AccountError(_("Fyll i namnet."), field="name")
    role = _role(role)
    organisation = _organisation(organisation)
    if find_user_by_email(email) is not None:
        raise DuplicateEmail(_("Det finns redan ett konto med e-postadressen %(email)s.", email=email))
    user = User(email=email, name=name, role=role, organisation=organisation, active=True)
    if password is not None:
        validate_password(password, email)
        user.set_password(password)
    db.session.add(user)
    record(actor, "user.created", user, summary=email, after=_snapshot(user))
    return user


def invite_user(
    actor: User, email: str, name: str, role: Role | str, organisation: Organisation | str | None = None
) -> User:
    """Administrators: create the account and mail the person a link to choose a password."""
    user = create_user(email, name, role, organisation, password=None, actor=actor)
    send_invitation(actor, user)
    return user


def send_invitation(actor: User | None, user: User) -> None:
    """(Re)send an invitation; the link of any earlier invitation stops working."""
    from remiss.auth import notifications

    if not user.active:
        raise AccountError(_("Kontot är inaktiverat. Aktivera det innan du skickar en inbjudan."))
    token = issue_token(user, TokenPurpose.invitation)
    record(actor, "user.invited", user, summary=user.email)
    notifications.send_invitation(user, token, actor)


def update_user(actor: User, user: User, *, name: str, role: Role | str, organisation: Organisation | str | None,
                signatory: bool | None = None) -> None:
    """Administrators: change a person's name, role, organisation and whether they sign their
    organisation's answers (None: unchanged). Nobody demotes themselves."""
    name = (name or "").replace("\x00", "").strip()
    if not name:
        raise AccountError(_("Fyll i namnet."), field="name")
    role = _role(role)
    organisation = _organisation(organisation)
    if user.id == actor.id and role != user.role:
        raise SelfLockout(
            _("Du kan inte ändra din egen roll. Be en annan administratör om det behövs."), field="role"
        )
    before = _snapshot(user)
    old_role = user.role
    user.name = name
    user.role = role
    user.organisation = organisation
    if signatory is not None:
        user.signatory = bool(signatory)
    after = _snapshot(user)
    if role != old_role:
        record(actor, "user.role_changed", user, summary=user.email,
               before={"role": old_role.value}, after={"role": role.value})
    changed = [key for key in before if key != "role" and before[key] != after[key]]
    if changed:
        record(actor, "user.updated", user, summary=user.email,
               before={k: before[k] for k in changed}, after={k: after[k] for k in changed})


def deactivate_user(actor: User, user: User) -> None:
    """Administrators: the person can no longer log in, and is logged out everywhere now."""
    if user.id == actor.id:
        raise SelfLockout(_("Du kan inte inaktivera ditt eget konto. Be en annan administratör om det behövs."))
    if not user.active:
        return
    user.active = False
    revoke_all_sessions(user)
    for purpose in TokenPurpose:
        _discard_unused_tokens(user, purpose)
    record(actor, "user.deactivated", user, summary=user.email, before={"active": True}, after={"active": False})


def reactivate_user(actor: User, user: User) -> None:
    """Administrators: the person may log in again with their old password."""
    if user.active:
        return
    user.active = True
    record(actor, "user.reactivated", user, summary=user.email, before={"active": False}, after={"active": True})


@dataclass
class PeopleFilter:
    query: str = ""
    role: Role | None = None


def people_statement(filters: PeopleFilter):
    """The people list: search in name, e-mail and organisation; filter by role."""
    from sqlalchemy import or_
    from sqlalchemy.orm import contains_eager

    statement = select(User).outerjoin(User.organisation).options(contains_eager(User.organisation))
    text = filters.query.strip()
    if text:
        pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(
            or_(
                User.name.ilike(pattern, escape="\\"),
                User.email.ilike(pattern, escape="\\"),
                Organisation.name.ilike(pattern, escape="\\"),
                Organisation.short_name.ilike(pattern, escape="\\"),
            )
        )
    if filters.role is not None:
        statement = statement.where(User.role == filters.role)
    return statement.order_by(User.name, User.id)
