"""flask consultations …: the daily jobs of consultations (reminders, closing at the deadline)."""
import click
from flask.cli import AppGroup

from remiss.consultations import operations
from remiss.extensions import db

consultations = AppGroup("consultations", help="Remissomgångar: påminnelser och stängning vid svarsdatum.")


@consultations.command("remind")
def remind():
    """Remind, once, respondents who have not submitted when the deadline is near (run daily)."""
    reminded = operations.remind_due()
    db.session.commit()
    click.echo(f"Påminnelse skickad till {reminded} remissinstanser.")


@consultations.command("close-due")
def close_due():
    """Close every open consultation whose deadline has passed (run daily, or more often)."""
    closed = operations.close_due()
    db.session.commit()
    for consultation in closed:
        click.echo(f"Stängd: {consultation.id} {consultation.title}")
    click.echo(f"{len(closed)} remisser stängda.")
