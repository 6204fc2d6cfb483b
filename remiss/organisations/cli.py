import click
from flask.cli import AppGroup

organisations = AppGroup("organisations", help="Organisations (förvaltningar).")
