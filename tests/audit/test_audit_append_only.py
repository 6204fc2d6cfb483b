"""The audit trail is append-only: changing or deleting an entry through the application's
session is refused and changes nothing."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select, update

from remiss.audit import AppendOnly, record
from remiss.audit.models import AuditEntry
from remiss.consultations.models import Consultation
from remiss.extensions import db


@pytest.fixture
def entry_id(app, answering):
    with app.app_context():
        consultation = db.session.get(Consultation, answering.consultation)
        entry = record(None, "consultation.closed", consultation, summary="Som det hände",
                       before={"status": "open"}, after={"status": "closed"}, consultation_id=consultation.id)
        db.session.commit()
        return entry.id


def stored(app, entry_id):
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        count = db.session.scalar(select(func.count(AuditEntry.id)))
        return count, entry.summary, entry.after, entry.action


@pytest.mark.parametrize("change", [
    lambda e: setattr(e, "summary", "Något annat"),
    lambda e: setattr(e, "after", {"status": "open"}),
    lambda e: setattr(e, "actor_id", None) or setattr(e, "action", "consultation.opened"),
    lambda e: db.session.delete(e),
])
def test_changing_or_deleting_an_entry_is_refused_and_changes_nothing(app, entry_id, change):
    original = stored(app, entry_id)
    with app.app_context():
        entry = db.session.get(AuditEntry, entry_id)
        change(entry)
        with pytest.raises(AppendOnly):
            db.session.commit()
        db.session.rollback()
    assert stored(app, entry_id) == original


@pytest.mark.parametrize("statement", [
    update(AuditEntry).values(summary="Skrivet över"),
    delete(AuditEntry),
])
def test_bulk_update_or_delete_through_the_session_is_refused(app, entry_id, statement):
    original = stored(app, entry_id)
    with app.app_context():
        with pytest.raises(AppendOnly):
            db.session.execute(statement)
        db.session.rollback()
    assert stored(app, entry_id) == original


def test_adding_entries_is_still_allowed(app, entry_id):
    with app.app_context():
        consultation = db.session.execute(select(Consultation)).scalar_one()
        record(None, "consultation.reminded", consultation, consultation_id=consultation.id)
        db.session.commit()
        assert db.session.scalar(select(func.count(AuditEntry.id))) == 2
