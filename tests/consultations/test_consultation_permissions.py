"""Role × route: every page and action of the process owner's side, for every role."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.consultations.models import GeneralQuestion, Respondent
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.consultations.helpers import login, post_form


@pytest.fixture
def targets(app, world, make_consultation):
    draft = make_consultation()
    opened = make_consultation(open_it=True)
    with app.app_context():
        question = db.session.execute(select(GeneralQuestion.id).where(GeneralQuestion.consultation_id == draft)).scalars().first()
        respondent = db.session.execute(select(Respondent.id).where(Respondent.consultation_id == draft)).scalars().first()
    return {"draft": draft, "open": opened, "question": question, "respondent": respondent}


# (method, rule, which consultation) – every route of the blueprint.
ROUTES = [
    ("GET", "/consultations/", None),
    ("GET", "/consultations/new", None),
    ("POST", "/consultations/new", None),
    ("GET", "/consultations/{draft}", "draft"),
    ("GET", "/consultations/{draft}/edit", "draft"),
    ("POST", "/consultations/{draft}/edit", "draft"),
    ("GET", "/consultations/{draft}/questions", "draft"),
    ("POST", "/consultations/{draft}/questions", "draft"),
    ("POST", "/consultations/{draft}/questions/general", "draft"),
    ("POST", "/consultations/{draft}/questions/general/{question}", "draft"),
    ("POST", "/consultations/{draft}/questions/general/{question}/move", "draft"),
    ("GET", "/consultations/{draft}/questions/general/{question}/remove", "draft"),
    ("POST", "/consultations/{draft}/questions/general/{question}/remove", "draft"),
    ("GET", "/consultations/{draft}/respondents", "draft"),
    ("POST", "/consultations/{draft}/respondents/organisation", "draft"),
    ("POST", "/consultations/{draft}/respondents/individual", "draft"),
    ("GET", "/consultations/{draft}/respondents/{respondent}/remove", "draft"),
    ("POST", "/consultations/{draft}/respondents/{respondent}/remove", "draft"),
    ("GET", "/consultations/{draft}/open", "draft"),
    ("POST", "/consultations/{draft}/open", "draft"),
    ("GET", "/consultations/{open}/extend", "open"),
    ("POST", "/consultations/{open}/extend", "open"),
    ("GET", "/consultations/{open}/close", "open"),
    ("POST", "/consultations/{open}/close", "open"),
    ("GET", "/consultations/{open}/remind", "open"),
    ("POST", "/consultations/{open}/remind", "open"),
    ("GET", "/consultations/{open}/dashboard", "open"),
]

POST_DATA = {"direction": "down", "text": "Kapad fråga", "title": "Kapad", "deadline_date": "2099-12-31",
             "deadline_time": "12:00"}


def test_every_route_of_the_blueprint_is_in_the_table(app):
    rules = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("consultations.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    table = {
        (method, url.replace("{draft}", "<int:consultation_id>").replace("{open}", "<int:consultation_id>")
         .replace("{question}", "<int:question_id>").replace("{respondent}", "<int:respondent_id>"))
        for method, url, _ in ROUTES
    }
    assert rules == table


def changes(app):
    with app.app_context():
        return (db.session.scalar(select(func.count(AuditEntry.id))), db.session.scalar(select(func.count(OutboxMail.id))))


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    return post_form(client, url, POST_DATA)


def test_anonymous_is_sent_to_log_in_everywhere(app, client, targets):
    before = changes(app)
    for method, url, _ in ROUTES:
        response = call(client, method, url.format(**targets))
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"], (method, url)
    assert changes(app) == before, "nothing was changed or mailed"


@pytest.mark.parametrize("role", ["su1", "steering", "patient1"])
def test_representatives_and_steering_members_are_refused_everywhere(app, client, world, targets, role):
    person = getattr(world.people, role)
    if role == "patient1":  # an individual who has chosen a password
        with app.app_context():
            from remiss.auth.models import User
            from tests.conftest import PASSWORD

            db.session.get(User, person.id).set_password(PASSWORD)
            db.session.commit()
    login(client, person)
    before = changes(app)
    for method, url, _ in ROUTES:
        response = call(client, method, url.format(**targets))
        assert response.status_code == 403, (method, url)
        assert "Du har inte behörighet" in response.get_data(as_text=True), (method, url)
    assert changes(app) == before, "nothing was changed or mailed"


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_process_owners_and_administrators_see_every_page(app, client, world, targets, role):
    login(client, getattr(world.people, role))
    for method, url, _ in ROUTES:
        if method == "GET":
            assert client.get(url.format(**targets)).status_code == 200, url


def test_unknown_consultation_is_not_found(app, client, world):
    login(client, world.people.owner)
    assert client.get("/consultations/999999").status_code == 404
    assert client.get("/consultations/999999/dashboard").status_code == 404
    assert post_form(client, "/consultations/999999/open").status_code == 404
