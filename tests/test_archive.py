"""The archive package of a finished consultation: the ZIP is opened and every checksum of its
manifest verified; the expected files are there; the command line and the download give it; only
process owners and administrators may have it, and only once the report is final."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from datetime import date

import pytest
from sqlalchemy import select

from remiss.archive import build_archive
from remiss.audit import record
from remiss.auth.models import User
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget
from remiss.consultations.models import Consultation, ConsultationStatus, PrincipleAnswer
from remiss.decisions.models import Decision, DecisionOutcome, Proposal
from remiss.extensions import db
from remiss.reports import operations
from tests.reports.conftest import NU_COMMENT, ORIGINAL, PER_COMMENT, PIA_COMMENT, SU_COMMENT, pdf_text, set_status
from tests.reports.conftest import world  # noqa: F401  (the consultation the package is made of)


@pytest.fixture
def finished(app, world):  # noqa: F811
    """The report world, consolidated: every comment has its disposition, the report is frozen, and the
    steering group has a proposal with its decision."""
    with app.app_context():
        for comment in (PIA_COMMENT, PER_COMMENT):
            answer = db.session.execute(select(PrincipleAnswer).where(PrincipleAnswer.comment == comment)).scalar_one()
            db.session.add(Disposition(principle_answer_id=answer.id, target=DispositionTarget.comment,
                                       kind=DispositionKind.noted, reason="Noterat."))
        consultation = db.session.get(Consultation, world.consultation)
        consultation.status = ConsultationStatus.consolidated
        owner = db.session.get(User, world.owner.id)
        record(owner, "consultation.consolidated", consultation, summary="Sammanställningen klar",
               consultation_id=consultation.id)
        operations.freeze_reports(consultation, owner)
        proposal = Proposal(version_id=consultation.version_id, consultation_id=consultation.id,
                            message="Förslag till fastställelse.", sent_by_id=owner.id)
        db.session.add(proposal)
        db.session.flush()
        db.session.add(Decision(proposal_id=proposal.id, outcome=DecisionOutcome.approved,
                                decided_on=date(2026, 11, 20), body="Styrgruppen för invånarinteraktion",
                                minutes_reference="Protokoll 2026-11-20", paragraph="§ 7",
                                present="Stig Styrgrupp\nEva Ek", recorded_by_id=owner.id))
        db.session.commit()
    world.archive_url = f"/consultations/{world.consultation}/archive.zip"
    return world


def build(app, world):
    with app.app_context():
        return build_archive(db.session.get(Consultation, world.consultation))


def verified(content: bytes) -> tuple[zipfile.ZipFile, dict]:
    """The ZIP, after checking every file of its manifest against its size and SHA-256."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    manifest = json.loads(archive.read("manifest.json"))
    listed = {f["path"] for f in manifest["files"]}
    for entry in manifest["files"]:
        data = archive.read(entry["path"])
        assert len(data) == entry["size"], entry["path"]
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], entry["path"]
    # Every file but the manifests themselves is listed, and nothing listed is missing.
    assert set(archive.namelist()) - listed == {"manifest.json", "manifest.txt", "SHA256SUMS"}
    sums = dict(reversed(line.split("  ", 1)) for line in archive.read("SHA256SUMS").decode().splitlines())
    assert sums == {f["path"]: f["sha256"] for f in manifest["files"]}
    text = archive.read("manifest.txt").decode("utf-8")
    for entry in manifest["files"]:
        assert f"{entry['sha256']}  {entry['size']:>10}  {entry['path']}" in text
    return archive, manifest


def test_the_package_holds_everything_and_every_checksum_matches(app, finished):
    archive, manifest = verified(build(app, finished))
    names = archive.namelist()
    assert names[0] == "rapport/remissammanstallning-v1-intern.pdf"
    assert names[-3:] == ["manifest.json", "manifest.txt", "SHA256SUMS"]
    assert "rapport/remissammanstallning-v1-offentlig.pdf" in names
    # The frozen report exactly as stored.
    with app.app_context():
        from remiss.reports import data

        consultation = db.session.get(Consultation, finished.consultation)
        stored = data.frozen_report(consultation, "pdf", False)
        assert archive.read("rapport/remissammanstallning-v1-intern.pdf") == stored.data
    # One PDF and one JSON per submitted answer, organisations by name, then individuals.
    answers = [n for n in names if n.startswith("svar/")]
    assert answers == [
        "svar/001-NU-sjukvarden.pdf", "svar/001-NU-sjukvarden.json",
        "svar/002-Sahlgrenska-Universitetssjukhuset.pdf", "svar/002-Sahlgrenska-Universitetssjukhuset.json",
        "svar/003-Per-Persson.pdf", "svar/003-Per-Persson.json",
        "svar/004-Pia-Patient.pdf", "svar/004-Pia-Patient.json",
    ]
    # The original of NU's registered answer, as it came.
    originals = [n for n in names if n.startswith("original/")]
    assert len(originals) == 1 and originals[0].startswith("original/001-NU-sjukvarden/rev1-")
    assert originals[0].endswith("-NU-svar.pdf")
    assert archive.read(originals[0]) == ORIGINAL
    # The decision and the audit trail.
    assert any(n.startswith("beslut/") and n.endswith(".json") for n in names)
    assert "handelselogg.csv" in names
    # Metadata of the consultation.
    meta = manifest["consultation"]
    assert meta["title"] == "Remiss av styrande principer för invånarinteraktion"
    assert meta["reference_number"] == "RS 2024-05699"
    assert meta["deadline"] and meta["opens_at"] and meta["closed_at"]
    assert meta["answers"] == 4 and meta["respondents"] == 6
    assert "Diarienummer: RS 2024-05699" in archive.read("manifest.txt").decode()


