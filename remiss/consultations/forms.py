"""Forms of the process owner's consultation pages. Dates are typed on the Stockholm clock."""
from __future__ import annotations

from datetime import date, datetime, time, timezone

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from remiss.consultations.models import CriteriaScale
from remiss.forms import SwedishDateField
from remiss.labels import label
from remiss.markdown import MAX_LENGTH as MARKDOWN_MAX_LENGTH
from remiss.timeutil import STOCKHOLM, local


def no_nul(form, field):
    if isinstance(field.data, str) and "\x00" in field.data:
        raise ValidationError(_l("Texten innehåller ett otillåtet tecken (NUL). Ta bort det och försök igen."))




class SwedishTimeField(TimeField):
    """A time of day: 16:00 or 16.00."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        raw = valuelist[0].strip().replace(".", ":")
        for pattern in ("%H:%M", "%H:%M:%S"):
            try:
                self.data = datetime.strptime(raw, pattern).time()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Skriv klockslaget som TT:MM, till exempel 16:00."))


class MultiCheckboxField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        # A friendly message instead of WTForms' "'x' is not a valid choice".
        values = {value for value, *_ in self.iter_choices()}
        for item in self.data or []:
            if str(item) not in {str(v) for v in values}:
                raise ValidationError(_l("Välj bland alternativen i listan."))


def stockholm_to_utc(day: date, clock: time) -> datetime:
    """A wall-clock time in Stockholm as a UTC instant. A time skipped by the switch to summer
    time does not exist and is refused (ValueError)."""
    wall = datetime.combine(day, clock)
    instant = wall.replace(tzinfo=STOCKHOLM).astimezone(timezone.utc)
    if instant.astimezone(STOCKHOLM).replace(tzinfo=None) != wall:
        raise ValueError("nonexistent local time")
    return instant


def required(message):
    return InputRequired(message)


class DetailsForm(FlaskForm):
    title = StringField(
        _l("Rubrik"),
        validators=[DataRequired(_l("Fyll i en rubrik.")), Length(max=300, message=_l("Högst 300 tecken.")), no_nul],
    )
    reference_number = StringField(
        _l("Diarienummer"),
        validators=[Optional(), Length(max=64, message=_l("Högst 64 tecken.")), no_nul],
    )
    purpose = TextAreaField(
        _l("Syfte"),
        validators=[Optional(), Length(max=MARKDOWN_MAX_LENGTH, message=_l("Högst %(max)d tecken.", max=MARKDOWN_MAX_LENGTH)), no_nul],
        render_kw={"rows": 6},
    )
    opens_on = SwedishDateField(_l("Öppningsdatum"), validators=[required(_l("Fyll i ett öppningsdatum."))])
    deadline_date = SwedishDateField(_l("Svarsdatum"), validators=[required(_l("Fyll i ett svarsdatum."))])
    deadline_time = SwedishTimeField(
        _l("Klockslag för svarsdatum"), default=time(23, 59), validators=[required(_l("Fyll i ett klockslag."))]
    )
    networks = MultiCheckboxField(_l("Nätverk som remissen skickas till"), coerce=int)
    reminder_days_before = IntegerField(
        _l("Automatisk påminnelse, antal dagar före svarsdatum"),
        validators=[Optional(), NumberRange(min=0, max=60, message=_l("Ange ett antal dagar mellan 0 och 60."))],
    )

    def validate_networks(self, field):
        if not field.data:
            raise ValidationError(_l("Välj minst ett nätverk som remissen ska skickas till."))

    def opens_at(self) -> datetime:
        """The opening day starts at midnight, Stockholm time."""
        return stockholm_to_utc(self.opens_on.data, time(0, 0))

    def deadline(self) -> datetime:
        return stockholm_to_utc(self.deadline_date.data, self.deadline_time.data)

    def fill_from(self, consultation) -> None:
        self.title.data = consultation.title
        self.reference_number.data = consultation.reference_number
        self.purpose.data = consultation.purpose
        self.opens_on.data = local(consultation.opens_at).date()
        deadline = local(consultation.deadline)
        self.deadline_date.data = deadline.date()
        self.deadline_time.data = deadline.time().replace(second=0, microsecond=0)
        self.networks.data = [n.id for n in consultation.networks]
        self.reminder_days_before.data = consultation.reminder_days_before


class CreateForm(DetailsForm):
    version_id = SelectField(_l("Dokumentversion"), coerce=int, validators=[required(_l("Välj en version."))])


class QuestionsForm(FlaskForm):
    ask_stance = BooleanField(_l("Ställningstagande (tillstyrker, tillstyrker med ändringar, avstyrker, inga synpunkter)"))
    ask_comment = BooleanField(_l("Fri kommentar"))
    ask_proposed_wording = BooleanField(_l("Förslag på ny formulering"))
    ask_alternatives = BooleanField(_l("Vilket alternativ föredrar ni, och varför?"))
    criteria = MultiCheckboxField(_l("Kvalitetskriterier som bedöms för varje princip"), coerce=int)
    criteria_scale = RadioField(
        _l("Skala för kvalitetskriterierna"),
        choices=[SelectChoice(s.value, label(s)) for s in CriteriaScale],
        validators=[required(_l("Välj en skala."))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels are looked up in the request's language, not at import.
        self.criteria_scale.choices = [SelectChoice(s.value, label(s)) for s in CriteriaScale]


class GeneralQuestionForm(FlaskForm):
    text = StringField(
        _l("Fråga"),
        validators=[DataRequired(_l("Skriv frågan.")), Length(max=500, message=_l("Högst 500 tecken.")), no_nul],
    )


class AddOrganisationForm(FlaskForm):
    organisation_id = SelectField(_l("Organisation"), coerce=int, validators=[required(_l("Välj en organisation."))])


class AddIndividualForm(FlaskForm):
    user_id = SelectField(_l("Person"), coerce=int, validators=[required(_l("Välj en person."))])


class ExtendDeadlineForm(FlaskForm):
    deadline_date = SwedishDateField(_l("Nytt svarsdatum"), validators=[required(_l("Fyll i ett svarsdatum."))])
    deadline_time = SwedishTimeField(
        _l("Klockslag"), default=time(23, 59), validators=[required(_l("Fyll i ett klockslag."))]
    )

    def deadline(self) -> datetime:
        return stockholm_to_utc(self.deadline_date.data, self.deadline_time.data)
