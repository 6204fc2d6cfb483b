"""Every format, parsed back, says the same things: the consultation, every respondent's answer,
the dispositions, the alternatives, who answered late and who did not – and in the public version
no e-mail address and no unconsented name. A <script> comment is text everywhere."""
from __future__ import annotations

import io
import json
import re
import zipfile

import pytest

from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.extensions import db
from remiss.reports import rendering
from tests.reports.conftest import (
    NU_COMMENT,
    PER_COMMENT,
    PIA_COMMENT,
    SCRIPT,
    SU_COMMENT,
    SU_WORDING,
    csv_rows,
    docx_text,
    set_status,
    text_of,
    xlsx_workbook,
)

FORMATS = ["html", "pdf", "docx", "xlsx", "csv", "json"]
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")

# Said in every format (CSV is the answer table only: one row per respondent × principle).
IN_EVERY_FORMAT = [
    "RS 2024-05699", "Princip nummer 1",
    SU_COMMENT, SU_WORDING, NU_COMMENT, PIA_COMMENT, PER_COMMENT,
    "Beaktad", "Ansvaret förtydligas i version 2.", "Delvis beaktad", "Delar av formuleringen tas in.",
    "Ej beaktad", "Journalen ligger utanför principernas område.",
    "Sahlgrenska Universitetssjukhuset", "NU-sjukvården", "Pia Patient", "Patientföreträdare 1",
    "Tillstyrker med ändringar", "Avstyrker", "Formulering A", "A är tydligare.", "Formulering B", "B passar oss.",
]
# Said in the formats that carry the whole report.
IN_WHOLE_REPORT = [
    "Remiss av styrande principer för invånarinteraktion", "Styrande principer för invånarinteraktion",
    "Tack för en bra remiss.", "Noterad", "Principen får brett stöd; ansvaret förtydligas.",
    "Koncernkontoret", "Patientföreträdare 2", "Nätverk förvaltningsföreträdare", "Definition 2",
    "Bredare definition.", "NU svar.pdf", "c544256366a7900b2c7692e113a535e1e9c1b9f8385df10bbfb76fd2e7add470",
]


def render(app, world, format, public=False, locale="sv"):
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        return rendering.render(consultation, format, public=public, locale=locale)


def flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("format", FORMATS)
def test_every_format_says_the_same(app, world, format):
    text = text_of(format, render(app, world, format))
    expected = IN_EVERY_FORMAT + ([] if format == "csv" else IN_WHOLE_REPORT)
    missing = [s for s in expected if flat(s) not in text]
    assert not missing, f"{format} lacks {missing}"
    # The internal version says who submitted or registered each answer.
    assert "anna@su.example.se" in text
    assert "petra@example.se" in text


@pytest.mark.parametrize("format", FORMATS)
def test_public_version_has_no_email_address_and_no_unconsented_name(app, world, format):
    content = render(app, world, format, public=True)
    text = text_of(format, content)
    assert not EMAIL.search(text), f"e-mail address in the public {format}: {EMAIL.search(text)}"
    if format in ("docx", "xlsx"):  # every part of the zip, properties included
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                assert not EMAIL.search(archive.read(name).decode("utf-8", "replace")), name
    for unnamed in ("Per Persson", "Olle Olsson", "Anna Andersson", "Petra Processansvarig"):
        assert unnamed not in text
    assert "Patientföreträdare 1" in text and PER_COMMENT in text
    assert "Pia Patient" in text  # she agreed to be named


@pytest.mark.parametrize("format", FORMATS)
def test_script_in_a_comment_is_text(app, world, format):
    content = render(app, world, format)
    if format == "html":
        page = content.decode("utf-8")
        assert "<script" not in page
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page or "&lt;script&gt;alert('x')&lt;/script&gt;" in page
    else:
        assert SCRIPT in text_of(format, content)


@pytest.mark.parametrize("format", FORMATS)
def test_draft_marker_until_the_consolidation_is_complete(app, world, format):
    before = render(app, world, format)
    set_status(app, world, ConsultationStatus.consolidated)
    after = render(app, world, format)
    if format == "json":
        assert json.loads(before)["draft"] is True and json.loads(after)["draft"] is False
    elif format == "csv":
        assert {row["Status"] for row in csv_rows(before)} == {"UTKAST"}
        assert "UTKAST" not in {row["Status"] for row in csv_rows(after)}
    assert "UTKAST" in text_of(format, before)
    assert "UTKAST" not in text_of(format, after)


