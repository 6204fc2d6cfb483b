"""Two people editing the same part at once never overwrite each other silently."""
from __future__ import annotations

from sqlalchemy import select, text, update

from remiss.consultations.models import PrincipleAnswer, Respondent, Response
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.responses import operations
from tests.conftest import PASSWORD, post_form
from tests.responses.conftest import autosave


def stored_comment(app, principle_text_id):
    with app.app_context():
        answer = db.session.execute(
            select(PrincipleAnswer).where(PrincipleAnswer.principle_text_id == principle_text_id)
        ).scalar_one()
        return answer.comment, answer.lock_version


def login(app, email):
    client = app.test_client()
    post_form(client, "/login", {"email": email, "password": PASSWORD})
    return client


def test_two_clients_with_the_same_base_version_get_both_texts_and_lose_nothing(app, answering):
    w = answering
    key = f"p{w.principles[0]}"
    anna, bengt = login(app, w.anna.email), login(app, w.bengt.email)
    autosave(anna, w, {f"{key}.lock_version": "0", f"{key}.comment": "Början"})
    _comment, base = stored_comment(app, w.principles[0])

    first = autosave(anna, w, {f"{key}.lock_version": str(base), f"{key}.comment": "Annas version"})
    assert first.status_code == 200
    second = autosave(bengt, w, {f"{key}.lock_version": str(base), f"{key}.comment": "Bengts version"})
    assert second.status_code == 409
    body = second.get_json()
    assert body["status"] == "conflict"
    part = body["parts"][key]
    assert part["saved"] is False
    assert part["conflict"]["stored_by"] == "Anna SU"
    assert part["conflict"]["stored"]["comment"] == "Annas version"
    assert {"label": "Kommentar", "stored": "Annas version", "yours": "Bengts version"} in part["conflict"]["differences"]
    assert "Båda texterna" in body["message"]

    # Anna's text is still what is stored; Bengt's is still in his browser (he got it back).
    assert stored_comment(app, w.principles[0])[0] == "Annas version"

    # Bengt merges and saves deliberately on top of the version he has now seen.
    merged = autosave(bengt, w, {f"{key}.lock_version": str(part["lock_version"]),
                                 f"{key}.comment": "Annas version\n\nBengts version"})
    assert merged.status_code == 200
    assert stored_comment(app, w.principles[0])[0] == "Annas version\n\nBengts version"


def test_a_conflict_in_the_form_shows_both_texts_and_keeps_what_was_typed(app, answering):
    w = answering
    key = f"p{w.principles[0]}"
    anna, bengt = login(app, w.anna.email), login(app, w.bengt.email)
    anna_page = anna.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert f'name="{key}.lock_version" value="0"' in anna_page
    post_form(bengt, w.respond_url, {"page": "principle:1", "go": "stay", f"{key}.lock_version": "0",
                                     f"{key}.comment": "Bengt hann först", f"{key}.stance": "opposes"})

    response = post_form(anna, w.respond_url, {"page": "principle:1", "go": "next", f"{key}.lock_version": "0",
                                               f"{key}.comment": "Anna skrev samtidigt", f"{key}.stance": "supports",
                                               f"p{w.principles[1]}.lock_version": "0"})
    assert response.status_code == 409, "the page does not move on when a part was not saved"
    html = response.get_data(as_text=True)
    assert "Bengt SU sparade den här delen" in html
    assert "Bengt hann först" in html and "Anna skrev samtidigt" in html
    assert "Sparad version:" in html and "Din version:" in html
    assert "Avstyrker" in html and "Tillstyrker" in html  # the stances differ too, in words
    # The form now starts from Bengt's version: saving the merged text again is a deliberate overwrite.
    assert f'name="{key}.lock_version" value="1"' in html
    assert stored_comment(app, w.principles[0])[0] == "Bengt hann först"


def test_other_parts_of_the_same_page_are_saved_when_one_conflicts(app, answering):
    w = answering
    first, second = f"p{w.principles[0]}", f"p{w.principles[1]}"
    anna, bengt = login(app, w.anna.email), login(app, w.bengt.email)
    autosave(bengt, w, {f"{first}.lock_version": "0", f"{first}.comment": "Bengt"})
    response = autosave(anna, w, {f"{first}.lock_version": "0", f"{first}.comment": "Anna",
                                  f"{second}.lock_version": "0", f"{second}.comment": "Anna om tvåan"})
    assert response.status_code == 409
    parts = response.get_json()["parts"]
    assert parts[first]["saved"] is False and parts[second]["saved"] is True
    assert stored_comment(app, w.principles[1])[0] == "Anna om tvåan"


