"""Several people (and tabs) save the same part of one answer at the same moment, through the
real autosave endpoint, each request in its own application context and database session.

Nothing may be lost: every save either lands (200, saved) or is refused as a conflict (409, with
the stored text to merge), never an error; and the stored text is the last save that landed.
"""
from __future__ import annotations

from sqlalchemy import func, select

from remiss.consultations.models import PrincipleAnswer, Response
from remiss.extensions import db
from tests.data_safety.conftest import logged_in_client, run_together
from tests.responses.conftest import autosave

THREADS = 6
SAVES_PER_THREAD = 8


def test_parallel_saves_of_the_same_part_lose_nothing_and_never_fail(app, answering):
    w = answering
    key = f"p{w.principles[0]}"
    emails = [w.anna.email, w.bengt.email]  # two people, three tabs each
    clients = [logged_in_client(app, emails[i % 2]) for i in range(THREADS)]

    def writer(index):
        client = clients[index]

        def run():
            base = 0
            outcomes = []
            for n in range(SAVES_PER_THREAD):
                text = f"Text {n} från flik {index}"
                response = autosave(client, w, {f"{key}.lock_version": str(base), f"{key}.comment": text,
                                                f"{key}.stance": "supports"})
                body = response.get_json()
                part = (body or {}).get("parts", {}).get(key, {})
                outcomes.append((response.status_code, text, part.get("saved"), part.get("lock_version")))
                if part.get("lock_version") is not None:
                    base = part["lock_version"]  # continue from what the server says is stored
            return outcomes

        return run

    results = run_together([writer(i) for i in range(THREADS)])
    outcomes = [outcome for thread in results for outcome in thread]

    assert {status for status, *_ in outcomes} <= {200, 409}, f"only saved or conflict: {outcomes}"
    landed = {lock_version: text for status, text, saved, lock_version in outcomes if status == 200 and saved}
    conflicts = [o for o in outcomes if o[0] == 409]
    assert all(saved is False for _status, _text, saved, _lv in conflicts)
    assert len(landed) == sum(1 for o in outcomes if o[0] == 200), "every save that landed got its own version"
    # Each landed save moved the version by one: none was overwritten without the writer being told.
    assert sorted(landed) == list(range(1, len(landed) + 1))

    with app.app_context():
        [answer] = db.session.execute(select(PrincipleAnswer)).scalars().all()
        assert answer.lock_version == max(landed)
        assert answer.comment == landed[max(landed)], "the stored text is the last save that landed"
        assert db.session.scalar(select(func.count(Response.id))) == 1, "one draft for the organisation"


def test_parallel_first_saves_create_one_draft_and_one_answer(app, answering):
    """Nobody has written yet: all race to create the draft and the answer row."""
    w = answering
    key = f"p{w.principles[1]}"
    clients = [logged_in_client(app, (w.anna.email, w.bengt.email)[i % 2]) for i in range(THREADS)]

    def first_save(index):
        return lambda: autosave(clients[index], w, {f"{key}.lock_version": "0", f"{key}.comment": f"Först {index}"})

    responses = run_together([first_save(i) for i in range(THREADS)])
    statuses = [r.status_code for r in responses]
    assert set(statuses) <= {200, 409}, statuses
    winners = [i for i, r in enumerate(responses) if r.status_code == 200]
    assert len(winners) == 1, "one first save lands; the others are told someone was first"
    with app.app_context():
        assert db.session.scalar(select(func.count(Response.id))) == 1
        [answer] = db.session.execute(select(PrincipleAnswer)).scalars().all()
        assert answer.comment == f"Först {winners[0]}"
    for response in responses:
        if response.status_code == 409:
            assert response.get_json()["parts"][key]["conflict"]["stored"]["comment"] == f"Först {winners[0]}"
