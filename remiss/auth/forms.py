from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, RadioField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional, ValidationError

from remiss.auth.models import Role

try:  # WTForms 3.3 deprecates (value, label) tuples
    from wtforms import SelectChoice as _choice
except ImportError:  # pragma: no cover - older WTForms
    def _choice(value, label):
        return (value, label)
from remiss.forms import optional_id
from remiss.labels import label

def _strip(value):
    """Surrounding spaces from copy and paste go; NUL characters too (PostgreSQL refuses them)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


PASSWORD_HINT = _l(
    "Minst 12 tecken och inte din e-postadress. Några ord i följd, till exempel "
    "”kaffe cykel september regn”, är lätt att minnas och svårt att gissa."
)


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i din e-postadress.")), Email(_l("Skriv en giltig e-postadress, till exempel namn@vgregion.se.")), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Lösenord"),
        validators=[DataRequired(_l("Fyll i ditt lösenord.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i din e-postadress.")), Email(_l("Skriv en giltig e-postadress, till exempel namn@vgregion.se.")), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "email"},
    )


def _password_rules(form, field):
    from remiss.auth.operations import password_problems

    problems = password_problems(field.data or "", getattr(form, "account_email", None))
    if problems:
        raise ValidationError(" ".join(problems))


def _new_password_field(text):
    return PasswordField(
        text,
        validators=[DataRequired(_l("Fyll i ett nytt lösenord.")), _password_rules],
        render_kw={"autocomplete": "new-password"},
    )


def _repeat_field():
    return PasswordField(
        _l("Upprepa lösenordet"),
        validators=[
            DataRequired(_l("Skriv lösenordet en gång till.")),
            EqualTo("password", _l("Lösenorden är inte likadana. Skriv samma lösenord i båda fälten.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class SetPasswordForm(FlaskForm):
    """Choose a password from a reset or invitation link. Set `account_email` before validating."""

    password = _new_password_field(_l("Nytt lösenord"))
    confirm = _repeat_field()

    def __init__(self, *args, account_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Nuvarande lösenord"),
        validators=[DataRequired(_l("Fyll i ditt nuvarande lösenord.")), Length(max=200)],
        render_kw={"autocomplete": "current-password"},
    )
    password = _new_password_field(_l("Nytt lösenord"))
    confirm = _repeat_field()

    def __init__(self, *args, account_email=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.account_email = account_email


class LanguageForm(FlaskForm):
    locale = RadioField(
        _l("Språk i Remiss"),
        choices=[_choice("sv", "Svenska"), _choice("en", "English")],
        validators=[DataRequired(_l("Välj ett språk."))],
    )


def _role_choices():
    return [_choice(role.value, label(role)) for role in Role]





class PersonForm(FlaskForm):
    """Name, role and organisation; the invitation adds the e-mail address."""

    name = StringField(
        _l("Namn"),
        validators=[DataRequired(_l("Fyll i namnet.")), Length(max=200, message=_l("Namnet får ha högst 200 tecken."))],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )
    role = SelectField(_l("Roll"), validators=[DataRequired(_l("Välj en roll."))], validate_choice=True)
    organisation = SelectField(_l("Organisation"), coerce=optional_id, validators=[Optional()])
    signatory = BooleanField(_l("Firmatecknare: får godkänna och skicka in organisationens svar"))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.organisation.choices = [_choice(None, _l("Ingen – enskild nätverksmedlem"))] + [
            _choice(o.id, f"{o.name} ({o.short_name})") for o in organisations
        ]
        self._organisations = {o.id: o for o in organisations}

    def selected_organisation(self):
        return self._organisations.get(self.organisation.data)


class InviteForm(PersonForm):
    email = EmailField(
        _l("E-postadress"),
        validators=[DataRequired(_l("Fyll i e-postadressen.")), Email(_l("Skriv en giltig e-postadress, till exempel namn@vgregion.se.")), Length(max=254)],
        filters=[_strip],
        render_kw={"autocomplete": "off"},
    )


class PeopleSearchForm(FlaskForm):
    """The filters of the people list: a GET form, no CSRF needed."""

    class Meta:
        csrf = False

    q = SearchField(_l("Sök på namn, e-post eller organisation"), validators=[Optional(), Length(max=200)],
                    filters=[_strip])
    role = SelectField(_l("Roll"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [_choice("", _l("Alla roller"))] + _role_choices()
