"""A small streaming XLSX (SpreadsheetML) writer: only what the report workbook needs.

Why not a library: the answer sheets are ~25 cells a row and up to 800 000 rows, and the
issue asks for the workbook within 6× a plain SELECT of those rows. openpyxl's write-only
mode spends ~15 µs a cell (a cell object, a type check, a style lookup, an XML element):
26 s at 10 000 × 8 respondents, 90× the floor. XlsxWriter in constant_memory mode needs
~3 µs a cell (4.2–4.8 s for 64 000 × 21 strings), still ~15×. Here a row is one f-string of
inline-string cells appended to the sheet's zip member as it comes, so nothing grows with
the number of rows (no shared-string table, one sheet open at a time).

What it writes: text always as text (inline strings, so "=..." is never a formula, with the
control characters XML forbids dropped), numbers as numbers, naive datetimes as date serials with
the format yyyy-mm-dd hh:mm; bold, title and red draft fonts, wrapped top-aligned text;
column widths, a frozen header row and first column, the header row repeated on every
printed page and an auto filter on it; the document properties.
"""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timezone

# Fonts, in the order of styles.xml: a cell's style index is font * 4 + wrap * 2 + date.
NORMAL, BOLD, TITLE, DRAFT = range(4)
_FONTS = ("<sz val=\"11\"/>", "<b/><sz val=\"11\"/>", "<b/><sz val=\"14\"/>",
          "<b/><sz val=\"12\"/><color rgb=\"FF8A1C14\"/>")
