"""The verbs of accounts: log in, log out, sessions. Never commit: the caller does."""
from __future__ import annotations

import hashlib
import secrets

from flask import current_app, session
from flask_login import login_user, logout_user
from sqlalchemy import select, update

from remiss.auth.models import LoginSession, User
from remiss.extensions import db, login_manager
from remiss.timeutil import utcnow

SESSION_KEY = "login_token"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same answer for every failure)."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def start_session(user: User) -> None:
    """Log the user in with a fresh server-side session record."""
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


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    token = session.get(SESSION_KEY)
    if not token or not user_id.isdigit():
        return None
    return db.session.execute(
        select(User)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == int(user_id),
            User.active.is_(True),
            LoginSession.token_hash == token_hash(token),
            LoginSession.revoked_at.is_(None),
            LoginSession.expires_at > utcnow(),
        )
    ).scalar_one_or_none()
