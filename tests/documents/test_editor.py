"""Preparing the next version: copy a version, edit the draft online (autosave, conflicts, add,
remove, move, merge), the merge line of the file format, and uploading an edited file."""
from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role
from remiss.documents.format import DocumentFormatError, parse_document
from remiss.documents.models import Document, DocumentVersion, Principle, VersionStatus
from remiss.documents.operations import export_version, import_document
from remiss.documents.queries import get_version
from remiss.extensions import db
from tests.conftest import csrf_token, post_form

KEY = "provdokument"
V1 = f"/documents/{KEY}/versions/1"
V2 = f"/documents/{KEY}/versions/2"


@pytest.fixture
def owner(make_user):
    return make_user(Role.process_owner, email="po@example.se", name="Petra Processägare")


@pytest.fixture
def v1_published(import_text, handmade):
    return import_text(handmade, status=VersionStatus.published)


def ids(app, number):
    """{"p<n>": text id, "s<key>": section id, …} of a version, and the text/section lock versions."""
    with app.app_context():
        version = get_version(KEY, number)
        out = {f"p{t.number}": t.id for t in version.principle_texts}
        out.update({f"s:{s.key}": s.id for s in version.sections})
        out["locks"] = {f"p{t.id}": t.lock_version for t in version.principle_texts}
        out["locks"].update({f"s{s.id}": s.lock_version for s in version.sections})
        out["locks"]["version"] = version.lock_version
        return out


def create_v2(client, auth, owner):
    auth.login(owner.email)
    response = post_form(client, V1 + "/next")
    assert response.status_code == 303, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(V2 + "/edit")
    return response


def autosave(client, fields):
    return client.post(V2 + "/save", json={"fields": fields},
                       headers={"X-CSRFToken": csrf_token(client), "Accept": "application/json"})


# --- next version -------------------------------------------------------------------------------


def test_next_version_copies_everything_and_keeps_identities(app, client, auth, owner, v1_published):
    assert "Skapa nästa version" not in client.get(V1).get_data(as_text=True)  # not for the public
    auth.login(owner.email)
    page = client.get(V1)
    assert "Skapa nästa version från den här" in page.get_data(as_text=True)
    assert client.get(V1 + "/next").status_code == 200
    create_v2(client, auth, owner)
    with app.app_context():
        v1, v2 = get_version(KEY, 1), get_version(KEY, 2)
        assert v2.status == VersionStatus.draft and v2.based_on_id == v1.id and v2.created_by_id == owner.id
        assert [s.key for s in v2.sections] == [s.key for s in v1.sections]
        assert [t.principle_id for t in v2.principle_texts] == [t.principle_id for t in v1.principle_texts]
        assert [t.id for t in v2.principle_texts] != [t.id for t in v1.principle_texts]
        assert [c.text for c in v2.criteria] == [c.text for c in v1.criteria]
        assert [(a.label, a.body) for a in v2.alternatives] == [(a.label, a.body) for a in v1.alternatives]
        # The same document apart from its number and change summary (which starts empty).
        expected = export_version(v1).replace("version: 1\n", "version: 2\n")
        expected = re.sub(r"ändringar: \|-\n(  .*\n)+", "", expected)
        assert export_version(v2) == expected
        assert db.session.scalar(select(db.func.count()).select_from(Principle)) == 2
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "document_version.created_from")).scalar_one()
        assert entry.document_id == v2.document_id and entry.actor_id == owner.id


def test_one_open_draft_per_document(app, client, auth, owner, import_text, handmade):
    import_text(handmade)  # version 1 is a draft
    auth.login(owner.email)
    page = client.get(V1 + "/next").get_data(as_text=True)
    assert "Dokumentet har redan ett utkast: version 1" in page
    response = post_form(client, V1 + "/next")
    assert response.status_code == 409
    assert "redan ett utkast, version 1" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(DocumentVersion)) == 1


# --- editing --------------------------------------------------------------------------------------------


