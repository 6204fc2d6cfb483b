"""The deadline is enforced on the server; what arrives after it is kept, never applied, never lost."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from remiss.consultations.models import Consultation, ConsultationStatus, LateSave, PrincipleAnswer, Response, ResponseStatus
from remiss.extensions import db
from tests.conftest import post_form
from tests.responses.conftest import autosave, set_deadline


def late_saves(app):
    with app.app_context():
        return [(s.respondent_id, s.user_id, s.payload) for s in db.session.execute(select(LateSave)).scalars()]


def test_a_save_a_second_late_is_refused_clearly_and_kept_as_a_late_save(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "I tid"})
    set_deadline(app, w, timedelta(seconds=-1))

    response = autosave(client, w, {f"{key}.lock_version": "1", f"{key}.comment": "En sekund för sent"})
    assert response.status_code == 423
    body = response.get_json()
    assert body["status"] == "deadline_passed"
    assert "Svarstiden gick ut" in body["message"]
    assert "sparat separat och visas för processansvarig" in body["message"]

    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer)).scalar_one()
        assert answer.comment == "I tid", "the answer is not changed"
    [(respondent_id, user_id, payload)] = late_saves(app)
    assert (respondent_id, user_id) == (w.su_respondent, w.anna.id)
    assert payload["action"] == "save"
    assert payload["answers"][0]["values"]["comment"] == "En sekund för sent"
    assert payload["answers"][0]["subject"] == "1. Princip nummer 1"


def test_a_late_form_post_shows_the_text_back_and_keeps_it(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[1]}"
    auth.login(w.anna.email)
    set_deadline(app, w, timedelta(seconds=-1))
    response = post_form(client, w.respond_url, {"page": "principle:2", "go": "next", f"{key}.lock_version": "0",
                                                 f"{key}.comment": "Skrivet sent på kvällen"})
    assert response.status_code == 423
    html = response.get_data(as_text=True)
    assert "Svarstiden gick ut" in html
    assert "Skrivet sent på kvällen" in html and "readonly" in html
    assert "Spara och gå vidare" not in html
    assert late_saves(app)[0][2]["answers"][0]["values"]["comment"] == "Skrivet sent på kvällen"


def test_after_the_deadline_pages_are_read_only_and_submit_is_refused_but_noted(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Utkast"})
    set_deadline(app, w, timedelta(seconds=-1))
    html = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert "Svarstiden gick ut" in html and "readonly" in html and "Spara och gå vidare" not in html
    summary = client.get(w.respond_url + "/summary").get_data(as_text=True)
    assert "Svaret kan inte skickas in längre" in summary and "Skicka in svaret</button>" not in summary
    response = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    assert response.status_code == 423
    with app.app_context():
        assert db.session.execute(select(Response)).scalar_one().status == ResponseStatus.draft
    assert late_saves(app)[0][2]["action"] == "submit"


def test_a_closed_consultation_takes_no_changes_either(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    with app.app_context():
        db.session.get(Consultation, w.consultation).status = ConsultationStatus.closed
        db.session.commit()
    response = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Stängd"})
    assert response.status_code == 423
    assert "tar inte emot svar" in response.get_json()["message"]
    assert len(late_saves(app)) == 1


def test_the_process_owner_sees_what_came_late(app, client, auth, answering):
    w = answering
    key = f"p{w.principles[0]}"
    auth.login(w.anna.email)
    set_deadline(app, w, timedelta(seconds=-1))
    autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Sen <b>text</b>"})
    url = f"/consultations/{w.consultation}/respondents/{w.su_respondent}/late-saves"
    assert client.get(url).status_code == 403
    auth.logout()
    auth.login(w.owner.email)
    html = client.get(url).get_data(as_text=True)
    assert "Ändringar efter svarstiden från Sahlgrenska Universitetssjukhuset" in html
    assert "Sen &lt;b&gt;text&lt;/b&gt;" in html and "Anna SU" in html
