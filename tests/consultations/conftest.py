"""A small world for the consultation tests: three organisations, three networks, the roles.

    Nätverk förvaltningsföreträdare: organisations SU, NU; members su1, su2 (SU)
    Grupp för kommunikationschefer:  organisations SU, KK; member nu1 (NU – so NU is asked here too)
    Patientföreträdare:              members patient1, patient2, and an inactive patient3

Only the people the tests log in as have a password (hashing is slow on purpose).
SU has a third representative (su3) in no network; KK has no representative at all.
Asked of all three networks: SU (two networks), NU (two networks), KK, patient1, patient2.
"""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.consultations import operations
from remiss.documents.models import DocumentVersion
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.auth.models import User
from remiss.timeutil import utcnow


@pytest.fixture
def world(app, make_user, make_organisation, make_version):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset", "hospital")
    nu = make_organisation("NU", "NU-sjukvården", "hospital")
    kk = make_organisation("KK", "Koncernkontoret", "central administration")
    people = SimpleNamespace(
        owner=make_user(Role.process_owner, email="agare@example.se", name="Petra Processansvarig"),
        admin=make_user(Role.administrator, email="admin@example.se", name="Alva Administratör"),
        steering=make_user(Role.steering_member, email="styr@example.se", name="Stig Styrgrupp"),
        su1=make_user(Role.representative, email="su1@example.se", name="Anna SU", organisation=su),
        su2=make_user(Role.representative, email="su2@example.se", name="Bengt SU", organisation=su, password=None),
        su3=make_user(Role.representative, email="su3@example.se", name="Cecilia SU", organisation=su, password=None),
        nu1=make_user(Role.representative, email="nu1@example.se", name="Nils NU", organisation=nu, password=None),
        patient1=make_user(Role.representative, email="patient1@example.se", name="Pia Patient", password=None),
        patient2=make_user(Role.representative, email="patient2@example.se", name="Per Patient", password=None),
        patient3=make_user(Role.representative, email="patient3@example.se", name="Inaktiv Patient", active=False, password=None),
    )
    version = make_version(principles=3, alternatives=True)
    with app.app_context():
        users = {u.id: u for u in db.session.execute(select(User)).scalars()}
        organisations = {o.id: o for o in db.session.execute(select(Organisation)).scalars()}
        representatives = Network(name="Nätverk förvaltningsföreträdare")
        communications = Network(name="Grupp för kommunikationschefer")
        patients = Network(name="Patientföreträdare")
        db.session.add_all([representatives, communications, patients])
        representatives.organisations = [organisations[su.id], organisations[nu.id]]
        representatives.members = [users[people.su1.id], users[people.su2.id]]
        communications.organisations = [organisations[su.id], organisations[kk.id]]
        communications.members = [users[people.nu1.id]]
        patients.members = [users[people.patient1.id], users[people.patient2.id], users[people.patient3.id]]
        db.session.commit()
        networks = SimpleNamespace(representatives=representatives.id, communications=communications.id,
                                   patients=patients.id)
    return SimpleNamespace(su=su, nu=nu, kk=kk, people=people, version=version, networks=networks,
                           all_networks=[networks.representatives, networks.communications, networks.patients])


@pytest.fixture
def make_consultation(app, world):
    """A draft consultation made by the process owner through the operation; returns its id."""

    def make(networks=None, deadline=None, opens_at=None, title="Remiss av styrande principer för invånarinteraktion",
             reminder_days_before=3, open_it=False):
        with app.app_context():
            now = utcnow()
            version = db.session.get(DocumentVersion, world.version.id)
            owner = db.session.get(User, world.people.owner.id)
            chosen = db.session.execute(
                select(Network).where(Network.id.in_(networks or world.all_networks))
            ).scalars().all()
            consultation = operations.create_consultation(
                version, title, "Vi vill veta om principerna är tydliga.", "RS 2024-05699",
                opens_at or now - timedelta(days=1), deadline or now + timedelta(days=30), chosen, owner,
                reminder_days_before=reminder_days_before,
            )
            if open_it:
                operations.open_consultation(consultation, owner)
            db.session.commit()
            return consultation.id

    return make