DATE_FORMAT = "yyyy-mm-dd hh:mm"
# Excel's day 0 (with its 1900 leap-year bug, every date after February 1900 counts from here).
_EPOCH = datetime(1899, 12, 30)
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def escape(text: str) -> str:
    """Text for an XML element; the `in` tests keep the common case (nothing to do) cheap."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if not text.isprintable():  # newlines, tabs and the rarely seen control characters
        text = _ILLEGAL.sub("", text.replace("\r", "&#13;"))
    return text


def _quote(text: str) -> str:
    return escape(text).replace('"', "&quot;")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def sheet_name(text: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    name = re.sub(r"[\[\]:*?/\\]", "", text).strip()[:31] or "Blad"
    candidate, n = name, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = name[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


class Sheet:
    def __init__(self, book: Workbook, index: int, name: str, widths, header_row: int | None):
        self.name, self.header_row, self.filter = name, header_row, None
        self.number = 0  # rows written
        self._file = book._zip.open(f"xl/worksheets/sheet{index}.xml", "w")
        self._buffer: list[str] = []
        self._letters = [column_letter(i) for i in range(1, 65)]
        pane = ""
        if header_row is not None:
            pane = (f'<pane xSplit="1" ySplit="{header_row}" topLeftCell="B{header_row + 1}" '
                    'activePane="bottomRight" state="frozen"/><selection pane="bottomRight"/>')
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        selected = ' tabSelected="1"' if index == 1 else ""
        self._buffer.append(
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView{selected} '
            f'workbookViewId="0">{pane}</sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/>{f"<cols>{cols}</cols>" if cols else ""}<sheetData>')

    def row(self, values, font: int = NORMAL, wrap: bool = False) -> None:
        """One row; None and "" leave the cell empty."""
        self.number = n = self.number + 1
        style = font * 4 + wrap * 2
        plain = f'" s="{style}" t="inlineStr"><is><t>'
        preserve = f'" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
        letters = self._letters
        if len(values) > len(letters):
            letters += [column_letter(i) for i in range(len(letters) + 1, len(values) + 1)]
        cells = []
        for letter, value in zip(letters, values):
            if type(value) is not str:
                if value is None:
                    continue
                if type(value) in (int, float):
                    cells.append(f'<c r="{letter}{n}" s="{style}"><v>{value!r}</v></c>')
                    continue
                if isinstance(value, datetime):  # a naive wall-clock time
                    days = (value - _EPOCH).total_seconds() / 86400
                    cells.append(f'<c r="{letter}{n}" s="{style + 1}"><v>{days!r}</v></c>')
                    continue
                value = str(value)  # anything else (a bool, a Decimal): what it says, as text
            if value:
                value = escape(value)
                # Spaces (and newlines) at either end are kept only when the element says so.
                text = preserve if value[0] <= " " or value[-1] <= " " else plain
                cells.append(f'<c r="{letter}{n}{text}{value}</t></is></c>')
        self._buffer.append(f'<row r="{n}">{"".join(cells)}</row>')
        if len(self._buffer) >= 500:
            self._flush()

    def header(self, values) -> None:
        """The bold column headings, with an auto filter over them."""
        self.row(values, BOLD)
        self.filter = f"$A${self.number}:${column_letter(max(len(values), 1))}${self.number}"

    def _flush(self) -> None:
        self._file.write("".join(self._buffer).encode("utf-8"))
        self._buffer.clear()

    def close(self) -> None:
        self._buffer.append("</sheetData>")
        if self.filter:
            self._buffer.append(f'<autoFilter ref="{self.filter.replace("$", "")}"/>')
        self._buffer.append("</worksheet>")
        self._flush()
        self._file.close()


class Workbook:
    """Sheets are written one after another: starting one finishes the one before."""

    def __init__(self, target, compresslevel: int = 1, **properties):
        self._zip = zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel)
        self.properties = properties  # title, subject, creator, keywords, category, language
        self.sheets: list[Sheet] = []
        self._names: set[str] = set()

    def sheet(self, name: str, widths=(), header_row: int | None = None) -> Sheet:
        """A new sheet; with header_row, that row and the first column stay in view and print on every page."""
        if self.sheets:
            self.sheets[-1].close()
        sheet = Sheet(self, len(self.sheets) + 1, sheet_name(name, self._names), widths, header_row)
        self.sheets.append(sheet)
        return sheet

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, kind, error, traceback) -> None:
        if kind is None:
            self.close()
        else:  # a failed report: let go of the zip without finishing it
            if self.sheets:
                self.sheets[-1]._file.close()
            self._zip.close()

    def close(self) -> None:
        if not self.sheets:
            self.sheet("Blad")
        self.sheets[-1].close()
        count, write = len(self.sheets), self._zip.writestr
        names, defined = "", ""
        for i, sheet in enumerate(self.sheets):
            names += f'<sheet name="{_quote(sheet.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            quoted = _quote("'" + sheet.name.replace("'", "''") + "'")
            if sheet.filter:
                defined += (f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                            f'{quoted}!{sheet.filter}</definedName>')
            if sheet.header_row is not None:
                defined += (f'<definedName name="_xlnm.Print_Titles" localSheetId="{i}">'
                            f'{quoted}!${sheet.header_row}:${sheet.header_row}</definedName>')
        write("xl/workbook.xml", f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/>'
                                 f'</bookViews><sheets>{names}</sheets>'
                                 f'{f"<definedNames>{defined}</definedNames>" if defined else ""}</workbook>')
        write("xl/styles.xml", _styles())
        rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                       for i in range(1, count + 1))
        write("xl/_rels/workbook.xml.rels", f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}<Relationship '
                                            f'Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
                                            '</Relationships>')
        write("docProps/core.xml", self._core())
        write("_rels/.rels", f'{_XML}<Relationships xmlns="{_PKG_REL}">'
                             f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
                             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
                             'relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>')
        office = "application/vnd.openxmlformats-officedocument"
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                         f'ContentType="{office}.spreadsheetml.worksheet+xml"/>' for i in range(1, count + 1))
        write("[Content_Types].xml", (
            f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{office}.spreadsheetml.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{office}.spreadsheetml.styles+xml"/>{sheets}'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>'))
        self._zip.close()

    def _core(self) -> str:
        p = {k: _quote(str(v)) for k, v in self.properties.items() if v is not None}
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        elements = "".join(f"<{tag}>{p[key]}</{tag}>" for key, tag in (
            ("title", "dc:title"), ("subject", "dc:subject"), ("creator", "dc:creator"),
            ("keywords", "cp:keywords"), ("category", "cp:category"), ("language", "dc:language")) if key in p)
        return (f'{_XML}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
                'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f'{elements}<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>')


def _styles() -> str:
    fonts = "".join(f'<font>{f}<name val="Calibri"/><family val="2"/></font>' for f in _FONTS)
    xfs = ""
    for font in range(len(_FONTS)):
        for wrap in (0, 1):
            for is_date in (0, 1):
                alignment = '<alignment wrapText="1" vertical="top"/>' if wrap else ""
                xfs += (f'<xf numFmtId="{164 if is_date else 0}" fontId="{font}" fillId="0" borderId="0" xfId="0" '
                        f'applyFont="1" applyNumberFormat="1" applyAlignment="1">{alignment}</xf>')
    return (f'{_XML}<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
            f'formatCode="{DATE_FORMAT}"/></numFmts><fonts count="{len(_FONTS)}">{fonts}</fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill '
            'patternType="gray125"/></fill></fills><borders count="1"><border><left/><right/><top/><bottom/>'
            '<diagonal/></border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            f'borderId="0"/></cellStyleXfs><cellXfs count="{len(_FONTS) * 4}">{xfs}</cellXfs><cellStyles '
            'count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')