def test_answers_as_json_and_pdf(app, finished):
    archive, _manifest = verified(build(app, finished))
    su = json.loads(archive.read("svar/002-Sahlgrenska-Universitetssjukhuset.json"))
    assert su["respondent"]["name"] == "Sahlgrenska Universitetssjukhuset"
    assert su["response"]["submitted_by"] == "Anna Andersson"
    first = su["principles"][0]
    assert first["comment"] == SU_COMMENT
    assert first["stance_label"] == "Tillstyrker med ändringar"
    assert first["comment_disposition"] == {"kind": "accepted", "label": "Beaktad",
                                            "reason": "Ansvaret förtydligas i version 2."}
    assert [c["rating"] for c in first["criteria"]] == ["yes", "partly", "no", "yes"]
    assert su["general"][0]["text"] == "Tack för en bra remiss."
    nu = json.loads(archive.read("svar/001-NU-sjukvarden.json"))
    assert nu["response"]["channel"] == "email" and nu["response"]["registered_by"] == "Petra Processansvarig"
    assert nu["originals"][0]["sha256"] == hashlib.sha256(ORIGINAL).hexdigest()
    text = pdf_text(archive.read("svar/001-NU-sjukvarden.pdf"))
    assert "Remissvar från NU-sjukvården" in text
    assert NU_COMMENT in " ".join(text.split())
    assert "Ej beaktad" in text
    # User text is text: the script tag appears as typed, never as markup that ran.
    assert "<script>" in pdf_text(archive.read("svar/002-Sahlgrenska-Universitetssjukhuset.pdf"))


def test_decision_and_audit_trail(app, finished):
    archive, _manifest = verified(build(app, finished))
    [decision_json] = [n for n in archive.namelist() if n.startswith("beslut/") and n.endswith(".json")]
    decision = json.loads(archive.read(decision_json))
    assert decision["decision"]["outcome"] == "approved"
    assert decision["decision"]["present"] == ["Stig Styrgrupp", "Eva Ek"]
    assert decision["proposal"]["message"] == "Förslag till fastställelse."
    text = archive.read(decision_json.replace(".json", ".txt")).decode()
    assert "Fastställd" in text and "Protokoll 2026-11-20 § 7" in text
    rows = list(csv.reader(io.StringIO(archive.read("handelselogg.csv").decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["at", "actor_id", "actor", "action"]
    actions = {row[3] for row in rows[1:]}
    assert {"consultation.consolidated", "report.frozen"} <= actions


def test_order_and_names_are_the_same_every_time(app, finished):
    first = zipfile.ZipFile(io.BytesIO(build(app, finished)))
    second = zipfile.ZipFile(io.BytesIO(build(app, finished)))
    assert first.namelist() == second.namelist()
    assert [i.date_time for i in first.infolist()] == [i.date_time for i in second.infolist()]
    for name in first.namelist():
        if name.endswith(".json") and name.startswith("svar/"):
            assert first.read(name) == second.read(name)


def test_not_before_the_report_is_final(app, client, auth, world):  # noqa: F811
    from remiss.archive import NotArchivable

    with app.app_context():
        with pytest.raises(NotArchivable):
            build_archive(db.session.get(Consultation, world.consultation))
    auth.login(world.owner.email)
    response = client.get(f"/consultations/{world.consultation}/archive.zip")
    assert response.status_code == 409
    assert "sammanställd" in response.get_data(as_text=True)


def test_download_for_process_owners_and_administrators_only(app, client, auth, finished):
    for email in (finished.owner.email, finished.admin.email):
        auth.login(email)
        response = client.get(finished.archive_url)
        assert response.status_code == 200
        assert response.content_type == "application/zip"
        assert response.headers["Content-Disposition"] == 'attachment; filename="arkivpaket-RS-2024-05699.zip"'
        verified(response.data)
        auth.logout()
    for email in (finished.steering.email, finished.anna.email):
        auth.login(email)
        assert client.get(finished.archive_url).status_code == 403
        auth.logout()
    assert client.get(finished.archive_url).status_code == 302
    assert client.get("/consultations/999999/archive.zip").status_code == 302
    auth.login(finished.owner.email)
    assert client.get("/consultations/999999/archive.zip").status_code == 404


def test_report_page_links_the_package(app, client, auth, finished):
    auth.login(finished.owner.email)
    page = client.get(f"/consultations/{finished.consultation}/report").get_data(as_text=True)
    assert finished.archive_url in page
    auth.logout()
    auth.login(finished.steering.email)
    page = client.get(f"/consultations/{finished.consultation}/report").get_data(as_text=True)
    assert finished.archive_url not in page


def test_command_writes_the_package(app, runner, finished, tmp_path):
    output = tmp_path / "paket.zip"
    result = runner.invoke(args=["archive", str(finished.consultation), "--output", str(output)])
    assert result.exit_code == 0, result.output
    content = output.read_bytes()
    assert hashlib.sha256(content).hexdigest() in result.output
    verified(content)


def test_command_refuses_unknown_and_unfinished_consultations(app, runner, world, tmp_path):  # noqa: F811
    output = tmp_path / "paket.zip"
    result = runner.invoke(args=["archive", "999999", "--output", str(output)])
    assert result.exit_code != 0 and "finns inte" in result.output
    set_status(app, world, ConsultationStatus.closed)
    result = runner.invoke(args=["archive", str(world.consultation), "--output", str(output)])
    assert result.exit_code != 0 and "sammanställd" in result.output
    assert not output.exists()
