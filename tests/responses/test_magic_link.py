"""Personal links: a limited session for one's own answer, only while the consultation takes answers."""
from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select

from remiss.auth.operations import token_hash
from remiss.consultations.models import (
    Consultation,
    ConsultationStatus,
    MagicLink,
    PrincipleAnswer,
    Respondent,
)
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.conftest import post_form
from tests.responses.conftest import autosave, set_deadline


def test_the_link_opens_a_limited_session_for_the_own_answer(app, client, answering):
    w = answering
    entry = client.get(f"/r/{w.pia_token}")
    assert entry.status_code == 302 and entry.headers["Location"].endswith(w.respond_url)
    assert entry.headers["Cache-Control"] == "no-store" and entry.headers["Referrer-Policy"] == "no-referrer"
    html = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert "Pia Patient" in html
    key = f"p{w.principles[0]}"
    response = post_form(client, w.respond_url, {"page": "principle:1", "go": "next", f"{key}.lock_version": "0",
                                                 f"{key}.comment": "Som patient tycker jag"})
    assert response.status_code == 303
    assert autosave(client, w, {f"{key}.lock_version": "1", f"{key}.stance": "supports"}).status_code == 200
    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer)).scalar_one()
        assert answer.response.respondent_id == w.pia_respondent and answer.updated_by_id == w.pia.id
        link = db.session.execute(select(MagicLink)).scalar_one()
        assert link.last_used_at is not None
        assert db.session.get(Respondent, w.pia_respondent).first_opened_at is not None
    # Not a log-in: the account pages and other areas stay closed.
    assert client.get("/account").status_code == 302
    assert client.get("/my").headers["Location"].endswith(w.respond_url)


def test_the_link_session_reaches_no_other_answer(app, client, answering, make_version):
    w = answering
    version = make_version(key="annat-dokument", principles=1)
    with app.app_context():
        other = Consultation(version_id=version.id, title="En annan remiss", opens_at=utcnow() - timedelta(days=1),
                             deadline=utcnow() + timedelta(days=3), status=ConsultationStatus.open)
        other.respondents = [Respondent(organisation_id=w.su.id)]
        db.session.add(other)
        db.session.commit()
        other_id = other.id
    client.get(f"/r/{w.pia_token}")
    for url in (f"/consultations/{other_id}/respond", f"/consultations/{other_id}/respond/summary",
                f"/consultations/{other_id}/respond/receipt", f"/consultations/{other_id}/respond/general"):
        assert client.get(url).status_code == 403, url
    other_autosave = client.post(f"/consultations/{other_id}/respond/autosave", json={"fields": {}},
                                 headers={"Accept": "application/json"})
    assert other_autosave.status_code == 403


def test_the_link_stops_working_after_the_deadline(app, client, answering):
    w = answering
    client.get(f"/r/{w.pia_token}")
    set_deadline(app, w, timedelta(seconds=-1))
    expired = client.get(f"/r/{w.pia_token}")
    assert expired.status_code == 410
    assert "Svarstiden för remissen" in expired.get_data(as_text=True)
    page = client.get(w.respond_url + "?principle=1")
    assert page.status_code == 410, "the session the link started ends with the consultation too"
    # A save typed before the deadline and sent after it is kept, not lost.
    key = f"p{w.principles[0]}"
    late = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Nästan i tid"})
    assert late.status_code == 423
    with app.app_context():
        from remiss.consultations.models import LateSave

        [saved] = db.session.execute(select(LateSave)).scalars().all()
        assert saved.user_id == w.pia.id and saved.payload["answers"][0]["values"]["comment"] == "Nästan i tid"

    fresh = app.test_client()
    assert fresh.get(f"/r/{w.pia_token}").status_code == 410


def test_unknown_and_revoked_links_are_refused(app, client, answering):
    w = answering
    assert client.get("/r/" + secrets.token_urlsafe(32)).status_code == 404
    assert client.get("/r/kort").status_code == 404
    client.get(f"/r/{w.pia_token}")
    with app.app_context():
        db.session.execute(select(MagicLink)).scalar_one().revoked_at = utcnow()
        db.session.commit()
    assert client.get(w.respond_url).status_code == 302, "a revoked link's session is over: log in instead"
    assert client.get(f"/r/{w.pia_token}").status_code == 404


def test_a_link_belongs_to_its_respondent_only(app, client, answering):
    """A link row pointing at SU's respondent but issued to Pia does not make Pia an SU answerer:
    the link opens exactly the respondent it names, and the pages show that respondent's answer."""
    w = answering
    token = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(MagicLink(respondent_id=w.nu_respondent, user_id=w.nils.id, token_hash=token_hash(token)))
        db.session.commit()
    client.get(f"/r/{token}")
    html = client.get(w.respond_url).get_data(as_text=True)
    assert "NU-sjukvården" in html and "Pia Patient" not in html and "Sahlgrenska" not in html


def test_a_logged_in_visitor_who_is_someone_else_is_logged_out_by_the_link(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    client.get(f"/r/{w.pia_token}")
    html = client.get(w.respond_url).get_data(as_text=True)
    assert "Pia Patient" in html and "Anna SU" not in html
