"""The file format: round trips, the canonical form, and malformed files named by line."""
from __future__ import annotations

import pytest
from flask_babel import force_locale

from remiss.documents.format import DocumentFormatError, decode_source, parse_document, write_document
from remiss.documents.models import Document, DocumentVersion, VersionStatus
from remiss.documents.operations import export_version, import_document
from remiss.documents.queries import get_version
from remiss.extensions import db


def test_shipped_document_is_canonical(shipped_text):
    document = parse_document(shipped_text)
    assert write_document(document) == shipped_text


def test_shipped_document_has_the_seed_content(shipped_text):
    document = parse_document(shipped_text)
    assert (document.key, document.version) == ("invanarinteraktion", 1)
    assert document.owner == "Regional process invånarinteraktion"
    assert document.decision_body == "Styrgruppen för digital patientkommunikation/invånarinteraktion"
    assert [p.number for p in document.principles] == list(range(1, 9))
    assert document.principles[2].title == "En tydlig och sammanhållen vårdresa"
    assert document.principles[0].keywords == "Hälsofrämjande, proaktivitet"
    assert all(p.implications == "" for p in document.principles)
    assert document.criteria == [
        "Stöder principen våra övergripande mål och värderingar?",
        "Är principen tydlig och lätt att förstå?",
        "Är principen specifik nog?",
        "Hur kan principen driva beteende och vägleda oss praktiskt?",
    ]
    headings = [s.heading for s in document.sections]
    assert "Situationer och interaktioner kring den enskilde" in headings
    assert 'Övergripande inriktning: "Genom att arbeta för"' in headings
    body = "\n".join(s.body for s in document.sections)
    assert "Nära vård" in body and "Prioritera lösningar som stärker självständighet" in body
    assert "Användare finns både \"backstage\" och \"frontstage\"." in body


def test_shipped_document_import_then_export_is_byte_identical(app, shipped_text, import_text):
    key, number = import_text(shipped_text)
    with app.app_context():
        assert export_version(get_version(key, number)) == shipped_text


def test_handmade_document_with_alternatives_round_trips(app, import_text, handmade):
    parsed = parse_document(handmade)
    assert [a.label for a in parsed.sections[0].alternatives] == ["Definition 1", "Definition 2"]
    assert [a.body for a in parsed.principles[0].alternatives] == ["Vi gör A.", "Vi gör B."]
    assert parsed.criteria == ["Är principen tydlig?", "Är principen specifik nog?"]
    assert "## inte en rubrik" in parsed.sections[0].body
    assert parsed.change_summary == "Första versionen.\nMed två rader."

    key, number = import_text(handmade)
    with app.app_context():
        version = get_version(key, number)
        assert [c.text for c in version.criteria] == ["Är principen tydlig?", "Är principen specifik nog?"]
        assert [a.label for a in version.sections[0].alternatives] == ["Definition 1", "Definition 2"]
        assert [a.label for a in version.principle_texts[0].alternatives] == ["Formulering A", "Formulering B"]
        assert len(version.alternatives) == 4
        exported = export_version(version)
    assert exported == handmade
    # And the exported file imports again as the same document.
    assert parse_document(exported) == parsed


def test_non_canonical_file_is_written_in_canonical_form_without_loss():
    text = (
        "\ufeff---\r\ndokument: prov\r\ntitel:   Prov  \r\n---\r\n\r\n\r\n"
        "## För vem är principerna?\r\nFör alla.\r\n"
        "## Princip 7. Sju {#sju}\r\nVi gör sju.\r\nNyckelord:   a,b  \r\n"
    )
    parsed = parse_document(text)
    assert parsed.sections[0].key == "for-vem-ar-principerna"
    assert parsed.title == "Prov"
    canonical = write_document(parsed)
    assert canonical == (
        "---\ntitel: Prov\ndokument: prov\n---\n\n"
        "## För vem är principerna? {#for-vem-ar-principerna}\n\nFör alla.\n\n"
        "## Princip 7. Sju {#sju}\n\nVi gör sju.\n\nNyckelord: a,b\n\n"
        "### Vad innebär det för utförare och utvecklare?\n"
    )
    assert parse_document(canonical) == parsed
    assert write_document(parse_document(canonical)) == canonical


def test_export_refuses_text_the_format_would_read_differently(app, import_text, handmade):
    """A statement stored with a 'Nyckelord:' line of its own would come back split: say so, lose nothing."""
    key, number = import_text(handmade)
    with app.app_context(), force_locale("sv"):
        version = get_version(key, number)
        version.principle_texts[0].statement = "Vi gör det.\n\nNyckelord: smugglat"
        with pytest.raises(DocumentFormatError, match="utan att något går förlorat"):
            export_version(version)
        db.session.rollback()


