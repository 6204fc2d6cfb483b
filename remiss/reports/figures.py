"""The report's figures come from the consolidation: `remiss.consolidation.queries.statistics`
(counts made by the database) and `remiss.consolidation.charts` (inline SVG). This module only
copies them into the report's plain data; it counts nothing itself."""
from __future__ import annotations

from remiss.consolidation import charts
from remiss.consolidation import queries as consolidation_queries

# Chart ids must not clash with the app page's when the report is shown inside the app.
ID_PREFIX = "report"


def fill(consultation, principle_reports, section_reports, **loaded) -> None:
    """Put each principle's figures and charts, and every alternative's count, into the report.
    `loaded`: what the report has read already (statistics() takes principles, sections, criteria, questions)."""
    from remiss.reports.data import Figures

    statistics = consolidation_queries.statistics(consultation, preferences=False, **loaded)
    for principle in principle_reports:
        found = statistics.principle(principle.id)
        if found is None:
            continue
        principle.figures = Figures(
            stances=[(c.key, c.label, c.count) for c in found.stances],
            criteria=[(c.text, [(count.label, count.count) for count in c.counts]) for c in found.criteria],
            comments=found.comments,
            proposed_wordings=found.proposed_wordings,
            answered=found.responses,
            statistics=found,
        )
        if principle.alternatives is not None and found.choice is not None:
            _copy_counts(principle.alternatives, found.choice)
    for choice in statistics.sections:
        if choice.section_id in section_reports:
            _copy_counts(section_reports[choice.section_id], choice)


def stance_svg(statistics) -> str:
    return str(charts.stance_bar_svg(statistics, ID_PREFIX))


def criteria_svg(statistics) -> str:
    return str(charts.criteria_heatmap_svg(statistics, ID_PREFIX))


def _copy_counts(outcome, choice) -> None:
    counts = {a.alternative_id: a.count for a in choice.alternatives}
    for alternative in outcome.alternatives:
        alternative.count = counts.get(alternative.id, 0)
    outcome.without_choice = counts.get(None, 0)
    outcome.svg = str(charts.alternatives_bar_svg(choice, ID_PREFIX))
