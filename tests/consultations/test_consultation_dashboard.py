"""The dashboard: every respondent's state, last activity and channel; response rates; fixed query count."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event, select

from remiss.auth.models import Role, User
from remiss.consultations.models import (
    Consultation,
    LateSave,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
)
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow
from tests.consultations.helpers import login, text_of


def respondent_ids(app, consultation_id):
    with app.app_context():
        rows = db.session.execute(select(Respondent).where(Respondent.consultation_id == consultation_id)).scalars()
        return {(r.organisation.short_name if r.organisation else r.user.email): r.id for r in rows}


def row_of(text: str, name: str) -> str:
    """The dashboard row of one respondent, as read."""
    start = text.index(name, text.index("Senast påmind"))
    return text[start:start + 260]


def test_dashboard_shows_each_state_and_the_response_rates(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    ids = respondent_ids(app, consultation_id)
    now = utcnow()
    with app.app_context():
        deadline = db.session.get(Consultation, consultation_id).deadline
        # SU: submitted on time, registered from an e-mail.
        db.session.add(Response(respondent_id=ids["SU"], status=ResponseStatus.submitted, channel=ResponseChannel.email,
                                submitted_at=now - timedelta(hours=1), updated_at=now - timedelta(hours=1)))
        # NU: a draft being written.
        db.session.add(Response(respondent_id=ids["NU"], status=ResponseStatus.draft, updated_at=now - timedelta(hours=2)))
        db.session.get(Respondent, ids["NU"]).first_opened_at = now - timedelta(hours=3)
        # patient1: submitted after the deadline (a registration on behalf of a late answer).
        db.session.add(Response(respondent_id=ids["patient1@example.se"], status=ResponseStatus.submitted,
                                channel=ResponseChannel.paper, submitted_at=deadline + timedelta(hours=1),
                                updated_at=deadline + timedelta(hours=1)))
        # patient2: a save that arrived after the deadline, kept aside.
        db.session.add(LateSave(respondent_id=ids["patient2@example.se"], received_at=now, payload={"comment": "sent"}))
        db.session.commit()

    login(client, world.people.owner)
    page = client.get(f"/consultations/{consultation_id}/dashboard")
    assert page.status_code == 200
    text = text_of(page)
    assert "Inskickade svar: 2 av 5 (40 %)" in text.replace("\u00a0", " ")
    assert "Koncernkontoret Grupp för kommunikationschefer Inte öppnad" in text
    assert "Sahlgrenska Universitetssjukhuset" in text
    assert "Inskickat" in row_of(text, "Sahlgrenska Universitetssjukhuset")
    assert "E-post" in row_of(text, "Sahlgrenska Universitetssjukhuset")
    assert "Utkast" in row_of(text, "NU-sjukvården")
    assert "Sent inkommet" in row_of(text, "Pia Patient") and "Papper" in row_of(text, "Pia Patient")
    patient2 = row_of(text, "Per Patient")
    assert "Sent inkommet" in patient2 and "1 sparning efter svarsdatum" in patient2

    # Per network: SU and NU are in both organisation networks and count in each.
    rates = text[text.index("Svarsfrekvens per nätverk"):]
    rates = rates.replace("\u00a0", " ")
    assert "Nätverk förvaltningsföreträdare 1 av 2 (50 %)" in rates
    assert "Grupp för kommunikationschefer 1 av 3 (33 %)" in rates
    assert "Patientföreträdare 1 av 2 (50 %)" in rates


def test_the_list_of_consultations_shows_status_deadline_and_response_rate(app, client, world, make_consultation):
    make_consultation(title="Första remissen")
    make_consultation(title="Andra remissen", open_it=True)
    login(client, world.people.owner)
    text = text_of(client.get("/consultations/")).replace("\u00a0", " ")
    assert "Första remissen" in text and "Andra remissen" in text
    assert "Utkast" in text and "Öppen för svar" in text
    assert "0 av 5 (0 %)" in text


@contextmanager
def counted_statements(app):
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_respondents(app, consultation_id, how_many):
    """More organisations and individuals, with representatives, answers and late saves."""
    with app.app_context():
        network = db.session.execute(select(Network).where(Network.name == "Patientföreträdare")).scalar_one()
        for n in range(how_many):
            organisation = Organisation(short_name=f"O{n}", name=f"Organisation {n:03d}", kind="hospital")
            db.session.add(organisation)
            db.session.flush()
            person = User(email=f"rep{n}@example.se", name=f"Rep {n}", role=Role.representative,
                          organisation_id=organisation.id)
            individual = User(email=f"ind{n}@example.se", name=f"Individ {n:03d}", role=Role.representative)
            db.session.add_all([person, individual])
            org_respondent = Respondent(consultation_id=consultation_id, organisation_id=organisation.id, networks=[network])
            individual_respondent = Respondent(consultation_id=consultation_id, user=individual, networks=[network])
            db.session.add_all([org_respondent, individual_respondent])
            db.session.flush()
            db.session.add(Response(respondent_id=org_respondent.id, status=ResponseStatus.submitted, submitted_at=utcnow()))
            db.session.add(LateSave(respondent_id=individual_respondent.id, payload={}))
        db.session.commit()


def test_dashboard_and_lists_use_a_fixed_number_of_queries(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    login(client, world.people.owner)
    pages = [f"/consultations/{consultation_id}/dashboard", f"/consultations/{consultation_id}/respondents",
             "/consultations/", f"/consultations/{consultation_id}"]
    before = {}
    for url in pages:
        client.get(url)  # warm up
        with counted_statements(app) as statements:
            assert client.get(url).status_code == 200
        before[url] = len(statements)
    add_respondents(app, consultation_id, 20)
    for url in pages:
        with counted_statements(app) as statements:
            assert client.get(url).status_code == 200
        assert len(statements) == before[url], f"{url}: {before[url]} statements with 5 respondents, {len(statements)} with 45"


def test_dashboard_is_paged_beyond_fifty_respondents(app, client, world, make_consultation):
    consultation_id = make_consultation(open_it=True)
    add_respondents(app, consultation_id, 30)  # 5 + 60 respondents
    login(client, world.people.owner)
    first = text_of(client.get(f"/consultations/{consultation_id}/dashboard"))
    assert "Sida 1 av 2" in first and "Nästa sida" in first
    second = text_of(client.get(f"/consultations/{consultation_id}/dashboard?page=2"))
    assert "Sida 2 av 2" in second and "Föregående sida" in second
    assert "Individ 029" in second and "Individ 029" not in first
    assert "Inskickade svar: 30 av 65" in first, "the rate covers every respondent, not only the page"
    assert client.get(f"/consultations/{consultation_id}/dashboard?page=99").status_code == 200


def test_a_draft_consultation_dashboard_says_nothing_has_been_sent(app, client, world, make_consultation):
    consultation_id = make_consultation()
    login(client, world.people.owner)
    text = text_of(client.get(f"/consultations/{consultation_id}/dashboard"))
    assert "Remissen är inte öppnad än" in text
    assert "Skicka påminnelse" not in text
