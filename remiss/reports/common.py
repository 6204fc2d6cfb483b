"""What every format shares: dates, file names, content types, the draft marker, column names."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from babel import dates
from flask_babel import format_decimal, get_locale, get_timezone, gettext as _, lazy_gettext as _l

from remiss.timeutil import local

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
}


WHEN = _l("d MMMM yyyy 'kl.' HH:mm")
DAY = _l("d MMMM yyyy")


def when(value: datetime | None) -> str:
    """A moment on the Stockholm clock, with the year: a report is read years later."""
    return Moments().when(value)


def day(value: datetime | None) -> str:
    return Moments().day(value)


class Moments:
    """when() and day() with the language, zone and patterns looked up once, as Flask-Babel's
    format_datetime looks them up on every call: a list of respondents formats a moment for each."""

    def __init__(self):
        self.locale, self.zone = get_locale(), get_timezone()
        self.when_pattern, self.day_pattern = str(WHEN), str(DAY)

    def when(self, value: datetime | None) -> str:
        return dates.format_datetime(value, self.when_pattern, tzinfo=self.zone, locale=self.locale) if value else ""

    def day(self, value: datetime | None) -> str:
        return dates.format_datetime(value, self.day_pattern, tzinfo=self.zone, locale=self.locale) if value else ""


def iso(value: datetime | None) -> str | None:
    """UTC, ISO 8601 with Z: the machine-readable formats' one way of writing a moment."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def size(value: int) -> str:
    """A file size as people read it (Swedish: "1,5 MB", the unit after a no-break space)."""
    for unit, factor in (("MB", 1024 * 1024), ("kB", 1024)):
        if value >= factor:
            return f"{format_decimal(round(value / factor, 1))}\u00a0{unit}"
    return f"{value}\u00a0B"


def draft_notice() -> str:
    return _("UTKAST – sammanställningen är inte fastställd och kan ändras.")


def draft_word() -> str:
    return _("UTKAST")


def edition(report) -> str:
    """Which report this is: "Utkast", or "Version 2"."""
    if report.draft:
        return _("Utkast")
    if report.number is not None:
        return _("Version %(number)s", number=report.number)
    return _("Slutlig")


def audience(report) -> str:
    if report.public:
        return _("Offentlig version (utan e-postadresser och uppgifter om vem som skickade in svaren)")
    return _("Intern version (med vem som skickade in eller registrerade svaren)")


def _ascii(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")


def file_name(reference_number: str, consultation_id: int, format: str, *, public: bool, draft: bool,
              number: int | None = None) -> str:
    """remissammanstallning-RS-2024-05699-v1-offentlig.pdf: ASCII only, so every browser and
    file system keeps it as it is."""
    parts = ["remissammanstallning", _ascii(reference_number) or f"remiss-{consultation_id}"]
    if number is not None:
        parts.append(f"v{number}")
    if draft:
        parts.append("utkast")
    if public:
        parts.append("offentlig")
    return "-".join(parts) + "." + format


def local_naive(value: datetime | None) -> datetime | None:
    """The Stockholm wall-clock time without a zone: what a spreadsheet cell can hold."""
    return local(value).replace(tzinfo=None) if value else None


def answer_columns(report) -> list[str]:
    """The columns of the flat answer table (CSV, and each principle's sheet in XLSX). Unique names."""
    columns = [_("Remissinstans"), _("Typ av remissinstans"), _("Inkom"), _("Efter svarsdatum"), _("Kanal"),
               _("Ställningstagande")]
    columns += [_("Kriterium %(number)s: %(text)s", number=i, text=text)
                for i, (_id, text) in enumerate(report.criteria, 1)]
    columns += [_("Kommentarer till kriterierna"), _("Synpunkter"), _("Hantering av synpunkterna"),
                _("Motivering (synpunkterna)"), _("Förslag till ny formulering"), _("Hantering av förslaget"),
                _("Motivering (förslaget)"), _("Föredraget alternativ"), _("Skäl för alternativet")]
    if not report.public:
        columns += [_("Inskickat eller registrerat av")]
    columns += [_("Undertecknat av")]
    return columns


def criterion_comment_text(row) -> str:
    """The comments given on single criteria, as one text ("2. … / 4. …")."""
    return " / ".join(f"{i}. {c.comment}" for i, c in enumerate(row.criteria, 1) if c.comment)


def yes(value: bool) -> str:
    return _("Ja") if value else ""


def answer_cells(report, row, moment=local_naive) -> list:
    """One AnswerRow as the cells of `answer_columns`: text, and the moment as `moment` gives it (a
    local datetime, or the CSV's text of one)."""
    respondent = row.respondent
    comment, wording = row.comment_disposition, row.wording_disposition
    cells = [respondent.name, respondent.kind_label, moment(respondent.submitted_at), yes(respondent.late),
             respondent.channel_label, row.stance_label]
    cells += [c.rating_label for c in row.criteria]
    cells += [criterion_comment_text(row), row.comment,
              comment.label if comment else "", comment.reason if comment else "",
              row.proposed_wording,
              wording.label if wording else "", wording.reason if wording else "",
              row.alternative_label, row.alternative_reason]
    if not report.public:
        cells.append(respondent.registered_by or respondent.submitted_by)
    cells.append(signed_text(respondent))
    return cells


def signed_text(respondent) -> str:
    """"Name, day" of who signed the organisation's answer, or nothing."""
    return f"{respondent.signed_by}, {day(respondent.signed_at)}" if respondent.signed_by else ""


def dissent_heading(dissent) -> str:
    """The internal report names the author; the public one only the organisation."""
    if dissent.author:
        return _("Avvikande mening från %(name)s, %(organisation)s", name=dissent.author,
                 organisation=dissent.respondent.name)
    return _("Avvikande mening från en företrädare för %(organisation)s", organisation=dissent.respondent.name)


# Characters per chunk of a streamed download: a template or encoder yields a few characters at a
# time, and one write per piece was as many writes as rows.
CHUNK = 64 * 1024


def chunked(texts: Iterable[str]) -> Iterator[bytes]:
    """Text pieces as UTF-8 chunks of about CHUNK characters (read when called)."""
    size = CHUNK
    pending, length = [], 0
    for text in texts:
        pending.append(text)
        length += len(text)
        if length >= size:
            yield "".join(pending).encode("utf-8")
            pending, length = [], 0
    if pending:
        yield "".join(pending).encode("utf-8")


class Groups:
    """An ordered stream read group by group (the rows come ordered by principle or question)."""

    def __init__(self, rows, key):
        self.rows = iter(rows)
        self.key = key
        self.pending = next(self.rows, None)

    def take(self, value):
        while self.pending is not None and self.key(self.pending) == value:
            current = self.pending
            self.pending = next(self.rows, None)
            yield current
