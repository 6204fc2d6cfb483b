import click
from flask.cli import AppGroup

users = AppGroup("users", help="Manage people and their roles.")
