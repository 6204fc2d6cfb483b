"""One entry to every format: `render` (bytes, for freezing and the CLI) and `stream` (chunks,
for downloads, so that CSV, JSON and XLSX never hold the whole report in memory)."""
from __future__ import annotations

from collections.abc import Iterator

from remiss.reports import csv, data, docx, html, json, pdf, xlsx

# Laid out as a whole from the full Report; the others stream their rows. HTML is both: made whole
# when frozen (and for the PDF), streamed when downloaded live – the same bytes either way.
WHOLE = {"html": html, "pdf": pdf, "docx": docx}
STREAMED = {"csv": csv, "json": json, "xlsx": xlsx, "html": html}


class UnknownFormat(ValueError):
    pass


def _report(consultation, format: str, public: bool, locale: str, final: bool | None, number: int | None,
            answers: bool):
    if format not in data.FORMATS:
        raise UnknownFormat(format)
    # The CSV is the answer table alone: no outline of the document, no figures, no counts.
    return data.build_report(consultation, public=public, locale=locale, answers=answers, final=final, number=number,
                             table_only=format == "csv")


def render(consultation, format: str, *, public: bool, locale: str = "sv", final: bool | None = None,
           number: int | None = None) -> bytes:
    report = _report(consultation, format, public, locale, final, number, answers=format in WHOLE)
    if format in WHOLE:
        return WHOLE[format].render(report)
    return STREAMED[format].render(consultation, report)


def stream(consultation, format: str, *, public: bool, locale: str = "sv") -> Iterator[bytes]:
    """The live (unfrozen) report in chunks. The outline is built at once; rows follow lazily.
    The answer rows' statement starts first, on a connection of its own, so that the database
    sorts them while the outline is built and written (data._Ahead)."""
    if format not in STREAMED:
        return iter([WHOLE[format].render(_report(consultation, format, public, locale, None, None, answers=True))])
    answers = data.started_answer_rows(consultation, public, locale)
    try:
        report = _report(consultation, format, public, locale, None, None, answers=False)
    except BaseException:
        answers.close()
        raise
    report.answer_stream = answers
    return _closing(STREAMED[format].stream(consultation, report), answers)


def _closing(chunks: Iterator[bytes], answers: data.StartedRows) -> Iterator[bytes]:
    """The chunks; when the download is closed, read or not, the answers stop being read ahead at
    once, not when the garbage collector frees a half-written template's generators."""
    try:
        yield from chunks
    finally:
        answers.close()
