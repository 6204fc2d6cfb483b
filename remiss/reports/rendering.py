"""One entry to every format: `render` (bytes, for freezing and the CLI) and `stream` (chunks,
for downloads, so that CSV, JSON and XLSX never hold the whole report in memory)."""
from __future__ import annotations

from collections.abc import Iterator

from remiss.reports import csv, data, docx, html, json, pdf, xlsx

# Laid out as a whole from the full Report; the others stream their rows.
WHOLE = {"html": html, "pdf": pdf, "docx": docx}
STREAMED = {"csv": csv, "json": json, "xlsx": xlsx}


class UnknownFormat(ValueError):
    pass


def _report(consultation, format: str, public: bool, locale: str, final: bool | None, number: int | None):
    if format not in data.FORMATS:
        raise UnknownFormat(format)
    return data.build_report(consultation, public=public, locale=locale, answers=format in WHOLE,
                             final=final, number=number)


def render(consultation, format: str, *, public: bool, locale: str = "sv", final: bool | None = None,
           number: int | None = None) -> bytes:
    report = _report(consultation, format, public, locale, final, number)
    if format in WHOLE:
        return WHOLE[format].render(report)
    return STREAMED[format].render(consultation, report)


def stream(consultation, format: str, *, public: bool, locale: str = "sv") -> Iterator[bytes]:
    """The live (unfrozen) report in chunks. The outline is built at once; rows follow lazily."""
    report = _report(consultation, format, public, locale, None, None)
    if format in WHOLE:
        return iter([WHOLE[format].render(report)])
    return STREAMED[format].stream(consultation, report)
