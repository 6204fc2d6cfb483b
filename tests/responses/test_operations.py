"""The operations other areas call directly: apply_answers (bulk import) and current_response."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consultations.models import AlternativeChoice, PrincipleAnswer, Respondent, Response
from remiss.extensions import db
from remiss.responses import operations


def test_apply_answers_writes_many_principles_at_once_without_lock_checks(app, answering):
    w = answering
    with app.app_context():
        respondent = db.session.get(Respondent, w.su_respondent)
        owner = db.session.get(User, w.owner.id)
        response = operations.current_response(respondent)
        operations.save_principle_answer(response, response.respondent.consultation.version.principle_texts[0],
                                         {"comment": "Från webben"}, 0, owner)
        count = operations.apply_answers(response, [
            {"principle_text_id": w.principles[0], "stance": "supports", "comment": "Från filen",
             "criteria": {w.criteria[0]: {"rating": "no", "comment": "Oklar"}},
             "alternative_id": w.alternatives[1], "reason": "Kortare"},
            {"principle_text_id": w.principles[2], "proposed_wording": "Ny lydelse"},
        ], owner)
        db.session.commit()
        assert count == 2
        answers = {a.principle_text_id: a for a in db.session.execute(select(PrincipleAnswer)).scalars()}
        assert answers[w.principles[0]].comment == "Från filen", "written over the stored version, no lock check"
        assert answers[w.principles[0]].criterion_answers[0].rating == "no"
        assert answers[w.principles[2]].proposed_wording == "Ny lydelse"
        choice = db.session.execute(select(AlternativeChoice)).scalar_one()
        assert (choice.principle_text_id, choice.alternative_id, choice.reason) == (w.principles[0], w.alternatives[1], "Kortare")
        assert db.session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.action == "response.answers_applied")) == 1


def test_apply_answers_validates_every_row_and_writes_nothing_when_one_is_wrong(app, answering):
    w = answering
    with app.app_context():
        response = operations.current_response(db.session.get(Respondent, w.su_respondent))
        owner = db.session.get(User, w.owner.id)
        with pytest.raises(operations.InvalidAnswer) as refused:
            operations.apply_answers(response, [
                {"principle_text_id": w.principles[0], "comment": "Bra"},
                {"principle_text_id": w.principles[1], "stance": "kanske", "comment": "x" * 10_001},
            ], owner)
        assert set(refused.value.errors) == {f"p{w.principles[1]}.stance", f"p{w.principles[1]}.comment"}
        with pytest.raises(operations.UnknownSubject):
            operations.apply_answers(response, [{"principle_text_id": 999_999, "comment": "Fel"}], owner)
        db.session.rollback()
        assert db.session.scalar(select(func.count(PrincipleAnswer.id))) == 0


def test_current_response_creates_the_first_draft_once(app, answering):
    w = answering
    with app.app_context():
        respondent = db.session.get(Respondent, w.su_respondent)
        assert operations.current_response(respondent, create=False) is None
        first = operations.current_response(respondent)
        again = operations.current_response(respondent)
        db.session.commit()
        assert first.id == again.id and first.revision == 1
        assert db.session.scalar(select(func.count(Response.id))) == 1
