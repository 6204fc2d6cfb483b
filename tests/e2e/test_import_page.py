"""The bulk import page in a real browser: page, row errors and summary pass axe at 1280 and 320 px.

Lives with the e2e tests because their session fixtures (one Playwright) are visible only here;
the import's other tests are in tests/responses/test_import.py, whose helpers this reuses.
"""
import pytest

from tests.e2e.conftest import check_page, login
from tests.responses.test_import import GOOD_ROWS, csv_bytes, setup  # noqa: F401  (setup is a fixture)

pytestmark = pytest.mark.e2e


def test_import_page_errors_and_summary_in_a_browser(page, live_server, setup, tmp_path):  # noqa: F811
    login(page, live_server, setup["owner"].email)
    page.goto(live_server.url(setup["url"]))
    check_page(page, "import")

    with page.expect_download() as download:
        page.get_by_role("link", name="Ladda ned en mall").click()
    assert download.value.suggested_filename.endswith(".csv")

    bad = tmp_path / "svar.csv"
    bad.write_bytes(csv_bytes(GOOD_ROWS + [["<script>alert(1)</script>", "1", "kanske", "", "", "", "", "", "", "", ""]]))
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_label("Ja, med namn").check()  # whether the answers may be published with names
    page.get_by_role("button", name="Kontrollera och importera").click()
    page.wait_for_load_state()
    errors = page.locator(".error-summary li")
    assert errors.nth(0).inner_text().startswith("Rad 6: okänd remissinstans ”<script>alert(1)</script>”")
    assert "Rad 6: ställningstagande ”kanske” finns inte" in errors.nth(1).inner_text()
    check_page(page, "import-errors")

    good = tmp_path / "svar2.csv"
    good.write_bytes(csv_bytes(GOOD_ROWS))
    page.set_input_files("input[type=file]", str(good))
    page.get_by_label("Ja, med namn").check()
    page.get_by_role("button", name="Kontrollera och importera").click()
    page.wait_for_load_state()
    assert "Svaren är importerade" in page.locator("main").inner_text()
    check_page(page, "import-done")
    page.get_by_role("link", name="Till remissen och dess svar").click()
    assert page.url == live_server.url(f'/consultations/{setup["consultation_id"]}')
