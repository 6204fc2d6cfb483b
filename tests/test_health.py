"""/healthz: 200 when the database answers, 503 when it does not; JSON logs in production."""
from __future__ import annotations

import json
import logging

from remiss import create_app
from remiss.logs import JsonFormatter


def test_healthz_says_ok_without_log_in(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_503_when_the_database_does_not_answer(test_config, tmp_path):
    app = create_app({**test_config, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/missing/dir/db.sqlite"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "unavailable"


def test_production_logs_one_json_object_per_request(test_config, monkeypatch, capsys):
    monkeypatch.setenv("LOG_FORMAT", "json")
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        app = create_app(test_config)
        app.test_client().get("/tillganglighet?token=secret", headers={"X-Request-ID": "abc-123"})
        lines = [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")]
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
    request = next(line for line in lines if line["logger"] == "remiss.request")
    assert request["method"] == "GET" and request["path"] == "/tillganglighet" and request["status"] == 200
    assert request["request_id"] == "abc-123" and request["duration_ms"] >= 0
    assert "secret" not in json.dumps(lines)


def test_json_formatter_keeps_exceptions():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys
        record = logging.LogRecord("remiss", logging.ERROR, __file__, 1, "failed %s", ("x",), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed x" and "ValueError: boom" in entry["exception"]
