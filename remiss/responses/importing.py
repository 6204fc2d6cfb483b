"""Bulk import of answers from a CSV or XLSX file: one row per respondent × principle.

The answers arrived outside Remiss (e-mail, paper, a coordinator's spreadsheet) and
the process owner registers them in one go. The whole file is read and checked first;
every problem is reported with its row number, and nothing is written unless the
whole file is valid. Then each respondent's rows become one submitted response,
channel `bulk_import`. The columns are documented in docs/import-format.md.

Made for large files (100 000 rows): the file is streamed row by row, respondents,
principles and alternatives are looked up once in dictionaries, and new responses'
answers are written with a handful of bulk INSERTs (COPY on PostgreSQL), not one query
per row. Drafts begun online are continued through remiss.responses.operations.apply_answers,
the answer form's own writer. Measured with 100 000 rows × 4 criteria: CSV checked in
about 3 s, written in about 15 s on PostgreSQL; XLSX reading is openpyxl's pace (~20 s).
"""
from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import IO

from flask import current_app
from flask_babel import format_decimal, format_number, gettext as _
from sqlalchemy import insert, select, text as sql_text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from remiss.audit import record_many
from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consultations.models import (
    AlternativeChoice,
    Consultation,
    CriteriaScale,
    CriterionAnswer,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
    Stance,
)
from remiss.consultations import states
from remiss.documents.models import Alternative, PrincipleText
from remiss.extensions import db
from remiss.labels import label
from remiss.responses import operations as answering
from remiss.timeutil import STOCKHOLM, local, utcnow

# A file larger than this is refused before it is read (IMPORT_MAX_BYTES overrides it).
# 20 MB holds well over 100 000 rows of typical answers.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# Longest text per column: as in the answer form (remiss.responses.operations), so that an
# imported answer can be opened and saved there again.
MAX_LENGTHS = {"reason": answering.MAX_REASON_LENGTH}
# More errors than this are counted, not listed: the first ones show what is wrong.
MAX_LISTED_ERRORS = 500
# Values quoted back in an error message are cut to this length.
QUOTE_LENGTH = 60

CSV_DELIMITERS = (";", ",", "\t")
XLSX_MAGIC = b"PK\x03\x04"
OLD_EXCEL_MAGIC = b"\xd0\xcf\x11\xe0"
# PDF, PNG, JPEG, GIF: documents people pick by mistake.
BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


# --- The columns -------------------------------------------------------------------------

# Canonical key → accepted header names (compared lower-cased, spaces collapsed).
# The first name is the Swedish one written in the template.
COLUMNS: dict[str, tuple[str, ...]] = {
    "respondent": ("remissinstans", "respondent"),
    "principle": ("princip", "principle", "principnummer", "principle number"),
    "stance": ("ställningstagande", "stance"),
    "comment": ("synpunkt", "synpunkter", "comment"),
    "proposed_wording": ("ändringsförslag", "proposed wording"),
    "alternative": ("föredraget alternativ", "preferred alternative"),
    "reason": ("motivering", "reason"),
    "received": ("inkom", "received"),
}
CRITERION_HEADER = re.compile(r"^(?:kriterium|criterion)\s*(\d+)$")
CRITERION_COMMENT_HEADER = re.compile(r"^(?:kriterium|criterion)\s*(\d+)\s+(?:kommentar|comment)$")
REQUIRED = ("respondent", "principle")

STANCE_WORDS: dict[str, Stance] = {
    "tillstyrker": Stance.supports,
    "supports": Stance.supports,
    "tillstyrker med ändringar": Stance.supports_with_changes,
    "supports with changes": Stance.supports_with_changes,
    "avstyrker": Stance.opposes,
    "opposes": Stance.opposes,
    "inga synpunkter": Stance.no_comments,
    "ingen erinran": Stance.no_comments,
    "no comments": Stance.no_comments,
}
RATING_WORDS: dict[CriteriaScale, dict[str, str]] = {
    CriteriaScale.yes_partly_no: {
        "ja": "yes", "yes": "yes", "delvis": "partly", "partly": "partly", "nej": "no", "no": "no",
    },
    CriteriaScale.one_to_four: {str(n): str(n) for n in range(1, 5)},
}


