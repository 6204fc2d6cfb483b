"""Every route of organisation and network administration: administrators only.

Anonymous visitors are sent to the log-in page; representatives and process owners
(and steering group members) get 403; administrators see the pages.
"""
import pytest

from remiss.auth.models import Role
from tests.conftest import post_form

# (method, url template); {o} an organisation, {n} a network, {m} a member of it.
GET_ROUTES = [
    "/admin/organisations",
    "/admin/organisations/new",
    "/admin/organisations/{o}",
    "/admin/organisations/{o}/delete",
    "/admin/networks",
    "/admin/networks/new",
    "/admin/networks/{n}",
    "/admin/networks/{n}/edit",
    "/admin/networks/{n}/delete",
    "/admin/networks/{n}/organisations/{o}/remove",
    "/admin/networks/{n}/members/{m}/remove",
]
POST_ROUTES = [url for url in GET_ROUTES if url not in ("/admin/organisations", "/admin/networks", "/admin/networks/{n}")] + [
    "/admin/organisations/import",
    "/admin/networks/{n}/organisations",
    "/admin/networks/{n}/members",
]


@pytest.fixture
def things(make_organisation, make_user, make_network):
    organisation = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    other = make_organisation("NU", "NU-sjukvården")
    member = make_user(Role.representative, email="medlem@example.se", organisation=other)
    network = make_network(organisations=[organisation, other], members=[member])
    return {"o": organisation.id, "n": network, "m": member.id}


def _as(role, make_user, auth):
    if role is not None:
        user = make_user(role, email=f"{role.value}@example.se")
        auth.login(user.email)


# One test per role walks the whole table and reports every route that answers wrongly:
# a test per cell would log in (and empty the database) over a hundred times.


def test_anonymous_is_sent_to_log_in_and_changes_nothing(client, things, network_state):
    before = network_state(things["n"])
    wrong = {}
    for url in GET_ROUTES:
        response = client.get(url.format(**things))
        if response.status_code != 302 or not response.location.startswith("/login"):
            wrong["GET " + url] = response.status_code
    for url in POST_ROUTES:
        response = post_form(client, url.format(**things))
        if response.status_code != 302 or not response.location.startswith("/login"):
            wrong["POST " + url] = response.status_code
    assert wrong == {}
    assert network_state(things["n"]) == before


@pytest.mark.parametrize("role", [Role.representative, Role.process_owner, Role.steering_member])
def test_other_roles_get_403_and_change_nothing(client, auth, make_user, things, network_state, role):
    _as(role, make_user, auth)
    before = network_state(things["n"])
    wrong = {}
    for url in GET_ROUTES:
        status = client.get(url.format(**things)).status_code
        if status != 403:
            wrong["GET " + url] = status
    for url in POST_ROUTES:
        status = post_form(client, url.format(**things)).status_code
        if status != 403:
            wrong["POST " + url] = status
    assert wrong == {}
    assert network_state(things["n"]) == before


def test_administrator_sees_every_page(client, auth, make_user, things):
    _as(Role.administrator, make_user, auth)
    wrong = {}
    for url in GET_ROUTES:
        response = client.get(url.format(**things))
        if response.status_code != 200 or "<h1>" not in response.get_data(as_text=True):
            wrong[url] = response.status_code
    assert wrong == {}


def test_the_menu_shows_administration_to_administrators_only(client, auth, make_user):
    assert "/admin/organisations" not in client.get("/").get_data(as_text=True)
    _as(Role.process_owner, make_user, auth)
    assert "/admin/networks" not in client.get("/").get_data(as_text=True)
    auth.logout()
    _as(Role.administrator, make_user, auth)
    html = client.get("/admin/networks").get_data(as_text=True)
    assert 'href="/admin/networks" aria-current="page"' in html
