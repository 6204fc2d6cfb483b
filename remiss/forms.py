"""Form pieces every area uses: one definition each."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField


class ConfirmForm(FlaskForm):
    """The POST of an "Är du säker?" page: only the CSRF token."""


class SwedishDateField(DateField):
    """A date as the browser's date input sends it (ÅÅÅÅ-MM-DD), with a message that says how to type it."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError(_l("Skriv datumet som ÅÅÅÅ-MM-DD, till exempel 2025-03-14.")) from None


def optional_id(value):
    """Coerce for a select of database ids with an empty choice: None, an int, or -1 (not a choice)."""
    if value in (None, "", "None"):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1  # not among the choices: the field reports it
