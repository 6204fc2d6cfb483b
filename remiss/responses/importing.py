"""Bulk import of answers from a CSV or XLSX file: one row per respondent × principle.

The answers arrived outside Remiss (e-mail, paper, a coordinator's spreadsheet) and
the process owner registers them in one go. The whole file is read and checked first;
every problem is reported with its row number, and nothing is written unless the
whole file is valid. Then each respondent's rows become one submitted response,
channel `bulk_import`. The columns are documented in docs/import-format.md.

Made for large files (100 000 rows) in bounded memory: the file is streamed row by row and
checked once; the checked rows wait in a temporary file (not in memory), and only what the
checks need across rows stays in memory (respondent × principle → row, a few ints per
respondent). Respondents, principles and alternatives are looked up once in dictionaries.
The checked rows are then read back and written a batch at a time with bulk INSERTs (COPY on
PostgreSQL), in the caller's transaction, not one query per row. Drafts begun online are
continued through remiss.responses.operations.apply_answers, the answer form's own writer.
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import pickle
import re
import tempfile
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

from remiss.audit import entry_values
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
from remiss.organisations.models import Organisation
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
# Rows kept in memory at a time (checked rows spooled to disk, rows written per statement), and
# ids per IN list: memory stays flat however long the file.
BATCH_ROWS = 2000

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

    @property
    def count(self) -> int:
        return len(self.listed) + self.unlisted

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
    """Respondents, principles, criteria and alternatives of one consultation, in dictionaries.

    Respondents as ids and names only: ORM objects (with organisation and person) would cost
    several kB each, tens of MB for a consultation of 10 000 respondents."""

    def __init__(self, consultation: Consultation):
        self.consultation = consultation
        respondents = db.session.execute(
            select(Respondent.id, Organisation.name, Organisation.short_name, User.email)
            .select_from(Respondent)
            .outerjoin(Organisation, Respondent.organisation_id == Organisation.id)
            .outerjoin(User, Respondent.user_id == User.id)
            .where(Respondent.consultation_id == consultation.id)
        ).all()
        self.respondents: dict[str, int] = {}  # normalised name → respondent id
        # Full organisation names first, so that a short name wins where they coincide.
        for respondent_id, name, _short_name, _email in respondents:
            if name is not None:
                self.respondents[_normalise(name)] = respondent_id
        for respondent_id, name, short_name, email in respondents:
            self.respondents[_normalise(short_name if name is not None else email)] = respondent_id
        # As respondent_name() names them: short name or e-mail.
        self.names: dict[int, str] = {respondent_id: short_name if name is not None else email
                                      for respondent_id, name, short_name, email in respondents}

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


class _Known(dict):
    """Cell text → what it was recognised as, for the few distinct texts a file repeats
    (respondents, stances, ratings): normalising each of 100 000 rows costs more than a lookup.
    Only recognised texts are kept, so that a file of garbage does not grow it."""

    def __init__(self, recognise):
        super().__init__()
        self.recognise = recognise

    def __missing__(self, value: str):
        found = self.recognise(_normalise(value))
        if found is not None:
            self[value] = found
        return found


class _Validator:
    """Checks rows one by one. Remembers across rows only what the checks need: which
    respondent × principle came on which row, and each respondent's rows and date."""

    def __init__(self, lookup: _Lookup, columns: dict[str, int], errors: _Errors, now: datetime):
        self.lookup = lookup
        self.consultation = lookup.consultation
        self.columns = columns
        self.errors = errors
        self.now = now
        # respondent << 32 | principle → its first row: one int, not a tuple, for a third of the memory.
        self.seen: dict[int, int] = {}
        self.received: dict[int, tuple[datetime, int]] = {}  # respondent → (inkom, row)
        self.reported_submitted: set[int] = set()
        # respondent id → [first row, last row, valid rows], in the order of the file
        self.respondents: dict[int, list[int]] = {}
        # What every row reads, worked out once: (key, index, longest text).
        self.reading = [(key, index, MAX_LENGTHS.get(key, answering.MAX_TEXT_LENGTH)) for key, index in columns.items()]
        c = self.consultation
        asked = {"stance": c.ask_stance, "comment": c.ask_comment, "proposed_wording": c.ask_proposed_wording,
                 "alternative": c.ask_alternatives, "reason": c.ask_alternatives}
        self.not_asked = [key for key, is_asked in asked.items() if not is_asked]
        self.criterion_columns = [(position, criterion.id, f"criterion:{position}", f"criterion_comment:{position}")
                                  for position, criterion in lookup.criteria.items()]
        self.known_respondents = _Known(lookup.respondents.get)
        self.known_stances = _Known(STANCE_WORDS.get)
        self.known_ratings = _Known(RATING_WORDS[c.criteria_scale].get)

    def check(self, number: int, cells: list[str]) -> ImportedRow | None:
        """The row resolved to ids, or None when it has errors (added to self.errors)."""
        errors = self.errors
        problems = errors.count
        # Cells that are not columns (text beyond the header's last column) are not read.
        values: dict[str, str] = {}
        width = len(cells)
        for key, index, maximum in self.reading:
            if index >= width or not (text := cells[index]):
                continue
            if "\x00" in text or "\r" in text:
                if "\x00" in text:
                    errors.add(number, _("kolumnen ”%(column)s” innehåller ett otillåtet tecken (NUL).",
                                         column=self._column_name(key)))
                # As the answer form stores text: line breaks as LF, no NUL.
                text = answering.clean_text(text)
            if len(text) > maximum:
                errors.add(number, _("kolumnen ”%(column)s” har %(length)s tecken; högst %(max)s får plats.",
                                     column=self._column_name(key), length=format_number(len(text)),
                                     max=format_number(maximum)))
                continue
            values[key] = text.strip()
        cell = values.get

        respondent_id = self._respondent(number, cell("respondent", ""))
        principle = self._principle(number, cell("principle", ""))
        row = ImportedRow(row=number, respondent_id=respondent_id or 0,
                          principle_text_id=principle.id if principle else 0)

        for key in self.not_asked:
            if cell(key):
                errors.add(number, _("remissen frågar inte efter ”%(column)s”; lämna kolumnen tom.",
                                     column=self._column_name(key)))
        if value := cell("stance"):
            row.stance = self.known_stances[value]
            if row.stance is None:
                errors.add(number, _("ställningstagande ”%(value)s” finns inte – välj %(choices)s.",
                                     value=_quote(value), choices=_stance_choices()))
        row.comment = cell("comment", "")
        row.proposed_wording = cell("proposed_wording", "")
        self._criteria(number, row, cell)
        self._alternative(number, row, principle, cell("alternative", ""), cell("reason", ""))

        if respondent_id is not None:
            self._received(number, respondent_id, cell("received", ""))
            if respondent_id in self.lookup.submitted and respondent_id not in self.reported_submitted:
                self.reported_submitted.add(respondent_id)
                errors.add(number, _("”%(name)s” har redan ett inskickat svar; ett inskickat svar ändras inte av en import.",
                                     name=self.lookup.names[respondent_id]))
        if respondent_id is not None and principle is not None:
            key = respondent_id << 32 | principle.id
            first = self.seen.setdefault(key, number)
            if first != number:
                errors.add(number, _("”%(name)s” och princip %(number)s finns redan på rad %(first)s.",
                                     name=self.lookup.names[respondent_id], number=principle.number, first=first))
        if errors.count != problems:
            return None
        summary = self.respondents.get(respondent_id)
        if summary is None:
            self.respondents[respondent_id] = [number, number, 1]
        else:
            summary[1] = number
            summary[2] += 1
        return row

    def _column_name(self, key: str) -> str:
        if key.startswith("criterion:"):
            return f"kriterium {key.split(':')[1]}"
        if key.startswith("criterion_comment:"):
            return f"kriterium {key.split(':')[1]} kommentar"
        return COLUMNS[key][0]

    def _respondent(self, number: int, value: str) -> int | None:
        if not value:
            self.errors.add(number, _("remissinstans saknas."))
            return None
        respondent_id = self.known_respondents[value]
        if respondent_id is None:
            self.errors.add(number, _("okänd remissinstans ”%(value)s” – ange organisationens kortnamn eller personens e-postadress, som i remissens sändlista.",
                                      value=_quote(value)))
        return respondent_id

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
        for position, criterion_id, rating_key, comment_key in self.criterion_columns:
            value, comment = cell(rating_key, ""), cell(comment_key, "")
            rating = None
            if value:
                rating = self.known_ratings[value]
                if rating is None:
                    scale = self.consultation.criteria_scale
                    self.errors.add(number, _("kriterium %(position)s ”%(value)s” går inte att tolka – välj %(choices)s.",
                                              position=position, value=_quote(value), choices=_rating_choices(scale)))
            if rating or comment:
                row.criteria[criterion_id] = (rating, comment)

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

    def _received(self, number: int, respondent_id: int, value: str) -> None:
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
        earlier = self.received.get(respondent_id)
        if earlier is None:
            self.received[respondent_id] = (moment, number)
        elif earlier[0] != moment:
            self.errors.add(number, _("inkom %(value)s skiljer sig från rad %(first)s för samma remissinstans; ett svar har ett inkomstdatum.",
                                      value=_quote(value), first=earlier[1]))


