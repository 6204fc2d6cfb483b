"""Charts as inline SVG, made on the server: readable without JavaScript, in the browser and in PDF.

Each chart
- is an <svg role="img"> named by its <title> and described by its <desc> (aria-labelledby),
  the description giving every number the chart shows;
- never relies on colour alone: every bar and cell carries its label and its number as text,
  and the stance bars differ by pattern (stripes, cross-hatch, dots, dashed outline) as well;
- uses colours from a colour-blind-safe palette with a dark outline (at least 3:1 against white);
- is built from markupsafe-escaped text only (`_svg` escapes every argument), so a
  principle title or criterion text with "<script>" stays text.

The page shows a table with the same numbers next to each chart (templates/consolidation/_charts.html).
The report embeds the same SVG: `stance_bar_svg`, `criteria_heatmap_svg` and `alternatives_bar_svg`.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _
from markupsafe import Markup, escape

from remiss.consolidation.queries import UNANSWERED, ChoiceStatistics, Count, PrincipleStatistics, share_text

WIDTH = 360
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, 'DejaVu Sans', sans-serif"
TEXT = "#1b1b1b"
OUTLINE = "#1b1b1b"

# fill, pattern, colour of the pattern's lines. Okabe–Ito colours, told apart by pattern too.
STANCE_STYLES = {
    "supports": ("#0072b2", "solid", None),
    "supports_with_changes": ("#56b4e9", "stripes", "#0b3d5c"),
    "opposes": ("#d55e00", "crosshatch", "#ffffff"),
    "no_comments": ("#bbbbbb", "dots", "#1b1b1b"),
    UNANSWERED: ("#ffffff", "empty", None),
}
ALTERNATIVE_STYLES = [
    ("#0072b2", "solid", None),
    ("#e69f00", "stripes", "#1b1b1b"),
    ("#009e73", "crosshatch", "#ffffff"),
    ("#cc79a7", "dots", "#1b1b1b"),
    ("#56b4e9", "stripes", "#0b3d5c"),
    ("#f0e442", "crosshatch", "#1b1b1b"),
]
# Heat map: the share of respondents in a cell → (fill, text colour). Each text colour has ≥ 4.5:1 on its fill.
HEAT_STEPS = [
    (0.0, "#ffffff", TEXT),
    (0.25, "#deebf7", TEXT),
    (0.5, "#9ecae1", TEXT),
    (0.75, "#2171b5", "#ffffff"),
    (1.0, "#08306b", "#ffffff"),
]


_NUMBERS = (int, float)


def _svg(template: str, **values) -> Markup:
    """`template` filled with every value escaped, as Markup.format does, but by str.format (C) rather
    than string.Formatter (Python), which was most of a small report's time for its charts. Numbers,
    most of the values, need no escaping."""
    return Markup(template.format_map({name: value if type(value) in _NUMBERS else escape(value)
                                       for name, value in values.items()}))


def _id(value: str) -> str:
    """An id made only of safe characters."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", value)


def _shorten(text: str, length: int) -> str:
    flat = " ".join((text or "").split())
    return flat if len(flat) <= length else flat[: length - 1].rstrip() + "…"


def _open(chart_id: str, height: int, title: str, description: str, css_class: str) -> Markup:
    return _svg(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'role="img" aria-labelledby="{id}-title {id}-desc" font-family="{font}" font-size="14" fill="{text}">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>',
        css=css_class, w=WIDTH, h=height, id=chart_id, font=FONT, text=TEXT, title=title, desc=description)


def _pattern(pattern_id: str, fill: str, kind: str, ink: str | None) -> Markup:
    lines = {
        "stripes": '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{ink}" stroke-width="2"/>',
        "crosshatch": '<path d="M0,0 L8,8 M8,0 L0,8" stroke="{ink}" stroke-width="1.5"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="{ink}"/>',
    }.get(kind)
    if lines is None:
        return Markup("")
    return _svg(
        '<pattern id="{id}" patternUnits="userSpaceOnUse" width="8" height="8">'
        '<rect width="8" height="8" fill="{fill}"/>' + lines + "</pattern>",
        id=pattern_id, fill=fill, ink=ink)


def _bar_fill(pattern_id: str, fill: str, kind: str) -> Markup:
    if kind in ("solid", "empty"):
        return Markup(fill)
    return _svg("url(#{id})", id=pattern_id)


def bar_chart_svg(counts: list[Count], total: int, title: str, chart_id: str, styles: list[tuple]) -> Markup:
    """Horizontal bars, one per count, each with its label above and "n (p %)" beside it.
    `styles` gives (fill, pattern, ink) per count, in order."""
    chart_id = _id(chart_id)
    row = 46
    height = row * len(counts) + 6
    bar_space = WIDTH - 96
    said = _("%(label)s: %(count)d av %(total)d (%(share)s)")  # translated once, filled per bar
    description = "; ".join(
        said % {"label": c.label, "count": c.count, "total": total, "share": share_text(c.count, total)} for c in counts
    ) + "."
    parts = [_open(chart_id, height, title, description, "bar-chart"), Markup("<defs>")]
    for index, (fill, kind, ink) in enumerate(styles):
        parts.append(_pattern(f"{chart_id}-p{index}", fill, kind, ink))
    parts.append(Markup('</defs><g aria-hidden="true">'))
    for index, (count, (fill, kind, _ink)) in enumerate(zip(counts, styles)):
        top = 4 + index * row
        width = round(bar_space * count.count / total) if total else 0
        parts.append(_svg('<text x="0" y="{y}">{label}</text>', y=top + 13, label=count.label))
        # The track shows where 100 % would end, so that an empty bar still reads as a bar.
        parts.append(_svg('<rect x="0.5" y="{y}" width="{w}" height="18" fill="none" stroke="#c9d1da"/>',
                          y=top + 19.5, w=bar_space))
        if width > 0:
            dashed = Markup(' stroke-dasharray="4 2"') if kind == "empty" else Markup("")
            parts.append(_svg(
                '<rect x="0.5" y="{y}" width="{w}" height="18" fill="{fill}" stroke="{outline}"{dashed}/>',
                y=top + 19.5, w=max(width - 1, 1), fill=_bar_fill(f"{chart_id}-p{index}", fill, kind),
                outline=OUTLINE, dashed=dashed))
        parts.append(_svg(
            '<text x="{x}" y="{y}">{count} ({share})</text>', x=bar_space + 8, y=top + 33, count=count.count,
            share=share_text(count.count, total)))
    parts.append(Markup("</g></svg>"))
    return Markup("").join(parts)