def test_editor_page_shows_every_part_as_fields(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    html = client.get(V2 + "/edit").get_data(as_text=True)
    assert f'name="p{i["p1"]}.statement"' in html and f'name="s{i["s:inledning"]}.body"' in html
    assert 'name="version.title" value="Principer för provning"' in html
    assert 'aria-live="polite"' in html and "editor.js" in html
    assert "Vi gör det första." in html
    # The preview of the stored text, rendered.
    assert "<strong>fetstil</strong>" in html


def test_form_save_saves_and_invalid_input_keeps_what_was_typed(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    p1 = f"p{i['p1']}"
    response = post_form(client, V2 + "/save", {f"{p1}.title": "Första principen, ny titel",
                                                f"{p1}.statement": "Vi gör det första, bättre.",
                                                f"{p1}.lock_version": i["locks"][p1]})
    assert response.status_code == 303
    with app.app_context():
        text = get_version(KEY, 2).principle_texts[0]
        assert (text.title, text.statement) == ("Första principen, ny titel", "Vi gör det första, bättre.")
        assert get_version(KEY, 1).principle_texts[0].title == "Första principen"
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "document_version.part_saved")).scalar_one()
        assert entry.before["title"] == "Första principen" and entry.document_id == text.version.document_id
    i = ids(app, 2)
    response = post_form(client, V2 + "/save", {f"{p1}.title": "", f"{p1}.statement": "Min nya text som inte får försvinna.",
                                                f"{p1}.lock_version": i["locks"][p1]})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Fältet får inte vara tomt." in html and "Min nya text som inte får försvinna." in html
    # A line the file would read as a heading is refused at its field.
    response = post_form(client, V2 + "/save", {f"{p1}.statement": "Text\n\n## Princip 9. Smyg {#smyg}",
                                                f"{p1}.lock_version": i["locks"][p1]})
    assert response.status_code == 422
    assert "skulle läsas som en rubrik" in response.get_data(as_text=True)
    with app.app_context():
        assert get_version(KEY, 2).principle_texts[0].statement == "Vi gör det första, bättre."


