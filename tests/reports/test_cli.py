"""flask report CONSULTATION --format … --output FILE [--public] [--locale sv|en] [--number N]."""
from __future__ import annotations

import hashlib

import pytest

from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.extensions import db
from remiss.reports import operations
from tests.reports.conftest import SU_COMMENT, set_status, text_of

FORMATS = ["html", "pdf", "docx", "xlsx", "csv", "json"]


@pytest.mark.parametrize("public", [False, True], ids=["internal", "public"])
def test_cli_writes_every_format(runner, world, tmp_path, public):
    for format in FORMATS:
        output = tmp_path / f"report.{format}"
        args = ["report", str(world.consultation), "--format", format, "--output", str(output)]
        result = runner.invoke(args=args + (["--public"] if public else []))
        assert result.exit_code == 0, result.output
        content = output.read_bytes()
        assert hashlib.sha256(content).hexdigest() in result.output
        assert "utkast" in result.output
        text = text_of(format, content)
        assert SU_COMMENT in text and "UTKAST" in text
        assert ("anna@su.example.se" in text) is (not public)


def test_cli_english(runner, world, tmp_path):
    output = tmp_path / "report.html"
    result = runner.invoke(args=["report", str(world.consultation), "--format", "html", "--output", str(output),
                                 "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert '<html lang="en">' in output.read_text()


def test_cli_writes_the_frozen_report_as_stored(app, runner, world, tmp_path):
    set_status(app, world, ConsultationStatus.consolidated)
    with app.app_context():
        reports = operations.freeze_reports(db.session.get(Consultation, world.consultation), None)
        db.session.commit()
        stored = next(r.data for r in reports if r.format == "csv" and r.public)
    output = tmp_path / "report.csv"
    result = runner.invoke(args=["report", str(world.consultation), "--format", "csv", "--output", str(output),
                                 "--public"])
    assert result.exit_code == 0 and "fastställd version 1" in result.output
    assert output.read_bytes() == stored


def test_cli_refuses_what_does_not_exist(runner, world, tmp_path):
    output = tmp_path / "r.pdf"
    result = runner.invoke(args=["report", "999", "--format", "pdf", "--output", str(output)])
    assert result.exit_code != 0 and "Remiss 999 finns inte" in result.output
    result = runner.invoke(args=["report", str(world.consultation), "--format", "odt", "--output", str(output)])
    assert result.exit_code != 0
    result = runner.invoke(args=["report", str(world.consultation), "--format", "pdf", "--output", str(output),
                                 "--number", "3"])
    assert result.exit_code != 0 and "Version 3" in result.output
    assert not output.exists()
