"""Helpers for the audit trail tests: reading a log page back as rows."""
from __future__ import annotations

import re
from html import unescape

from tests.responses.conftest import answering  # noqa: F401  (the audit tests build on it)

_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)
_TAG = re.compile(r"<[^>]+>")


def _text(html: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def log_rows(html: str) -> list[dict]:
    """The log's rows as a reader sees them: when, who, action, object, summary, and the
    before/after table as {field label: (before, after)}."""
    rows = []
    for chunk in html.split('<tbody class="audit-entry">')[1:]:
        facts, _, rest = chunk.partition("</tr>")
        cells = [_text(c) for c in _CELL.findall(facts)]
        changes = {}
        if '<tr class="audit-details">' in rest.split('<tbody class="audit-entry">')[0]:
            details = rest.split("</details>", 1)[0]
            for tr in re.findall(r"<tr class=\"is-[a-z]+\">(.*?)</tr>", details, re.S):
                label = _text(re.search(r"<th[^>]*>(.*?)</th>", tr, re.S).group(1)).removesuffix(" ändrad").strip()
                before, after = (_text(c) for c in re.findall(r"<td>(.*?)</td>", tr, re.S))
                changes[label] = (before, after)
        rows.append({"when": cells[0], "who": cells[1], "action": cells[2], "object": cells[3],
                     "summary": cells[4], "changes": changes})
    return rows