def _normalise(text: str) -> str:
    """How names and words are compared: NFC, lower case, single spaces."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _quote(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= QUOTE_LENGTH else value[: QUOTE_LENGTH - 1] + "…"


def alternatives_offered(consultation: Consultation) -> bool:
    """Does any principle of the consulted version offer alternatives to choose between?"""
    return consultation.ask_alternatives and db.session.execute(
        select(Alternative.id).where(Alternative.version_id == consultation.version_id,
                                     Alternative.principle_text_id.is_not(None)).limit(1)
    ).first() is not None


def header_names(consultation: Consultation, alternatives_offered: bool) -> list[str]:
    """The Swedish headers of the consultation's template, in order: only what it asks."""
    names = ["remissinstans", "princip"]
    if consultation.ask_stance:
        names.append("ställningstagande")
    for criterion in consultation.criteria:
        names += [f"kriterium {criterion.position}", f"kriterium {criterion.position} kommentar"]
    if consultation.ask_comment:
        names.append("synpunkt")
    if consultation.ask_proposed_wording:
        names.append("ändringsförslag")
    if consultation.ask_alternatives and alternatives_offered:
        names += ["föredraget alternativ", "motivering"]
    names.append("inkom")
    return names


# --- Results and errors ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowError:
    row: int  # as the spreadsheet numbers it: the header is row 1; 0 for the file as a whole
    message: str

    def __str__(self) -> str:
        if self.row:
            return _("Rad %(row)s: %(message)s", row=self.row, message=self.message)
        return self.message


class ImportFailed(Exception):
    """The file was not imported; `errors` says why, row by row."""

    def __init__(self, errors: list[RowError], unlisted: int = 0):
        super().__init__(f"{len(errors) + unlisted} errors")
        self.errors = errors
        self.unlisted = unlisted  # errors found beyond MAX_LISTED_ERRORS

    @property
    def total(self) -> int:
        return len(self.errors) + self.unlisted


@dataclass(slots=True)
class ImportedRow:
    """One valid row, resolved to ids: what is written for one respondent × principle."""

    row: int
    respondent_id: int
    principle_text_id: int
    stance: Stance | None = None
    comment: str = ""
    proposed_wording: str = ""
    # criterion id → (rating or None, comment)
    criteria: dict[int, tuple[str | None, str]] = field(default_factory=dict)
    alternative_id: int | None = None
    reason: str = ""


@dataclass
class ImportResult:
    responses: int
    answers: int
    respondents: list[str]  # names, in the order of the file


class _Errors:
    """Collects errors; lists the first MAX_LISTED_ERRORS and counts the rest."""

    def __init__(self):
        self.listed: list[RowError] = []
        self.unlisted = 0

    def add(self, row: int, message: str) -> None:
        if len(self.listed) < MAX_LISTED_ERRORS:
            self.listed.append(RowError(row, message))
        else:
            self.unlisted += 1

    def __bool__(self) -> bool:
        return bool(self.listed)

    def fail(self) -> ImportFailed:
        return ImportFailed(self.listed, self.unlisted)


# --- Reading the file -----------------------------------------------------------------------


def _size_of(stream: IO[bytes]) -> int:
    position = stream.tell()
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def _cell_text(value) -> str:
    """A cell as text: Excel gives numbers and dates as such, CSV gives strings."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != time(0) else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_rows(stream: IO[bytes], encoding: str) -> Iterator[list[str]]:
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    try:
        first = text.readline()
        reader = csv.reader(_chain([first], text), delimiter=_delimiter_of(first), strict=False)
        try:
            yield from reader
        except csv.Error:  # e.g. a cell beyond the csv module's 128 KB limit
            raise _UnreadableFile(_("Filen kunde inte läsas som CSV vid rad %(row)s. Kontrollera citattecknen och att ingen cell är orimligt lång.",
                                    row=reader.line_num)) from None
    finally:
        text.detach()  # the caller owns the stream


def _chain(first: list[str], rest) -> Iterator[str]:
    yield from first
    yield from rest


def _delimiter_of(header_line: str) -> str:
    """Swedish Excel separates with ';', others with ',' or tab: the one that splits the
    header into the most known column names wins."""

    def known(delimiter: str) -> int:
        cells = next(csv.reader([header_line], delimiter=delimiter), [])
        return sum(1 for cell in cells if _column_key(_normalise(cell)) is not None)

    best = max(CSV_DELIMITERS, key=known)
    if known(best) == 0:
        try:
            return csv.Sniffer().sniff(header_line, delimiters="".join(CSV_DELIMITERS)).delimiter
        except csv.Error:
            return ","
    return best


def _xlsx_rows(stream: IO[bytes]) -> Iterator[list[str]]:
    """The first sheet's rows, streamed (read-only mode keeps memory flat for large files)."""
    import zipfile
    from xml.etree.ElementTree import ParseError

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, ParseError, KeyError, ValueError, TypeError, OSError) as error:
        current_app.logger.info("Unreadable XLSX import file: %r", error)
        raise _UnreadableFile(_("Filen kunde inte läsas som ett Excel-kalkylark (.xlsx). Kontrollera att den inte är skadad eller lösenordsskyddad.")) from None
    try:
        sheet = workbook.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in values]
    except (zipfile.BadZipFile, ParseError, KeyError, ValueError, TypeError, OSError) as error:
        current_app.logger.info("Unreadable XLSX import file: %r", error)
        raise _UnreadableFile(_("Filen kunde inte läsas till slut som ett Excel-kalkylark (.xlsx). Kontrollera att den inte är skadad.")) from None
    finally:
        workbook.close()


