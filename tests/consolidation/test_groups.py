"""Groups of similar comments on a principle: suggesting, moving, naming, and one disposition for
a whole group – through the pages, as the process owner uses them."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.consolidation.models import CommentGroup, CommentGroupMember, Disposition, DispositionTarget
from remiss.consultations.models import ConsultationStatus, PrincipleAnswer, Respondent, Response
from remiss.extensions import db
from tests.conftest import post_form
from tests.consolidation.conftest import add_respondents, page_of, set_status

SIMILAR = "Telefontiderna på vårdcentralen är för korta och måste bli längre{n}."


@pytest.fixture
def grouped_world(app, consolidating):
    """Three more respondents who all say the same about the telephone hours (on every principle)."""
    add_respondents(app, consolidating, 3, prefix="Vårdcentral", comment=SIMILAR.replace("{n}", "") + " {n}")
    w = consolidating
    w.groups_url = f"{w.principle_url(0)}/groups"
    w.suggest_url = f"{w.groups_url}/suggest"
    with app.app_context():
        rows = db.session.execute(
            select(PrincipleAnswer.id).where(PrincipleAnswer.principle_text_id == w.principles[0],
                                             PrincipleAnswer.comment.like("Telefontiderna%"))
            .order_by(PrincipleAnswer.id)).scalars().all()
    w.similar = list(rows)
    return w


def groups_in_db(app, w):
    with app.app_context():
        return [(g.label, sorted((m.principle_answer_id, m.target.value) for m in g.members))
                for g in db.session.execute(select(CommentGroup).where(CommentGroup.principle_text_id == w.principles[0])
                                            .order_by(CommentGroup.position)).scalars()]


def group_ids(app, w):
    with app.app_context():
        return list(db.session.execute(select(CommentGroup.id).where(CommentGroup.principle_text_id == w.principles[0])
                                       .order_by(CommentGroup.position)).scalars())


def suggest(client, w):
    return post_form(client, w.suggest_url)


def test_suggest_groups_the_similar_comments_and_leaves_the_others_out(app, owner_client, grouped_world):
    w = grouped_world
    page = page_of(owner_client.get(w.groups_url))
    assert "Föreslå grupper" in page
    confirm = owner_client.get(w.suggest_url)
    assert confirm.status_code == 200
    assert "Ja, föreslå grupper" in page_of(confirm)
    response = suggest(owner_client, w)
    assert response.status_code == 303
    stored = groups_in_db(app, w)
    assert len(stored) == 1
    label, members = stored[0]
    assert members == [(i, "comment") for i in w.similar]
    assert label.startswith("Telefontiderna")
    page = page_of(owner_client.get(w.groups_url))
    assert "Grupp 1: Telefontiderna" in page
    # SU's comment and NU's proposed wording resemble nothing: outside the groups.
    ungrouped = page.split('id="ungrouped"')[1]
    assert "Bra princip." in ungrouped and "Skriv så här." in ungrouped
    assert "måste bli längre." not in ungrouped
    with app.app_context():
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consolidation.groups_suggested")
                                   ).scalar_one()
        assert entry.after == {"groups": 1, "grouped": 3, "texts": 5}


def test_suggesting_again_asks_first_and_replaces_the_groups(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [first] = group_ids(app, w)
    post_form(owner_client, w.groups_url, {"form": "relabel", "group": first, "label": "Mitt namn"})
    confirm = page_of(owner_client.get(w.suggest_url))
    assert "Principen har redan 1 grupp" in confirm
    assert "Ja, ersätt grupperna med nya förslag" in confirm
    suggest(owner_client, w)
    stored = groups_in_db(app, w)
    assert len(stored) == 1 and stored[0][0] != "Mitt namn"


def test_move_between_groups_into_a_new_group_and_out(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    # SU's comment into the group.
    response = post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p1}-comment", "to": group})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#group-{group}")
    assert (w.su_p1, "comment") in groups_in_db(app, w)[0][1]
    # NU's proposed wording into a new group of its own.
    post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.nu_p1}-proposed_wording", "to": "new"})
    stored = groups_in_db(app, w)
    assert len(stored) == 2 and stored[1] == ("Skriv så här.", [(w.nu_p1, "proposed_wording")])
    # Out again: the group left empty is removed.
    response = post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.nu_p1}-proposed_wording",
                                                       "to": "none"})
    assert response.headers["Location"].endswith("#ungrouped")
    assert len(groups_in_db(app, w)) == 1
    page = page_of(owner_client.get(w.groups_url))
    assert "Skriv så här." in page.split('id="ungrouped"')[1]
    with app.app_context():
        moved = db.session.execute(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "consolidation.group_member_moved")).scalar_one()
        assert moved == 3


def test_moving_a_text_that_is_not_on_the_principle_or_a_group_of_another_principle_is_refused(
        app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    # SU's answer on principle 2 is not on this page's principle.
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p2}-comment", "to": group}
                     ).status_code == 404
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": "x-comment", "to": group}).status_code == 400
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p1}-general", "to": group}
                     ).status_code == 400
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p1}-comment", "to": 99999}
                     ).status_code == 404
    # An empty text (Pia wrote no comment) cannot be grouped.
    with app.app_context():
        pia_p1 = db.session.execute(select(PrincipleAnswer.id).join(Response).where(
            Response.id == w.pia_response, PrincipleAnswer.principle_text_id == w.principles[0])).scalar_one()
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": f"{pia_p1}-comment", "to": group}
                     ).status_code == 422


def test_relabel_and_a_too_long_name_keeps_what_was_typed(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    response = post_form(owner_client, w.groups_url, {"form": "relabel", "group": group, "label": "  Telefontider  "})
    assert response.status_code == 303
    assert "Grupp 1: Telefontider" in page_of(owner_client.get(w.groups_url))
    long = "x" * 201
    refused = post_form(owner_client, w.groups_url, {"form": "relabel", "group": group, "label": long})
    assert refused.status_code == 422
    assert f'value="{long}"' in page_of(refused)
    assert "högst 200 tecken" in page_of(refused)
    assert groups_in_db(app, w)[0][0] == "Telefontider"


def _locks(page: str) -> dict:
    return dict(re.findall(r'name="(lock-\d+-\w+)" value="(\d+)"', page))


def test_one_disposition_for_the_whole_group_each_keeps_its_own_record(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    page = page_of(owner_client.get(w.groups_url))
    locks = _locks(page)
    assert set(locks) == {f"lock-{i}-comment" for i in w.similar}
    response = post_form(owner_client, w.groups_url, {"form": "dispose", "group": group, "kind": "accepted",
                                                       "reason": "Telefontiderna förlängs.", **locks})
    assert response.status_code == 303
    with app.app_context():
        dispositions = db.session.execute(select(Disposition).where(Disposition.principle_answer_id.in_(w.similar))
                                          ).scalars().all()
        assert len(dispositions) == 3
        assert {(d.kind.value, d.reason, d.target) for d in dispositions} == {
            ("accepted", "Telefontiderna förlängs.", DispositionTarget.comment)}
        audit = db.session.execute(select(func.count()).select_from(AuditEntry)
                                   .where(AuditEntry.action == "consolidation.disposition_set")).scalar_one()
        assert audit == 3
    followed = owner_client.get(w.groups_url)
    assert "3 synpunkter fick ställningstagandet." in page_of(followed)
    assert page_of(followed).count("Ställningstagande nu:</strong>\n    Beaktad") == 3
    # The same again changes nothing.
    page = page_of(owner_client.get(w.groups_url))
    post_form(owner_client, w.groups_url, {"form": "dispose", "group": group, "kind": "accepted",
                                           "reason": "Telefontiderna förlängs.", **_locks(page)})
    assert "0 synpunkter fick ställningstagandet. 3 hade det redan." in page_of(owner_client.get(w.groups_url))


def test_group_disposition_needs_a_kind_and_keeps_the_reason(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    locks = _locks(page_of(owner_client.get(w.groups_url)))
    refused = post_form(owner_client, w.groups_url, {"form": "dispose", "group": group, "kind": "",
                                                      "reason": "Min motivering", **locks})
    assert refused.status_code == 422
    assert "Välj vilket ställningstagande alla i gruppen ska få." in page_of(refused)
    assert "Min motivering</textarea>" in page_of(refused)
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Disposition)).scalar_one() == 0


def test_a_member_changed_meanwhile_is_reported_not_overwritten(app, client, auth, grouped_world):
    w = grouped_world
    auth.login(w.owner.email)
    suggest(client, w)
    [group] = group_ids(app, w)
    locks = _locks(page_of(client.get(w.groups_url)))
    # Meanwhile a colleague gives the second member a disposition of their own.
    auth.logout()
    auth.login(w.other_owner.email)
    second = w.similar[1]
    saved = post_form(client, w.principle_url(0), {"form": "disposition", "answer": f"p{second}", "target": "comment",
                                                   "kind": "not_accepted", "reason": "Olles skäl.",
                                                   "lock_version": 0})
    assert saved.status_code == 303
    auth.logout()
    auth.login(w.owner.email)
    response = post_form(client, w.groups_url, {"form": "dispose", "group": group, "kind": "accepted",
                                                 "reason": "Förlängs.", **locks})
    assert response.status_code == 409
    page = page_of(response)
    assert "Alla i gruppen fick inte ställningstagandet" in page
    assert "2 synpunkter fick ställningstagandet." in page
    assert "Olle Processansvarig" in page and "Ej beaktad" in page
    assert "Förlängs.</textarea>" in page  # what was typed stays for another try
    with app.app_context():
        kinds = dict(db.session.execute(select(Disposition.principle_answer_id, Disposition.reason)
                                        .where(Disposition.principle_answer_id.in_(w.similar))).all())
        assert kinds == {w.similar[0]: "Förlängs.", second: "Olles skäl.", w.similar[2]: "Förlängs."}


def test_a_member_that_joined_after_the_page_was_shown_is_skipped(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    locks = _locks(page_of(owner_client.get(w.groups_url)))
    post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p1}-comment", "to": group})
    response = post_form(owner_client, w.groups_url, {"form": "dispose", "group": group, "kind": "noted",
                                                       "reason": "", **locks})
    assert response.status_code == 409
    assert "Kom med i gruppen efter att du öppnade sidan." in page_of(response)
    with app.app_context():
        assert db.session.execute(select(Disposition).where(Disposition.principle_answer_id == w.su_p1)
                                  ).scalar_one_or_none() is None


@pytest.mark.parametrize("status", [ConsultationStatus.open, ConsultationStatus.consolidated])
def test_groups_change_only_while_the_consultation_is_closed(app, owner_client, grouped_world, status):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    set_status(app, w.consultation, status)
    page = owner_client.get(w.groups_url)
    assert page.status_code == 200
    assert "Grupp 1:" in page_of(page) and "Föreslå grupper" not in page_of(page)
    assert 'name="form" value="move"' not in page_of(page)
    assert owner_client.get(w.suggest_url).status_code == 409
    assert suggest(owner_client, w).status_code == 409
    assert post_form(owner_client, w.groups_url, {"form": "move", "item": f"{w.su_p1}-comment", "to": group}
                     ).status_code == 409
    assert post_form(owner_client, w.groups_url, {"form": "relabel", "group": group, "label": "Nytt"}
                     ).status_code == 409
    assert len(groups_in_db(app, w)) == 1


def test_only_process_owners_and_administrators(app, client, auth, grouped_world):
    w = grouped_world
    auth.login(w.anna.email)
    assert client.get(w.groups_url).status_code == 403
    assert post_form(client, w.suggest_url).status_code == 403
    auth.logout()
    auth.login(w.administrator.email)
    assert suggest(client, w).status_code == 303
    auth.logout()
    assert client.get(w.groups_url).status_code == 302


def test_principle_of_another_version_and_unknown_group(app, owner_client, grouped_world):
    w = grouped_world
    assert owner_client.get(f"/consultations/{w.consultation}/consolidation/principles/999999/groups").status_code == 404
    assert post_form(owner_client, w.groups_url, {"form": "relabel", "group": 999999, "label": "x"}).status_code == 404
    assert post_form(owner_client, w.groups_url, {"form": "bogus"}).status_code == 400


def test_user_text_is_escaped_on_the_groups_page(app, owner_client, consolidating):
    w = consolidating
    page = page_of(owner_client.get(f"{w.principle_url(1)}/groups"))
    assert "<script>alert(1)</script>" not in page
    assert "Otydlig." in page


def test_the_internal_report_lists_the_groups_the_public_one_does_not(app, owner_client, grouped_world):
    w = grouped_world
    suggest(owner_client, w)
    [group] = group_ids(app, w)
    post_form(owner_client, w.groups_url, {"form": "relabel", "group": group, "label": "Telefontider"})
    internal = owner_client.get(f"/consultations/{w.consultation}/report.json").get_json()
    first = next(p for p in internal["principles"] if p["id"] == w.principles[0])
    assert first["groups"] == [{"label": "Telefontider", "members": 3}]
    html = page_of(owner_client.get(f"/consultations/{w.consultation}/report.html"))
    assert "Grupper av liknande synpunkter" in html and "Telefontider (3 texter)" in html
    public = owner_client.get(f"/consultations/{w.consultation}/report.json?public=1").get_json()
    assert all(p["groups"] == [] for p in public["principles"])
    assert "Grupper av liknande synpunkter" not in page_of(
        owner_client.get(f"/consultations/{w.consultation}/report.html?public=1"))
