"""Representatives answer together: one draft per organisation, page by page or all at once."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from remiss.consultations.models import (
    AlternativeChoice,
    GeneralAnswer,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
)
from remiss.extensions import db
from tests.conftest import post_form
from tests.responses.conftest import autosave


def principle_fields(world, index=0, lock="0", **values):
    key = f"p{world.principles[index]}"
    fields = {f"{key}.lock_version": lock}
    for name, value in values.items():
        fields[f"{key}.{name}"] = value
    return fields


def the_answer(app, world, respondent_id=None):
    with app.app_context():
        response = db.session.execute(
            select(Response).where(Response.respondent_id == (respondent_id or world.su_respondent))
            .order_by(Response.revision.desc())
        ).scalars().first()
        if response is None:
            return None
        answers = {a.principle_text_id: (a.stance.value if a.stance else None, a.comment, a.lock_version,
                                         {ca.criterion_id: (ca.rating, ca.comment) for ca in a.criterion_answers})
                   for a in response.principle_answers}
        return response.status, response.revision, answers


def test_two_representatives_of_one_organisation_write_the_same_draft(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    response = post_form(client, w.respond_url, {"page": "principle:1", "go": "next",
                                                 **principle_fields(w, 0, stance="supports", comment="Annas synpunkt")})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{w.respond_url}?principle=2")
    auth.logout()

    auth.login(w.bengt.email)
    page = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert "Annas synpunkt" in page, "Bengt sees the draft Anna wrote for their organisation"
    assert "Senast sparat" in page and "Anna SU" in page
    lock = re.search(rf'name="p{w.principles[0]}.lock_version" value="(\d+)"', page).group(1)
    response = post_form(client, w.respond_url, {"page": "principle:1", "go": "stay",
                                                 **principle_fields(w, 0, lock, comment="Annas synpunkt. Och Bengts.")})
    assert response.status_code == 303

    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1, "one organisation, one answer"
    status, revision, answers = the_answer(app, w)
    assert status == ResponseStatus.draft and revision == 1
    assert answers[w.principles[0]][:2] == ("supports", "Annas synpunkt. Och Bengts.")


def test_each_principle_page_shows_the_text_beside_its_questions(client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    html = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert "Vi gör det som princip 1 säger." in html  # the statement
    assert "Nyckelord" in html and "Samordning" in html
    assert "Vad innebär det för utförare och utvecklare?" in html
    assert "Formulering A" in html and "Formulering B" in html  # this principle offers alternatives
    # Stance as a radio group in a fieldset with a legend, every criterion likewise.
    assert re.search(r"<fieldset[^>]*>\s*<legend[^>]*>Ställningstagande</legend>", html)
    assert "Stöder principen våra övergripande mål och värderingar?</legend>" in html
    assert html.count('type="radio"') >= 4 + 4 * 4
    # Every text field has a label and tells the cap.
    for name in ("comment", "proposed_wording"):
        field_id = f"p{w.principles[0]}-{name}"
        assert f'<label for="{field_id}">' in html
        assert f'id="{field_id}-hint"' in html
    assert "Högst 10\xa0000 tecken." in html
    assert "1 av 3 principer besvarade" not in html and "0 av 3 principer besvarade" in html
    assert "Spara och gå vidare" in html
    # Only the questions the consultation asks: principle 2 has no alternatives.
    html2 = client.get(w.respond_url + "?principle=2").get_data(as_text=True)
    assert "Vilket alternativ föredrar ni?" not in html2


def test_questions_not_asked_are_not_shown(app, client, auth, answering):
    from remiss.consultations.models import Consultation

    w = answering
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        consultation.ask_proposed_wording = False
        consultation.ask_stance = False
        consultation.criteria = []
        db.session.commit()
    auth.login(w.anna.email)
    html = client.get(w.respond_url + "?principle=2").get_data(as_text=True)
    assert "Ställningstagande" not in html
    assert "Förslag till ny formulering" not in html
    assert "Stöder principen" not in html
    assert "Synpunkter på principen" in html


def test_all_principles_on_one_page_and_progress(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    html = client.get(w.respond_url + "?all=1").get_data(as_text=True)
    for number in (1, 2, 3):
        assert f"Princip nummer {number}" in html
    data = {"page": "all", "go": "stay"}
    data.update(principle_fields(w, 0, stance="supports"))
    data.update(principle_fields(w, 1, comment="Kommentar två"))
    data.update(principle_fields(w, 2))  # untouched: nothing is written for it
    response = post_form(client, w.respond_url, data)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 av 3 principer besvarade" in html
    assert "Sparat" in html
    _status, _revision, answers = the_answer(app, w)
    assert set(answers) == {w.principles[0], w.principles[1]}


def test_page_buttons_lead_on_and_back(client, auth, answering):
    w = answering
    auth.login(w.anna.email)

    def go(page, button):
        return post_form(client, w.respond_url, {"page": page, "go": button, **principle_fields(w, 0)}).headers["Location"]

    assert go("principle:1", "prev").endswith(w.respond_url)
    assert go("principle:2", "prev").endswith("?principle=1")
    assert go("principle:3", "next").endswith("/respond/general")
    assert go("principle:1", "summary").endswith("/respond/summary")


def test_general_questions_and_section_alternatives(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    html = client.get(w.respond_url + "/general").get_data(as_text=True)
    assert "Synpunkter?" in html and "Tankar om spridning och genomförande?" in html
    assert "Definition 1" in html and "Definition 2" in html
    response = post_form(client, w.respond_url + "/general", {
        "page": "general", "go": "summary",
        f"g{w.questions[0]}.lock_version": "0", f"g{w.questions[0]}.text": "Bra remiss.",
        f"as{w.section}.lock_version": "0", f"as{w.section}.alternative": str(w.section_alternatives[1]),
        f"as{w.section}.reason": "Tydligare.",
    })
    assert response.status_code == 303 and response.headers["Location"].endswith("/respond/summary")
    with app.app_context():
        assert db.session.scalar(select(GeneralAnswer.text)) == "Bra remiss."
        choice = db.session.execute(select(AlternativeChoice)).scalar_one()
        assert (choice.section_id, choice.alternative_id, choice.reason) == (w.section, w.section_alternatives[1], "Tydligare.")
    summary = client.get(w.respond_url + "/summary").get_data(as_text=True)
    assert "Bra remiss." in summary and "Definition 2" in summary


def test_an_alternative_that_belongs_elsewhere_is_refused_with_a_message(client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    response = post_form(client, w.respond_url, {
        "page": "principle:1", "go": "stay", f"ap{w.principles[0]}.lock_version": "0",
        f"ap{w.principles[0]}.alternative": str(w.section_alternatives[0]),
        f"ap{w.principles[0]}.reason": "Min motivering",
    })
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj ett av alternativen." in html
    assert "Min motivering" in html, "what the user typed is still there"


def test_autosave_saves_one_part_and_reports_the_time_and_progress(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    response = autosave(client, w, principle_fields(w, 1, comment="Skrivet medan jag tänkte"))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "saved"
    assert re.fullmatch(r"Sparat \d\d:\d\d", body["message"])
    assert body["parts"][f"p{w.principles[1]}"] == {"saved": True, "lock_version": 1}
    assert body["progress"]["text"] == "1 av 3 principer besvarade"
    # A principle that already said something still does: the count cannot have moved, and the page
    # keeps the progress text it shows.
    body = autosave(client, w, principle_fields(w, 1, "1", stance="opposes")).get_json()
    assert body["status"] == "saved" and "progress" not in body
    # Only the fields sent are written: the stance chosen earlier stays.
    autosave(client, w, principle_fields(w, 1, "2", comment="Ändrad"))
    _status, _revision, answers = the_answer(app, w)
    assert answers[w.principles[1]][:3] == ("opposes", "Ändrad", 3)


def test_a_refused_first_autosave_opens_no_draft(app, client, auth, answering):
    """Autosave reads the draft before the parts (so that a part comes with its stored answer), and
    creates it only once what came is understood; a save refused after that takes the new draft
    back with it (on SQLite too: its savepoint once committed the draft on its own)."""
    w = answering
    auth.login(w.anna.email)
    unknown = autosave(client, w, {"p999999.lock_version": "0", "p999999.comment": "Fel princip"})
    assert unknown.status_code == 404
    malformed = autosave(client, w, {f"p{w.principles[0]}.lock_version": "inte ett tal",
                                     f"p{w.principles[0]}.comment": "Text"})
    assert malformed.status_code == 400
    invalid = autosave(client, w, {**principle_fields(w, 0), f"p{w.principles[0]}.c{w.criteria[0]}.rating": "7"})
    assert invalid.status_code == 422
    assert the_answer(app, w) is None
    assert autosave(client, w, principle_fields(w, 0, comment="Nu rätt")).status_code == 200
    _status, revision, answers = the_answer(app, w)
    assert revision == 1 and answers[w.principles[0]][1] == "Nu rätt"


def test_saving_unchanged_text_does_not_move_the_lock_version(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    autosave(client, w, principle_fields(w, 0, comment="Samma"))
    for _ in range(3):
        body = autosave(client, w, principle_fields(w, 0, "1", comment="Samma")).get_json()
        assert body["parts"][f"p{w.principles[0]}"]["lock_version"] == 1
    _status, _revision, answers = the_answer(app, w)
    assert answers[w.principles[0]][2] == 1


def test_criteria_are_rated_with_the_consultations_scale(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    c1, c2 = w.criteria[:2]
    response = autosave(client, w, {**principle_fields(w, 0), f"p{w.principles[0]}.c{c1}.rating": "partly",
                                    f"p{w.principles[0]}.c{c2}.comment": "Otydlig"})
    assert response.status_code == 200
    _status, _revision, answers = the_answer(app, w)
    assert answers[w.principles[0]][3] == {c1: ("partly", ""), c2: (None, "Otydlig")}
    refused = autosave(client, w, {**principle_fields(w, 0, "1"), f"p{w.principles[0]}.c{c1}.rating": "7"})
    assert refused.status_code == 422
    assert "Välj ett av svarsalternativen." in str(refused.get_json()["errors"])


def test_too_long_text_is_refused_with_the_cap_and_kept_on_the_page(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    text = "å" * 10_001
    response = post_form(client, w.respond_url, {"page": "principle:1", "go": "next",
                                                 **principle_fields(w, 0, comment=text)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Högst 10\xa0000 tecken får plats" in html
    assert text in html, "nothing the user wrote is lost"
    assert the_answer(app, w) is None or not the_answer(app, w)[2]
    json_response = autosave(client, w, principle_fields(w, 0, comment=text))
    assert json_response.status_code == 422
    assert "Högst 10\xa0000 tecken får plats" in json_response.get_json()["message"]
    assert list(json_response.get_json()["errors"]) == [f"p{w.principles[0]}-comment"]


def test_nul_characters_are_refused_with_a_message(app, client, auth, answering):
    """One rule for every request (remiss/input_safety.py): 400 with a message, nothing stored."""
    w = answering
    auth.login(w.anna.email)
    response = autosave(client, w, principle_fields(w, 0, comment="a\x00b"))
    assert response.status_code == 400
    assert "NUL-tecken" in response.get_json()["message"]


def test_my_consultations_lists_deadline_and_state(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    html = client.get("/my").get_data(as_text=True)
    assert "Mina remisser" in html
    assert "Remiss om invånarinteraktion" in html
    assert "Inte påbörjat" in html
    assert f'href="{w.respond_url}"' in html
    autosave(client, w, principle_fields(w, 0, stance="supports"))
    html = client.get("/my").get_data(as_text=True)
    assert "Utkast" in html and "1 av 3 principer besvarade" in html
    post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    html = client.get("/my").get_data(as_text=True)
    assert "Inskickat" in html


def test_my_consultations_shows_only_those_asked(client, auth, answering, make_user, make_organisation):
    other = make_organisation("KK", "Koncernkontoret", "central")
    outsider = make_user(email="kk@example.se", organisation=other)
    auth.login(outsider.email)
    html = client.get("/my").get_data(as_text=True)
    assert "Remiss om invånarinteraktion" not in html
    assert "Du har inga remisser att svara på just nu." in html


def test_opening_the_form_is_noted_for_the_dashboard(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    client.get(w.respond_url)
    with app.app_context():
        assert db.session.get(Respondent, w.su_respondent).first_opened_at is not None
        assert db.session.get(Respondent, w.nu_respondent).first_opened_at is None


def test_the_answer_form_has_no_inline_script_and_loads_answer_js(client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    html = client.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert re.search(r'<script src="/static/answer.js[^"]*" defer></script>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "CSP: no inline scripts"
    assert " style=" not in html and "<style" not in html
    assert 'role="status"' in html and 'aria-live="polite"' in html
    assert client.get("/static/answer.js").status_code == 200


def test_principle_answer_rows_are_unique_per_response(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    for _ in range(2):
        post_form(client, w.respond_url, {"page": "principle:1", "go": "stay", **principle_fields(w, 0, comment="x")})
    with app.app_context():
        assert db.session.scalar(select(func.count(PrincipleAnswer.id))) == 1
