"""Administrators add, change and delete organisations, and upload the CSV, through the pages."""
import io

from tests.conftest import post_form
from remiss.auth.models import Role
from remiss.organisations.models import Organisation


def test_empty_list_says_what_to_do(client, admin):
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "Inga organisationer ännu – importera från CSV eller lägg till en" in html
    assert 'action="/admin/organisations/import"' in html


def test_create_an_organisation_and_see_it_in_the_list(client, admin, organisations_by_short_name, audit_actions):
    response = post_form(client, "/admin/organisations/new",
                         {"short_name": "SU", "name": "Sahlgrenska Universitetssjukhuset", "kind": "hospital"})
    assert response.status_code == 302

    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "Sahlgrenska Universitetssjukhuset är tillagd." in html
    assert "<td>sjukhus</td>" in html, "the kind is shown in Swedish"
    assert organisations_by_short_name() == {"SU": ("Sahlgrenska Universitetssjukhuset", "hospital")}
    assert audit_actions("organisation.") == ["organisation.created"]


def test_a_taken_short_name_is_refused_and_what_was_typed_stays(client, admin, make_organisation, count_rows):
    make_organisation("SU", "Sahlgrenska Universitetssjukhuset")

    response = post_form(client, "/admin/organisations/new",
                         {"short_name": "SU", "name": "Ett annat sjukhus", "kind": "care provider"})

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Det finns redan en organisation med kortnamnet SU." in html
    assert 'value="Ett annat sjukhus"' in html
    assert '<option selected value="care provider">' in html
    assert 'aria-invalid="true"' in html
    assert count_rows(Organisation) == 1


