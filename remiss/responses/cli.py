"""flask responses …: answers registered from the command line."""
from pathlib import Path

import click
from flask.cli import AppGroup
from flask_babel import force_locale, gettext as _
from sqlalchemy import select

from remiss.auth.models import User
from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.permissions import may_manage_consultations

responses = AppGroup("responses", help="Responses (remissvar): bulk import of answers.")


@responses.command("import")
@click.argument("consultation_id", metavar="CONSULTATION", type=int)
@click.argument("path", metavar="FILE", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--registered-by", "registered_by", metavar="EMAIL",
              help="The process owner the answers are registered by (default: none, the system).")
@click.option("--publish-names/--no-publish-names", "publish_names", default=False,
              help="Whether the respondents allowed their answers to be published with their names "
                   "(default: not named; the public report says \"Remissinstans N\").")
def import_command(consultation_id: int, path: Path, registered_by: str | None, publish_names: bool):
    """Import answers from a CSV or XLSX file (docs/import-format.md) into CONSULTATION (its id).

    Nothing is written unless the whole file is valid; the errors are listed per row.
    """
    # No request, so no user or session to choose the language from: Swedish, the working language.
    with force_locale("sv"):
        _import(consultation_id, path, registered_by, publish_names)


def _import(consultation_id: int, path: Path, registered_by: str | None, publish_names: bool = False) -> None:
    from remiss.responses.importing import ImportFailed, import_responses

    consultation = db.session.get(Consultation, consultation_id)
    if consultation is None:
        raise click.ClickException(_("Remiss %(id)s finns inte.", id=consultation_id))
    actor = None
    if registered_by:
        actor = db.session.execute(
            select(User).where(db.func.lower(User.email) == registered_by.strip().lower())
        ).scalar_one_or_none()
        if actor is None:
            raise click.ClickException(_("Ingen person har e-postadressen %(email)s.", email=registered_by))
        if not may_manage_consultations(actor):
            raise click.ClickException(_("%(email)s får inte registrera svar: det gör processansvariga och administratörer.",
                                         email=registered_by))
    with path.open("rb") as stream:
        try:
            result = import_responses(consultation, stream, path.name, actor, publish_name=publish_names)
        except ImportFailed as failure:
            db.session.rollback()
            click.echo(_("%(file)s importerades inte: %(count)s fel. Inget har sparats.", file=path.name, count=failure.total),
                       err=True)
            for error in failure.errors:
                click.echo(str(error), err=True)
            if failure.unlisted:
                click.echo(_("… och %(count)s fel till.", count=failure.unlisted), err=True)
            raise SystemExit(1)
    db.session.commit()
    click.echo(_("Importerade %(responses)s svar med %(answers)s principsvar från %(file)s.",
                 responses=result.responses, answers=result.answers, file=path.name))
