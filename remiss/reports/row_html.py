"""The HTML of the report's rows – an answer's row of a principle's overview table and its texts, an
answer to a general question, a respondent in the lists of who was asked – written in Python rather
than by Jinja macros: they run once per respondent (and principle), and five macro calls per answer
were most of the time of a large HTML report, the respondent lists' macros a fifth of the rest
(benchmarks/reports.py).

The templates (reports/_content.html, reports/page.html) get a `RowHtml` from reports/_macros.html
(`RowHtml(report)`, a template global). Everything a person typed is escaped (`escape`, the same
characters and entities as markupsafe, which Jinja's `{{ }}` uses) or goes through remiss.markdown,
as `|markdown` does in the templates; the pieces are plain str, joined and marked safe once per answer.
"""
from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _
from markupsafe import Markup

from remiss.markdown import render as markdown
from remiss.reports import common, data

ROWS_PER_CHUNK = 100


def escape(text: str) -> str:
    """markupsafe.escape for a str, as a str: the same five entities without a Markup object per value
    (a third of a million of them in a large report)."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")
            .replace("'", "&#39;"))


class _Escaped(data.Remembered):
    """escape() of the values that come back on row after row – a respondent's name on each of its
    answers, the few stance and disposition labels – made once each (bounded as data.Remembered)."""

    def __missing__(self, text: str) -> str:
        return self.remember(text, escape(text))


class RowHtml:
    """Made once per rendering (the labels in the current language, the report's columns)."""

    def __init__(self, report):
        self.public = report.public
        self.moments = common.Moments()
        self.after_deadline = escape(_("efter svarsdatum"))
        self.stance_column = bool(report.asks["stance"])
        self.rating_numbers = report.criteria_scale == "one_to_four"
        self.stance = escape(_("Ställningstagande:"))
        self.comment = escape(_("Synpunkter"))
        self.handling = escape(_("Hantering"))
        self.wording = escape(_("Förslag till ny formulering"))
        self.wording_handling = escape(_("Hantering av förslaget"))
        self.alternative = escape(_("Föredraget alternativ:"))
        self.no_alternative = escape(_("inget valt"))
        self.reason = escape(_("Motivering"))
        self.late = escape(_("inkom efter svarsdatum"))
        self.redacted = escape(_("Maskeras i den offentliga versionen:"))
        self.criterion_comment = escape(_("Kommentar till kriterium %(number)s"))  # numbered per comment
        self.cells: dict = {}  # a criterion's cell per (rating, label): a few values shared by every row
        self.escaped = _Escaped()

    def rows(self, answers, texts) -> Iterator[Markup]:
        """A principle's overview table rows, a chunk at a time, while each answer's texts go to `texts`
        (an html.Spool, written out after the table): one template call per chunk, not per answer."""
        pending = []
        for answer in answers:
            pending.append(self._row(answer))
            texts.write(self._article(answer))
            if len(pending) == ROWS_PER_CHUNK:
                yield Markup("".join(pending))
                pending = []
        if pending:
            yield Markup("".join(pending))

    def row(self, answer) -> Markup:
        """The answer's row of its principle's overview table."""
        return Markup(self._row(answer))

    def _row(self, answer) -> str:
        parts = [f'\n      <tr><th scope="row">{self.escaped[answer.respondent.name]}</th>']
        if self.stance_column:
            parts.append(f"<td>{self.escaped[answer.stance_label or '–']}</td>")
        parts.extend(map(self._cell, answer.criteria))
        parts.append("</tr>")
        return "".join(parts)

    def _cell(self, criterion) -> str:
        key = (criterion.rating, criterion.rating_label)
        cell = self.cells.get(key)
        if cell is None:
            shown = ("–" if not criterion.rating else criterion.rating if self.rating_numbers
                     else criterion.rating_label)
            cell = self.cells[key] = f'<td class="criterion-column">{escape(shown)}</td>'
        return cell

    @staticmethod
    def says_something(answer) -> bool:
        return bool(answer.comment or answer.proposed_wording or answer.alternative_reason
                    or any(c.comment for c in answer.criteria))

    def article(self, answer) -> Markup:
        """The answer's texts (comment, proposed wording, criterion comments, preferred alternative) with
        what was done with them; empty when the answer says nothing beyond its row."""
        return Markup(self._article(answer))

    def _article(self, answer) -> str:
        if not self.says_something(answer):
            return ""
        parts = [f"\n  <article class=\"answer\">\n    <h4>{self._who(answer.respondent)}</h4>"]
        if answer.stance_label:
            parts.append(f'<p class="stance"><strong>{self.stance}</strong> {self.escaped[answer.stance_label]}</p>')
        if answer.comment:
            parts.append(self._text(self.comment, "user-text", answer.comment, answer.comment_redactions,
                                    answer.comment_disposition, self.handling))
        if answer.proposed_wording:
            parts.append(self._text(self.wording, "user-text proposed-wording", answer.proposed_wording,
                                    answer.wording_redactions, answer.wording_disposition, self.wording_handling))
        for number, criterion in enumerate(answer.criteria, 1):
            if criterion.comment:
                about = self.criterion_comment % {"number": number}
                parts.append(f'\n    <p class="label">{about} ({self.escaped[criterion.criterion]})</p>'
                             f'\n    <div class="user-text">{markdown(criterion.comment)}</div>')
        if answer.alternative_label or answer.alternative_reason:
            chosen = self.escaped[answer.alternative_label] if answer.alternative_label else self.no_alternative
            parts.append(f"\n    <p><strong>{self.alternative}</strong> {chosen}</p>")
            if answer.alternative_reason:
                parts.append(f'<div class="user-text">{markdown(answer.alternative_reason)}</div>')
        parts.append("\n  </article>")
        return "".join(parts)

    def general(self, answer) -> Markup:
        """An answer to a general question, with what was done with it."""
        return Markup(
            f"\n  <article class=\"answer\">\n    <h4>{self._who(answer.respondent)}</h4>"
            f"\n    <div class=\"user-text\">{markdown(answer.text)}</div>{self._redacted(answer.redactions)}"
            f"\n    {self._disposition(answer.disposition, self.handling)}\n  </article>"
        )

    def _text(self, label, css_class, text, redactions, disposition, handling) -> str:
        return (f'\n    <p class="label">{label}</p>\n    <div class="{css_class}">{markdown(text)}</div>'
                f"{self._redacted(redactions)}\n    {self._disposition(disposition, handling)}")

    def _who(self, respondent) -> str:
        late = f' <span class="late">({self.late})</span>' if respondent.late else ""
        return f"{self.escaped[respondent.name]}{late}"

    def _disposition(self, disposition, what) -> str:
        if not disposition:
            return ""
        missing = " disposition-missing" if disposition.kind is None else ""
        reason = (f'<dt>{self.reason}</dt><dd class="user-text">{markdown(disposition.reason)}</dd>'
                  if disposition.reason else "")
        return (f'<dl class="disposition{missing}">\n  <dt>{what}</dt><dd>{self.escaped[disposition.label]}</dd>{reason}'
                f"\n</dl>")

    def _redacted(self, notes) -> str:
        """The passages the public report hides, and why (internal report only; `notes` is empty otherwise)."""
        if not notes:
            return ""
        items = "".join(f"<li>”{escape(note.passage)}” – {escape(_('skäl: %(reason)s', reason=note.reason))}</li>"
                        for note in notes)
        return (f'\n<div class="redacted-note"><p class="label">{self.redacted}</p>\n'
                f"<ul>{items}</ul></div>")

    # --- the respondents asked (html.RespondentLists writes them into the lists) ---------------------

    def respondent(self, respondent) -> str:
        """A respondent in a list: per network, or of those who have not answered."""
        return f"\n    <li>{self.escaped[respondent.name]}</li>"

    def received(self, respondent) -> str:
        """A row of the table of answers received."""
        late = f' <span class="late">({self.after_deadline})</span>' if respondent.late else ""
        signed = ""
        if respondent.signed_by:
            signed = "<br><span class=\"signed\">{}</span>".format(_(
                "Undertecknat av %(name)s, %(when)s", name=escape(respondent.signed_by),
                when=escape(self.moments.day(respondent.signed_at))))
        who = "" if self.public else f"<td>{escape(respondent.registered_by or respondent.submitted_by)}</td>"
        return (f'\n      <tr><th scope="row">{self.escaped[respondent.name]}</th>'
                f"\n        <td>{escape(self.moments.when(respondent.submitted_at))}{late}{signed}</td>"
                f"\n        <td>{self.escaped[respondent.channel_label]}</td>{who}</tr>")

    def declined(self, respondent) -> str:
        """A respondent who declined to answer, with the reason given."""
        reason = (f': <span class="user-text">{escape(respondent.declined_reason)}</span>'
                  if respondent.declined_reason else "")
        return f"\n    <li>{escape(respondent.name)}{reason}</li>"