def test_missing_fields_are_explained(client, admin):
    response = post_form(client, "/admin/organisations/new", {"short_name": "", "name": "", "kind": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Fyll i kortnamnet." in html and "Fyll i namnet." in html and "Välj typ av organisation." in html


def test_edit_an_organisation(app, client, admin, make_organisation, organisations_by_short_name, audit_actions):
    organisation = make_organisation("RH", "Regionhälsan", "care provider")
    page = client.get(f"/admin/organisations/{organisation.id}").get_data(as_text=True)
    assert 'value="Regionhälsan"' in page and "vårdgivare" in page

    response = post_form(client, f"/admin/organisations/{organisation.id}",
                         {"short_name": "RH", "name": "Regionhälsan VGR", "kind": "primary care"})

    assert response.status_code == 302
    assert organisations_by_short_name() == {"RH": ("Regionhälsan VGR", "primary care")}
    assert audit_actions("organisation.updated") == ["organisation.updated"]
    assert "Ändringarna av Regionhälsan VGR är sparade." in client.get(response.location).get_data(as_text=True)


def test_delete_asks_first_then_deletes(client, admin, make_organisation, make_network, network_state, count_rows,
                                        audit_actions):
    organisation = make_organisation("HoH", "Habilitering och Hälsa", "care provider")
    network_id = make_network(organisations=[organisation])

    confirm = client.get(f"/admin/organisations/{organisation.id}/delete")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Är du säker?" in html
    assert "Nätverk förvaltningsföreträdare" in html, "the page says which networks it leaves"
    assert count_rows(Organisation) == 1, "GET only asks"

    response = post_form(client, f"/admin/organisations/{organisation.id}/delete")

    assert response.status_code == 302
    assert count_rows(Organisation) == 0
    assert network_state(network_id) == ([], [])
    assert "Habilitering och Hälsa är borttagen." in client.get(response.location).get_data(as_text=True)
    assert audit_actions("organisation.deleted") == ["organisation.deleted"]


def test_delete_is_refused_while_people_belong(client, admin, make_organisation, make_user, count_rows):
    organisation = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    make_user(Role.representative, organisation=organisation)
    make_user(Role.representative, organisation=organisation)

    confirm = client.get(f"/admin/organisations/{organisation.id}/delete")
    assert confirm.status_code == 409
    html = confirm.get_data(as_text=True)
    assert "kan inte tas bort eftersom 2 personer hör till organisationen" in html
    assert "Ja, ta bort" not in html

    response = post_form(client, f"/admin/organisations/{organisation.id}/delete")
    assert response.status_code == 409
    assert count_rows(Organisation) == 1


def test_delete_is_refused_once_the_organisation_was_asked_in_a_remiss(client, admin, make_organisation, make_network,
                                                                       send_consultation, count_rows):
    organisation = make_organisation("NU", "NU-sjukvården")
    send_consultation(make_network(organisations=[organisation]), organisation.id)

    response = post_form(client, f"/admin/organisations/{organisation.id}/delete")

    assert response.status_code == 409
    assert "remissinstans" in response.get_data(as_text=True)
    assert count_rows(Organisation) == 1


def test_list_counts_people_and_networks_and_is_paginated(app, client, admin, make_organisation, make_user,
                                                          make_network):
    su = make_organisation("AA", "Första organisationen")
    make_user(Role.representative, organisation=su)
    make_user(Role.process_owner, organisation=su)
    make_network("Nätverk 1", organisations=[su])
    make_network("Nätverk 2", organisations=[su])
    for n in range(2, 31):
        make_organisation(f"O{n:02d}", f"Organisation {n:02d}")

    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "30 organisationer" in html
    row = html[html.index("Första organisationen"):]
    row = row[:row.index("</tr>")]
    assert '<td class="numeric">2</td>' in row
    assert row.count('<td class="numeric">2</td>') == 2, "two people and two networks"
    assert "Organisation 30" not in html
    assert "Sida 1 av 2" in html

    second = client.get("/admin/organisations?page=2").get_data(as_text=True)
    assert "Organisation 30" in second and "Första organisationen" not in second


def upload(client, text, filename="organisationer.csv"):
    data = {"file": (io.BytesIO(text.encode("utf-8")), filename)}
    return post_form(client, "/admin/organisations/import", data, content_type="multipart/form-data")


def test_upload_the_seed_file(client, admin, seed_csv, organisations_by_short_name):
    response = upload(client, seed_csv)
    assert response.status_code == 302
    html = client.get(response.location).get_data(as_text=True)
    assert "Importen är klar: 9 nya och 0 ändrade organisationer." in html
    assert "Södra Älvsborgs Sjukhus" in html
    assert len(organisations_by_short_name()) == 9

    again = upload(client, seed_csv)
    assert "Importen är klar: 0 nya och 0 ändrade" in client.get(again.location).get_data(as_text=True)


def test_upload_with_bad_rows_lists_them_and_saves_nothing(client, admin, count_rows):
    response = upload(client, "short_name,name,kind\nSU,Sahlgrenska,hospital\nNU,,hospital\nSU,Igen,hospital\n")

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Filen importerades inte" in html
    assert "<li>Rad 3: namnet saknas (kolumnen name).</li>" in html
    assert "<li>Rad 4: kortnamnet SU finns redan på rad 2.</li>" in html
    assert 'aria-invalid="true"' in html
    assert count_rows(Organisation) == 0


def test_upload_without_a_file(client, admin):
    response = post_form(client, "/admin/organisations/import", {}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Välj en CSV-fil att ladda upp." in response.get_data(as_text=True)


def test_upload_a_binary_file(client, admin, count_rows):
    data = {"file": (io.BytesIO(b"PK\x03\x04\x00\x00binary"), "organisationer.xlsx")}
    response = post_form(client, "/admin/organisations/import", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "inte en textfil" in response.get_data(as_text=True)


def test_a_name_with_script_is_shown_escaped(client, admin, make_organisation, make_network):
    organisation = make_organisation("X<s>", "<script>alert(1)</script>", "hospital")
    network_id = make_network(organisations=[organisation])

    for url in ("/admin/organisations", f"/admin/organisations/{organisation.id}",
                f"/admin/organisations/{organisation.id}/delete", f"/admin/networks/{network_id}"):
        html = client.get(url).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in html, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, url


def test_unknown_organisation_is_404(client, admin):
    assert client.get("/admin/organisations/999").status_code == 404
    assert client.get("/admin/organisations/999/delete").status_code == 404
