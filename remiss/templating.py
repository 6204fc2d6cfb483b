"""What every template can use: filters, labels, the permission questions."""
from flask_babel import format_datetime, get_locale, get_translations
from jinja2.ext import _make_new_gettext, _make_new_ngettext

from remiss import permissions
from remiss.auth.models import Role
from remiss.labels import label
from remiss.markdown import render


def localtime(value, format="short"):
    """A UTC instant shown on the Stockholm clock (BABEL_DEFAULT_TIMEZONE)."""
    return format_datetime(value, format) if value else ""


def bound_gettext() -> dict:
    """The templates' gettext and ngettext for one rendering, bound to its language's catalogue.

    Flask-Babel's, installed in the Jinja environment, look the language and the catalogue up again
    on every string (some 10 µs each): a report's outline translates a thousand strings, a tenth of
    its time at 10 × 40 (benchmarks/reports.py). A rendering's language does not change while it
    runs (a streamed report is rendered inside `force_locale`, which is in force when its context is
    made), so they are looked up once here; Jinja's `_()` resolves `gettext` from the context. The
    wrappers are Jinja's own for newstyle gettext, as Flask-Babel installs them: autoescaped, and
    `%` formatting of the variables."""
    translations = get_translations()
    return {"gettext": _make_new_gettext(translations.ugettext),
            "ngettext": _make_new_ngettext(translations.ungettext)}


def init_app(app):
    app.context_processor(bound_gettext)
    app.jinja_env.filters["markdown"] = render
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["permissions"] = permissions
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["Role"] = Role
