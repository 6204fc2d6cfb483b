"""flask organisations ...: import the organisations CSV and list what is there."""
import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from remiss.extensions import db
from remiss.organisations import operations
from remiss.organisations.models import Organisation

organisations = AppGroup("organisations", help="Organisations (förvaltningar).")


@organisations.command("import")
@click.argument("csv_file", metavar="CSV", type=click.Path(exists=True, dir_okay=False, readable=True))
def import_csv(csv_file):
    """Create or update organisations from CSV (short_name,name,kind,representatives_in_network).

    Idempotent: an existing short name is updated. If any row is wrong, every
    error is printed with its row number and nothing is saved (exit code 1).
    """
    with open(csv_file, "rb") as handle:
        data = handle.read()
    try:
        text = operations.decode_csv(data)
        created, updated = operations.import_organisations_csv(text)
        db.session.commit()
    except operations.CsvImportError as error:
        db.session.rollback()
        for message in error.errors:
            click.echo(message, err=True)
        raise click.ClickException(f"{csv_file} importerades inte. Inget har sparats.") from None
    except IntegrityError:
        db.session.rollback()
        raise click.ClickException(
            f"{csv_file} importerades inte: två organisationer skulle få samma namn. Inget har sparats."
        ) from None
    click.echo(f"Nya organisationer: {created}. Uppdaterade: {updated}.")


@organisations.command("list")
def list_organisations():
    """Every organisation: short name, kind, people, networks, name."""
    rows = list(db.session.execute(select(Organisation).order_by(Organisation.short_name)).scalars())
    if not rows:
        click.echo("Inga organisationer. Importera med: flask --app remiss organisations import FIL.csv")
        return
    counts = operations.organisation_counts([o.id for o in rows])
    click.echo(f"{'Kortnamn':<10} {'Typ':<22} {'Personer':>8} {'Nätverk':>8}  Namn")
    for organisation in rows:
        people, networks = counts[organisation.id]
        kind = operations.organisation_kind_label(organisation.kind)
        click.echo(f"{organisation.short_name:<10} {kind:<22} {people:>8} {networks:>8}  {organisation.name}")