class _UnreadableFile(Exception):
    pass


def _open_rows(stream: IO[bytes], filename: str) -> Iterator[list[str]]:
    """The file's rows as lists of strings, header first, by content and name."""
    head = stream.read(8)
    stream.seek(0)
    extension = filename.rsplit(".", 1)[-1].casefold() if "." in filename else ""
    if head.startswith(XLSX_MAGIC):
        if extension not in ("xlsx", "xlsm", ""):
            raise _UnreadableFile(_("Filen ser ut att vara ett annat slags dokument än ett kalkylark. Spara den som .xlsx eller .csv."))
        return _xlsx_rows(stream)
    if extension in ("xlsx", "xlsm"):
        raise _UnreadableFile(_("Filen heter .%(extension)s men är inget Excel-kalkylark. Spara den på nytt från Excel som .xlsx.",
                                extension=extension))
    if head.startswith(OLD_EXCEL_MAGIC) or extension == "xls":
        raise _UnreadableFile(_("Filer i det gamla Excel-formatet (.xls) kan inte läsas. Spara filen som .xlsx eller som CSV UTF-8."))
    if extension not in ("csv", "txt", ""):
        raise _UnreadableFile(_("Filtypen ”.%(extension)s” kan inte importeras. Använd en CSV-fil (.csv) eller en Excel-fil (.xlsx).",
                                extension=_quote(extension)))
    if head.startswith(codecs.BOM_UTF16_LE) or head.startswith(codecs.BOM_UTF16_BE):
        # Excel's "Unicode-text": UTF-16, tab-separated.
        return _csv_rows_checked(stream, "utf-16")
    sample = stream.read(4096)
    stream.seek(0)
    # A NUL in a cell is reported on its row; a file full of them is no text at all.
    if head.startswith(BINARY_MAGIC) or sample.count(b"\x00") > len(sample) // 20:
        raise _UnreadableFile(_("Filen är inte en textfil. Använd en CSV-fil (.csv) eller en Excel-fil (.xlsx)."))
    return _csv_rows_any_encoding(stream)


def _csv_rows_any_encoding(stream: IO[bytes]) -> Iterator[list[str]]:
    """UTF-8 (with or without BOM) as asked for; Swedish Excel's plain "CSV (semikolonavgränsad)"
    is Windows-1252, and is accepted too rather than refused for its å, ä and ö."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(1 << 16):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        encoding = "utf-8-sig"
    except UnicodeDecodeError:
        encoding = "cp1252"
    stream.seek(0)
    yield from _csv_rows_checked(stream, encoding)


def _csv_rows_checked(stream: IO[bytes], encoding: str) -> Iterator[list[str]]:
    try:
        yield from _csv_rows(stream, encoding)
    except UnicodeDecodeError:
        raise _UnreadableFile(_("Filens teckenkodning känns inte igen. Spara den som ”CSV UTF-8”.")) from None


# --- The header --------------------------------------------------------------------------------


def _column_key(name: str) -> str | None:
    for key, names in COLUMNS.items():
        if name in names:
            return key
    if match := CRITERION_HEADER.match(name):
        return f"criterion:{int(match.group(1))}"
    if match := CRITERION_COMMENT_HEADER.match(name):
        return f"criterion_comment:{int(match.group(1))}"
    return None


def _read_header(cells: list[str], asked_positions: set[int], errors: _Errors) -> dict[str, int]:
    """Column key → index. Unknown, repeated and missing columns are errors of row 1."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = _normalise(cell)
        if not name:
            continue
        key = _column_key(name)
        if key is None:
            errors.add(1, _("kolumnen ”%(name)s” känns inte igen – se importformatet för vilka kolumner som finns.",
                            name=_quote(cell)))
            continue
        if key in columns:
            errors.add(1, _("kolumnen ”%(name)s” finns mer än en gång.", name=_quote(cell)))
            continue
        if ":" in key and int(key.split(":")[1]) not in asked_positions:
            errors.add(1, _("kolumnen ”%(name)s” hör till ett kriterium som remissen inte frågar efter.", name=_quote(cell)))
            continue
        columns[key] = index
    for key in REQUIRED:
        if key not in columns:
            errors.add(1, _("kolumnen ”%(name)s” saknas.", name=COLUMNS[key][0]))
    return columns


