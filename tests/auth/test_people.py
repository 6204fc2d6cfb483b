"""People administration: who may, search and pages, edit, deactivate and reactivate."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role, User
from remiss.extensions import db
from tests.conftest import AuthActions, post_form

PAGES = ["/admin/people", "/admin/people/invite", "/admin/people/{id}", "/admin/people/{id}/deactivate"]


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "role, status",
    [(None, 302), (Role.representative, 403), (Role.process_owner, 403), (Role.steering_member, 403),
     (Role.administrator, 200)],
)
def test_people_pages_are_for_administrators(client, auth, make_user, url, role, status):
    target = make_user(Role.representative, email="malet@example.se")
    if role is not None:
        auth.login(make_user(role).email)
    response = client.get(url.format(id=target.id))
    assert response.status_code == status
    if role is None:
        assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ["/admin/people/{id}", "/admin/people/{id}/deactivate",
                                 "/admin/people/{id}/reactivate", "/admin/people/{id}/invitation"])
def test_representative_cannot_change_people(app, client, auth, make_user, url):
    target = make_user(Role.representative, email="malet@example.se")
    auth.login(make_user(Role.representative).email)
    response = post_form(client, url.format(id=target.id), {"name": "Kapad", "role": "administrator"})
    assert response.status_code == 403
    with app.app_context():
        still = db.session.get(User, target.id)
        assert (still.name, still.role, still.active) != ("Kapad", Role.administrator, False)
        assert still.active and still.role == Role.representative


def test_list_is_searchable_filterable_and_paginated(client, auth, admin, make_user, make_organisation):
    su = make_organisation()
    nu = make_organisation(short_name="NU", name="NU-sjukvården")
    for n in range(30):
        make_user(Role.representative, email=f"rep{n:02d}@example.se", name=f"Person {n:02d}", organisation=su,
                  password=None)  # no hashing: fast
    make_user(Role.process_owner, email="petra@example.se", name="Petra Processansvarig", organisation=nu)
    auth.login(admin.email)

    first = client.get("/admin/people").get_data(as_text=True)
    assert "32 personer" in first
    assert "Alva Administratör" in first and "Person 23" in first and "Person 24" not in first
    assert "Sida 1 av 2" in first
    second = client.get("/admin/people?page=2").get_data(as_text=True)
    assert "Person 29" in second and "Sida 2 av 2" in second

    by_org = client.get("/admin/people?q=NU-sjuk").get_data(as_text=True)
    assert "Petra Processansvarig" in by_org and "Person 01" not in by_org
    by_email = client.get("/admin/people?q=REP07@").get_data(as_text=True)
    assert "Person 07" in by_email and "1 person" in by_email
    by_role = client.get("/admin/people?role=process_owner").get_data(as_text=True)
    assert "Petra Processansvarig" in by_role and "Person 01" not in by_role
    filtered_page2 = client.get("/admin/people?q=Person&page=2").get_data(as_text=True)
    assert 'href="/admin/people?page=1&amp;q=Person"' in filtered_page2, "page links keep the search"
    nothing = client.get("/admin/people?q=%25_zzz")
    assert nothing.status_code == 200
    assert "Ingen person matchar sökningen." in nothing.get_data(as_text=True)
    assert client.get("/admin/people?role=kung&page=99").status_code == 200


def test_edit_person_records_role_change(app, client, auth, admin, make_user, make_organisation):
    su = make_organisation()
    person = make_user(Role.representative, email="rut@example.se", name="Rut")
    auth.login(admin.email)
    page = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    assert 'value="Rut"' in page

    response = post_form(client, f"/admin/people/{person.id}",
                         {"name": "Rut Andersson", "role": "process_owner", "organisation": str(su.id)})
    assert response.status_code == 302
    assert "är sparade" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(User, person.id)
        assert (saved.name, saved.role, saved.organisation_id) == ("Rut Andersson", Role.process_owner, su.id)
        entries = {e.action: e for e in db.session.execute(select(AuditEntry)).scalars()}
        assert entries["user.role_changed"].before == {"role": "representative"}
        assert entries["user.role_changed"].after == {"role": "process_owner"}
        assert entries["user.role_changed"].actor_id == admin.id
        assert entries["user.updated"].before == {"name": "Rut", "organisation": None}
        assert entries["user.updated"].after == {"name": "Rut Andersson", "organisation": "SU"}

    bad = post_form(client, f"/admin/people/{person.id}", {"name": "Kvar", "role": "kung", "organisation": "9999"})
    assert bad.status_code == 422
    assert 'value="Kvar"' in bad.get_data(as_text=True)
    assert client.get("/admin/people/99999").status_code == 404


def test_administrator_cannot_demote_or_deactivate_themselves(app, client, auth, admin):
    auth.login(admin.email)
    demote = post_form(client, f"/admin/people/{admin.id}", {"name": admin.name, "role": "representative",
                                                             "organisation": "None"})
    assert demote.status_code == 422
    assert "Du kan inte ändra din egen roll." in demote.get_data(as_text=True)

    page = client.get(f"/admin/people/{admin.id}/deactivate")
    assert page.status_code == 409
    assert "Du kan inte inaktivera ditt eget konto." in page.get_data(as_text=True)
    assert post_form(client, f"/admin/people/{admin.id}/deactivate").status_code == 409
    with app.app_context():
        me = db.session.get(User, admin.id)
        assert me.active and me.role == Role.administrator
    assert client.get("/admin/people").status_code == 200


def test_deactivate_asks_first_then_blocks_log_in_and_ends_sessions(app, client, auth, admin, make_user):
    person = make_user(Role.representative, email="rut@example.se", name="Rut")
    their_browser = app.test_client()
    AuthActions(their_browser).login(person.email)
    assert their_browser.get("/account").status_code == 200
    auth.login(admin.email)

    confirm = client.get(f"/admin/people/{person.id}/deactivate")
    assert confirm.status_code == 200
    assert "Är du säker?" in confirm.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, person.id).active, "asking changes nothing"

    response = post_form(client, f"/admin/people/{person.id}/deactivate")
    assert response.status_code == 302
    assert "Rut är inaktiverad" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert their_browser.get("/account").status_code == 302, "their session is over"
    refused = AuthActions(app.test_client()).login(person.email)
    assert refused.status_code == 422

    assert post_form(client, f"/admin/people/{person.id}/reactivate").status_code == 302
    assert AuthActions(app.test_client()).login(person.email).status_code == 302
    with app.app_context():
        actions = db.session.execute(select(AuditEntry.action).order_by(AuditEntry.id)).scalars().all()
        assert actions == ["user.deactivated", "user.reactivated"]


def test_reset_link_of_a_deactivated_person_stops_working(app, client, auth, admin, make_user, outbox, link_in):
    person = make_user(Role.representative, email="rut@example.se")
    post_form(app.test_client(), "/password/forgot", {"email": person.email})
    path = link_in(outbox()[0][2])
    auth.login(admin.email)
    post_form(client, f"/admin/people/{person.id}/deactivate")
    assert app.test_client().get(path).status_code == 404


def test_people_list_takes_the_same_number_of_queries_for_any_page_size(app, client, auth, admin, make_user,
                                                                         make_organisation):
    from sqlalchemy import event

    organisations = [make_organisation(short_name=f"O{n}", name=f"Organisation {n}") for n in range(3)]
    auth.login(admin.email)

    def queries_for_list():
        statements = []
        with app.app_context():
            engine = db.engine

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            assert client.get("/admin/people").status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    few = queries_for_list()
    for n in range(20):
        make_user(Role.representative, email=f"p{n}@example.se", organisation=organisations[n % 3], password=None)
    assert queries_for_list() == few
