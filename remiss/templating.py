"""What every template can use: filters, labels, the permission questions."""
from flask_babel import format_datetime, get_locale, lazy_gettext as _l

from remiss import permissions
from remiss.auth.models import Role
from remiss.documents.models import VersionStatus
from remiss.markdown import render

LABELS = {
    Role.administrator: _l("Administratör"),
    Role.process_owner: _l("Processansvarig"),
    Role.steering_member: _l("Ledamot i styrgruppen"),
    Role.representative: _l("Nätverksrepresentant"),
    VersionStatus.draft: _l("Utkast"),
    VersionStatus.on_remiss: _l("På remiss"),
    VersionStatus.consolidation: _l("Under sammanställning"),
    VersionStatus.proposed: _l("Förslag till styrgruppen"),
    VersionStatus.published: _l("Fastställd och publicerad"),
    VersionStatus.superseded: _l("Ersatt"),
    VersionStatus.withdrawn: _l("Återkallad"),
}


def label(value) -> str:
    """The user-facing name of an enum member, in the current language."""
    return str(LABELS.get(value, getattr(value, "value", value)))


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