# --- What the consultation offers, loaded once --------------------------------------------------


class _Lookup:
    """Respondents, principles, criteria and alternatives of one consultation, in dictionaries."""

    def __init__(self, consultation: Consultation):
        self.consultation = consultation
        respondents = db.session.execute(
            select(Respondent)
            .where(Respondent.consultation_id == consultation.id)
            .options(selectinload(Respondent.organisation), selectinload(Respondent.user))
        ).scalars().all()
        self.respondents: dict[str, Respondent] = {}
        # Full organisation names first, so that a short name wins where they coincide.
        for respondent in respondents:
            if respondent.organisation is not None:
                self.respondents[_normalise(respondent.organisation.name)] = respondent
        for respondent in respondents:
            if respondent.organisation is not None:
                self.respondents[_normalise(respondent.organisation.short_name)] = respondent
            else:
                self.respondents[_normalise(respondent.user.email)] = respondent
        self.names = {r.id: respondent_name(r) for r in respondents}

        self.submitted: set[int] = set(db.session.execute(
            select(Response.respondent_id).join(Respondent).where(
                Respondent.consultation_id == consultation.id, Response.status == ResponseStatus.submitted
            )
        ).scalars())

        texts = db.session.execute(
            select(PrincipleText).where(PrincipleText.version_id == consultation.version_id).order_by(PrincipleText.number)
        ).scalars().all()
        self.principles: dict[int, PrincipleText] = {text.number: text for text in texts}
        self.alternatives: dict[int, dict[str, Alternative]] = {}
        for alternative in db.session.execute(
            select(Alternative).where(Alternative.version_id == consultation.version_id,
                                      Alternative.principle_text_id.is_not(None))
        ).scalars():
            self.alternatives.setdefault(alternative.principle_text_id, {})[_normalise(alternative.label)] = alternative
        self.criteria = {criterion.position: criterion for criterion in consultation.criteria}


def respondent_name(respondent: Respondent) -> str:
    """How a respondent is named in the file and in messages: short name or e-mail."""
    if respondent.organisation is not None:
        return respondent.organisation.short_name
    return respondent.user.email


# --- Checking each row ---------------------------------------------------------------------------


def _stance_choices() -> str:
    return _("tillstyrker, tillstyrker med ändringar, avstyrker eller inga synpunkter")


def _rating_choices(scale: CriteriaScale) -> str:
    if scale == CriteriaScale.one_to_four:
        return _("ett tal 1–4")
    return _("ja, delvis eller nej")


def _parse_received(value: str) -> datetime | None:
    """ISO date or date and time (as Excel and Swedish habit write them), on the Stockholm clock."""
    value = value.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime.combine(day, time(0), STOCKHOLM).astimezone(timezone.utc)
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=STOCKHOLM)
    return moment.astimezone(timezone.utc)


