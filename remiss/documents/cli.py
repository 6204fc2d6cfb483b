import click
from flask.cli import AppGroup

principles = AppGroup("principles", help="Principle documents as Markdown files.")
