"""Structured logs: one JSON object per line on standard error, in production.

REMISS_ENV=production (or LOG_FORMAT=json) turns it on; LOG_FORMAT=text keeps the plain
development format. Each request also gets one line (method, path, status, duration, remote
address, a request id from X-Request-ID when the reverse proxy sets one), so that a log
collector can count, time and trace requests without parsing text. The request line never
holds the query string, form data or cookies: those may hold personal data or tokens.
"""
from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import datetime, timezone

from flask import Flask, g, has_request_context, request

_FIELDS = ("method", "path", "status", "duration_ms", "remote_addr", "request_id", "user_id")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in _FIELDS:
            if hasattr(record, name):
                entry[name] = getattr(record, name)
        if "request_id" not in entry and has_request_context():
            entry["request_id"] = g.get("request_id")
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def init_app(app: Flask) -> None:
    wanted = os.environ.get("LOG_FORMAT") or ("json" if app.config.get("REMISS_ENV") == "production" else "text")
    app.config.setdefault("LOG_FORMAT", wanted)
    if app.config["LOG_FORMAT"] != "json":
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())
    app.logger.handlers[:] = []  # propagate to the root handler: one format for app, SQLAlchemy, gunicorn errors
    app.logger.propagate = True
    requests = logging.getLogger("remiss.request")

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()
        g.request_id = (request.headers.get("X-Request-ID") or "")[:64] or None

    @app.after_request
    def _log_request(response):
        started = g.get("request_started")
        if started is not None and request.path != "/healthz":
            from flask_login import current_user

            requests.info("request", extra={
                "method": request.method, "path": request.path, "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                "remote_addr": request.remote_addr, "request_id": g.get("request_id"),
                "user_id": current_user.get_id() if current_user and current_user.is_authenticated else None,
            })
        return response
