"""The interface languages: the code a user chooses and the locale that formats for it."""

# English dates and numbers the European way (14/03/2026, 14:00), not the US way; the
# catalogue is still the one in translations/en.
LOCALES = {"sv": "sv_SE", "en": "en_GB"}


def babel_locale(code: str | None) -> str:
    """The Babel locale for a chosen language code (Swedish when none or unknown)."""
    return LOCALES.get(code or "sv", LOCALES["sv"])
