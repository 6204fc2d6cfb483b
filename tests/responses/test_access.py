"""Every answer URL, JSON endpoint and attachment refuses people who do not answer for that respondent."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from remiss.consultations.models import (
    Consultation,
    ConsultationStatus,
    PrincipleAnswer,
    Respondent,
)
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.conftest import csrf_token, post_form
from tests.responses.conftest import autosave

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def su_only(app, client, auth, answering, make_version):
    """A second consultation that asks SU but not NU, and SU's registered answer with its original."""
    w = answering
    version = make_version(key="annat-dokument", principles=2)
    with app.app_context():
        other = Consultation(version_id=version.id, title="Remiss bara till SU", opens_at=utcnow() - timedelta(days=1),
                             deadline=utcnow() + timedelta(days=3), status=ConsultationStatus.open)
        other.respondents = [Respondent(organisation_id=w.su.id)]
        db.session.add(other)
        db.session.commit()
        w.other = other.id
        w.other_principle = db.session.execute(
            select(PrincipleText.id).where(PrincipleText.version_id == version.id)).scalars().first()
    auth.login(w.owner.email)
    response = client.post(f"/consultations/{w.consultation}/respondents/{w.su_respondent}/register", data={
        "csrf_token": csrf_token(client), "channel": "email", "received_on": utcnow().date().isoformat(),
        "original": (io.BytesIO(PDF), "svar.pdf"), "publish_name": "yes",
    }, content_type="multipart/form-data")
    assert response.status_code == 303
    w.su_response = int(response.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        from remiss.consultations.models import Attachment

        w.attachment = db.session.execute(select(Attachment.id)).scalar_one()
    auth.logout()
    return w


def urls(w):
    c, o = w.consultation, w.other
    return {
        "get": [f"/consultations/{o}/respond", f"/consultations/{o}/respond?principle=1", f"/consultations/{o}/respond?all=1",
                f"/consultations/{o}/respond/general", f"/consultations/{o}/respond/summary",
                f"/consultations/{o}/respond/receipt", f"/consultations/{o}/respond/session",
                f"/responses/{w.su_response}", f"/responses/{w.su_response}/reopen", f"/attachments/{w.attachment}",
                f"/consultations/{c}/respondents/{w.su_respondent}/register",
                f"/consultations/{c}/respondents/{w.su_respondent}/late-saves"],
        "post": [f"/consultations/{o}/respond", f"/consultations/{o}/respond/general",
                 f"/consultations/{o}/respond/submit", f"/responses/{w.su_response}/reopen",
                 f"/consultations/{c}/respondents/{w.su_respondent}/register"],
    }


def test_a_representative_of_another_organisation_is_refused_everywhere(app, client, auth, su_only):
    w = su_only
    auth.login(w.nils.email)
    for url in urls(w)["get"]:
        assert client.get(url).status_code == 403, url
    for url in urls(w)["post"]:
        assert post_form(client, url, {"page": "overview", f"p{w.other_principle}.lock_version": "0",
                                       f"p{w.other_principle}.comment": "Intrång", "reason": "x"}).status_code == 403, url
    json_refusal = client.post(f"/consultations/{w.other}/respond/autosave",
                               json={"fields": {f"p{w.other_principle}.lock_version": "0",
                                                f"p{w.other_principle}.comment": "Intrång"}},
                               headers={"Accept": "application/json", "X-CSRFToken": csrf_token(client)})
    assert json_refusal.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(PrincipleAnswer.id)).where(PrincipleAnswer.comment == "Intrång")) == 0


def test_ids_of_another_consultation_are_not_found_in_ones_own(app, client, auth, su_only):
    """Nils answers for NU in the first consultation; a principle id from the other one is refused."""
    w = su_only
    auth.login(w.nils.email)
    key = f"p{w.other_principle}"
    response = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Fel princip"})
    assert response.status_code == 404
    page = post_form(client, w.respond_url, {"page": "principle:1", f"{key}.lock_version": "0", f"{key}.comment": "x"})
    assert page.status_code == 404
    bad_part = autosave(client, w, {"x99.lock_version": "0"})
    assert bad_part.status_code == 400
    # His own answer goes to NU, never to SU's, whichever page he posts from.
    own = f"p{w.principles[0]}"
    assert autosave(client, w, {f"{own}.lock_version": "0", f"{own}.comment": "NU:s svar"}).status_code == 200
    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer).where(PrincipleAnswer.comment == "NU:s svar")).scalar_one()
        assert answer.response.respondent_id == w.nu_respondent


def test_anonymous_visitors_are_sent_to_log_in_and_json_gets_401(client, su_only):
    w = su_only
    for url in urls(w)["get"]:
        if url.endswith("/session"):
            continue
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(w.autosave_url, json={"fields": {}}, headers={"Accept": "application/json"})
    assert response.status_code == 401


def test_process_owners_read_answers_but_do_not_write_in_the_answer_form(client, auth, su_only):
    w = su_only
    auth.login(w.owner.email)
    assert client.get(w.respond_url).status_code == 403
    assert client.get(f"/responses/{w.su_response}").status_code == 200
    assert client.get(f"/attachments/{w.attachment}").status_code == 200


def test_changed_ids_that_do_not_exist_are_not_found(client, auth, su_only):
    w = su_only
    auth.login(w.owner.email)
    assert client.get(f"/responses/{w.su_response + 100}").status_code == 404
    assert client.get(f"/attachments/{w.attachment + 100}").status_code == 404
    assert client.get(f"/consultations/{w.other}/respondents/{w.su_respondent}/register").status_code == 404
    assert client.get("/consultations/9999/respond").status_code == 404


def test_a_draft_consultation_cannot_be_answered(app, client, auth, answering):
    w = answering
    with app.app_context():
        db.session.get(Consultation, w.consultation).status = ConsultationStatus.draft
        db.session.commit()
    auth.login(w.anna.email)
    assert client.get(w.respond_url).status_code == 404
    assert autosave(client, w, {}).status_code == 404