def test_general_answers_and_alternative_choices_are_locked_too(app, answering):
    w = answering
    general, choice = f"g{w.questions[0]}", f"ap{w.principles[0]}"
    anna, bengt = login(app, w.anna.email), login(app, w.bengt.email)
    autosave(anna, w, {f"{general}.lock_version": "0", f"{general}.text": "Anna",
                       f"{choice}.lock_version": "0", f"{choice}.alternative": str(w.alternatives[0])})
    response = autosave(bengt, w, {f"{general}.lock_version": "0", f"{general}.text": "Bengt",
                                   f"{choice}.lock_version": "0", f"{choice}.alternative": str(w.alternatives[1])})
    assert response.status_code == 409
    parts = response.get_json()["parts"]
    assert parts[general]["conflict"]["differences"] == [{"label": "Svar", "stored": "Anna", "yours": "Bengt"}]
    assert parts[choice]["conflict"]["differences"][0] == {
        "label": "Föredraget alternativ", "stored": "Formulering A", "yours": "Formulering B"}


def test_the_database_refuses_a_write_that_lost_a_race_after_the_check(app, answering, monkeypatch):
    """Between reading the stored version and writing, someone else commits: the conditional
    UPDATE (version_id_col) matches no row, and the user still gets both texts."""
    w = answering
    with app.app_context():
        respondent = db.session.get(Respondent, w.su_respondent)
        response = operations.current_response(respondent)
        principle = db.session.get(PrincipleText, w.principles[0])
        operations.save_principle_answer(response, principle, {"comment": "Början"}, 0, db.session.get(Respondent, w.su_respondent).organisation.users[0])
        db.session.commit()

    find, create, apply, values_of = operations._PARTS[operations.PRINCIPLE]

    def find_then_lose_the_race(response, subject, fresh=False):
        found = find(response, subject, fresh)
        if not fresh:
            # Another request commits its save now, on its own connection.
            with db.engine.begin() as connection:
                connection.execute(
                    update(PrincipleAnswer.__table__)
                    .where(PrincipleAnswer.__table__.c.id == found.id)
                    .values(comment="Den andras text", lock_version=found.lock_version + 1)
                )
        return found

    monkeypatch.setitem(operations._PARTS, operations.PRINCIPLE, (find_then_lose_the_race, create, apply, values_of))
    with app.app_context():
        response = db.session.execute(select(Response)).scalar_one()
        principle = db.session.get(PrincipleText, w.principles[0])
        actor = db.session.get(Respondent, w.su_respondent).organisation.users[0]
        result = operations.save_principle_answer(response, principle, {"comment": "Min text"}, 1, actor)
        db.session.commit()
        assert result.saved is False
        assert result.conflict.stored["comment"] == "Den andras text"
        assert result.conflict.yours["comment"] == "Min text"
        assert result.conflict.lock_version == 2
    assert stored_comment(app, w.principles[0]) == ("Den andras text", 2)


def test_two_first_saves_at_once_do_not_create_two_rows(app, answering, monkeypatch):
    """Both see no answer yet; the second insert hits the unique constraint and becomes a conflict."""
    w = answering
    with app.app_context():
        operations.current_response(db.session.get(Respondent, w.su_respondent))
        db.session.commit()
    find, create, apply, values_of = operations._PARTS[operations.PRINCIPLE]

    def nobody_yet_then_someone(response, subject, fresh=False):
        if fresh:
            return find(response, subject, fresh)
        with db.engine.begin() as connection:
            connection.execute(PrincipleAnswer.__table__.insert().values(
                response_id=response.id, principle_text_id=subject.id, comment="Först", proposed_wording="",
                lock_version=1, updated_at=response.created_at))
        return None

    monkeypatch.setitem(operations._PARTS, operations.PRINCIPLE, (nobody_yet_then_someone, create, apply, values_of))
    with app.app_context():
        response = db.session.execute(select(Response)).scalar_one()
        principle = db.session.get(PrincipleText, w.principles[0])
        actor = db.session.get(Respondent, w.su_respondent).organisation.users[0]
        result = operations.save_principle_answer(response, principle, {"comment": "Samtidigt"}, 0, actor)
        db.session.commit()
        assert result.saved is False and result.conflict.stored["comment"] == "Först"
        assert db.session.execute(text("SELECT count(*) FROM principle_answer")).scalar() == 1