class _Validator:
    def __init__(self, lookup: _Lookup, columns: dict[str, int], errors: _Errors, now: datetime):
        self.lookup = lookup
        self.consultation = lookup.consultation
        self.columns = columns
        self.errors = errors
        self.now = now
        self.seen: dict[tuple[int, int], int] = {}  # (respondent, principle) → first row
        self.received: dict[int, tuple[datetime, int]] = {}  # respondent → (inkom, row)
        self.reported_submitted: set[int] = set()
        self.rows: dict[int, list[ImportedRow]] = {}  # respondent id → rows, in file order
        self.asked = self._asked_columns()

    def _asked_columns(self) -> dict[str, bool]:
        c = self.consultation
        return {
            "stance": c.ask_stance,
            "comment": c.ask_comment,
            "proposed_wording": c.ask_proposed_wording,
            "alternative": c.ask_alternatives,
            "reason": c.ask_alternatives,
        }

    def check(self, number: int, cells: list[str]) -> None:
        def cell(key: str) -> str:
            index = self.columns.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        problems = len(self.errors.listed) + self.errors.unlisted
        # Cells that are not columns (text beyond the header's last column) are not read.
        for key, index in self.columns.items():
            if index >= len(cells):
                continue
            if "\x00" in cells[index]:
                self.errors.add(number, _("kolumnen ”%(column)s” innehåller ett otillåtet tecken (NUL).",
                                          column=self._column_name(key)))
            # As the answer form stores text: line breaks as LF, no NUL.
            cells[index] = answering.clean_text(cells[index])
            maximum = MAX_LENGTHS.get(key, answering.MAX_TEXT_LENGTH)
            if len(cells[index]) > maximum:
                self.errors.add(number, _("kolumnen ”%(column)s” har %(length)s tecken; högst %(max)s får plats.",
                                          column=self._column_name(key), length=format_number(len(cells[index])),
                                          max=format_number(maximum)))
                cells[index] = ""

        respondent = self._respondent(number, cell("respondent"))
        principle = self._principle(number, cell("principle"))
        row = ImportedRow(row=number, respondent_id=respondent.id if respondent else 0,
                          principle_text_id=principle.id if principle else 0)

        for key in ("stance", "comment", "proposed_wording", "alternative", "reason"):
            if cell(key) and not self.asked[key]:
                self.errors.add(number, _("remissen frågar inte efter ”%(column)s”; lämna kolumnen tom.",
                                          column=self._column_name(key)))
        if value := cell("stance"):
            row.stance = STANCE_WORDS.get(_normalise(value))
            if row.stance is None:
                self.errors.add(number, _("ställningstagande ”%(value)s” finns inte – välj %(choices)s.",
                                          value=_quote(value), choices=_stance_choices()))
        row.comment = cell("comment")
        row.proposed_wording = cell("proposed_wording")
        self._criteria(number, row, cell)
        self._alternative(number, row, principle, cell("alternative"), cell("reason"))

        if respondent is not None:
            self._received(number, respondent, cell("received"))
            if respondent.id in self.lookup.submitted and respondent.id not in self.reported_submitted:
                self.reported_submitted.add(respondent.id)
                self.errors.add(number, _("”%(name)s” har redan ett inskickat svar; ett inskickat svar ändras inte av en import.",
                                          name=self.lookup.names[respondent.id]))
        if respondent is not None and principle is not None:
            key = (respondent.id, principle.id)
            if key in self.seen:
                self.errors.add(number, _("”%(name)s” och princip %(number)s finns redan på rad %(first)s.",
                                          name=self.lookup.names[respondent.id], number=principle.number, first=self.seen[key]))
            else:
                self.seen[key] = number
        if len(self.errors.listed) + self.errors.unlisted == problems:
            self.rows.setdefault(row.respondent_id, []).append(row)

    def _column_name(self, key: str) -> str:
        if key.startswith("criterion:"):
            return f"kriterium {key.split(':')[1]}"
        if key.startswith("criterion_comment:"):
            return f"kriterium {key.split(':')[1]} kommentar"
        return COLUMNS[key][0]

    def _respondent(self, number: int, value: str) -> Respondent | None:
        if not value:
            self.errors.add(number, _("remissinstans saknas."))
            return None
        respondent = self.lookup.respondents.get(_normalise(value))
        if respondent is None:
            self.errors.add(number, _("okänd remissinstans ”%(value)s” – ange organisationens kortnamn eller personens e-postadress, som i remissens sändlista.",
                                      value=_quote(value)))
        return respondent

    def _principle(self, number: int, value: str) -> PrincipleText | None:
        if not value:
            self.errors.add(number, _("princip saknas."))
            return None
        text = None
        digits = value.removeprefix("Princip").removeprefix("princip").strip().removesuffix(".0")
        if digits.isascii() and digits.isdigit():
            text = self.lookup.principles.get(int(digits))
        if text is None:
            numbers = sorted(self.lookup.principles)
            self.errors.add(number, _("princip ”%(value)s” finns inte i versionen som remitteras (principerna har nummer %(first)s–%(last)s).",
                                      value=_quote(value), first=numbers[0] if numbers else 0, last=numbers[-1] if numbers else 0))
        return text

    def _criteria(self, number: int, row: ImportedRow, cell) -> None:
        scale = self.consultation.criteria_scale
        for position, criterion in self.lookup.criteria.items():
            value, comment = cell(f"criterion:{position}"), cell(f"criterion_comment:{position}")
            rating = None
            if value:
                rating = RATING_WORDS[scale].get(_normalise(value))
                if rating is None:
                    self.errors.add(number, _("kriterium %(position)s ”%(value)s” går inte att tolka – välj %(choices)s.",
                                              position=position, value=_quote(value), choices=_rating_choices(scale)))
            if rating or comment:
                row.criteria[criterion.id] = (rating, comment)

    def _alternative(self, number: int, row: ImportedRow, principle: PrincipleText | None, value: str, reason: str) -> None:
        row.reason = reason
        if principle is None or not (value or reason):
            return
        offered = self.lookup.alternatives.get(principle.id, {})
        if not offered:
            self.errors.add(number, _("princip %(number)s har inga alternativ att välja mellan; lämna ”föredraget alternativ” och ”motivering” tomma.",
                                      number=principle.number))
            return
        if value:
            alternative = offered.get(_normalise(value))
            if alternative is None:
                labels = ", ".join(f"”{a.label}”" for a in sorted(offered.values(), key=lambda a: a.position))
                self.errors.add(number, _("alternativet ”%(value)s” finns inte för princip %(number)s – välj %(labels)s.",
                                          value=_quote(value), number=principle.number, labels=labels))
            else:
                row.alternative_id = alternative.id

    def _received(self, number: int, respondent: Respondent, value: str) -> None:
        if not value:
            return
        moment = _parse_received(value)
        if moment is None:
            self.errors.add(number, _("inkom ”%(value)s” är inget datum – skriv till exempel %(example)s.",
                                      value=_quote(value), example=local(self.now).date().isoformat()))
            return
        if moment > self.now:
            self.errors.add(number, _("inkom %(value)s ligger i framtiden.", value=_quote(value)))
            return
        earlier = self.received.get(respondent.id)
        if earlier is None:
            self.received[respondent.id] = (moment, number)
        elif earlier[0] != moment:
            self.errors.add(number, _("inkom %(value)s skiljer sig från rad %(first)s för samma remissinstans; ett svar har ett inkomstdatum.",
                                      value=_quote(value), first=earlier[1]))


