"""The organisations CSV import: the seed file, idempotence, and files with errors."""
import pytest

from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.organisations.operations import CsvImportError, import_organisations_csv, organisation_kind_label


def run_import(app, text):
    with app.app_context():
        try:
            result = import_organisations_csv(text)
            db.session.commit()
            return result
        finally:
            db.session.rollback()


def import_errors(app, text) -> list[str]:
    with app.app_context():
        with pytest.raises(CsvImportError) as caught:
            import_organisations_csv(text)
        db.session.rollback()
        return caught.value.errors


def test_the_seed_file_creates_nine_organisations(app, seed_csv, organisations_by_short_name, audit_actions):
    assert run_import(app, seed_csv) == (9, 0)

    stored = organisations_by_short_name()
    assert len(stored) == 9
    assert stored["SU"] == ("Sahlgrenska Universitetssjukhuset", "hospital")
    assert stored["SÄS"] == ("Södra Älvsborgs Sjukhus", "hospital")
    assert stored["KK"] == ("Koncernkontoret", "central administration")
    assert audit_actions("organisation.") == ["organisation.created"] * 9


def test_a_second_import_of_the_same_file_changes_nothing(app, seed_csv, organisations_by_short_name, audit_actions):
    run_import(app, seed_csv)
    before = organisations_by_short_name()

    assert run_import(app, seed_csv) == (0, 0)
    assert organisations_by_short_name() == before
    assert len(audit_actions("organisation.")) == 9, "an unchanged organisation gets no audit entry"


def test_an_existing_short_name_is_updated(app, seed_csv, organisations_by_short_name, audit_actions):
    run_import(app, seed_csv)
    changed = seed_csv.replace("Regionhälsan,care provider", "Regionhälsan VGR,primary care")

    assert run_import(app, changed) == (0, 1)
    assert organisations_by_short_name()["RH"] == ("Regionhälsan VGR", "primary care")
    assert audit_actions("organisation.updated") == ["organisation.updated"]


def test_missing_name_names_the_row_and_nothing_is_written(app, count_rows):
    text = "short_name,name,kind,representatives_in_network\nSU,Sahlgrenska Universitetssjukhuset,hospital,4\nNU,,hospital,3\n"

    errors = import_errors(app, text)

    assert errors == ["Rad 3: namnet saknas (kolumnen name)."]
    assert count_rows(Organisation) == 0, "the good row before the bad one is not saved either"


def test_duplicate_short_name_in_the_file_names_both_rows(app, count_rows):
    text = ("short_name,name,kind\n"
            "SU,Sahlgrenska Universitetssjukhuset,hospital\n"
            "NU,NU-sjukvården,hospital\n"
            "SU,Sahlgrenska igen,hospital\n")

    errors = import_errors(app, text)

    assert errors == ["Rad 4: kortnamnet SU finns redan på rad 2."]
    assert count_rows(Organisation) == 0


def test_every_bad_row_is_reported_at_once(app, count_rows):
    text = ("short_name,name,kind,representatives_in_network\n"
            ",Utan kortnamn,hospital,1\n"
            "X,Okänd typ,rymdskepp,1\n"
            "Y,Fel antal,hospital,många\n"
            "Z,Bra rad,hospital,2\n")

    errors = import_errors(app, text)

    assert [e.split(":")[0] for e in errors] == ["Rad 2", "Rad 3", "Rad 4"]
    assert "kortnamnet saknas" in errors[0]
    assert "Okänd typ av organisation: rymdskepp" in errors[1] and "sjukhus" in errors[1]
    assert "heltal" in errors[2]
    assert count_rows(Organisation) == 0


def test_a_name_used_by_another_organisation_is_refused(app, make_organisation, count_rows):
    make_organisation("SU", "Sahlgrenska Universitetssjukhuset", "hospital")

    errors = import_errors(app, "short_name,name,kind\nSAH,Sahlgrenska Universitetssjukhuset,hospital\n")

    assert errors == ["Rad 2: namnet Sahlgrenska Universitetssjukhuset används redan av organisationen SU."]
    assert count_rows(Organisation) == 1


def test_missing_columns_are_named(app):
    errors = import_errors(app, "kortnamn,name\nSU,Sahlgrenska\n")
    assert len(errors) == 1
    assert errors[0].startswith("Rad 1: kolumnerna short_name, kind saknas i rubrikraden")


@pytest.mark.parametrize("text, message", [
    ("", "Filen är tom"),
    ("short_name,name,kind\n", "bara en rubrikrad"),
    ("short_name,name,kind\nSU,Sahl\x00grenska,hospital\n", "otillåtna tecken"),
])
def test_empty_or_broken_files_are_refused(app, text, message):
    errors = import_errors(app, text)
    assert message in errors[0]


def test_excel_style_file_semicolons_bom_swedish_kinds_extra_columns(app, organisations_by_short_name):
    text = ("\ufeffshort_name;name;kind;representatives_in_network;kontaktperson\r\n"
            "NH;Närhälsan;Primärvård;2;Lisa\r\n"
            "\r\n"
            "KK;\"Koncernkontoret; centralt\";central förvaltning;;\r\n")

    assert run_import(app, text) == (2, 0)
    assert organisations_by_short_name() == {
        "NH": ("Närhälsan", "primary care"),
        "KK": ("Koncernkontoret; centralt", "central administration"),
    }


def test_kinds_are_shown_in_swedish(app):
    with app.test_request_context():
        assert organisation_kind_label("hospital") == "sjukhus"
        assert organisation_kind_label("care provider") == "vårdgivare"
        assert organisation_kind_label("primary care") == "primärvård"
        assert organisation_kind_label("central administration") == "central förvaltning"
        assert organisation_kind_label("kommun") == "kommun"
