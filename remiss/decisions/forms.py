"""Forms of the decision pages. What they check is only the shape; the rules (dates, required
reference, what to change) are the operations' so that refusals read the same everywhere."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField

from remiss.decisions.models import DecisionOutcome
from remiss.forms import SwedishDateField, optional_id
from remiss.labels import label


class ProposeForm(FlaskForm):
    consultation_id = SelectField(_l("Remissammanställning som följer med"), coerce=optional_id, validate_choice=True)
    meeting_on = SwedishDateField(_l("Styrgruppens möte"))
    message = TextAreaField(_l("Meddelande till styrgruppen"), render_kw={"rows": 6})


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Kommentar"), render_kw={"rows": 4})


def outcome_choices():
    return [(outcome.value, label(outcome)) for outcome in DecisionOutcome]


class DecisionForm(FlaskForm):
    outcome = RadioField(_l("Beslut"), choices=[], validate_choice=False)
    decided_on = SwedishDateField(_l("Beslutsdatum"))
    body = StringField(_l("Beslutande organ"))
    minutes_reference = StringField(_l("Protokoll"))
    paragraph = StringField(_l("Paragraf"))
    present = TextAreaField(_l("Närvarande"), render_kw={"rows": 5})
    motivation = TextAreaField(_l("Motivering – vid återremiss: vad som ska ändras"), render_kw={"rows": 5})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcome.choices = outcome_choices()