# --- The public operations -----------------------------------------------------------------------


@dataclass
class ValidatedFile:
    """A checked file, ready to be written: rows per respondent, in file order."""

    rows: dict[int, list[ImportedRow]]
    received: dict[int, datetime]
    names: dict[int, str]


def validate(consultation: Consultation, stream: IO[bytes], filename: str) -> ValidatedFile:
    """Read and check the whole file; raise ImportFailed with every error found. Writes nothing."""
    errors = _Errors()
    if not states.registration_possible(consultation):
        errors.add(0, _("Svar kan importeras när remissen är öppen eller stängd, inte när den är ”%(status)s”.",
                        status=label(consultation.status)))
        raise errors.fail()
    max_bytes = current_app.config.get("IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES)
    size = _size_of(stream)
    if size == 0:
        errors.add(0, _("Filen är tom."))
        raise errors.fail()
    if size > max_bytes:
        errors.add(0, _("Filen är %(size)s MB; högst %(max)s MB tas emot. Dela upp den i flera filer.",
                        size=format_decimal(round(size / 1_048_576, 1)), max=format_decimal(round(max_bytes / 1_048_576, 1))))
        raise errors.fail()

    lookup = _Lookup(consultation)
    now = utcnow()
    rows = None
    try:
        rows = _open_rows(stream, filename)
        header = next(rows, None)
        if header is None:
            errors.add(0, _("Filen är tom."))
            raise errors.fail()
        columns = _read_header(header, set(lookup.criteria), errors)
        if errors:
            raise errors.fail()
        validator = _Validator(lookup, columns, errors, now)
        count = 0
        for number, cells in enumerate(rows, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            validator.check(number, cells)
            count += 1
    except _UnreadableFile as error:
        errors.add(0, str(error))
        raise errors.fail() from None
    finally:
        if rows is not None:
            rows.close()  # now, while the stream is still open, not whenever it is collected
    if count == 0 and not errors:
        errors.add(0, _("Filen har inga rader med svar under rubrikraden."))
    if errors:
        raise errors.fail()
    return ValidatedFile(
        rows=validator.rows,
        received={respondent_id: moment for respondent_id, (moment, _row) in validator.received.items()},
        names=lookup.names,
    )


def import_responses(consultation: Consultation, stream: IO[bytes], filename: str, actor: User | None, *,
                     publish_name: bool = False) -> ImportResult:
    """Register the answers in a CSV or XLSX file as submitted responses (channel bulk_import).

    Called by a process owner (the upload page) or the command line (actor None or the
    person named). Raises ImportFailed and writes nothing when any row is wrong. Does not
    commit: the caller does. `publish_name`: whether the respondents allowed their answers to be
    published with their names (the upload page asks; not named unless said).
    """
    checked = validate(consultation, stream, filename)
    answers = write_responses(consultation, checked, actor, filename, publish_name=publish_name)
    return ImportResult(responses=len(checked.rows), answers=answers,
                        respondents=[checked.names[respondent_id] for respondent_id in checked.rows])


def write_responses(consultation: Consultation, checked: ValidatedFile, actor: User | None, filename: str, *,
                    publish_name: bool = False) -> int:
    """Each respondent's rows become one submitted response; returns the number of answers.

    A draft begun in the web form is continued through the answer form's own
    `apply_answers`: the file's principles replace what the draft said about them, the rest
    of the draft stays, and the whole is submitted. Respondents without an answer (nearly all,
    in a large file) get a new response whose answers are written in bulk: `apply_answers`
    looks up and inserts one answer at a time, minutes for 100 000 rows.
    """
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    respondent_ids = list(checked.rows)
    if not respondent_ids:
        return 0

    # The respondents' current responses at once (what answering.current_response finds for one).
    latest: dict[int, Response] = {}
    for response in db.session.execute(
        select(Response).where(Response.respondent_id.in_(respondent_ids)).order_by(Response.revision)
    ).scalars():
        latest[response.respondent_id] = response
    drafts = {rid: response for rid, response in latest.items() if states.response_is_draft(response)}
    submitted = [rid for rid, response in latest.items() if rid not in drafts and states.response_submitted(response)]
    if submitted:  # submitted since the file was checked
        raise ImportFailed([RowError(checked.rows[rid][0].row, _("”%(name)s” har redan ett inskickat svar; ett inskickat svar ändras inte av en import.",
                                                                 name=checked.names[rid])) for rid in submitted])

    if drafts:
        asked_criteria = [criterion.id for criterion in consultation.criteria]
        with_alternatives = set(db.session.execute(
            select(Alternative.principle_text_id).where(Alternative.version_id == consultation.version_id,
                                                        Alternative.principle_text_id.is_not(None))
        ).scalars()) if consultation.ask_alternatives else set()
    for respondent_id, response in drafts.items():
        rows = [_full_row(row, asked_criteria, with_alternatives) for row in checked.rows[respondent_id]]
        try:
            answering.apply_answers(response, rows, actor, now=now)
        except answering.AnswerError as error:  # the file was checked against the same rules: not expected
            raise ImportFailed([RowError(checked.rows[respondent_id][0].row, str(error))]) from None

    fresh: dict[int, Response] = {}
    for respondent_id in respondent_ids:
        if respondent_id not in drafts:
            previous = latest.get(respondent_id)
            fresh[respondent_id] = Response(
                respondent_id=respondent_id, revision=previous.revision + 1 if previous else 1,
                status=ResponseStatus.draft, channel=ResponseChannel.bulk_import, created_at=now, updated_at=now,
            )
    db.session.add_all(fresh.values())
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # someone began answering online between the check and now
        raise ImportFailed([RowError(0, _("Någon började svara för en av remissinstanserna medan filen importerades. Importera filen igen."))]) from None

    answer_rows, choice_rows, criteria_of = [], [], []
    for respondent_id, response in fresh.items():
        for row in checked.rows[respondent_id]:
            answer_rows.append({
                "response_id": response.id, "principle_text_id": row.principle_text_id, "stance": row.stance,
                "comment": row.comment, "proposed_wording": row.proposed_wording, "lock_version": 1,
                "updated_at": now, "updated_by_id": actor_id,
            })
            criteria_of.append(row.criteria)
            if row.alternative_id is not None or row.reason:
                choice_rows.append({
                    "response_id": response.id, "principle_text_id": row.principle_text_id,
                    "alternative_id": row.alternative_id, "reason": row.reason, "lock_version": 1,
                    "updated_at": now, "updated_by_id": actor_id,
                })
    answer_ids = _insert_answers(answer_rows)
    criterion_rows = [
        {"principle_answer_id": answer_ids[(values["response_id"], values["principle_text_id"])],
         "criterion_id": criterion_id, "rating": rating, "comment": comment}
        for values, criteria in zip(answer_rows, criteria_of)
        for criterion_id, (rating, comment) in criteria.items()
    ]
    _insert_many(CriterionAnswer.__table__, criterion_rows)
    _insert_many(AlternativeChoice.__table__, choice_rows)

    # Submitted as registration on behalf does it: only if still a draft, in one UPDATE per
    # arrival date, so that an answer submitted online meanwhile is never overwritten.
    responses = {**drafts, **fresh}
    by_date: dict[datetime, list[int]] = {}
    for respondent_id, response in responses.items():
        by_date.setdefault(checked.received.get(respondent_id, now), []).append(response.id)
    submitted_count = 0
    for received_at, response_ids in by_date.items():
        submitted_count += db.session.execute(
            update(Response)
            .where(Response.id.in_(response_ids), Response.status == ResponseStatus.draft)
            .values(status=ResponseStatus.submitted, channel=ResponseChannel.bulk_import, registered_by_id=actor_id,
                    submitted_by_id=None, submitted_at=received_at, updated_at=now, publish_name=bool(publish_name))
            .execution_options(synchronize_session=False)
        ).rowcount
    if submitted_count != len(responses):
        raise ImportFailed([RowError(0, _("Ett av svaren skickades in medan filen importerades. Importera filen igen."))])
    db.session.execute(
        update(Respondent).where(Respondent.id.in_(respondent_ids)).values(last_activity_at=now)
        .execution_options(synchronize_session=False)
    )
    written = {respondent_id: (response.id, response.revision) for respondent_id, response in responses.items()}
    for response in responses.values():
        db.session.expire(response)  # status and dates were changed by UPDATE

    # One audit entry per respondent, as audit.record() writes them, but added together:
    # record() flushes on every call, one INSERT per respondent.
    document_id = consultation.version.document_id
    entries = []
    for respondent_id, (response_id, revision) in written.items():
        rows = checked.rows[respondent_id]
        entries.append(AuditEntry(
            actor_id=actor_id, action="response.imported", object_type=Response.__name__, object_id=response_id,
            document_id=document_id, consultation_id=consultation.id,
            summary=f"{checked.names[respondent_id]}: {filename}",
            before={"status": ResponseStatus.draft.value, "revision": revision} if respondent_id in drafts else None,
            after={"consultation_id": consultation.id, "respondent_id": respondent_id, "revision": revision,
                   "status": ResponseStatus.submitted.value,
                   "channel": ResponseChannel.bulk_import.value, "file": filename, "answers": len(rows),
                   "publish_name": bool(publish_name),
                   "rows": [rows[0].row, rows[-1].row], "continued_draft": respondent_id in drafts,
                   "submitted_at": checked.received.get(respondent_id, now).isoformat()},
        ))
    record_many(entries)
    return sum(len(rows) for rows in checked.rows.values())


def _full_row(row: ImportedRow, asked_criteria: list[int], with_alternatives: set[int]) -> dict:
    """A row as apply_answers takes it, every question given so that the file's principle
    replaces the draft's answer to it rather than merging with it."""
    values = {
        "principle_text_id": row.principle_text_id,
        "stance": row.stance.value if row.stance else None,
        "comment": row.comment,
        "proposed_wording": row.proposed_wording,
        "criteria": {criterion_id: {"rating": None, "comment": ""} for criterion_id in asked_criteria},
    }
    for criterion_id, (rating, comment) in row.criteria.items():
        values["criteria"][criterion_id] = {"rating": rating, "comment": comment}
    if row.principle_text_id in with_alternatives:
        values["alternative_id"] = row.alternative_id
        values["reason"] = row.reason
    return values


# Bulk writing. Core, not the ORM: for 100 000 answers with 400 000 ratings the ORM's
# bookkeeping costs more than the database. PostgreSQL gets COPY: psycopg's pipelined
# executemany still makes one statement per row, and multi-row INSERTs with thousands of
# parameters are slow to prepare.


def _insert_answers(rows: list[dict]) -> dict[tuple[int, int], int]:
    """Insert principle answers; their ids by (response id, principle text id), which is unique."""
    if not rows:
        return {}
    table = PrincipleAnswer.__table__
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = connection.execute(
            sql_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)},
        ).scalars().all()
        for row, answer_id in zip(rows, ids):
            row["id"] = answer_id
        _copy(connection, table, rows)
        return {(row["response_id"], row["principle_text_id"]): row["id"] for row in rows}
    # Matched back by key: asking for the ids in parameter order would make SQLite insert row by row.
    result = connection.execute(insert(table).returning(table.c.id, table.c.response_id, table.c.principle_text_id), rows)
    return {(response_id, principle_text_id): answer_id for answer_id, response_id, principle_text_id in result}


