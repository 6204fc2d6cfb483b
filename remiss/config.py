"""Settings from environment variables, with safe defaults for development.

REMISS_ENV=production turns on what production needs (secure cookies, SMTP,
a required SECRET_KEY and rate-limit storage) and refuses to start without it.
"""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _development_secret(instance_path: str) -> str:
    """A random key kept in instance/ so that sessions survive restarts; never committed."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def settings_from_env(instance_path: str) -> dict:
    production = os.environ.get("REMISS_ENV", "development") == "production"
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        if production:
            raise RuntimeError("SECRET_KEY must be set when REMISS_ENV=production")
        secret_key = _development_secret(instance_path)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'remiss.db'}"
    return {
        "REMISS_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Cookies: HttpOnly and SameSite always, Secure whenever served over HTTPS.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "LOGIN_SESSION_LIFETIME": timedelta(hours=int(os.environ.get("LOGIN_SESSION_HOURS", "12"))),
        "INVITATION_LIFETIME": timedelta(days=14),
        "PASSWORD_RESET_LIFETIME": timedelta(hours=2),
        "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session: long edits stay valid
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        # Mail: "console" prints and keeps mails for the administrators' mailbox page.
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(os.environ.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "Remiss <noreply@remiss.invalid>"),
        # Absolute address used in links sent by e-mail.
        "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "RATELIMIT_STORAGE_URI": os.environ.get(
            "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0" if production else "memory://"
        ),
        # Every app object sets its own prefix: Flask-Limiter keeps the last one on the shared limiter
        # object otherwise, and instances with different prefixes would not count together in Redis.
        "RATELIMIT_KEY_PREFIX": os.environ.get("RATELIMIT_KEY_PREFIX", "remiss"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
    }