def test_json_structure(app, world):
    report = json.loads(render(app, world, "json"))
    assert report["format_version"] == "1.2"
    assert report["consultation"]["reference_number"] == "RS 2024-05699"
    assert report["response_rate"] == {"asked": 6, "answered": 4, "declined": 0, "missing": 2, "networks": [
        {"name": "Nätverk förvaltningsföreträdare", "asked": 3, "answered": 2, "declined": 0, "missing": 1},
        {"name": "Större grupp patientföreträdare", "asked": 3, "answered": 2, "declined": 0, "missing": 1}]}
    assert report["dissents"] == []
    respondents = {r["name"]: r for r in report["respondents"]}
    assert respondents["NU-sjukvården"]["late"] is True and respondents["NU-sjukvården"]["channel"] == "email"
    assert respondents["Koncernkontoret"]["answered"] is False
    assert respondents["Patientföreträdare 2"]["answered"] is False
    first = report["principles"][0]
    assert [a["respondent"] for a in first["answers"]] == [
        "NU-sjukvården", "Sahlgrenska Universitetssjukhuset", "Pia Patient", "Patientföreträdare 1"]
    su = first["answers"][1]
    assert su["stance"] == "supports_with_changes"
    assert [c["rating"] for c in su["criteria"]] == ["yes", "partly", "no", "yes"]
    assert su["comment_disposition"] == {"kind": "accepted", "label": "Beaktad",
                                         "reason": "Ansvaret förtydligas i version 2."}
    assert su["proposed_wording_disposition"]["kind"] == "partly_accepted"
    assert su["alternative"]["label"] == "Formulering A"
    assert first["alternatives"]["without_choice"] == 2
    assert [a["count"] for a in first["alternatives"]["alternatives"]] == [1, 1]
    assert first["figures"]["stances"][0] == {"stance": "supports", "label": "Tillstyrker", "count": 1}
    assert first["summary"] == "Principen får brett stöd; ansvaret förtydligas."
    pia = first["answers"][2]
    assert pia["comment_disposition"] == {"kind": None, "label": "Ingen hantering ännu", "reason": ""}
    assert report["section_alternatives"][0]["choices"][0]["reason"] == "Bredare definition."
    assert report["general_questions"][0]["answers"][0]["disposition"]["kind"] == "noted"
    assert report["registered_on_behalf"][0]["attachments"][0]["filename"] == "NU svar.pdf"
    assert report["respondents"][1]["registered_by"] == "Petra Processansvarig <petra@example.se>"
    public = json.loads(render(app, world, "json", public=True))
    assert "submitted_by" not in public["respondents"][0] and "registered_by" not in public["registered_on_behalf"][0]


def test_csv_one_row_per_respondent_and_principle(app, world):
    rows = csv_rows(render(app, world, "csv"))
    # Four respondents answered, three principles: every pair, answered or not.
    assert len(rows) == 12
    su = next(r for r in rows if r["Remissinstans"] == "Sahlgrenska Universitetssjukhuset" and r["Princip"] == "1")
    assert su["Diarienummer"] == "RS 2024-05699"
    assert su["Ställningstagande"] == "Tillstyrker med ändringar"
    assert su["Hantering av synpunkterna"] == "Beaktad"
    assert su["Motivering (förslaget)"] == "Delar av formuleringen tas in."
    assert su["Kriterium 3: Är principen specifik nog?"] == "Nej"
    nu = next(r for r in rows if r["Remissinstans"] == "NU-sjukvården" and r["Princip"] == "1")
    assert nu["Efter svarsdatum"] == "Ja" and nu["Kanal"] == "E-post"