def _insert_many(table, rows: list[dict]) -> None:
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _copy(connection, table, rows: list[dict]) -> None:
    """PostgreSQL COPY … FROM STDIN in the session's transaction, values through the columns' own types."""
    names = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    cursor = connection.connection.driver_connection.cursor()
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    with cursor.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([
                process(row[name]) if process else row[name] for name, process in zip(names, processors)
            ])


def template_csv(consultation: Consultation) -> str:
    """A template to fill in: the header and one row per respondent × principle, with a BOM and
    semicolons so that Swedish Excel opens it in columns with å, ä and ö intact."""
    texts = db.session.execute(
        select(PrincipleText).where(PrincipleText.version_id == consultation.version_id)
        .options(selectinload(PrincipleText.alternatives)).order_by(PrincipleText.number)
    ).scalars().all()
    respondents = db.session.execute(
        select(Respondent).where(Respondent.consultation_id == consultation.id)
        .options(selectinload(Respondent.organisation), selectinload(Respondent.user))
    ).scalars().all()
    names = sorted((respondent_name(r) for r in respondents), key=_normalise)
    header = header_names(consultation, alternatives_offered=any(text.alternatives for text in texts))
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for name in names:
        for text in texts:
            writer.writerow([name, text.number] + [""] * (len(header) - 2))
    return out.getvalue()
