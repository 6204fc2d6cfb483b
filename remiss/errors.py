"""Error pages in the same look as the rest, and in the user's language."""
from flask import render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError


class UserError(Exception):
    """A refusal an operation explains to the user: a message (Swedish, or English when chosen),
    the HTTP status to answer with, and messages for single fields (field name → message)."""

    status = 400

    def __init__(self, message: str, errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}


def _messages():
    return {
        400: (_("Felaktig begäran"), _("Det som skickades gick inte att tolka. Kontrollera uppgifterna och försök igen.")),
        403: (_("Åtkomst nekad"), _("Du har inte behörighet till den här sidan.")),
        404: (_("Sidan finns inte"), _("Sidan du söker finns inte eller har flyttats.")),
        405: (_("Metoden är inte tillåten"), _("Sidan kan inte användas på det sättet.")),
        413: (_("Filen är för stor"), _("Det som skickades är större än vad som tas emot.")),
        429: (_("För många försök"), _("Du har gjort för många försök på kort tid. Vänta en stund och försök igen.")),
        500: (_("Något gick fel"), _("Ett oväntat fel inträffade. Det du skrev har inte sparats om du inte fick en bekräftelse. Försök igen om en stund.")),
    }


def render_error(code: int, detail: str | None = None):
    title, text = _messages().get(code, (_("Fel"), ""))
    if request.accept_mimetypes.best == "application/json":
        return {"error": title, "message": detail or text}, code
    return render_template("errors.html", code=code, title=title, text=detail or text), code


def register_error_handlers(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(
            400,
            _("Formuläret hade gått ut eller saknade en säkerhetskod. Gå tillbaka, ladda om sidan och skicka igen – det du skrev finns kvar i webbläsarens fält när du går tillbaka."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error):
        if error.code is None or error.code < 400:
            return error
        if error.response is not None:  # e.g. abort(redirect_to_login)
            return error.response
        return render_error(error.code)

    @app.errorhandler(InternalServerError)
    def internal_error(error):
        return render_error(500)
