"""The load benchmark's WSGI app: Remiss as deployed, plus one bare route that only the
benchmark has (never the product).

    gunicorn -c deploy/gunicorn.conf.py 'benchmarks.bare_app:create()'

POST /bench/bare does what the cheapest useful write does on this stack – one INSERT of the
posted JSON into a table of its own and a commit, through the same Flask, SQLAlchemy pool,
gunicorn workers and PostgreSQL – with no log-in, CSRF, validation or audit. Autosave's
requests per second divided by this route's is the figure the load benchmark reports.

Its table is made by the benchmark before the server starts (`metadata.create_all`), not by
each worker as it boots: two workers creating it at once made one of them fail, and gunicorn
stopped.
"""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text, func, insert

from remiss import create_app
from remiss.extensions import csrf, db

metadata = MetaData()
bench_bare = Table(
    "bench_bare", metadata,
    Column("id", Integer, primary_key=True),
    Column("payload", Text, nullable=False),
    Column("created_at", DateTime, server_default=func.now(), nullable=False),
)


@csrf.exempt
def bare():
    db.session.execute(insert(bench_bare).values(payload=request.get_data(as_text=True)[:10_000]))
    db.session.commit()
    return jsonify(saved=True)


def create():
    app = create_app()
    app.add_url_rule("/bench/bare", "bench_bare", bare, methods=["POST"])
    return app
