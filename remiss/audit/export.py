"""The audit trail as CSV, streamed: what the page shows, every page at once.

Like the report's CSV: UTF-8 with a byte-order mark and semicolons (what Excel in a Swedish
locale opens by double-click), CRLF line ends, and a leading apostrophe on a cell a spreadsheet
would take for a formula. The columns are described in docs/decisions.md ("The audit trail").
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator

from remiss.audit.labels import action_label
from remiss.audit.models import AuditEntry
from remiss.timeutil import local

BOM = "\ufeff"
DELIMITER = ";"
FLUSH_EVERY = 200
COLUMNS = ["at", "actor_id", "actor", "action", "action_label", "object_type", "object_id",
           "consultation_id", "document_id", "summary", "before", "after"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def _json(value) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def row(entry: AuditEntry, system_name: str) -> list:
    return [
        local(entry.at).isoformat(timespec="seconds"),
        entry.actor_id,
        entry.actor.name if entry.actor is not None else system_name,
        entry.action,
        action_label(entry.action),
        entry.object_type,
        entry.object_id,
        entry.consultation_id,
        entry.document_id,
        entry.summary,
        _json(entry.before),
        _json(entry.after),
    ]


def stream(entries: Iterable[AuditEntry], system_name: str) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow(COLUMNS)
    for n, entry in enumerate(entries, 1):
        writer.writerow([cell(v) for v in row(entry, system_name)])
        if n % FLUSH_EVERY == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")