def test_autosave_conflict_keeps_both_texts(app, client, auth, owner, make_user, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    p1 = f"p{i['p1']}"
    base = i["locks"][p1]
    other_client = app.test_client()
    colleague = make_user(Role.process_owner, email="kollega@example.se")
    post_form(other_client, "/login", {"email": colleague.email, "password": "korrekt-häst-batteri-häfte"})

    first = autosave(client, {f"{p1}.statement": "Petras text.", f"{p1}.lock_version": str(base)})
    assert first.status_code == 200 and first.json["parts"][p1]["saved"]
    second = other_client.post(V2 + "/save", json={"fields": {f"{p1}.statement": "Kollegans text.",
                                                              f"{p1}.lock_version": str(base)}},
                               headers={"X-CSRFToken": csrf_token(other_client), "Accept": "application/json"})
    assert second.status_code == 409
    conflict = second.json["parts"][p1]
    assert not conflict["saved"]
    assert conflict["conflict"]["differences"] == [{"label": "Principtext", "stored": "Petras text.",
                                                    "yours": "Kollegans text."}]
    with app.app_context():
        assert get_version(KEY, 2).principle_texts[0].statement == "Petras text."

    # Without JavaScript: the page comes back with both texts, the colleague's still in the field.
    page = post_form(other_client, V2 + "/save", {f"{p1}.statement": "Kollegans text.", f"{p1}.lock_version": base})
    assert page.status_code == 409
    html = page.get_data(as_text=True)
    assert "Petras text." in html and ">Kollegans text.</textarea>" in html
    # Saving again on top of the version seen (the lock version the conflict gave) is deliberate.
    again = autosave(other_client, {f"{p1}.statement": "Petras och kollegans text.",
                                    f"{p1}.lock_version": str(conflict["lock_version"])})
    assert again.status_code == 200
    with app.app_context():
        assert get_version(KEY, 2).principle_texts[0].statement == "Petras och kollegans text."


def test_editing_the_criteria_section_updates_the_criteria(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    s = f"s{i['s:kvalitet']}"
    response = autosave(client, {f"{s}.body": "1. Är principen tydlig?\n2. Är den specifik nog?\n3. Går den att följa?",
                                 f"{s}.lock_version": str(i["locks"][s])})
    assert response.status_code == 200, response.json
    with app.app_context():
        version = get_version(KEY, 2)
        assert [c.text for c in version.criteria] == ["Är principen tydlig?", "Är den specifik nog?", "Går den att följa?"]
        assert "3. Går den att följa?" in export_version(version)
    refused = autosave(client, {f"{s}.body": "Ingen lista.", f"{s}.lock_version": str(response.json["parts"][s]["lock_version"])})
    assert refused.status_code == 422 and "numrerad lista" in refused.json["message"]


def test_non_draft_cannot_be_edited(app, client, auth, owner, v1_published):
    auth.login(owner.email)
    i = ids(app, 1)
    p1 = f"p{i['p1']}"
    page = client.get(V1 + "/edit")
    assert page.status_code == 409
    assert "Version 1 är inte ett utkast" in page.get_data(as_text=True)
    response = post_form(client, V1 + "/save", {f"{p1}.statement": "Ändrad i smyg", f"{p1}.lock_version": 1})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Version 1 är inte ett utkast (den är ”Fastställd och publicerad”)" in html
    assert "Ändrad i smyg" in html  # given back, not lost
    json_response = client.post(V1 + "/save", json={"fields": {f"{p1}.statement": "x", f"{p1}.lock_version": "1"}},
                                headers={"X-CSRFToken": csrf_token(client)})
    assert json_response.status_code == 409 and json_response.json["status"] == "not_editable"
    assert post_form(client, V1 + "/principles/new", {"title": "Ny", "key": "ny"}).status_code == 409
    assert post_form(client, f"{V1}/principles/{i['p1']}/remove").status_code == 409
    with app.app_context():
        assert get_version(KEY, 1).principle_texts[0].statement == "Vi gör det första."


def test_save_after_log_in_ended_gives_the_text_back(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    token = csrf_token(client)
    auth.logout()
    p1 = f"p{i['p1']}"
    response = client.post(V2 + "/save", data={"csrf_token": token, f"{p1}.statement": "Långt arbete",
                                               f"{p1}.lock_version": "1"})
    assert response.status_code == 401
    assert "Långt arbete" in response.get_data(as_text=True)
    json_response = client.post(V2 + "/save", json={"fields": {f"{p1}.statement": "x"}})
    assert json_response.status_code == 401 and json_response.json["status"] == "unauthenticated"


# --- add, remove, move, merge --------------------------------------------------------------------------------


def numbered(app, number=2):
    with app.app_context():
        return [(t.number, t.key) for t in get_version(KEY, number).principle_texts]


def test_add_move_and_remove_principles(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    assert client.get(V2 + "/principles/new").status_code == 200
    bad = post_form(client, V2 + "/principles/new", {"title": "Tredje", "key": "Fel nyckel", "after": f"p{i['p1']}"})
    assert bad.status_code == 422 and "små bokstäver" in bad.get_data(as_text=True)
    taken = post_form(client, V2 + "/principles/new", {"title": "Tredje", "key": "andra", "after": ""})
    assert taken.status_code == 422 and "används redan" in taken.get_data(as_text=True)
    added = post_form(client, V2 + "/principles/new", {"title": "Mellan", "key": "mellan", "after": f"p{i['p1']}"})
    assert added.status_code == 303
    assert numbered(app) == [(1, "forsta"), (2, "mellan"), (3, "andra")]

    i = ids(app, 2)
    # Move buttons post the whole page: the text typed is saved too.
    p3 = f"p{i['p3']}"
    moved = post_form(client, V2 + "/move", {"move": f"{p3}:up", f"{p3}.statement": "Skrivet före flytten.",
                                             f"{p3}.lock_version": i["locks"][p3]})
    assert moved.status_code == 303
    assert numbered(app) == [(1, "forsta"), (2, "andra"), (3, "mellan")]
    with app.app_context():
        version = get_version(KEY, 2)
        assert version.principle_texts[1].statement == "Skrivet före flytten."
        # Moving is not a change of the words: a colleague's open text does not conflict.
        assert version.principle_texts[1].lock_version == i["locks"][p3] + 1
    post_form(client, V2 + "/move", {"move": f"p{i['p1']}:down"})
    assert numbered(app) == [(1, "andra"), (2, "forsta"), (3, "mellan")]

    i = ids(app, 2)
    confirm = client.get(f"{V2}/principles/{i['p1']}/remove")
    assert confirm.status_code == 200 and "Ta bort principen?" in confirm.get_data(as_text=True)
    assert post_form(client, f"{V2}/principles/{i['p1']}/remove").status_code == 303
    assert numbered(app) == [(1, "forsta"), (2, "mellan")]
    with app.app_context():
        assert db.session.execute(select(Principle).where(Principle.key == "andra")).scalar_one()
        assert [t.key for t in get_version(KEY, 1).principle_texts] == ["forsta", "andra"]
        actions = set(db.session.execute(select(AuditEntry.action)).scalars())
        assert {"document_version.principle_added", "document_version.part_moved",
                "document_version.principle_removed"} <= actions


def test_buttons_on_the_editor_save_first_then_lead_on(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    p2 = f"p{i['p2']}"
    response = post_form(client, V2 + "/save", {"go": f"merge:{p2}", f"{p2}.keywords": "Tre, fyra",
                                                f"{p2}.lock_version": i["locks"][p2]})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{V2}/principles/{i['p2']}/merge")
    with app.app_context():
        assert get_version(KEY, 2).principle_texts[1].keywords == "Tre, fyra"


def test_merge_keeps_identities_and_round_trips_through_the_file(app, client, auth, owner, v1_published):
    create_v2(client, auth, owner)
    i = ids(app, 2)
    page = client.get(f"{V2}/principles/{i['p2']}/merge")
    assert page.status_code == 200 and "Princip 1. Första principen" in page.get_data(as_text=True)
    response = post_form(client, f"{V2}/principles/{i['p2']}/merge", {"target": str(i["p1"])})
    assert response.status_code == 303
    with app.app_context():
        version = get_version(KEY, 2)
        assert [t.key for t in version.principle_texts] == ["forsta"]
        assert [p.key for p in version.principle_texts[0].merged_from] == ["andra"]
        assert db.session.execute(select(Principle).where(Principle.key == "andra")).scalar_one()
        text = export_version(version)
        assert "## Princip 1. Första principen {#forsta}\n\nSammanslagen med: andra\n\nVi gör det första." in text
        version.status = VersionStatus.published
        db.session.commit()
    # The exported file imports as the next version with the same merge, and exports byte for byte.
    with app.app_context():
        v3 = import_document(text.replace("version: 2\n", "version: 3\n"))
        db.session.commit()
        assert v3.based_on_id == get_version(KEY, 2).id
        assert [p.key for p in v3.principle_texts[0].merged_from] == ["andra"]
        assert export_version(get_version(KEY, 3)) == text.replace("version: 2\n", "version: 3\n")
    # A next version made online carries the merge along.
    with app.app_context():
        get_version(KEY, 3).status = VersionStatus.published
        db.session.commit()
    assert post_form(client, f"/documents/{KEY}/versions/3/next").status_code == 303
    with app.app_context():
        assert [p.key for p in get_version(KEY, 4).principle_texts[0].merged_from] == ["andra"]


def test_merge_line_is_checked_with_its_line(app, import_text, handmade):
    merged = handmade.replace("## Princip 1. Första principen {#forsta}\n\n",
                              "## Princip 1. Första principen {#forsta}\n\nSammanslagen med: andra\n\n")
    with app.test_request_context():
        with pytest.raises(DocumentFormatError) as caught:
            parse_document(merged)
    line = merged.split("\n").index("Sammanslagen med: andra") + 1
    assert caught.value.problems[0].line == line
    assert "har egen text i dokumentet" in caught.value.problems[0].message
    unknown = handmade.replace("## Princip 1. Första principen {#forsta}\n\n",
                               "## Princip 1. Första principen {#forsta}\n\nSammanslagen med: okand\n\n")
    assert parse_document(unknown).principles[0].merged_from == ["okand"]
    with app.test_request_context():
        with pytest.raises(DocumentFormatError) as caught:
            import_document(unknown)
        db.session.rollback()
    assert caught.value.problems[0].line == line and "finns inte i någon tidigare version" in str(caught.value)
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Document)) == 0


# --- preview ---------------------------------------------------------------------------------------------------


def test_preview_is_sanitised_markdown(client, auth, owner, v1_published):
    auth.login(owner.email)
    response = client.post(V1 + "/preview", json={"text": "**fet** <script>alert(1)</script> [x](javascript:alert(1))"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 200
    html = response.json["html"]
    assert "<strong>fet</strong>" in html and "<script>" not in html and "&lt;script&gt;" in html
    assert "javascript:" not in html
    too_long = client.post(V1 + "/preview", json={"text": "x" * 20_001}, headers={"X-CSRFToken": csrf_token(client)})
    assert too_long.status_code == 422


# --- upload -------------------------------------------------------------------------------------------------------


def test_upload_of_malformed_file_shows_the_line_and_keeps_nothing(app, client, auth, owner, v1_published, handmade,
                                                                   row_counts):
    auth.login(owner.email)
    assert client.get("/documents/upload").status_code == 200
    before = row_counts()
    broken = handmade.replace("version: 1\n", "version: 2\n").replace("{#andra}", "{#Andra_2}")
    response = post_form(client, "/documents/upload", {"file": (io.BytesIO(broken.encode()), "prov.md")},
                         content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    line = broken.split("\n").index("## Princip 2. Andra principen {#Andra_2}") + 1
    assert f"Rad {line}: nyckeln &#39;Andra_2&#39; är ogiltig" in html
    assert "{#Andra_2}" in html and "Vi gör det första." in html  # the uploaded text, back in the text box
    assert row_counts() == before
    not_utf8 = post_form(client, "/documents/upload", {"file": (io.BytesIO(b"---\ntitel: \xff\n"), "prov.md")},
                         content_type="multipart/form-data")
    assert not_utf8.status_code == 422 and "Rad 2: filen är inte giltig UTF-8" in not_utf8.get_data(as_text=True)
    assert row_counts() == before


def test_upload_of_edited_file_becomes_the_next_version(app, client, auth, owner, v1_published, handmade):
    auth.login(owner.email)
    edited = handmade.replace("version: 1\n", "").replace("Vi gör det första.", "Vi gör det första, reviderat.")
    response = post_form(client, "/documents/upload", {"file": (io.BytesIO(edited.encode()), "prov.md")},
                         content_type="multipart/form-data")
    assert response.status_code == 303 and response.headers["Location"].endswith(V2 + "/edit")
    with app.app_context():
        v1, v2 = get_version(KEY, 1), get_version(KEY, 2)
        assert v2.based_on_id == v1.id and v2.created_by_id == owner.id
        assert v2.principle_texts[0].statement == "Vi gör det första, reviderat."
        assert v2.principle_texts[0].principle_id == v1.principle_texts[0].principle_id
    # A second upload while version 2 is a draft is refused; the text stays in the box.
    again = post_form(client, "/documents/upload", {"text": edited})
    assert again.status_code == 409
    html = again.get_data(as_text=True)
    assert "redan ett utkast, version 2" in html and "Vi gör det första, reviderat." in html


def test_cli_import_sets_based_on(app, runner, tmp_path, import_text, handmade):
    import_text(handmade, status=VersionStatus.published)
    path = tmp_path / "v2.md"
    path.write_text(handmade.replace("version: 1\n", ""), encoding="utf-8")
    assert runner.invoke(args=["principles", "import", str(path)]).exit_code == 0
    with app.app_context():
        assert get_version(KEY, 2).based_on_id == get_version(KEY, 1).id
