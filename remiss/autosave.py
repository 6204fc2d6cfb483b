"""The texts static/autosave.js shows, shared by the answer form (answer.js) and the online editor
(editor.js): each view adds its own ("conflict_heading" and the rest) to these."""
from __future__ import annotations

from flask_babel import gettext as _


def script_messages() -> dict[str, str]:
    """What autosave.js says, translated with everything else; {name} marks a value it fills in."""
    return {
        "saving": _("Sparar …"),
        "unsaved": _("Ändringar som inte är sparade ännu."),
        "offline": _("Kunde inte nå servern. Texten finns kvar här i webbläsaren och sparas så snart det går."),
        "login_link": _("Logga in i en ny flik"),
        "conflict_text": _("Din text är inte sparad ännu och står kvar i fälten. Den andra versionen står här. Slå ihop "
                           "texterna i fälten och klicka sedan på knappen nedan."),
        "stored_version": _("Sparad version:"),
        "your_version": _("Din version:"),
        "empty": _("(tomt)"),
        "merged_button": _("Jag har slagit ihop texterna – spara"),
        "restore_notice": _("Den här webbläsaren har text från kl. {time} som kanske inte blev sparad."),
        "restore_button": _("Återställ den texten"),
        "discard_button": _("Släng kopian"),
    }
