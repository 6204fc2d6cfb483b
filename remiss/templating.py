"""What every template can use: filters, labels, the permission questions."""
from flask_babel import format_datetime, get_locale

from remiss import permissions
from remiss.auth.models import Role
from remiss.labels import label
from remiss.markdown import render


def localtime(value, format="short"):
    """A UTC instant shown on the Stockholm clock (BABEL_DEFAULT_TIMEZONE)."""
    return format_datetime(value, format) if value else ""


def init_app(app):
    app.jinja_env.filters["markdown"] = render
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["permissions"] = permissions
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["Role"] = Role
