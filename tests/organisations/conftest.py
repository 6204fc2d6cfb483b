"""Helpers for the organisation and network tests: the seed file, a logged-in administrator,
reading rows back, and a consultation that has been sent to a network."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow

SEED_CSV = Path("/work/shared/seed/organisations.csv")
if not SEED_CSV.exists():  # CI runs on a clean clone: the copy kept in the package is the same file
    SEED_CSV = Path(__file__).parents[2] / "remiss" / "seed" / "organisations.csv"


@pytest.fixture
def seed_csv_path():
    return SEED_CSV


@pytest.fixture
def seed_csv():
    return SEED_CSV.read_text(encoding="utf-8")


@pytest.fixture
def admin(client, auth, make_user):
    """An administrator, logged in on `client`."""
    user = make_user(Role.administrator, email="admin@example.se", name="Alva Administratör")
    auth.login(user.email)
    return user


@pytest.fixture
def organisations_by_short_name(app):
    def read():
        with app.app_context():
            return {o.short_name: (o.name, o.kind) for o in db.session.execute(select(Organisation)).scalars()}

    return read


@pytest.fixture
def audit_actions(app):
    def read(prefix=""):
        with app.app_context():
            return list(db.session.execute(
                select(AuditEntry.action).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
            ).scalars())

    return read


@pytest.fixture
def make_network(app):
    def make(name="Nätverk förvaltningsföreträdare", description="", organisations=(), members=()):
        from remiss.auth.models import User

        with app.app_context():
            network = Network(name=name, description=description)
            db.session.add(network)
            network.organisations = [db.session.get(Organisation, o.id) for o in organisations]
            network.members = [db.session.get(User, u.id) for u in members]
            db.session.commit()
            return network.id

    return make


@pytest.fixture
def network_state(app):
    """(organisation short names, member e-mails) of a network, as stored."""

    def read(network_id):
        with app.app_context():
            network = db.session.get(Network, network_id)
            if network is None:
                return None
            return sorted(o.short_name for o in network.organisations), sorted(u.email for u in network.members)

    return read


@pytest.fixture
def send_consultation(app, make_version):
    """A consultation sent to a network, asking an organisation: what makes them history."""
    from remiss.consultations.models import Consultation, Respondent

    def send(network_id, organisation_id=None):
        version = make_version(principles=1)
        with app.app_context():
            now = utcnow()
            consultation = Consultation(
                version_id=version.id, title="Remiss", opens_at=now, deadline=now + timedelta(days=30),
                networks=[db.session.get(Network, network_id)],
            )
            db.session.add(consultation)
            if organisation_id is not None:
                db.session.add(Respondent(consultation=consultation, organisation_id=organisation_id))
            db.session.commit()
            return consultation.id

    return send


@pytest.fixture
def count_rows(app):
    def count(model) -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(model))

    return count
