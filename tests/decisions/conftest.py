"""A consolidated remiss and the next version, ready for the steering group.

`deciding` builds on `consolidating` (tests/consolidation/conftest.py): version 1 was on remiss and
is under consolidation; the process owner has handled every comment and the consultation is
consolidated (`deciding_completed`: completed through the consolidation's operation, report frozen). Dispositions:

    SU  principle 1 comment           beaktad
    SU  principle 2 comment           ej beaktad   "Strider mot målen."
    SU  principle 2 proposed wording  ej beaktad   "Lydelsen blir otydlig."
    NU  principle 1 proposed wording  delvis beaktad
    SU  general 1                     ej beaktad   "Utanför uppdraget."
    Pia general 1                     noterad

Version 2 is a draft based on version 1 (made directly with the models: the editor is another
area's), with a changed statement in principle 2. Two steering members: Stig and Sara.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from remiss.auth.models import Role, User
from remiss.consolidation import operations as consolidation
from remiss.consultations.models import Consultation, ConsultationStatus, GeneralAnswer, PrincipleAnswer
from remiss.documents.models import Criterion, DocumentVersion, PrincipleText, Section, VersionStatus
from remiss.extensions import db
from tests.consolidation.conftest import consolidating  # noqa: F401  (the world below builds on it)
from tests.responses.conftest import answering  # noqa: F401

NOT_ACCEPTED_REASONS = ("Strider mot målen.", "Lydelsen blir otydlig.", "Utanför uppdraget.")


def next_version(app, version_id: int, *, number: int | None = None, status=VersionStatus.draft) -> int:
    """A copy of a version as the next version (based_on it), principle 2's statement changed."""
    with app.app_context():
        old = db.session.get(DocumentVersion, version_id)
        new = DocumentVersion(document_id=old.document_id, number=number or old.number + 1, status=status,
                              title=old.title, owner=old.owner, decision_body=old.decision_body, based_on_id=old.id,
                              change_summary="Princip 2 är omskriven efter remissen.")
        for section in old.sections:
            new.sections.append(Section(position=section.position, key=section.key, kind=section.kind,
                                        heading=section.heading, body=section.body))
        for criterion in old.criteria:
            new.criteria.append(Criterion(position=criterion.position, text=criterion.text))
        for text in old.principle_texts:
            statement = text.statement
            if text.number == 2:
                statement = "Vi gör det som princip 2 säger, tydligare."
            new.principle_texts.append(PrincipleText(principle_id=text.principle_id, position=text.position,
                                                     number=text.number, title=text.title, statement=statement,
                                                     keywords=text.keywords, implications=text.implications))
        db.session.add(new)
        db.session.commit()
        return new.id


def dispose(app, w, complete=True):
    with app.app_context():
        owner = db.session.get(User, w.owner.id)
        items = [(PrincipleAnswer, w.su_p1, "comment", "accepted", "Bra."),
                 (PrincipleAnswer, w.su_p2, "comment", "not_accepted", NOT_ACCEPTED_REASONS[0]),
                 (PrincipleAnswer, w.su_p2, "proposed_wording", "not_accepted", NOT_ACCEPTED_REASONS[1]),
                 (PrincipleAnswer, w.nu_p1, "proposed_wording", "partly_accepted", "Delvis."),
                 (GeneralAnswer, w.su_g1, "general", "not_accepted", NOT_ACCEPTED_REASONS[2]),
                 (GeneralAnswer, w.pia_g1, "general", "noted", "")]
        for model, answer_id, target, kind, reason in items:
            assert consolidation.set_disposition(db.session.get(model, answer_id), target, kind, reason, 0, owner).saved
        if complete:
            consolidation.complete_consolidation(db.session.get(Consultation, w.consultation), owner)
        db.session.commit()


def _deciding(app, w, make_user, complete: bool):
    """complete: through the consolidation's own operation (the report is frozen in every format,
    which takes seconds); otherwise the consultation is simply set consolidated."""
    w.sara = make_user(Role.steering_member, email="sara@example.se", name="Sara Styrgrupp")
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        consultation.version.status = VersionStatus.consolidation
        w.v1 = consultation.version_id
        w.key = consultation.version.document.key
        db.session.commit()
    dispose(app, w, complete=complete)
    if not complete:
        with app.app_context():
            db.session.get(Consultation, w.consultation).status = ConsultationStatus.consolidated
            db.session.commit()
    w.v2 = next_version(app, w.v1)
    w.version_url = lambda number: f"/documents/{w.key}/versions/{number}"
    w.propose_url = lambda number: f"/documents/{w.key}/versions/{number}/propose"
    return w


@pytest.fixture
def deciding(app, consolidating, make_user):
    return _deciding(app, consolidating, make_user, complete=False)


@pytest.fixture
def deciding_completed(app, consolidating, make_user):
    return _deciding(app, consolidating, make_user, complete=True)


def status_of(app, version_id):
    with app.app_context():
        return db.session.get(DocumentVersion, version_id).status


def latest_proposal_id(app) -> int:
    from remiss.decisions.models import Proposal

    with app.app_context():
        return db.session.execute(select(Proposal.id).order_by(Proposal.id.desc()).limit(1)).scalar_one()