MINIMAL = "---\ntitel: Prov\ndokument: prov\n---\n\n## Princip 1. Ett {#ett}\n\nVi gör ett.\n\nNyckelord: a\n"

MALFORMED = [
    pytest.param("---\ntitel: Prov\ndokument: prov\n---\n\n## Princip 1. Ett\n\nText.\n", 6,
                 "principen saknar nyckel {#...}", id="principle-without-key"),
    pytest.param(MINIMAL + "\n## Princip 1. Två {#tva}\n", 12, "princip nummer 1 finns redan på rad 6",
                 id="duplicate-number"),
    pytest.param(MINIMAL + "\n## Princip 2. Två {#ett}\n", 12, "nyckeln 'ett' används redan på rad 6",
                 id="duplicate-key"),
    pytest.param(MINIMAL + "\n## Bakgrund {#ett}\n", 12, "nyckeln 'ett' används redan", id="section-reuses-key"),
    pytest.param("---\ntitel: Prov\n---\n\n## Princip 1. Ett {#ett}\n", 1, "huvudet saknar 'dokument'",
                 id="no-document-key"),
    pytest.param("---\ntitel: Prov\ndokument: Prov Nyckel\n---\n", 3, "'dokument' ska vara en nyckel",
                 id="bad-document-key"),
    pytest.param("---\ntitel: Prov\ndokument: prov\nversion: två\n---\n", 4, "'version' ska vara ett heltal",
                 id="version-not-a-number"),
    pytest.param("---\ntitel: Prov\ndokument: prov\nforfattare: X\n---\n", 4, "okänt namn 'forfattare'",
                 id="unknown-front-matter-name"),
    pytest.param("---\ntitel: Prov\ndokument: prov\ntitel: Igen\n---\n", 4, "'titel' står två gånger",
                 id="duplicate-front-matter-name"),
    pytest.param("---\ntitel: [Prov\ndokument: prov\n---\n", 3, "huvudet (YAML) går inte att läsa",
                 id="broken-yaml"),
    pytest.param("## Princip 1. Ett {#ett}\n", 1, "filen ska börja med ett huvud", id="no-front-matter"),
    pytest.param("---\ntitel: Prov\ndokument: prov\n\n## Princip 1. Ett {#ett}\n", 1, "avslutas aldrig",
                 id="unclosed-front-matter"),
    pytest.param("---\ntitel: Prov\ndokument: prov\n---\nLös text.\n\n## Princip 1. Ett {#ett}\n", 5,
                 "text före första rubriken", id="text-before-first-heading"),
    pytest.param(MINIMAL + "Lös text efter nyckelorden.\n", 11, "text efter raden 'Nyckelord:'",
                 id="text-after-keywords"),
    pytest.param(MINIMAL.replace("## Princip 1. Ett", "## Princip ett. Ett"), 6, "principens rubrik ska se ut så här",
                 id="principle-without-number"),
    pytest.param(MINIMAL + "\n### Alternativ\n\nA.\n", 12, "### Alternativ: Namn", id="alternative-without-label"),
    pytest.param(MINIMAL + "\n### Alternativ: A\n\nA.\n\n### Alternativ: A\n\nB.\n", 16,
                 "alternativet 'A' finns redan på rad 12", id="duplicate-alternative"),
    pytest.param(MINIMAL + "\n### Alternativ: A\n\nA.\n\n### Vad innebär det för utförare och utvecklare?\n", 16,
                 "ska stå före alternativen", id="implications-after-alternatives"),
    pytest.param(MINIMAL + "\n## Kvalitet {#kvalitet .kriterier}\n\nInga frågor.\n", 12,
                 "saknar en numrerad lista", id="criteria-without-list"),
    pytest.param(MINIMAL + "\n## Kvalitet {#kvalitet .kriterier}\n\n1. Tydlig?\n2.\n", 12,
                 "en punkt i listan med kvalitetskriterier är tom", id="empty-criterion"),
    pytest.param(MINIMAL + "\n## Kvalitet {#kvalitet .viktig}\n", 12, "okänt tillägg '.viktig'",
                 id="unknown-heading-class"),
    pytest.param(MINIMAL + "\n# Titel\n", 12, "rubriker med en # används inte", id="level-one-heading"),
    pytest.param(MINIMAL + "\n```\n## Bakgrund {#b}\n", 12, "kodblocket som börjar här", id="unclosed-code-block"),
    pytest.param(MINIMAL + "\nText med \x00 i.\n", 12, "NUL-tecken", id="nul-character"),
    pytest.param("---\ntitel: Prov\ndokument: prov\n---\n\n## Bakgrund {#bakgrund}\n", None,
                 "dokumentet har inga principer", id="no-principles"),
    pytest.param(MINIMAL.replace("{#ett}", "{#Ett_1}"), 6, "nyckeln 'Ett_1' är ogiltig", id="invalid-key"),
]


