"""flask organisations import / list."""
from remiss.organisations.models import Organisation


def test_import_the_seed_file_as_is_then_again(runner, seed_csv_path, organisations_by_short_name):
    result = runner.invoke(args=["organisations", "import", str(seed_csv_path)])
    assert result.exit_code == 0, result.output
    assert "Nya organisationer: 9. Uppdaterade: 0." in result.output
    assert len(organisations_by_short_name()) == 9

    again = runner.invoke(args=["organisations", "import", str(seed_csv_path)])
    assert again.exit_code == 0
    assert "Nya organisationer: 0. Uppdaterade: 0." in again.output


def test_bad_rows_exit_non_zero_with_row_numbers_and_save_nothing(runner, tmp_path, count_rows):
    bad = tmp_path / "organisationer.csv"
    bad.write_text("short_name,name,kind\nSU,Sahlgrenska,hospital\nSU,Sahlgrenska igen,hospital\nNU,,hospital\n",
                   encoding="utf-8")

    result = runner.invoke(args=["organisations", "import", str(bad)])

    assert result.exit_code != 0
    assert "Rad 3: kortnamnet SU finns redan på rad 2." in result.output
    assert "Rad 4: namnet saknas" in result.output
    assert "Inget har sparats" in result.output
    assert count_rows(Organisation) == 0


def test_a_file_that_does_not_exist(runner, tmp_path):
    result = runner.invoke(args=["organisations", "import", str(tmp_path / "finns-inte.csv")])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def test_list_shows_kinds_in_swedish_and_counts(runner, seed_csv_path, make_user):
    assert runner.invoke(args=["organisations", "list"]).output.startswith("Inga organisationer")
    runner.invoke(args=["organisations", "import", str(seed_csv_path)])
    result = runner.invoke(args=["organisations", "list"])

    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == 1 + 9
    su = next(line for line in lines if line.startswith("SU "))
    assert "sjukhus" in su and "Sahlgrenska Universitetssjukhuset" in su
    assert any(line.startswith("KK ") and "central förvaltning" in line for line in lines)
