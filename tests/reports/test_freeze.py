"""Freezing: completing the consolidation stores every format with its checksum as version 1;
downloads then serve exactly those bytes; "Ny version av sammanställningen" stores version 2
until the steering group has decided."""
from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consolidation.models import ConsolidatedReport, Disposition, DispositionKind, DispositionTarget
from remiss.consultations.models import Consultation, ConsultationStatus, PrincipleAnswer
from remiss.extensions import db
from remiss.reports import operations
from tests.conftest import post_form
from tests.reports.conftest import PER_COMMENT, PIA_COMMENT, set_status, text_of

FORMATS = ["html", "pdf", "docx", "xlsx", "csv", "json"]


def stored(app, world):
    with app.app_context():
        rows = db.session.execute(
            select(ConsolidatedReport).where(ConsolidatedReport.consultation_id == world.consultation)
            .order_by(ConsolidatedReport.number, ConsolidatedReport.public, ConsolidatedReport.format)
        ).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def handle_remaining_comments(app):
    """The consolidation can be completed only when every comment has a disposition."""
    with app.app_context():
        for comment in (PIA_COMMENT, PER_COMMENT):
            answer = db.session.execute(select(PrincipleAnswer).where(PrincipleAnswer.comment == comment)).scalar_one()
            db.session.add(Disposition(principle_answer_id=answer.id, target=DispositionTarget.comment,
                                       kind=DispositionKind.noted, reason="Noterat."))
        db.session.commit()


def freeze(app, world):
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        owner = db.session.get(User, world.owner.id)
        reports = operations.freeze_reports(consultation, owner)
        db.session.commit()
        return len(reports)


def test_completing_the_consolidation_freezes_every_format(app, client, auth, world):
    handle_remaining_comments(app)
    auth.login(world.owner.email)
    response = post_form(client, f"/consultations/{world.consultation}/consolidation/complete")
    assert response.status_code == 303
    rows = stored(app, world)
    assert sorted((r.format, r.public) for r in rows) == sorted((f, p) for f in FORMATS for p in (False, True))
    assert {r.number for r in rows} == {1}
    for row in rows:
        assert row.sha256 == hashlib.sha256(row.data).hexdigest() and row.size == len(row.data)
        assert row.created_by_id == world.owner.id
        text = text_of(row.format, row.data)
        assert "UTKAST" not in text, f"the frozen {row.format} is no draft"
        assert "Ansvaret förtydligas i version 2." in text
    html = next(r for r in rows if r.format == "html" and not r.public).data.decode()
    assert "Version 1" in html
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "report.frozen")).scalar_one()
        assert entry.after["number"] == 1 and len(entry.after["files"]) == 12


def test_downloads_serve_the_stored_bytes(app, client, auth, world):
    set_status(app, world, ConsultationStatus.consolidated)
    freeze(app, world)
    rows = {(r.format, r.public): r for r in stored(app, world)}
    for format in FORMATS:
        # The public report of a consolidated consultation: anyone, without logging in.
        public = client.get(f"{world.report_url}.{format}?public=1")
        assert public.status_code == 200
        assert public.data == rows[(format, True)].data
        assert hashlib.sha256(public.data).hexdigest() == rows[(format, True)].sha256
        assert public.headers["ETag"] == f'"{rows[(format, True)].sha256}"'
        assert public.headers["Content-Disposition"] == (
            f'attachment; filename="remissammanstallning-RS-2024-05699-v1-offentlig.{format}"')
    auth.login(world.steering.email)
    for format in FORMATS:
        assert client.get(f"{world.report_url}.{format}").data == rows[(format, False)].data


def test_report_page_shows_the_checksums(app, client, world):
    set_status(app, world, ConsultationStatus.consolidated)
    freeze(app, world)
    page = client.get(world.report_url).get_data(as_text=True)
    for row in stored(app, world):
        if row.public:
            assert row.sha256 in page
        else:  # the public sees only the public versions
            assert row.sha256 not in page


def test_new_version_is_stored_beside_the_first(app, client, auth, world):
    set_status(app, world, ConsultationStatus.consolidated)
    freeze(app, world)
    first_pdf = client.get(f"{world.report_url}.pdf?public=1").data
    auth.login(world.owner.email)
    page = client.get(f"{world.report_url}/new-version")
    assert page.status_code == 200 and "Är du säker" not in page.get_data(as_text=True)
    assert "Fastställ version 2" in page.get_data(as_text=True)
    response = post_form(client, f"{world.report_url}/new-version")
    assert response.status_code == 302
    assert "Version 2 av sammanställningen är fastställd" in client.get(world.report_url).get_data(as_text=True)
    rows = stored(app, world)
    assert sorted({r.number for r in rows}) == [1, 2] and len(rows) == 24
    latest = client.get(f"{world.report_url}.json")
    assert latest.get_json()["report_number"] == 2
    assert client.get(f"{world.report_url}.pdf?public=1&number=1").data == first_pdf


def test_no_new_version_before_consolidation_or_after_the_decision(app, client, auth, world):
    auth.login(world.owner.email)
    assert client.get(f"{world.report_url}/new-version").status_code == 409
    assert post_form(client, f"{world.report_url}/new-version").status_code == 409
    set_status(app, world, ConsultationStatus.decided)
    assert post_form(client, f"{world.report_url}/new-version").status_code == 409
    assert stored(app, world) == []
    with app.app_context():
        with pytest.raises(operations.NotFreezable):
            operations.freeze_reports(db.session.get(Consultation, world.consultation), None)


def test_freezing_does_not_commit(app, world):
    set_status(app, world, ConsultationStatus.consolidated)
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        operations.freeze_reports(consultation, None)
        db.session.rollback()
        assert db.session.execute(select(func.count(ConsolidatedReport.id))).scalar_one() == 0


def test_english_rendering_of_a_frozen_report_is_made_now(app, client, world):
    set_status(app, world, ConsultationStatus.consolidated)
    freeze(app, world)
    english = client.get(f"{world.report_url}.html?public=1&locale=en")
    assert '<html lang="en">' in english.get_data(as_text=True)
    assert "ETag" not in english.headers


def test_two_new_versions_at_once_store_one(app, client, auth, world, monkeypatch):
    """The second of two simultaneous requests finds its number taken: a clear refusal, nothing half-stored."""
    from remiss.reports import data

    set_status(app, world, ConsultationStatus.consolidated)
    freeze(app, world)
    auth.login(world.owner.email)
    monkeypatch.setattr(data, "latest_number", lambda consultation: 0)  # as if read before the other's commit
    response = post_form(client, f"{world.report_url}/new-version")
    assert response.status_code == 409
    assert "Någon annan fastställde just en ny version" in response.get_data(as_text=True)
    assert {r.number for r in stored(app, world)} == {1} and len(stored(app, world)) == 12
