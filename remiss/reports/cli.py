"""flask report …: the consolidated response report written to a file, in any format."""
from __future__ import annotations

import hashlib
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext as _

from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.reports import data, operations, rendering
from remiss.i18n import babel_locale
from remiss.consultations import states


@click.command("report")
@click.argument("consultation_id", metavar="CONSULTATION", type=int)
@click.option("--format", "format", type=click.Choice(data.FORMATS), required=True, help="The file format.")
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              metavar="FILE", help="Where to write the report.")
@click.option("--public", is_flag=True, help="The public version: no e-mail addresses, no submitters.")
@click.option("--locale", type=click.Choice(["sv", "en"]), default="sv", show_default=True,
              help="The language of the report's own texts.")
@click.option("--number", type=int, help="An earlier frozen version (default: the latest, if any).")
@with_appcontext
def report(consultation_id: int, format: str, output: Path, public: bool, locale: str, number: int | None):
    """Write the consolidated response report (remissammanställning) of CONSULTATION (its id).

    As the downloads do: a frozen report (Swedish) is written exactly as stored; otherwise the
    report is rendered now, marked UTKAST until the consolidation is complete.
    """
    with force_locale(babel_locale(locale)):
        consultation = db.session.get(Consultation, consultation_id)
        if consultation is None:
            raise click.ClickException(_("Remiss %(id)s finns inte.", id=consultation_id))
        frozen = None
        if locale == operations.FROZEN_LOCALE:
            frozen = data.frozen_report(consultation, format, public, number)
        if number is not None and frozen is None:
            raise click.ClickException(_("Version %(number)s av sammanställningen finns inte.", number=number))
        if frozen is not None:
            content = frozen.data
            what = _("fastställd version %(number)s", number=frozen.number)
        else:
            content = rendering.render(consultation, format, public=public, locale=locale)
            what = _("utkast") if not states.report_is_final(consultation) else _("skapad nu")
        output.write_bytes(content)
        click.echo(_("Skrev %(file)s (%(what)s, %(size)s byte, SHA-256 %(sha)s).", file=str(output), what=what,
                     size=len(content), sha=hashlib.sha256(content).hexdigest()))
