"""flask principles import / export, as a process owner runs them."""
from __future__ import annotations

from remiss.documents.models import VersionStatus


def test_import_then_export_the_shipped_file(runner, tmp_path, shipped_text, row_counts):
    source = tmp_path / "invanarinteraktion.md"
    source.write_bytes(shipped_text.encode("utf-8"))

    result = runner.invoke(args=["principles", "import", str(source)])
    assert result.exit_code == 0, result.output
    assert "Importerade invanarinteraktion version 1 (Utkast)" in result.output
    assert "8 principer (varav 8 nya), 4 kvalitetskriterier" in result.output
    assert row_counts()["PrincipleText"] == 8

    target = tmp_path / "export.md"
    result = runner.invoke(args=["principles", "export", "invanarinteraktion", "--version", "1", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes() == source.read_bytes()

    result = runner.invoke(args=["principles", "export", "invanarinteraktion"])
    assert result.exit_code == 0
    assert result.stdout == shipped_text


def test_export_without_version_gives_the_newest(runner, import_text, handmade):
    import_text(handmade, status=VersionStatus.published)
    import_text(handmade.replace("version: 1", "version: 2").replace("Vi gör det första.", "Vi gör det första, bättre."))
    result = runner.invoke(args=["principles", "export", "provdokument", "--output", "-"])
    assert result.exit_code == 0
    assert "version: 2" in result.stdout and "Vi gör det första, bättre." in result.stdout


def test_import_of_malformed_file_fails_and_writes_nothing(runner, tmp_path, row_counts):
    source = tmp_path / "trasig.md"
    source.write_text("---\ntitel: Prov\ndokument: prov\n---\n\n## Princip 1. Utan nyckel\n\nText.\n", encoding="utf-8")
    before = row_counts()
    result = runner.invoke(args=["principles", "import", str(source)])
    assert result.exit_code == 1
    assert "importerades inte; inget har sparats" in result.stderr
    assert "Rad 6: principen saknar nyckel {#...}" in result.stderr
    assert row_counts() == before


def test_import_refuses_invalid_utf8_and_nul(runner, tmp_path, row_counts):
    before = row_counts()
    latin1 = tmp_path / "latin1.md"
    latin1.write_bytes("---\ntitel: Prov\ndokument: prov\n---\n\n## Princip 1. Hälsa {#halsa}\n".encode("latin-1"))
    result = runner.invoke(args=["principles", "import", str(latin1)])
    assert result.exit_code == 1
    assert "Rad 6: filen är inte giltig UTF-8" in result.stderr

    nul = tmp_path / "nul.md"
    nul.write_bytes(b"---\ntitel: Prov\x00\ndokument: prov\n---\n")
    result = runner.invoke(args=["principles", "import", str(nul)])
    assert result.exit_code == 1
    assert "Rad 2: raden innehåller ett NUL-tecken" in result.stderr
    assert row_counts() == before


def test_import_of_taken_version_fails(runner, tmp_path, shipped_text, import_text, row_counts):
    import_text(shipped_text)
    before = row_counts()
    source = tmp_path / "igen.md"
    source.write_text(shipped_text, encoding="utf-8")
    result = runner.invoke(args=["principles", "import", str(source)])
    assert result.exit_code == 1
    assert "Rad 4: version 1 av dokumentet 'invanarinteraktion' finns redan" in result.stderr
    assert row_counts() == before


def test_export_of_unknown_document_or_version_fails(runner, import_text, handmade):
    result = runner.invoke(args=["principles", "export", "finns-inte"])
    assert result.exit_code == 1
    assert "Dokumentet 'finns-inte' finns inte." in result.stderr
    import_text(handmade)
    result = runner.invoke(args=["principles", "export", "provdokument", "--version", "9"])
    assert result.exit_code == 1
    assert "har ingen version 9" in result.stderr
