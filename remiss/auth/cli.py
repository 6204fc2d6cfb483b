"""flask users ...: create and list accounts from the command line."""
from functools import wraps

import click
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from remiss.auth import operations
from remiss.auth.models import Role, User
from remiss.extensions import db

users = AppGroup("users", help="Manage people and their roles.")

ROLE_NAMES = ", ".join(role.value for role in Role)


def in_swedish(command):
    """Messages in Swedish: there is no request (and so no browser language) on the command line."""

    @wraps(command)
    def wrapped(*args, **kwargs):
        with force_locale("sv"):
            return command(*args, **kwargs)

    return wrapped


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name as shown in Remiss.")
@click.option("--role", required=True, help=f"One of: {ROLE_NAMES}.")
@click.option("--organisation", "organisation", default=None, metavar="SHORT",
              help="Short name of the organisation (e.g. SU); leave out for an individual network member.")
@click.option("--password", default=None,
              help="At least 12 characters. Leave out to have one generated and printed once.")
@in_swedish
def create(email, name, role, organisation, password):
    """Create an account that can log in at once."""
    generated = password is None
    if generated:
        password = operations.generate_password()
    try:
        user = operations.create_user(email, name, role, organisation=organisation, password=password)
        db.session.commit()
    except operations.AccountError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    except IntegrityError:  # created by someone else between the check and the commit
        db.session.rollback()
        raise click.ClickException(f"Det finns redan ett konto med e-postadressen {email}.") from None
    click.echo(f"Kontot för {user.name} <{user.email}> är skapat ({user.role.value}).")
    if generated:
        click.echo(f"Lösenord (visas bara nu): {password}")


@users.command("list")
@in_swedish
def list_users():
    """Every account: e-mail, role, organisation, status."""
    rows = db.session.execute(
        select(User).options(selectinload(User.organisation)).order_by(User.email)
    ).scalars().all()
    if not rows:
        click.echo("Inga konton.")
        return
    for user in rows:
        organisation = user.organisation.short_name if user.organisation else "-"
        status = "aktiv" if user.active else "inaktiverad"
        if user.active and not user.password_hash:
            status = "utan lösenord"
        click.echo(f"{user.email:<40} {user.role.value:<16} {organisation:<10} {status:<14} {user.name}")
