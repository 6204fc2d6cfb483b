"""A consultation open for answers, built directly with the models.

    SU (Sahlgrenska):  Anna and Bengt, representatives – they share one answer
    NU (NU-sjukvården): Nils, representative of another organisation (for the IDOR tests)
    Pia Patient:        an individual respondent without a password (answers by personal link)
    Petra:              process owner

Three principles (the first with two alternatives), the four criteria, two general questions,
and a section offering two definitions. Opened yesterday, deadline in a week.
"""
from __future__ import annotations

import secrets
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.auth.operations import token_hash
from remiss.consultations.models import (
    Consultation,
    ConsultationStatus,
    GeneralQuestion,
    MagicLink,
    Respondent,
)
from remiss.documents.models import Criterion, PrincipleText, Section
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.conftest import csrf_token


@pytest.fixture
def answering(app, make_user, make_organisation, make_version):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset", "hospital")
    nu = make_organisation("NU", "NU-sjukvården", "hospital")
    world = SimpleNamespace(
        owner=make_user(Role.process_owner, email="petra@example.se", name="Petra Processansvarig"),
        anna=make_user(Role.representative, email="anna@su.example.se", name="Anna SU", organisation=su),
        bengt=make_user(Role.representative, email="bengt@su.example.se", name="Bengt SU", organisation=su),
        nils=make_user(Role.representative, email="nils@nu.example.se", name="Nils NU", organisation=nu),
        pia=make_user(Role.representative, email="pia@example.se", name="Pia Patient", password=None),
        su=su, nu=nu,
    )
    version = make_version(principles=3, alternatives=True)
    now = utcnow()
    with app.app_context():
        consultation = Consultation(
            version_id=version.id, title="Remiss om invånarinteraktion", reference_number="RS 2024-05699",
            purpose="Vi vill veta vad ni tycker.", opens_at=now - timedelta(days=1), deadline=now + timedelta(days=7),
            status=ConsultationStatus.open, opened_at=now - timedelta(days=1),
        )
        consultation.criteria = list(db.session.execute(
            select(Criterion).where(Criterion.version_id == version.id).order_by(Criterion.position)).scalars())
        consultation.general_questions = [GeneralQuestion(position=1, text="Synpunkter?"),
                                          GeneralQuestion(position=2, text="Tankar om spridning och genomförande?")]
        su_respondent = Respondent(organisation_id=su.id)
        nu_respondent = Respondent(organisation_id=nu.id)
        pia_respondent = Respondent(user_id=world.pia.id)
        consultation.respondents = [su_respondent, nu_respondent, pia_respondent]
        db.session.add(consultation)
        db.session.flush()
        token = secrets.token_urlsafe(32)
        db.session.add(MagicLink(respondent_id=pia_respondent.id, user_id=world.pia.id, token_hash=token_hash(token)))
        texts = list(db.session.execute(
            select(PrincipleText).where(PrincipleText.version_id == version.id).order_by(PrincipleText.position)).scalars())
        intro = db.session.execute(select(Section).where(Section.version_id == version.id, Section.key == "bakgrund")).scalar_one()
        db.session.commit()
        world.consultation = consultation.id
        world.su_respondent = su_respondent.id
        world.nu_respondent = nu_respondent.id
        world.pia_respondent = pia_respondent.id
        world.pia_token = token
        world.principles = [t.id for t in texts]
        world.alternatives = [a.id for a in texts[0].alternatives]
        world.section = intro.id
        world.section_alternatives = [a.id for a in intro.alternatives]
        world.criteria = [c.id for c in consultation.criteria]
        world.questions = [q.id for q in consultation.general_questions]
    world.respond_url = f"/consultations/{world.consultation}/respond"
    world.autosave_url = f"/consultations/{world.consultation}/respond/autosave"
    return world


def autosave(client, world, fields: dict, *, token: str | None = None, headers=None):
    """POST like answer.js does: JSON, the CSRF token in X-CSRFToken, asking for JSON back."""
    all_headers = {"Accept": "application/json"}
    if token is not False:
        all_headers["X-CSRFToken"] = token or csrf_token(client)
    all_headers.update(headers or {})
    return client.post(world.autosave_url, json={"fields": fields}, headers=all_headers)


def set_deadline(app, world, delta: timedelta) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        consultation.deadline = utcnow() + delta
        db.session.commit()
