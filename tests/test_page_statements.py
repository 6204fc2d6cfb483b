"""The pages people wait for run the same number of SQL statements whatever the size of the
consultation: more respondents (R) or more principles (P) never mean more queries.

The consultations come from the benchmarks' generator (benchmarks/generate.py), at two sizes
that differ in both R and P; the statements are counted with SQLAlchemy's
before_cursor_execute event, as benchmarks/pages.py prints them per size.
"""
from __future__ import annotations

import re

from benchmarks import pages
from benchmarks.generate import generate


def _statements(app, respondents, principles):
    with app.app_context():
        world = generate(respondents, principles, users=1, seed=respondents)
    clients = pages.clients(app, world)
    counts = {}
    for name, url, email in pages.pages(world):
        client = clients[email]
        # The first opening of the answer form records it: counted too, it must not grow either.
        counts[f"{name} (first)"] = pages.statements_for(app, client, url)
        counts[name] = pages.statements_for(app, client, url)
    counts.update(_autosave_statements(app, clients[world.user_emails[0]], world))
    return counts


def _autosave_statements(app, client, world):
    """Autosave as answer.js sends it: the first save of a part, then the next one."""
    form = client.get(f"/consultations/{world.consultation_id}/respond").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    key = f"p{world.principle_text_ids[-1]}"
    counts, lock = {}, 0
    for n, name in enumerate(["autosave (first)", "autosave"]):
        with pages.counting(app) as statements:
            response = client.post(f"/consultations/{world.consultation_id}/respond/autosave",
                                   json={"fields": {f"{key}.lock_version": str(lock), f"{key}.comment": f"Text {n}"}},
                                   headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_data(as_text=True)
        lock = response.get_json()["parts"][key]["lock_version"]
        counts[name] = len(statements)
    return counts


def test_page_statements_do_not_grow_with_respondents_or_principles(app):
    small = _statements(app, respondents=3, principles=2)
    large = _statements(app, respondents=60, principles=12)
    assert set(small) == {"consolidation (first)", "consolidation", "dashboard (first)", "dashboard",
                          "answer form (first)", "answer form", "public document (first)", "public document",
                          "autosave (first)", "autosave"}
    assert large == small
    # Autosave runs every few seconds while someone writes: after the log-in's own statement, it loads
    # the respondent with its revisions and the consultation in one statement, the principle it saves
    # with the stored answer in one more (not the whole document), writes a changed part with one
    # conditional UPDATE (no savepoint, no flush), stamps the response and the respondent at most
    # once a minute, and counts progress only when a part began or ceased to say something.
    # 25 statements before, then 6; benchmarks/load.py.
    assert small["autosave"] == 4
