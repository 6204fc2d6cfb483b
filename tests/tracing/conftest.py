"""A world to trace: v1 was on remiss and consolidated; v2 is prepared from it.

Builds on `consolidating` (tests/consolidation/conftest.py). Added here: Pia (an individual who did
not consent to be named) comments on principle 1, NU comments on principle 3, and dispositions:

    SU  principle 1 comment          beaktad
    SU  principle 2 comment          delvis beaktad
    SU  principle 2 proposed wording ej beaktad
    NU  principle 1 proposed wording beaktad
    NU  principle 3 comment          beaktad
    Pia principle 1 comment          beaktad
    SU  general 1                    beaktad
    Pia general 1                    noterad

v1 is under consolidation and its consultation consolidated (the report is final). v2 is a draft
copy with the same principle identities – except that principle 3 is merged into principle 2.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from remiss.consolidation.models import ChangeLink, Disposition, DispositionKind, DispositionTarget
from remiss.consultations.models import Consultation, ConsultationStatus, PrincipleAnswer
from remiss.documents.models import DocumentVersion, PrincipleText, VersionStatus
from remiss.extensions import db
from tests.consolidation.conftest import consolidating  # noqa: F401  (the world below builds on it)
from tests.responses.conftest import answering  # noqa: F401  (consolidating builds on it)

T = DispositionTarget
K = DispositionKind


def make_next_version(app, version_id: int, *, merge: dict[int, list[int]] | None = None,
                      status=VersionStatus.draft) -> int:
    """A copy of a version as the next version (based_on it), with the same principle identities.
    `merge`: {principle_text_id of the old version: [old principle_text_ids merged into it]} – the merged
    ones get no text of their own in the copy. Returns the new version's id."""
    merge = merge or {}
    merged_away = {t for texts in merge.values() for t in texts}
    with app.app_context():
        old = db.session.get(DocumentVersion, version_id)
        merged = {into: [db.session.get(PrincipleText, t).principle for t in texts] for into, texts in merge.items()}
        new = DocumentVersion(document_id=old.document_id, number=old.number + 1, status=status, title=old.title,
                              owner=old.owner, decision_body=old.decision_body, based_on_id=old.id)
        number = 0
        for text in list(old.principle_texts):
            if text.id in merged_away:
                continue
            number += 1
            copy = PrincipleText(version=new, principle_id=text.principle_id, position=text.position, number=number,
                                 title=text.title, statement=text.statement + " Ändrad.", keywords=text.keywords,
                                 implications=text.implications)
            copy.merged_from = merged.get(text.id, [])
        db.session.add(new)
        db.session.commit()
        return new.id


def set_version_status(app, version_id: int, status: VersionStatus) -> None:
    with app.app_context():
        db.session.get(DocumentVersion, version_id).status = status
        db.session.commit()


def dispose(answer_id: int, target: DispositionTarget, kind: DispositionKind, reason: str = "") -> None:
    column = "general_answer_id" if target == T.general else "principle_answer_id"
    db.session.add(Disposition(target=target, kind=kind, reason=reason, **{column: answer_id}))


def links(app) -> set[tuple]:
    """Every change link as (principle_text_id, "p"/"g", answer id, target)."""
    with app.app_context():
        return {(link.principle_text_id, "p" if link.principle_answer_id else "g",
                 link.principle_answer_id or link.general_answer_id, link.target.value)
                for link in db.session.execute(select(ChangeLink)).scalars()}


@pytest.fixture
def tracing(app, consolidating):
    w = consolidating
    p1, p2, p3 = w.principles
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        consultation.status = ConsultationStatus.consolidated
        consultation.version.status = VersionStatus.consolidation
        w.v1 = consultation.version_id
        w.document_key = consultation.version.document.key
        answers = {(a.response_id, a.principle_text_id): a for a in db.session.execute(select(PrincipleAnswer)).scalars()}
        answers[(w.pia_response, p1)].comment = "Svårt att förstå för mig som patient."
        nu_p3 = answers[(w.nu_response, p3)]
        nu_p3.comment = "Slå ihop med princip 2."
        db.session.flush()
        w.pia_p1, w.nu_p3 = answers[(w.pia_response, p1)].id, nu_p3.id
        dispose(w.su_p1, T.comment, K.accepted, "Vi förtydligar.")
        dispose(w.su_p2, T.comment, K.partly_accepted, "Delvis.")
        dispose(w.su_p2, T.proposed_wording, K.not_accepted, "Passar inte.")
        dispose(w.nu_p1, T.proposed_wording, K.accepted, "Vi tar in lydelsen.")
        dispose(w.nu_p3, T.comment, K.accepted, "Sammanslagen.")
        dispose(w.pia_p1, T.comment, K.accepted, "Enklare språk.")
        dispose(w.su_g1, T.general, K.accepted, "Tack.")
        dispose(w.pia_g1, T.general, K.noted, "")
        db.session.commit()
        w.keys = [db.session.get(PrincipleText, t).key for t in w.principles]
    w.v2 = make_next_version(app, w.v1, merge={p2: [p3]})
    with app.app_context():
        texts = {t.principle_id: t for t in db.session.get(DocumentVersion, w.v2).principle_texts}
        w.v2_p1 = texts[db.session.get(PrincipleText, p1).principle_id].id
        w.v2_p2 = texts[db.session.get(PrincipleText, p2).principle_id].id
    base = f"/documents/{w.document_key}/versions/2"
    w.version_links_url = f"{base}/links"
    w.links_url = lambda key: f"{base}/principles/{key}/links"
    w.trace_url = lambda key: f"{base}/principles/{key}/trace"
    w.flagged_url = f"/consultations/{w.consultation}/consolidation/unlinked"
    return w
