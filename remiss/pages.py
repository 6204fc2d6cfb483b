"""Pages about the service itself: the accessibility statement the law asks for."""
import os
from datetime import date

from flask import Blueprint, current_app, render_template
from flask_babel import format_date

bp = Blueprint("pages", __name__)

# When the statement was written and when the service was last assessed; update both when
# the statement is reviewed (DIGG asks for a yearly review).
STATEMENT_DATE = date(2026, 11, 23)
ASSESSMENT_DATE = date(2026, 11, 23)

DEFAULT_CONTACT = "tillganglighet@remiss.invalid"


def accessibility_contact() -> str:
    """Where people report accessibility problems: ACCESSIBILITY_CONTACT_EMAIL (config or environment)."""
    return (
        current_app.config.get("ACCESSIBILITY_CONTACT_EMAIL")
        or os.environ.get("ACCESSIBILITY_CONTACT_EMAIL")
        or DEFAULT_CONTACT
    )


@bp.route("/tillganglighet")
def accessibility():
    return render_template(
        "pages/accessibility.html",
        contact=accessibility_contact(),
        statement_date=(STATEMENT_DATE.isoformat(), format_date(STATEMENT_DATE, "long")),
        assessment_date=(ASSESSMENT_DATE.isoformat(), format_date(ASSESSMENT_DATE, "long")),
    )
