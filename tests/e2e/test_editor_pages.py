"""The online editor in a real browser: next version, the editor with autosave and live preview,
the merge page and a refused upload pass axe at 1280 and 320 px without script or CSP errors."""
import re

import pytest

from remiss.auth.models import Role
from remiss.documents.models import VersionStatus
from tests.documents.conftest import HANDMADE
from tests.e2e.conftest import check_page, login

pytestmark = pytest.mark.e2e

V1 = "/documents/provdokument/versions/1"
V2 = "/documents/provdokument/versions/2"


def test_editor_in_a_browser(page, live_server, app, make_user, tmp_path):
    from remiss.documents.operations import import_document
    from remiss.extensions import db

    with app.app_context():
        import_document(HANDMADE).status = VersionStatus.published
        db.session.commit()
    owner = make_user(Role.process_owner, email="po@example.se")
    login(page, live_server, owner.email)

    page.goto(live_server.url(V1))
    page.get_by_role("link", name="Skapa nästa version från den här").click()
    check_page(page, "editor-next")
    page.get_by_role("button", name="Skapa nästa version").click()
    page.wait_for_load_state()
    assert page.url.endswith(V2 + "/edit")
    check_page(page, "editor")

    statement = page.get_by_label("Principtext").first
    statement.fill("Vi gör det **första**, nu reviderat.")
    page.locator("#save-status").filter(has_text="Sparat").wait_for()
    page.locator(".editor-preview-body strong", has_text="första").first.wait_for()
    page.reload()
    assert page.get_by_label("Principtext").first.input_value() == "Vi gör det **första**, nu reviderat."

    page.get_by_role("button", name=re.compile(r"^Slå samman med en annan …\s*: Princip 2$")).click()
    page.wait_for_load_state()
    check_page(page, "editor-merge")

    page.goto(live_server.url("/documents/upload"))
    broken = tmp_path / "fel.md"
    broken.write_text(HANDMADE.replace("{#andra}", "{#Andra}"), encoding="utf-8")
    page.set_input_files("input[type=file]", str(broken))
    page.get_by_role("button", name="Läs in som ny version").click()
    page.wait_for_load_state()
    assert "nyckeln 'Andra' är ogiltig" in page.locator(".error-summary").inner_text()
    check_page(page, "editor-upload-errors")