# --- The checked rows, kept on disk until they are written ----------------------------------------


class _Spool:
    """The valid rows of the file, pickled in batches to a temporary file while it is checked, and
    read back a batch at a time when it is written: memory stays flat however large the file is,
    and the file (XLSX is read at openpyxl's slow pace) is read and checked only once."""

    def __init__(self):
        self.file = tempfile.TemporaryFile()
        self.batch: list[ImportedRow] = []

    def add(self, row: ImportedRow) -> None:
        self.batch.append(row)
        if len(self.batch) >= BATCH_ROWS:
            self._dump()

    def _dump(self) -> None:
        if self.batch:
            pickle.dump(self.batch, self.file, pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def batches(self) -> Iterator[list[ImportedRow]]:
        self._dump()
        self.file.seek(0)
        while True:
            try:
                yield pickle.load(self.file)
            except EOFError:
                return

    def close(self) -> None:
        self.file.close()


# --- The public operations -----------------------------------------------------------------------


@dataclass
class ValidatedFile:
    """A checked file, ready to be written: its rows on disk, and per respondent (in the order of
    the file) its first and last row and number of rows, and its date of arrival."""

    rows: _Spool
    respondents: dict[int, list[int]]
    received: dict[int, datetime]
    names: dict[int, str]

    def close(self) -> None:
        self.rows.close()


def validate(consultation: Consultation, stream: IO[bytes], filename: str) -> ValidatedFile:
    """Read and check the whole file; raise ImportFailed with every error found. Writes nothing.

    The returned file must be closed (its rows are kept in a temporary file)."""
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
    spool = _Spool()
    try:
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
                row = validator.check(number, cells)
                if row is not None and not errors:  # after the first error nothing will be written
                    spool.add(row)
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
    except BaseException:
        spool.close()
        raise
    return ValidatedFile(
        rows=spool,
        respondents=validator.respondents,
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
    try:
        answers = write_responses(consultation, checked, actor, filename, publish_name=publish_name)
    finally:
        checked.close()
    return ImportResult(responses=len(checked.respondents), answers=answers,
                        respondents=[checked.names[respondent_id] for respondent_id in checked.respondents])


def write_responses(consultation: Consultation, checked: ValidatedFile, actor: User | None, filename: str, *,
                    publish_name: bool = False) -> int:
    """Each respondent's rows become one submitted response; returns the number of answers.

    A draft begun in the web form is continued through the answer form's own
    `apply_answers`: the file's principles replace what the draft said about them, the rest
    of the draft stays, and the whole is submitted. Respondents without an answer (nearly all,
    in a large file) get a new response whose answers are written in bulk, a batch of rows at a
    time: `apply_answers` looks up and inserts one answer at a time, minutes for 100 000 rows.
    All in the caller's transaction: an error on the way writes nothing.
    """
    now = utcnow()
    actor_id = getattr(actor, "id", None)
    respondents = checked.respondents
    if not respondents:
        return 0

    # The respondents' current responses (what answering.current_response finds for one), as rows:
    # id, respondent, revision and status are all that is needed of them.
    latest = {}
    for response in db.session.execute(
        select(Response.id, Response.respondent_id, Response.revision, Response.status).join(Respondent)
        .where(Respondent.consultation_id == consultation.id).order_by(Response.revision)
    ):
        if response.respondent_id in respondents:
            latest[response.respondent_id] = response
    drafts = {rid: response.id for rid, response in latest.items() if states.response_is_draft(response)}
    submitted = [rid for rid, response in latest.items() if rid not in drafts and states.response_submitted(response)]
    if submitted:  # submitted since the file was checked
        raise ImportFailed([RowError(respondents[rid][0], _("”%(name)s” har redan ett inskickat svar; ett inskickat svar ändras inte av en import.",
                                                            name=checked.names[rid])) for rid in submitted])

    # respondent id → (response id, revision) of the response each respondent's rows go to
    written = {rid: (drafts[rid], latest[rid].revision) for rid in drafts}
    driver_error = db.session.connection().dialect.dbapi.IntegrityError  # what COPY raises
    try:
        with db.session.begin_nested():
            for chunk in _chunks(rid for rid in respondents if rid not in drafts):
                new = [{"respondent_id": rid, "revision": latest[rid].revision + 1 if rid in latest else 1,
                        "status": ResponseStatus.draft, "channel": ResponseChannel.bulk_import,
                        "created_at": now, "updated_at": now} for rid in chunk]
                ids = _insert_with_ids(Response.__table__, new, ("respondent_id",))
                for values in new:
                    written[values["respondent_id"]] = (ids[(values["respondent_id"],)], values["revision"])
    except (IntegrityError, driver_error):  # someone began answering online between the check and now
        raise ImportFailed([RowError(0, _("Någon började svara för en av remissinstanserna medan filen importerades. Importera filen igen."))]) from None

    draft_rows: dict[int, list[ImportedRow]] = {}  # the few respondents who began online
    for batch in checked.rows.batches():
        fresh = []
        for row in batch:
            if row.respondent_id in drafts:
                draft_rows.setdefault(row.respondent_id, []).append(row)
            else:
                fresh.append(row)
        _write_answers(fresh, written, actor_id, now)

    if drafts:
        asked_criteria = [criterion.id for criterion in consultation.criteria]
        with_alternatives = set(db.session.execute(
            select(Alternative.principle_text_id).where(Alternative.version_id == consultation.version_id,
                                                        Alternative.principle_text_id.is_not(None))
        ).scalars()) if consultation.ask_alternatives else set()
    continued = []
    for respondent_id, rows in draft_rows.items():
        response = db.session.get(Response, drafts[respondent_id])
        continued.append(response)
        try:
            answering.apply_answers(response, [_full_row(row, asked_criteria, with_alternatives) for row in rows],
                                    actor, now=now)
        except answering.AnswerError as error:  # the file was checked against the same rules: not expected
            raise ImportFailed([RowError(rows[0].row, str(error))]) from None

    # Submitted as registration on behalf does it: only if still a draft, in one UPDATE per
    # arrival date (and chunk of ids), so that an answer submitted online meanwhile is never overwritten.
    by_date: dict[datetime, list[int]] = {}
    for respondent_id, (response_id, _revision) in written.items():
        by_date.setdefault(checked.received.get(respondent_id, now), []).append(response_id)
    submitted_count = 0
    for received_at, response_ids in by_date.items():
        for chunk in _chunks(response_ids):
            submitted_count += db.session.execute(
                update(Response)
                .where(Response.id.in_(chunk), Response.status == ResponseStatus.draft)
                .values(status=ResponseStatus.submitted, channel=ResponseChannel.bulk_import, registered_by_id=actor_id,
                        submitted_by_id=None, submitted_at=received_at, updated_at=now, publish_name=bool(publish_name))
                .execution_options(synchronize_session=False)
            ).rowcount
    if submitted_count != len(written):
        raise ImportFailed([RowError(0, _("Ett av svaren skickades in medan filen importerades. Importera filen igen."))])
    for chunk in _chunks(respondents):
        db.session.execute(
            update(Respondent).where(Respondent.id.in_(chunk)).values(last_activity_at=now)
            .execution_options(synchronize_session=False)
        )
    for response in continued:
        db.session.expire(response)  # status and dates were changed by UPDATE

    # One audit entry per respondent (audit.entry_values), inserted as the answers are (append-only,
    # so nothing but an INSERT): record() flushes on every call, one INSERT per
    # respondent, and even record_many's ORM flush takes seconds for 10 000 respondents.
    document_id = consultation.version.document_id
    for chunk in _chunks(respondents):
        entries = []
        for respondent_id in chunk:
            response_id, revision = written[respondent_id]
            first, last, count = respondents[respondent_id]
            values = entry_values(
                actor_id, "response.imported", Response.__name__, response_id, document_id=document_id,
                consultation_id=consultation.id, summary=f"{checked.names[respondent_id]}: {filename}",
                before={"status": ResponseStatus.draft.value, "revision": revision} if respondent_id in drafts else None,
                after={"consultation_id": consultation.id, "respondent_id": respondent_id, "revision": revision,
                       "status": ResponseStatus.submitted.value,
                       "channel": ResponseChannel.bulk_import.value, "file": filename, "answers": count,
                       "publish_name": bool(publish_name),
                       "rows": [first, last], "continued_draft": respondent_id in drafts,
                       "submitted_at": checked.received.get(respondent_id, now).isoformat()})
            entries.append({**values, "at": now})
        _insert_many(AuditEntry.__table__, entries)
    return sum(count for _first, _last, count in respondents.values())


def _chunks(items, size: int | None = None) -> Iterator[list]:
    """Lists of at most `size` (BATCH_ROWS) items: bounded statements and parameter lists."""
    size = size or BATCH_ROWS
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _write_answers(rows: list[ImportedRow], written: dict[int, tuple[int, int]], actor_id: int | None,
                   now: datetime) -> None:
    """One batch of rows of new responses: their principle answers, ratings and choices."""
    answer_rows, choice_rows = [], []
    for row in rows:
        response_id = written[row.respondent_id][0]
        answer_rows.append({
            "response_id": response_id, "principle_text_id": row.principle_text_id, "stance": row.stance,
            "comment": row.comment, "proposed_wording": row.proposed_wording, "lock_version": 1,
            "updated_at": now, "updated_by_id": actor_id,
        })
        if row.alternative_id is not None or row.reason:
            choice_rows.append({
                "response_id": response_id, "principle_text_id": row.principle_text_id,
                "alternative_id": row.alternative_id, "reason": row.reason, "lock_version": 1,
                "updated_at": now, "updated_by_id": actor_id,
            })
    answer_ids = _insert_with_ids(PrincipleAnswer.__table__, answer_rows, ("response_id", "principle_text_id"))
    criterion_rows = [
        {"principle_answer_id": answer_ids[(values["response_id"], values["principle_text_id"])],
         "criterion_id": criterion_id, "rating": rating, "comment": comment}
        for values, row in zip(answer_rows, rows)
        for criterion_id, (rating, comment) in row.criteria.items()
    ]
    _insert_many(CriterionAnswer.__table__, criterion_rows)
    _insert_many(AlternativeChoice.__table__, choice_rows)


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


def _insert_with_ids(table, rows: list[dict], key: tuple[str, ...]) -> dict[tuple, int]:
    """Insert rows; their new ids by the values of `key`, columns unique among the rows."""
    if not rows:
        return {}
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        ids = connection.execute(
            sql_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": len(rows)},
        ).scalars().all()
        for row, new_id in zip(rows, ids):
            row["id"] = new_id
        _copy(connection, table, rows)
        return {tuple(row[name] for name in key): row["id"] for row in rows}
    # Matched back by key: asking for the ids in parameter order would make SQLite insert row by row.
    result = connection.execute(insert(table).returning(table.c.id, *(table.c[name] for name in key)), rows)
    return {tuple(values): new_id for new_id, *values in result}


def _insert_many(table, rows: list[dict]) -> None:
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table, rows)
    else:
        connection.execute(insert(table), rows)


def _copy(connection, table, rows: list[dict]) -> None:
    """PostgreSQL COPY … FROM STDIN in the session's transaction, values through the columns' own types.

    Columns left out get their constant default (False, "") as from INSERT; COPY itself knows
    only the server's defaults."""
    for column in table.columns:
        if column.name not in rows[0] and column.default is not None and column.default.is_scalar:
            for row in rows:
                row[column.name] = column.default.arg
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