def test_csv_cells_are_never_formulas(app, world):
    from remiss.consultations.models import PrincipleAnswer
    from sqlalchemy import select

    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer).where(PrincipleAnswer.comment == PIA_COMMENT)).scalar_one()
        answer.comment = "=HYPERLINK(\"http://evil.example\")"
        db.session.commit()
    rows = csv_rows(render(app, world, "csv"))
    assert "'=HYPERLINK(\"http://evil.example\")" in [r["Synpunkter"] for r in rows]
    workbook = xlsx_workbook(render(app, world, "xlsx"))
    cells = [c for row in workbook["Princip 1"].iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert cells and all(c.data_type == "s" for c in cells)


def test_xlsx_sheets_in_the_coordinators_layout(app, world):
    workbook = xlsx_workbook(render(app, world, "xlsx"))
    assert workbook.sheetnames == ["Sammanfattning", "Remissinstanser", "Princip 1", "Princip 2", "Princip 3",
                                   "Övergripande frågor", "Alternativ", "Bilaga"]
    sheet = workbook["Princip 1"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "Princip 1: Princip nummer 1"
    assert rows[2][0].startswith("UTKAST")
    header = rows[3]
    assert header[:6] == ["Remissinstans", "Typ av remissinstans", "Inkom", "Efter svarsdatum", "Kanal",
                          "Ställningstagande"]
    by_name = {row[0]: dict(zip(header, row)) for row in rows[4:]}
    assert set(by_name) == {"NU-sjukvården", "Sahlgrenska Universitetssjukhuset", "Pia Patient",
                            "Patientföreträdare 1"}
    assert by_name["NU-sjukvården"]["Hantering av synpunkterna"] == "Ej beaktad"
    assert by_name["Sahlgrenska Universitetssjukhuset"]["Synpunkter"] == SU_COMMENT
    assert sheet.freeze_panes == "B5"
    summary = [[c.value for c in row] for row in workbook["Sammanfattning"].iter_rows()]
    assert summary[0][0].startswith("UTKAST")
    assert ["Diarienummer", "RS 2024-05699"] == summary[3][:2]


def test_docx_has_real_headings_and_header_rows(app, world):
    import docx

    document = docx.Document(io.BytesIO(render(app, world, "docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert ("Heading 1", "Princip 1: Princip nummer 1") in headings
    assert ("Heading 2", "Sammanfattning av synpunkter och ställningstagande") in headings
    assert ("Heading 3", "NU-sjukvården (inkom efter svarsdatum)") in headings
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [
        "Remiss av styrande principer för invånarinteraktion"]
    for table in document.tables:
        assert table.rows[0]._tr.trPr.find(
            "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
    assert document.core_properties.language == "sv-SE"
    assert "UTKAST" in document.sections[0].header.paragraphs[0].text


def test_pdf_has_title_page_contents_page_numbers_and_tags(app, world, tmp_path):
    import subprocess

    content = render(app, world, "pdf")
    path = tmp_path / "r.pdf"
    path.write_bytes(content)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info
    metadata = subprocess.run(["pdfinfo", "-meta", str(path)], check=True, capture_output=True, text=True).stdout
    assert 'pdfuaid:part="1"' in metadata  # declared PDF/UA-1
    structure = subprocess.run(["pdfinfo", "-struct", str(path)], check=True, capture_output=True, text=True).stdout
    assert "H1" in structure and "Table" in structure
    assert "Remissammanställning: Remiss av styrande principer" in info  # the document title
    pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "DejaVu" in fonts
    assert all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:]), "every font embedded"
    first = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(path), "-"], capture_output=True, text=True).stdout
    assert "REMISSAMMANSTÄLLNING" in first and "Diarienummer RS 2024-05699" in first
    assert f"Sida 1 av {pages}" in first
    contents = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(path), "-"], capture_output=True,
                              text=True).stdout
    assert "Innehåll" in contents
    # The table of contents gives the page each principle starts on.
    number = int(re.search(r"Princip 1: Princip nummer 1[ .]*(\d+)", contents).group(1))
    page = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(path), "-"], capture_output=True,
                          text=True).stdout
    assert "Princip 1: Princip nummer 1" in page and "Diarienummer RS 2024-05699" in page
    # The diagonal watermark is a background image: the page's text says UTKAST once, in the footer.
    assert page.count("UTKAST") == 1


def test_english_locale(app, world):
    content = render(app, world, "html", locale="en").decode()
    assert '<html lang="en">' in content
    assert "Patient representative 1" in content


def test_late_and_missing_respondents(app, world):
    text = text_of("html", render(app, world, "html"))
    assert "NU-sjukvården (inkom efter svarsdatum)" in text
    missing = text.split("Har inte svarat", 1)[1].split("Princip 1:", 1)[0]
    assert "Koncernkontoret" in missing and "Patientföreträdare 2" in missing
    assert "Sahlgrenska" not in missing


def test_docx_text_helper_reads_tables(app, world):
    assert "NU svar.pdf" in docx_text(render(app, world, "docx"))


@pytest.mark.parametrize("format", ["html", "docx"])
def test_criterion_comment_is_numbered_by_its_criterion(app, world, format):
    """A comment on the third criterion alone says "kriterium 3", not the first comment's number 1."""
    from sqlalchemy import select

    from remiss.consultations.models import CriterionAnswer, PrincipleAnswer

    with app.app_context():
        answer = db.session.execute(select(PrincipleAnswer).where(PrincipleAnswer.principle_text_id == world.principles[1])
                                    ).scalar_one()
        third = sorted(answer.criterion_answers, key=lambda c: c.criterion.position)[2]
        third.comment = "Specifik nog för oss."
        db.session.commit()
        criterion = third.criterion.text
    text = flat(text_of(format, render(app, world, format)))
    assert f"Kommentar till kriterium 3 ({criterion})" in text
    assert "Kommentar till kriterium 1" not in text
    assert "Specifik nog för oss." in text


def test_report_rows_escape_as_jinja_does():
    """row_html writes the rows Jinja wrote before: its escape must give markupsafe's entities exactly."""
    import markupsafe

    from remiss.reports.row_html import escape

    for text in ["", "Vård & omsorg", "<script>alert('x')</script>", 'Citat "så här"', "&amp; redan", "å > ä < ö"]:
        assert escape(text) == str(markupsafe.escape(text))
