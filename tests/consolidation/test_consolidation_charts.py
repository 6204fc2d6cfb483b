"""The charts: inline SVG with a text alternative, the same numbers in the table beside them, labels and
patterns besides colour, well-formed and escaped (safe to embed in a page, a PDF or a Word file)."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import Counter

from remiss.consolidation import charts, queries
from remiss.consultations.models import Consultation
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from tests.consolidation.conftest import page_of

SVG = "{http://www.w3.org/2000/svg}"


def _stats(app, w):
    with app.test_request_context():
        return queries.statistics(db.session.get(Consultation, w.consultation))


def _svg(app, make):
    with app.test_request_context():
        return str(make())


def test_stance_chart_has_a_text_alternative_with_every_number(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    svg = _svg(app, lambda: charts.stance_bar_svg(stats.principles[0], "test"))
    root = ET.fromstring(svg)  # well-formed XML
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title.get("id") == title_id and desc.get("id") == desc_id
    assert title.text == "Ställningstaganden till princip 1: Princip nummer 1 (3 svar)"
    for expected in ("Tillstyrker: 2 av 3", "Tillstyrker med ändringar: 1 av 3", "Avstyrker: 0 av 3",
                     "Inga synpunkter: 0 av 3", "Ej besvarat: 0 av 3"):
        assert expected in desc.text
    # Not colour alone: every bar's label and number is written, and the stances use different patterns.
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Tillstyrker med ändringar" in texts and any(t and t.startswith("2 (") for t in texts)
    patterns = {p.get("id") for p in root.iter(f"{SVG}pattern")}
    assert len(patterns) == 3  # stripes, cross-hatch, dots (and solid, dashed outline)
    # Bars drawn: Tillstyrker (solid) and Tillstyrker med ändringar (its pattern).
    fills = [r.get("fill") for r in root.iter(f"{SVG}rect") if r.get("fill") not in (None, "none")]
    assert any(f.startswith("url(#test-stance-") for f in fills if f.startswith("url("))
    assert all(f[5:-1] in patterns for f in fills if f.startswith("url("))


def test_heatmap_has_a_text_alternative_and_a_number_in_every_cell(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    root = ET.fromstring(_svg(app, lambda: charts.criteria_heatmap_svg(stats.principles[0], "test")))
    assert root.get("role") == "img"
    desc = root.find(f"{SVG}desc").text
    assert "Stöder principen våra övergripande mål och värderingar?: Ja 2, Delvis 0, Nej 1, Ej svar 0." in desc
    assert "Är principen specifik nog?: Ja 1, Delvis 0, Nej 1, Ej svar 1." in desc
    cells = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "middle"]
    headers, numbers = cells[:4], cells[4:]
    assert headers == ["Ja", "Delvis", "Nej", "Ej svar"]
    assert numbers == ["2", "0", "1", "0", "1", "1", "1", "0", "1", "0", "1", "1", "2", "1", "0", "0"]


def test_chart_text_is_escaped(app, consolidating):
    w = consolidating
    with app.app_context():
        db.session.get(PrincipleText, w.principles[0]).title = '</title><script>alert(1)</script>"&'
        db.session.commit()
    stats = _stats(app, w)
    for make in (charts.stance_bar_svg, charts.criteria_heatmap_svg):
        svg = _svg(app, lambda: make(stats.principles[0], 'x"><script>'))
        assert "<script>" not in svg
        root = ET.fromstring(svg)
        assert root.find(f"{SVG}title").text.startswith("Ställningstaganden" if make is charts.stance_bar_svg
                                                        else "Kvalitetskriterier")
        assert '</title><script>alert(1)</script>"&' in root.find(f"{SVG}title").text


def test_alternatives_chart(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    root = ET.fromstring(_svg(app, lambda: charts.alternatives_bar_svg(stats.choices[1], "test")))
    desc = root.find(f"{SVG}desc").text
    assert "Formulering A: 2 av 3" in desc and "Formulering B: 1 av 3" in desc and "Inget alternativ valt: 0 av 3" in desc


def _numbers_of_table(html_fragment: str) -> list[str]:
    return re.findall(r'<td class="numeric">(\d+)</td>', html_fragment)


def test_the_table_view_has_the_same_numbers_as_the_chart(owner_client, consolidating):
    w = consolidating
    html = page_of(owner_client.get(w.overview_url))
    figures = html.split('<figure class="chart-figure">')[1:]
    assert len(figures) == 3 * 2 + 2  # stance and criteria per principle, two choices
    for figure in figures:
        svg, table = figure.split("<details", 1)
        desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
        table = table.split("</details>", 1)[0]
        if "heatmap" in svg:
            chart_numbers = re.findall(r"(?:Ja|Delvis|Nej|Ej svar) (\d+)", desc)
        else:
            chart_numbers = re.findall(r": (\d+) av \d+", desc)
        assert chart_numbers == _numbers_of_table(table), desc  # the shares (67 %) are not bare numbers
        assert "<summary>Visa siffrorna som tabell" in table


def test_ids_on_a_page_are_unique(owner_client, consolidating):
    w = consolidating
    for url in (w.overview_url, w.principle_url(0), w.respondent_url(w.su_respondent)):
        ids = re.findall(r'\sid="([^"]+)"', page_of(owner_client.get(url)))
        duplicates = [i for i, n in Counter(ids).items() if n > 1]
        assert not duplicates, (url, duplicates)
