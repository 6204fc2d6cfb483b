"""The public pages of documents: who sees which version, what a version page shows, the .md file."""
from __future__ import annotations

import pytest
from sqlalchemy import event

from remiss.auth.models import Role
from remiss.documents.models import VersionStatus
from remiss.extensions import db

VERSION_URL = "/documents/invanarinteraktion/versions/1"


@pytest.fixture
def published(import_text, shipped_text):
    return import_text(shipped_text, status=VersionStatus.published)


@pytest.fixture
def draft(import_text, shipped_text):
    return import_text(shipped_text)


def login_as(auth, make_user, role):
    user = make_user(role)
    auth.login(user.email)
    return user


def test_anonymous_reads_a_published_version(client, published):
    response = client.get(VERSION_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<h1>Styrande principer för invånarinteraktion</h1>" in html
    # Table of contents linking every part by its key, principles with their numbers.
    assert '<a href="#bakgrund">Bakgrund</a>' in html
    assert '<a href="#sammanhallen-vardresa">Princip 3. En tydlig och sammanhållen vårdresa</a>' in html
    assert 'id="sammanhallen-vardresa"' in html
    assert "Vi ger patienten en samlad översikt över vårdresan" in html
    assert "<strong>Nyckelord:</strong> Samordning, personcentrering" in html
    assert html.count("Vad innebär det för utförare och utvecklare?") == 8
    # The quality criteria as a list.
    assert "<li>Stöder principen våra övergripande mål och värderingar?</li>" in html
    assert "<li>Hur kan principen driva beteende och vägleda oss praktiskt?</li>" in html
    assert "Inte fastställd" not in html


def test_anonymous_is_sent_to_log_in_for_a_draft(client, draft):
    response = client.get(VERSION_URL)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert client.get("/documents/invanarinteraktion").status_code == 302
    assert "/login" in client.get(VERSION_URL + ".md").headers["Location"]


def test_representative_may_not_read_a_draft(client, auth, make_user, draft):
    login_as(auth, make_user, Role.representative)
    assert client.get(VERSION_URL).status_code == 403
    assert client.get(VERSION_URL + ".md").status_code == 403


@pytest.mark.parametrize("role", [Role.process_owner, Role.administrator, Role.steering_member])
def test_staff_read_a_draft(client, auth, make_user, draft, role):
    login_as(auth, make_user, role)
    response = client.get(VERSION_URL)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Inte fastställd." in html
    assert "Princip 8." in html
    assert client.get(VERSION_URL + ".md").status_code == 200


def test_unknown_document_or_version_is_404(client, published):
    assert client.get("/documents/finns-inte").status_code == 404
    assert client.get("/documents/invanarinteraktion/versions/9").status_code == 404
    assert client.get("/documents/invanarinteraktion/versions/9.md").status_code == 404


def test_list_of_documents_shows_drafts_to_staff_only(client, auth, make_user, import_text, shipped_text, handmade):
    import_text(shipped_text, status=VersionStatus.published)
    import_text(handmade)  # only a draft
    html = client.get("/").get_data(as_text=True)
    assert "Styrande principer för invånarinteraktion" in html
    assert "Principer för provning" not in html

    login_as(auth, make_user, Role.process_owner)
    html = client.get("/").get_data(as_text=True)
    assert "Styrande principer för invånarinteraktion" in html
    assert "Principer för provning" in html
    assert "Utkast" in html


def test_document_address_leads_to_the_published_version(client, import_text, shipped_text):
    import_text(shipped_text, status=VersionStatus.published)
    import_text(shipped_text.replace("version: 1", "version: 2"))
    response = client.get("/documents/invanarinteraktion")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(VERSION_URL)


def test_versions_list(client, auth, make_user, import_text, shipped_text):
    import_text(shipped_text, status=VersionStatus.superseded)
    import_text(shipped_text.replace("version: 1", "version: 2\nändringar: Ny ordning."), status=VersionStatus.published)
    import_text(shipped_text.replace("version: 1", "version: 3"))

    html = client.get("/documents/invanarinteraktion/versions").get_data(as_text=True)
    assert "Version 1" in html and "Version 2" in html and "Version 3" not in html
    assert "Ny ordning." in html
    assert "Bara fastställda versioner visas." in html
    old = client.get(VERSION_URL).get_data(as_text=True)
    assert "Äldre version." in old and "Gällande version är version 2." in old

    login_as(auth, make_user, Role.steering_member)
    html = client.get("/documents/invanarinteraktion/versions").get_data(as_text=True)
    assert "Version 3" in html


def test_markdown_file_of_a_published_version(client, published, shipped_text):
    response = client.get(VERSION_URL + ".md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.mimetype_params["charset"] == "utf-8"
    assert 'filename="invanarinteraktion-version-1.md"' in response.headers["Content-Disposition"]
    assert response.get_data() == shipped_text.encode("utf-8")


def test_alternatives_are_shown_with_their_labels(client, import_text, handmade):
    import_text(handmade, status=VersionStatus.published)
    html = client.get("/documents/provdokument/versions/1").get_data(as_text=True)
    for label in ("Definition 1", "Definition 2", "Formulering A", "Formulering B"):
        assert f"Alternativ: {label}</h3>" in html
    assert "Vi gör B." in html
    assert "<li>Något konkret.</li>" in html
    assert "<li>Är principen tydlig?</li>" in html


def test_script_in_a_document_is_text_not_code(client, import_text, handmade):
    hostile = (
        handmade.replace("titel: Principer för provning", "titel: <script>alert('titel')</script>")
        .replace("Första principen {#forsta}", "<script>alert('rubrik')</script> {#forsta}")
        .replace("Nyckelord: Ett, två", "Nyckelord: <script>alert('nyckelord')</script>")
        .replace("### Alternativ: Formulering A", "### Alternativ: <script>alert('alternativ')</script>")
        .replace("Vi gör det första.", "Vi gör det första.\n\n<script>alert('text')</script>\n\n<img src=x onerror=alert(1)>")
    )
    import_text(hostile, status=VersionStatus.published)
    html = client.get("/documents/provdokument/versions/1").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert('text')&lt;/script&gt;" in html, "raw HTML in Markdown shows as the text typed"
    assert "<img" not in html
    assert "&lt;script&gt;alert(&#39;titel&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#39;rubrik&#39;)&lt;/script&gt;" in html
    assert "&lt;script&gt;alert(&#39;alternativ&#39;)&lt;/script&gt;" in html
    # The file gives back exactly what was written.
    markdown = client.get("/documents/provdokument/versions/1.md").get_data(as_text=True)
    assert markdown == hostile


def test_version_page_needs_the_same_number_of_queries_for_any_size(app, client, make_version):
    make_version(key="liten", principles=2, status=VersionStatus.published, alternatives=True)
    make_version(key="stor", principles=12, status=VersionStatus.published, alternatives=True)
    with app.app_context():
        engine = db.engine
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        counts = []
        for key in ("liten", "stor"):
            statements.clear()
            assert client.get(f"/documents/{key}/versions/1").status_code == 200
            counts.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts[0] == counts[1]


def test_markdown_file_refused_when_stored_text_cannot_be_written_losslessly(app, client, import_text, handmade):
    """Text stored by other means than a file may not fit the format: a clear refusal, never a wrong file."""
    import_text(handmade, status=VersionStatus.published)
    from remiss.documents.models import PrincipleText

    with app.app_context():
        text = db.session.execute(db.select(PrincipleText).where(PrincipleText.number == 1)).scalar_one()
        text.statement = "Vi gör det.\n\nNyckelord: smugglat"
        db.session.commit()
    response = client.get("/documents/provdokument/versions/1.md")
    assert response.status_code == 409
    assert "utan att något går förlorat" in response.get_data(as_text=True)
    assert client.get("/documents/provdokument/versions/1").status_code == 200
