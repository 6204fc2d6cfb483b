"""/healthz for load balancers and orchestrators: is this instance able to serve?

No log-in, no session, no rate limit: the check answers 200 {"status": "ok"} when the
database answers SELECT 1, and 503 {"status": "unavailable"} when it does not, so that a
reverse proxy or orchestrator takes the instance out of rotation instead of sending people to
error pages. It says nothing else about the installation.
"""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from remiss.extensions import db

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        current_app.logger.exception("health check: the database did not answer")
        db.session.rollback()
        response = jsonify(status="unavailable", database="unreachable")
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