def stance_bar_svg(stats: PrincipleStatistics, id_prefix: str | None = None) -> Markup:
    """How the respondents stood on one principle: the four stances and the not answered.
    `id_prefix` keeps ids unique when a page shows the same principle twice."""
    chart_id = f"{id_prefix or 'chart'}-stance-{stats.principle_text_id}"
    title = _("Ställningstaganden till princip %(number)s: %(title)s (%(total)d svar)", number=stats.number,
              title=stats.title, total=stats.responses)
    styles = [STANCE_STYLES.get(count.key, STANCE_STYLES[UNANSWERED]) for count in stats.stances]
    return bar_chart_svg(stats.stances, stats.responses, title, chart_id, styles)


def alternatives_bar_svg(choice: ChoiceStatistics, id_prefix: str | None = None) -> Markup:
    """How many respondents prefer each alternative of one section or principle."""
    chart_id = f"{id_prefix or 'chart'}-alternatives-{choice.key}"
    title = _("Föredraget alternativ: %(heading)s (%(total)d svar)", heading=choice.heading, total=choice.responses)
    counts = choice.counts
    styles = [STANCE_STYLES[UNANSWERED] if count.key == UNANSWERED else ALTERNATIVE_STYLES[i % len(ALTERNATIVE_STYLES)]
              for i, count in enumerate(counts)]
    return bar_chart_svg(counts, choice.responses, title, chart_id, styles)


def _heat(count: int, total: int) -> tuple[str, str]:
    share = count / total if total else 0
    if count == 0:
        return HEAT_STEPS[0][1], HEAT_STEPS[0][2]
    for limit, fill, ink in HEAT_STEPS[1:]:
        if share <= limit:
            return fill, ink
    return HEAT_STEPS[-1][1], HEAT_STEPS[-1][2]


def column_label(count: Count, unanswered: str | None = None) -> str:
    """A short column heading: "Ej svar" for the not rated (`unanswered`: that text, translated already),
    the rating's value when its label is long."""
    if count.key == UNANSWERED:
        return _("Ej svar") if unanswered is None else unanswered
    return count.label if len(count.label) <= 8 else count.key


def criteria_heatmap_svg(stats: PrincipleStatistics, id_prefix: str | None = None) -> Markup:
    """The quality criteria × ratings for one principle: each cell the number of respondents,
    shaded by share (the number is always written in the cell)."""
    chart_id = _id(f"{id_prefix or 'chart'}-criteria-{stats.principle_text_id}")
    title = _("Kvalitetskriterier för princip %(number)s: %(title)s – antal svar per bedömning (%(total)d svar)",
              number=stats.number, title=stats.title, total=stats.responses)
    if not stats.criteria:
        return Markup("")
    columns = stats.criteria[0].counts
    cell_width = WIDTH / len(columns)
    header = 22
    row = 52
    height = header + row * len(stats.criteria) + 4
    said, unanswered = _("%(criterion)s: %(counts)s."), _("Ej svar")  # translated once, filled per criterion
    description = " ".join(
        said % {"criterion": criterion.text,
                "counts": ", ".join(f"{column_label(c, unanswered)} {c.count}" for c in criterion.counts)}
        for criterion in stats.criteria
    )
    parts = [_open(chart_id, height, title, description, "heatmap"), Markup('<g aria-hidden="true">')]
    for index, column in enumerate(columns):
        parts.append(_svg(
            '<text x="{x}" y="15" text-anchor="middle" font-weight="700">{label}</text>',
            x=round(cell_width * index + cell_width / 2, 1), label=column_label(column, unanswered)))
    for position, criterion in enumerate(stats.criteria):
        top = header + position * row
        parts.append(_svg(
            '<text x="0" y="{y}">{label}<title>{full}</title></text>', y=top + 14,
            label=_shorten(f"{criterion.position}. {criterion.text}", 46), full=criterion.text))
        for index, count in enumerate(criterion.counts):
            fill, ink = _heat(count.count, criterion.total)
            x = cell_width * index
            parts.append(_svg(
                '<rect x="{x}" y="{y}" width="{w}" height="28" fill="{fill}" stroke="#6b7780"/>'
                '<text x="{cx}" y="{ty}" text-anchor="middle" font-weight="700" fill="{ink}">{count}</text>',
                x=round(x + 1, 1), y=top + 20, w=round(cell_width - 2, 1), fill=fill,
                cx=round(x + cell_width / 2, 1), ty=top + 39, ink=ink, count=count.count))
    parts.append(Markup("</g></svg>"))
    return Markup("").join(parts)