@pytest.mark.parametrize("text, line, message", MALFORMED)
def test_malformed_file_names_the_line_and_writes_nothing(app, row_counts, import_text, text, line, message, handmade):
    import_text(handmade)  # an existing document that must stay exactly as it is
    before = row_counts()
    with app.test_request_context(), force_locale("sv"):
        with pytest.raises(DocumentFormatError) as caught:
            import_document(text)
        db.session.rollback()
    problems = [p for p in caught.value.problems if message in p.message]
    assert problems, str(caught.value)
    assert problems[0].line == line
    if line is not None:
        assert f"Rad {line}: " in str(caught.value)
    assert row_counts() == before


def test_all_problems_are_listed_at_once():
    text = "---\ntitel: Prov\ndokument: prov\n---\n\n## Princip 1. Ett\n\n## Princip 1. Två {#tva}\n"
    with pytest.raises(DocumentFormatError) as caught:
        parse_document(text)
    assert [p.line for p in caught.value.problems] == [6, 8]


def test_invalid_utf8_is_named_with_its_line():
    with pytest.raises(DocumentFormatError) as caught:
        decode_source("---\ntitel: Prov\n".encode() + b"dokument: pr\xf6v\n---\n")
    assert caught.value.line == 3
    assert "inte giltig UTF-8" in str(caught.value)


def test_yaml_tags_are_not_constructed():
    text = "---\ntitel: !!python/object/apply:os.system ['true']\ndokument: prov\n---\n\n## Princip 1. Ett {#ett}\n"
    with pytest.raises(DocumentFormatError) as caught:
        parse_document(text)
    assert caught.value.line == 2


@pytest.mark.parametrize("given, existing, expected", [(None, [1, 2], 3), (5, [1, 2], 5), (1, [], 1)])
def test_version_number_is_the_given_free_one_or_the_next(app, import_text, given, existing, expected):
    for number in existing:
        import_text(MINIMAL.replace("dokument: prov", f"dokument: prov\nversion: {number}"))
    text = MINIMAL if given is None else MINIMAL.replace("dokument: prov", f"dokument: prov\nversion: {given}")
    assert import_text(text) == ("prov", expected)


@pytest.mark.parametrize("given, message", [(2, "version 2 av dokumentet 'prov' finns redan"),
                                            (1, "lägre än den senaste versionen")])
def test_taken_or_older_version_number_is_refused(app, import_text, row_counts, given, message):
    import_text(MINIMAL)
    import_text(MINIMAL.replace("Vi gör ett.", "Vi gör ett, igen."))  # version 2
    with app.app_context():
        db.session.execute(db.delete(DocumentVersion).where(DocumentVersion.number == 1))
        db.session.commit()
    before = row_counts()
    text = MINIMAL.replace("dokument: prov", f"dokument: prov\nversion: {given}")
    with app.test_request_context(), force_locale("sv"):
        with pytest.raises(DocumentFormatError) as caught:
            import_document(text)
        db.session.rollback()
    assert caught.value.line == 4
    assert message in str(caught.value)
    assert "Nästa lediga versionsnummer är 3" in str(caught.value)
    assert row_counts() == before


def test_new_version_keeps_principle_identity_when_title_and_number_change(app, import_text, handmade):
    import_text(handmade)
    changed = (
        handmade.replace("version: 1", "version: 2")
        .replace("## Princip 1. Första principen {#forsta}", "## Princip 3. Den första, omskriven {#forsta}")
        .replace("## Princip 2. Andra principen {#andra}", "## Princip 1. Andra principen {#andra}\n\n"
                 "Nyckelord:\n\n### Vad innebär det för utförare och utvecklare?\n\n"
                 "## Princip 2. Helt ny {#ny}")
    )
    key, number = import_text(changed)
    assert number == 2
    with app.app_context():
        document = db.session.execute(db.select(Document).where(Document.key == key)).scalar_one()
        v1, v2 = document.versions
        first_v1 = next(t for t in v1.principle_texts if t.principle.key == "forsta")
        first_v2 = next(t for t in v2.principle_texts if t.principle.key == "forsta")
        assert first_v1.principle_id == first_v2.principle_id
        assert (first_v2.number, first_v2.title) == (3, "Den första, omskriven")
        assert (first_v1.number, first_v1.title) == (1, "Första principen")
        assert sorted(p.key for p in document.principles) == ["andra", "forsta", "ny"]
        assert v2.status == VersionStatus.draft


def test_import_writes_an_audit_entry(app, import_text, handmade):
    from remiss.audit.models import AuditEntry

    import_text(handmade)
    with app.app_context():
        entry = db.session.execute(db.select(AuditEntry)).scalar_one()
        assert entry.action == "document_version.imported"
        assert entry.after["principles"] == ["forsta", "andra"]
        assert entry.document_id is not None
