"""The XLSX report and its writer (remiss.reports.spreadsheet), read back with openpyxl as a
spreadsheet program would: text stays text, numbers are numbers, moments are dates, the header
row stays in view and prints on every page."""
from __future__ import annotations

import io
import zipfile
from datetime import datetime
from xml.etree import ElementTree

from openpyxl import load_workbook

from remiss.consultations.models import Consultation, PrincipleAnswer
from remiss.extensions import db
from remiss.reports import rendering, spreadsheet
from tests.reports.conftest import PIA_COMMENT, SU_COMMENT, xlsx_workbook


def written(build) -> bytes:
    target = io.BytesIO()
    with spreadsheet.Workbook(target, title="Titel & <mer>", creator="Remiss", language="sv") as book:
        build(book)
    return target.getvalue()


def values(sheet) -> list[list]:
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_cells_keep_their_types():
    moment = datetime(2026, 11, 23, 14, 5)
    content = written(lambda book: book.sheet("Blad").row(
        ["=SUM(A1:A3)", 42, 2.5, moment, None, "", "  indraget  ", "rad 1\r\nrad 2", "A & B <c> \x00\x07slut"]))
    sheet = load_workbook(io.BytesIO(content))["Blad"]
    cells = list(sheet.iter_rows())[0]
    assert [c.value for c in cells] == ["=SUM(A1:A3)", 42, 2.5, moment, None, None, "  indraget  ",
                                        "rad 1\r\nrad 2", "A & B <c> slut"]
    assert cells[0].data_type == "s"  # a formula-looking text is never a formula
    assert cells[3].is_date and cells[3].number_format == "yyyy-mm-dd hh:mm"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:  # every part is well-formed XML
        for name in archive.namelist():
            ElementTree.fromstring(archive.read(name))


def test_styles_views_and_print_titles():
    def build(book):
        first = book.sheet("Första", [30, 12])
        first.row(["Rubrik"], spreadsheet.TITLE)
        first.row(["UTKAST"], spreadsheet.DRAFT)
        second = book.sheet("Första", [40], header_row=2)  # the same name again: made unique
        second.row(["Ovanför"])
        second.header(["Namn", "Text"])
        second.row(["SU", "lång text"], wrap=True)
        book.sheet("a/b:c*d?e[f]g\\h" + "x" * 40)

    workbook = load_workbook(io.BytesIO(written(build)))
    assert workbook.sheetnames == ["Första", "Första (2)", "abcdefgh" + "x" * 23]
    first, second = workbook["Första"], workbook["Första (2)"]
    assert first["A1"].font.b and first["A1"].font.sz == 14
    assert first["A2"].font.color.rgb == "FF8A1C14"
    assert first.column_dimensions["A"].width == 30 and first.freeze_panes is None
    assert second.freeze_panes == "B3"
    assert second.print_title_rows == "$2:$2"
    assert second.auto_filter.ref == "A2:B2"
    assert second["A2"].font.b and not second["A3"].font.b
    assert second["B3"].alignment.wrap_text and second["B3"].alignment.vertical == "top"
    assert workbook.properties.title == "Titel & <mer>" and workbook.properties.language == "sv"


def test_many_rows_stream_into_one_sheet():
    def build(book):
        sheet = book.sheet("Svar", header_row=1)
        sheet.header(["Nr", "Text"])
        for i in range(5000):
            sheet.row([i, f"svar {i}"])

    content = written(build)
    rows = values(load_workbook(io.BytesIO(content), read_only=True)["Svar"])
    assert len(rows) == 5001 and rows[-1] == [4999, "svar 4999"]
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert archive.testzip() is None
        assert "xl/sharedStrings.xml" not in archive.namelist()  # inline strings: no table held in memory


def test_report_cells_are_typed(app, world):
    with app.app_context():
        answer = db.session.execute(db.select(PrincipleAnswer).where(PrincipleAnswer.comment == PIA_COMMENT)).scalar_one()
        answer.comment = "=1+1 och\x0b mer"
        db.session.commit()
        consultation = db.session.get(Consultation, world.consultation)
        workbook = xlsx_workbook(rendering.render(consultation, "xlsx", public=False))
    summary = {row[0]: row[1] for row in values(workbook["Sammanfattning"]) if row and row[0]}
    assert summary["Tillfrågade remissinstanser"] == 6 and summary["Har svarat"] == 4
    assert isinstance(summary["Svarsdatum"], datetime)
    sheet = workbook["Princip 1"]
    header = [c.value for c in sheet[4]]
    rows = {row[0].value: dict(zip(header, row)) for row in sheet.iter_rows(min_row=5)}
    su = rows["Sahlgrenska Universitetssjukhuset"]
    assert su["Synpunkter"].value == SU_COMMENT and su["Synpunkter"].data_type == "s"
    assert su["Inkom"].is_date and isinstance(su["Inkom"].value, datetime)
    pia = rows["Pia Patient"]["Synpunkter"]
    assert pia.value == "=1+1 och mer" and pia.data_type == "s"
    assert sheet.freeze_panes == "B5" and sheet.print_title_rows == "$4:$4"
    assert workbook["Remissinstanser"].freeze_panes == "B3"
    appendix = values(workbook["Bilaga"])
    assert any(isinstance(v, int) and v > 0 for row in appendix for v in row)  # the original's size in bytes
