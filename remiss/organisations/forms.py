"""Forms of organisation and network administration.

The forms check what the browser sent (filled in, one of the choices); the
operations check the rest (unique names, allowed characters) and their messages
are put back on the field they are about.
"""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from remiss.forms import optional_id

from remiss.organisations.operations import (
    DESCRIPTION_MAX, NAME_MAX, SHORT_NAME_MAX, organisation_kind_choices,
)

CSV_MAX_BYTES = 1024 * 1024





class OrganisationForm(FlaskForm):
    short_name = StringField(
        _l("Kortnamn"),
        validators=[DataRequired(_l("Fyll i kortnamnet.")),
                    Length(max=SHORT_NAME_MAX, message=_l("Kortnamnet får ha högst %(max)d tecken."))],
        render_kw={"autocomplete": "off", "spellcheck": "false"},
    )
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Fyll i namnet.")),
                    Length(max=NAME_MAX, message=_l("Namnet får ha högst %(max)d tecken."))],
        render_kw={"autocomplete": "off"},
    )
    kind = SelectField(_l("Typ av organisation"), validators=[DataRequired(_l("Välj typ av organisation."))])
    requires_signoff = BooleanField(_l("Svaret ska godkännas av en firmatecknare/förvaltningschef"))

    def __init__(self, *args, current_kind=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [("", _l("Välj typ"))] + organisation_kind_choices(current_kind)


class NetworkForm(FlaskForm):
    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Fyll i namnet.")),
                    Length(max=NAME_MAX, message=_l("Namnet får ha högst %(max)d tecken."))],
        render_kw={"autocomplete": "off"},
    )
    description = TextAreaField(
        _l("Beskrivning"),
        validators=[Length(max=DESCRIPTION_MAX, message=_l("Beskrivningen får ha högst %(max)d tecken."))],
        render_kw={"rows": 4},
    )


class AddOrganisationForm(FlaskForm):
    organisation = SelectField(
        _l("Organisation att lägga till"), coerce=optional_id,
        validators=[DataRequired(_l("Välj en organisation."))],
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, prefix="add-organisation", **kwargs)
        self.organisation.choices = [(None, _l("Välj organisation"))] + [
            (o.id, f"{o.name} ({o.short_name})") for o in organisations
        ]


class AddMemberForm(FlaskForm):
    user = SelectField(
        _l("Person att lägga till"), coerce=optional_id,
        validators=[DataRequired(_l("Välj en person."))],
    )

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, prefix="add-member", **kwargs)
        self.user.choices = [(None, _l("Välj person"))] + [(u.id, person_choice_label(u)) for u in people]


def person_choice_label(user) -> str:
    """Name, e-mail and whom the person represents: enough to tell two namesakes apart."""
    whom = user.organisation.short_name if user.organisation else str(_l("enskild medlem"))
    return f"{user.name} <{user.email}> – {whom}"


class OrganisationsCsvForm(FlaskForm):
    file = FileField(
        _l("CSV-fil med organisationer"),
        validators=[
            FileRequired(_l("Välj en CSV-fil att ladda upp.")),
            FileSize(CSV_MAX_BYTES, message=_l("Filen får vara högst 1 MB.")),
        ],
        render_kw={"accept": ".csv,text/csv,text/plain"},
    )
