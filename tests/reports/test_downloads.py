"""Who may read which report, through the real routes: every download × every role, before and
after the consolidation is complete; content types and file names."""
from __future__ import annotations

import pytest

from remiss.consultations.models import ConsultationStatus
from tests.reports.conftest import set_status

FORMATS = ["html", "pdf", "docx", "xlsx", "csv", "json"]
ROLES = ["anonymous", "representative", "steering", "process_owner", "administrator"]
CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}
STAFF = {"anonymous": "login", "representative": 403, "steering": "ok", "process_owner": "ok", "administrator": "ok"}
EVERYONE = {role: "ok" for role in ROLES}
OWNERS = {"anonymous": "login", "representative": 403, "steering": 403, "process_owner": "ok", "administrator": "ok"}


def log_in(auth, world, role):
    users = {"representative": world.anna, "steering": world.steering, "process_owner": world.owner,
             "administrator": world.admin}
    if role != "anonymous":
        assert auth.login(users[role].email).status_code == 302


def outcome(response):
    response.get_data()  # a streamed download is read to its end, as a browser would
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return "login"
    return "ok" if response.status_code < 400 else response.status_code


def urls(world):
    base = world.report_url
    result = {"page": base, "view": f"{base}/view", "view public": f"{base}/view?public=1",
              "new version": f"{base}/new-version"}
    for format in FORMATS:
        result[f"{format} internal"] = f"{base}.{format}"
        result[f"{format} public"] = f"{base}.{format}?public=1"
    return result


# Before the consolidation is complete the report is a draft for the staff; the steering group
# reads it too. "New version" needs a consolidated consultation (409 before that).
BEFORE = {"page": STAFF, "view": STAFF, "view public": STAFF, "new version": {**OWNERS, "process_owner": 409,
                                                                               "administrator": 409}}
AFTER = {"page": EVERYONE, "view": STAFF, "view public": EVERYONE, "new version": OWNERS}
for _format in FORMATS:
    BEFORE[f"{_format} internal"] = STAFF
    BEFORE[f"{_format} public"] = STAFF
    AFTER[f"{_format} internal"] = STAFF
    AFTER[f"{_format} public"] = EVERYONE


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("consolidated", [False, True], ids=["before", "after"])
def test_who_may_read_what(app, client, auth, world, role, consolidated):
    if consolidated:
        set_status(app, world, ConsultationStatus.consolidated)
    log_in(auth, world, role)
    table = AFTER if consolidated else BEFORE
    wrong = []
    for name, url in urls(world).items():
        got = outcome(client.get(url))
        if got != table[name][role]:
            wrong.append(f"{name} {url}: expected {table[name][role]}, got {got}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("format", FORMATS)
def test_download_headers(app, client, auth, world, format):
    log_in(auth, world, "process_owner")
    response = client.get(f"{world.report_url}.{format}")
    assert response.status_code == 200 and response.get_data()
    assert response.headers["Content-Type"] == CONTENT_TYPES[format]
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="remissammanstallning-RS-2024-05699-utkast.{format}"')
    assert response.headers["Cache-Control"] == "private, no-store"
    public = client.get(f"{world.report_url}.{format}?public=1")
    assert public.get_data()
    assert public.headers["Content-Disposition"] == (
        f'attachment; filename="remissammanstallning-RS-2024-05699-utkast-offentlig.{format}"')


def test_unknown_format_and_bad_arguments(client, auth, world):
    log_in(auth, world, "process_owner")
    assert client.get(f"{world.report_url}.exe").status_code == 404
    assert client.get(f"{world.report_url}.pdf?number=7").status_code == 404
    assert client.get(f"{world.report_url}.pdf?locale=de").status_code == 400
    assert client.get("/consultations/999/report.pdf").status_code == 404


def test_page_lists_only_public_formats_to_the_public(app, client, auth, world):
    set_status(app, world, ConsultationStatus.consolidated)
    page = client.get(world.report_url).get_data(as_text=True)
    assert "report.pdf?public=1" in page
    assert 'report.pdf"' not in page  # no internal link
    assert "Intern version" not in page
    assert "Ny version av sammanställningen" not in page
    log_in(auth, world, "process_owner")
    page = client.get(world.report_url).get_data(as_text=True)
    assert 'report.pdf"' in page and "Ny version av sammanställningen" in page


def test_view_inside_the_app_uses_the_app_layout(client, auth, world):
    log_in(auth, world, "steering")
    page = client.get(f"{world.report_url}/view").get_data(as_text=True)
    assert "remiss.css" in page and "<style" not in page
    assert "UTKAST" in page
    # The answers are on the pages of each principle (tests/reports/test_paged_view.py).
    page = client.get(f"{world.report_url}/view?principle=1").get_data(as_text=True)
    assert "remiss.css" in page and "<style" not in page
    assert "&lt;script&gt;" in page and "<script>alert" not in page
    assert "Ansvaret förtydligas i version 2." in page


def test_english_interface_gives_an_english_report(app, client, auth, world):
    from tests.conftest import post_form

    log_in(auth, world, "process_owner")
    post_form(client, "/language", {"locale": "en", "next": "/"})
    english = client.get(f"{world.report_url}.html").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Consulted bodies and responses" in english and "Remissinstanser och svar" not in english
    # The report's language, not the interface's, down to the templates' own headings (their gettext
    # is bound to the catalogue in force when the streamed download is rendered).
    swedish = client.get(f"{world.report_url}.html?locale=sv").get_data(as_text=True)
    assert '<html lang="sv">' in swedish
    assert "Remissinstanser och svar" in swedish and "Consulted bodies and responses" not in swedish
