"""flask principles import FILE / export DOCUMENT: the documents as Markdown files."""
from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import force_locale, gettext as _
from sqlalchemy.exc import IntegrityError

from remiss.documents import queries
from remiss.documents.format import DocumentFormatError, decode_source
from remiss.documents.operations import export_version, import_document
from remiss.extensions import db
from remiss.labels import label

principles = AppGroup("principles", help="Principle documents as Markdown files.")


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


@principles.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file):
    """Import FILE (Markdown with front matter) as a new draft version; '-' reads standard input.

    Nothing is written unless the whole file is valid; the problems are listed with their lines.
    """
    # No request, so no user or session to choose the language from: Swedish, the working language.
    with force_locale("sv"):
        _import(file)


def _import(file):
    name = getattr(file, "name", "-")
    try:
        version = import_document(decode_source(file.read()))
        db.session.flush()
        counts = {
            "sections": len(version.sections),
            "principles": len(version.principle_texts),
            "new": sum(1 for t in version.principle_texts if len(t.principle.texts) == 1),
            "criteria": len(version.criteria),
            "alternatives": len(version.alternatives),
        }
        db.session.commit()
    except DocumentFormatError as error:
        db.session.rollback()
        _fail(_("Filen %(file)s importerades inte; inget har sparats.\n%(problems)s", file=name, problems=error))
    except IntegrityError:
        # Another import of the same version number won the race.
        db.session.rollback()
        _fail(_("Filen %(file)s importerades inte; inget har sparats. Versionen skapades samtidigt av någon "
                "annan; försök igen.", file=name))
    click.echo(
        _(
            "Importerade %(key)s version %(number)s (%(status)s): %(title)s\n"
            "  %(sections)s avsnitt, %(principles)s principer (varav %(new)s nya), "
            "%(criteria)s kvalitetskriterier, %(alternatives)s alternativ.",
            key=version.document.key, number=version.number, status=label(version.status), title=version.title,
            **counts,
        )
    )


@principles.command("export")
@click.argument("document")
@click.option("--version", "number", type=int, help="Versionens nummer; utan det den senaste.")
@click.option("--output", "-o", default="-", show_default=True,
              help="Filen att skriva; '-' skriver till standard ut.")
def export_command(document, number, output):
    """Write version N of DOCUMENT (its key) as Markdown; without --version the newest."""
    with force_locale("sv"):
        _export(document, number, output)


def _export(document, number, output):
    version = queries.newest_version(document) if number is None else queries.get_version(document, number)
    if version is None:
        if queries.get_document(document) is None:
            _fail(_("Dokumentet '%(key)s' finns inte.", key=document))
        _fail(_("Dokumentet '%(key)s' har ingen version %(number)s.", key=document, number=number))
    try:
        text = export_version(version)
    except DocumentFormatError as error:
        _fail(str(error))
    if output == "-":
        click.echo(text, nl=False)
        return
    with open(output, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
    click.echo(
        _("Skrev %(key)s version %(number)s till %(file)s.", key=document, number=version.number, file=output)
    )
