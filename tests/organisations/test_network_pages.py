"""Administrators build networks: organisations with their representatives, and individual members."""
from remiss.auth.models import Role
from remiss.organisations.models import Network
from tests.conftest import post_form


def test_empty_list_and_create_a_network(client, admin, count_rows, audit_actions):
    assert "Inga nätverk ännu" in client.get("/admin/networks").get_data(as_text=True)

    response = post_form(client, "/admin/networks/new",
                         {"name": "Större grupp patientföreträdare", "description": "Svarar var för sig."})

    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "<h1>Större grupp patientföreträdare</h1>" in page
    assert "Inga organisationer i nätverket ännu" in page
    assert "Inga enskilda medlemmar i nätverket." in page
    assert count_rows(Network) == 1
    assert audit_actions("network.") == ["network.created"]
    assert "Större grupp patientföreträdare" in client.get("/admin/networks").get_data(as_text=True)


def test_a_taken_network_name_is_refused(client, admin, make_network):
    make_network("Grupp för kommunikationschefer")
    response = post_form(client, "/admin/networks/new", {"name": "Grupp för kommunikationschefer",
                                                         "description": "Det jag skrev"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det finns redan ett nätverk som heter Grupp för kommunikationschefer." in html
    assert "Det jag skrev" in html


def test_edit_a_network(client, admin, make_network, audit_actions):
    network_id = make_network("Kommunikationschefer")
    response = post_form(client, f"/admin/networks/{network_id}/edit",
                         {"name": "Grupp för kommunikationschefer", "description": "Förvaltningarnas chefer."})
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "<h1>Grupp för kommunikationschefer</h1>" in html and "Förvaltningarnas chefer." in html
    assert audit_actions("network.updated") == ["network.updated"]


def test_delete_a_network_asks_first_and_keeps_organisations_and_people(client, admin, make_network, make_organisation,
                                                                        make_user, count_rows):
    su = make_organisation()
    person = make_user(Role.representative, organisation=su)
    network_id = make_network(organisations=[su], members=[person])

    confirm = client.get(f"/admin/networks/{network_id}/delete")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Är du säker?" in html and "1 organisationer, 1 representanter och 0 enskilda medlemmar" in html
    assert count_rows(Network) == 1

    response = post_form(client, f"/admin/networks/{network_id}/delete")
    assert response.status_code == 302
    assert count_rows(Network) == 0
    html = client.get(response.location).get_data(as_text=True)
    assert "Nätverket Nätverk förvaltningsföreträdare är borttaget." in html
    assert "Sahlgrenska Universitetssjukhuset" in client.get("/admin/organisations").get_data(as_text=True)


def test_delete_is_refused_once_a_remiss_went_to_the_network(client, admin, make_network, send_consultation,
                                                             count_rows):
    network_id = make_network()
    send_consultation(network_id)

    assert client.get(f"/admin/networks/{network_id}/delete").status_code == 409
    response = post_form(client, f"/admin/networks/{network_id}/delete")
    assert response.status_code == 409
    assert "har fått en remiss" in response.get_data(as_text=True)
    assert count_rows(Network) == 1


def test_add_and_remove_an_organisation(client, admin, make_network, make_organisation, network_state, audit_actions):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    make_organisation("NU", "NU-sjukvården")
    network_id = make_network()

    page = client.get(f"/admin/networks/{network_id}").get_data(as_text=True)
    assert f'<option value="{su.id}">Sahlgrenska Universitetssjukhuset (SU)</option>' in page

    response = post_form(client, f"/admin/networks/{network_id}/organisations", {"add-organisation-organisation": su.id})
    assert response.status_code == 302
    assert network_state(network_id) == (["SU"], [])
    page = client.get(response.location).get_data(as_text=True)
    assert "Sahlgrenska Universitetssjukhuset är tillagd i Nätverk förvaltningsföreträdare." in page
    assert "Ingen representant ännu" in page
    assert f'<option value="{su.id}">' not in page, "an organisation already in is not offered again"

    url = f"/admin/networks/{network_id}/organisations/{su.id}/remove"
    assert "Är du säker?" in client.get(url).get_data(as_text=True)
    assert network_state(network_id) == (["SU"], [])
    assert post_form(client, url).status_code == 302
    assert network_state(network_id) == ([], [])
    assert audit_actions("network.organisation") == ["network.organisation_added", "network.organisation_removed"]


def test_adding_no_organisation_is_explained(client, admin, make_network, make_organisation):
    make_organisation()
    network_id = make_network()
    response = post_form(client, f"/admin/networks/{network_id}/organisations", {"add-organisation-organisation": ""})
    assert response.status_code == 422
    assert "Välj en organisation." in response.get_data(as_text=True)


def test_network_page_shows_organisations_with_their_representatives_and_individuals(
        client, admin, make_network, make_organisation, make_user):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    kk = make_organisation("KK", "Koncernkontoret", "central administration")
    anna = make_user(Role.representative, name="Anna Andersson", organisation=su)
    make_user(Role.representative, name="Bengt Berg", organisation=su)  # in SU, not in this network
    pia = make_user(Role.representative, name="Pia Patient")
    network_id = make_network(organisations=[su, kk], members=[anna, pia])

    html = client.get(f"/admin/networks/{network_id}").get_data(as_text=True)

    su_row = html[html.index("Sahlgrenska Universitetssjukhuset</a> (SU)"):]
    su_row = su_row[:su_row.index("</tr>")]
    assert "Anna Andersson" in su_row and "Bengt Berg" not in su_row
    kk_row = html[html.index("Koncernkontoret</a> (KK)"):]
    assert "Ingen representant ännu" in kk_row[:kk_row.index("</tr>")]
    individuals = html[html.index('id="members-heading"'):]
    assert "Pia Patient" in individuals[:individuals.index("Lägg till en person")]
    assert "Bengt Berg" in individuals, "offered in the list of people who can join"


def test_add_a_representative_whose_organisation_is_not_in_the_network_adds_it_too(
        client, admin, make_network, make_organisation, make_user, network_state, audit_actions):
    nu = make_organisation("NU", "NU-sjukvården")
    nils = make_user(Role.representative, email="nils@example.se", name="Nils Nilsson", organisation=nu)
    network_id = make_network()

    response = post_form(client, f"/admin/networks/{network_id}/members", {"add-member-user": nils.id})

    assert response.status_code == 302
    assert network_state(network_id) == (["NU"], ["nils@example.se"])
    html = client.get(response.location).get_data(as_text=True)
    assert "Organisationen NU-sjukvården var inte med i nätverket och lades till samtidigt" in html
    assert audit_actions("network.") == ["network.organisation_added", "network.member_added"]


def test_add_and_remove_an_individual_member(client, admin, make_network, make_user, network_state):
    pia = make_user(Role.representative, email="pia@example.se", name="Pia Patient")
    network_id = make_network("Större grupp patientföreträdare")

    assert post_form(client, f"/admin/networks/{network_id}/members", {"add-member-user": pia.id}).status_code == 302
    assert network_state(network_id) == ([], ["pia@example.se"])

    url = f"/admin/networks/{network_id}/members/{pia.id}/remove"
    confirm = client.get(url).get_data(as_text=True)
    assert "Är du säker?" in confirm and "Pia Patient tillfrågas inte längre" in confirm
    response = post_form(client, url)
    assert response.status_code == 302
    assert network_state(network_id) == ([], [])
    assert "Pia Patient är borttagen ur Större grupp patientföreträdare." in client.get(response.location).get_data(
        as_text=True)


def test_removing_an_organisation_takes_its_representatives_along(client, admin, make_network, make_organisation,
                                                                   make_user, network_state):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    anna = make_user(Role.representative, email="anna@example.se", name="Anna Andersson", organisation=su)
    pia = make_user(Role.representative, email="pia@example.se", name="Pia Patient")
    network_id = make_network(organisations=[su], members=[anna, pia])

    url = f"/admin/networks/{network_id}/organisations/{su.id}/remove"
    assert "Anna Andersson (anna@example.se)" in client.get(url).get_data(as_text=True)
    response = post_form(client, url)

    assert network_state(network_id) == ([], ["pia@example.se"])
    assert "Dess representanter i nätverket togs också bort: Anna Andersson." in client.get(
        response.location).get_data(as_text=True)


def test_only_active_representatives_can_join(client, admin, make_network, make_user, network_state):
    owner = make_user(Role.process_owner, name="Petra Processansvarig")
    gone = make_user(Role.representative, name="Inaktiv Person", active=False)
    network_id = make_network()

    page = client.get(f"/admin/networks/{network_id}").get_data(as_text=True)
    assert "Petra Processansvarig" not in page and "Inaktiv Person" not in page

    response = post_form(client, f"/admin/networks/{network_id}/members", {"add-member-user": owner.id})
    assert response.status_code == 422
    assert "Not a valid choice" not in response.get_data(as_text=True)
    assert network_state(network_id) == ([], [])
    response = post_form(client, f"/admin/networks/{network_id}/members", {"add-member-user": gone.id})
    assert response.status_code == 422
    assert network_state(network_id) == ([], [])


def test_removing_someone_not_in_the_network_is_404(client, admin, make_network, make_user, make_organisation):
    person = make_user(Role.representative)
    organisation = make_organisation()
    network_id = make_network()
    assert client.get(f"/admin/networks/{network_id}/members/{person.id}/remove").status_code == 404
    assert client.get(f"/admin/networks/{network_id}/organisations/{organisation.id}/remove").status_code == 404
    assert client.get("/admin/networks/999").status_code == 404


def test_a_large_group_of_individual_members_is_paginated(app, client, admin, make_network, make_user):
    people = [make_user(Role.representative, email=f"patient{n:02d}@example.se", name=f"Patient {n:02d}", password=None)
              for n in range(1, 56)]
    network_id = make_network("Större grupp patientföreträdare", members=people)

    first = client.get(f"/admin/networks/{network_id}").get_data(as_text=True)
    assert "Patient 50 (patient50@example.se)" in first and "Patient 51 (" not in first
    assert "Sida 1 av 2" in first
    second = client.get(f"/admin/networks/{network_id}?page=2").get_data(as_text=True)
    assert "Patient 55 (patient55@example.se)" in second and "Patient 01 (" not in second
