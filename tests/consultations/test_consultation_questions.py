"""The question set: adjustable while draft, fixed once the consultation is open."""
from __future__ import annotations

from sqlalchemy import select

from remiss.consultations.models import Consultation, CriteriaScale, GeneralQuestion
from remiss.documents.models import Criterion
from remiss.extensions import db
from tests.consultations.helpers import login, post_form, text_of


def questions_of(app, consultation_id):
    with app.app_context():
        c = db.session.get(Consultation, consultation_id)
        return {
            "stance": c.ask_stance, "comment": c.ask_comment, "wording": c.ask_proposed_wording,
            "alternatives": c.ask_alternatives, "criteria": [x.position for x in c.criteria],
            "scale": c.criteria_scale, "general": [q.text for q in c.general_questions],
        }


def criteria_ids(app, world):
    with app.app_context():
        return db.session.execute(
            select(Criterion.id).where(Criterion.version_id == world.version.id).order_by(Criterion.position)
        ).scalars().all()


def general_ids(app, consultation_id):
    with app.app_context():
        return db.session.execute(
            select(GeneralQuestion.id).where(GeneralQuestion.consultation_id == consultation_id)
            .order_by(GeneralQuestion.position)
        ).scalars().all()


def test_process_owner_chooses_questions_criteria_and_scale(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/questions")
    assert page.status_code == 200
    text = text_of(page)
    assert "Vilket alternativ föredrar ni, och varför?" in text, "the version has alternatives"
    assert "Är principen tydlig och lätt att förstå?" in text

    ids = criteria_ids(app, world)
    response = post_form(client, f"/consultations/{consultation_id}/questions", {
        "ask_stance": "y", "ask_comment": "y", "criteria": [ids[0], ids[2]], "criteria_scale": "one_to_four",
    })
    assert response.status_code == 302
    assert questions_of(app, consultation_id) == {
        "stance": True, "comment": True, "wording": False, "alternatives": False, "criteria": [1, 3],
        "scale": CriteriaScale.one_to_four,
        "general": ["Synpunkter?", "Tankar om remissförfarande/förankring?", "Tankar om spridning och genomförande?"],
    }


def test_a_consultation_must_ask_something(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    for question_id in general_ids(app, consultation_id):
        post_form(client, f"/consultations/{consultation_id}/questions/general/{question_id}/remove")
    assert questions_of(app, consultation_id)["general"] == []
    response = post_form(client, f"/consultations/{consultation_id}/questions", {"criteria_scale": "yes_partly_no"})
    assert response.status_code == 422
    assert "Remissen måste ställa minst en fråga" in text_of(response)
    assert questions_of(app, consultation_id)["stance"] is True, "nothing was changed"


def test_general_questions_added_edited_reordered_and_removed(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    url = f"/consultations/{consultation_id}/questions/general"
    assert post_form(client, url, {"text": "Hur vill ni bli informerade?"}).status_code == 302
    first, second, third, fourth = general_ids(app, consultation_id)

    assert post_form(client, f"{url}/{second}", {"text": "Tankar om förankring?"}).status_code == 302
    assert post_form(client, f"{url}/{fourth}/move", {"direction": "up"}).status_code == 302
    assert post_form(client, f"{url}/{first}/move", {"direction": "down"}).status_code == 302
    assert post_form(client, f"{url}/{first}/move", {"direction": "sideways"}).status_code == 400

    confirm = client.get(f"{url}/{third}/remove")
    assert confirm.status_code == 200 and "Ta bort frågan?" in text_of(confirm)
    assert post_form(client, f"{url}/{third}/remove").status_code == 302
    assert questions_of(app, consultation_id)["general"] == [
        "Tankar om förankring?", "Synpunkter?", "Hur vill ni bli informerade?",
    ]


def test_an_empty_or_too_long_general_question_is_refused_and_kept(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    question_id = general_ids(app, consultation_id)[0]
    typed = "x" * 501
    response = post_form(client, f"/consultations/{consultation_id}/questions/general/{question_id}", {"text": typed})
    assert response.status_code == 422
    assert "Högst 500 tecken" in text_of(response)
    assert typed in response.get_data(as_text=True), "the typed text is still in the field"
    response = post_form(client, f"/consultations/{consultation_id}/questions/general", {"text": "   "})
    assert response.status_code == 422
    assert "Skriv frågan" in text_of(response)
    assert questions_of(app, consultation_id)["general"][0] == "Synpunkter?"


def test_questions_are_locked_after_opening(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    before = questions_of(app, consultation_id)
    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/questions")
    assert page.status_code == 200
    assert "frågorna kan inte längre ändras" in text_of(page)
    assert "Spara frågorna" not in text_of(page), "read-only: no form"

    question_id = general_ids(app, consultation_id)[0]
    url = f"/consultations/{consultation_id}/questions"
    for response in (
        post_form(client, url, {"ask_stance": "y", "criteria_scale": "one_to_four"}),
        post_form(client, f"{url}/general", {"text": "En fråga till"}),
        post_form(client, f"{url}/general/{question_id}", {"text": "Ändrad"}),
        post_form(client, f"{url}/general/{question_id}/move", {"direction": "down"}),
        client.get(f"{url}/general/{question_id}/remove"),
        post_form(client, f"{url}/general/{question_id}/remove"),
    ):
        assert response.status_code == 409
        assert "Remissen är redan öppnad" in text_of(response)
    assert questions_of(app, consultation_id) == before


def test_a_question_of_another_consultation_is_not_found(app, client, world, make_consultation):
    first = make_consultation()
    second = make_consultation()
    login(client, world.people.owner)
    foreign = general_ids(app, second)[0]
    response = post_form(client, f"/consultations/{first}/questions/general/{foreign}", {"text": "Kapad"})
    assert response.status_code == 404
    assert questions_of(app, second)["general"][0] == "Synpunkter?"
