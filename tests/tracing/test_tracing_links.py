"""Linking comments to the changes they led to: the linking page, the refusals, the audit trail,
the flagged list and what the consolidation pages show."""
from __future__ import annotations

import re

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.consolidation.models import ChangeLink, DispositionTarget
from remiss.consultations.models import GeneralAnswer, PrincipleAnswer
from remiss.documents.models import PrincipleText, VersionStatus
from remiss.extensions import db
from remiss.tracing import operations
from tests.conftest import csrf_token
from tests.tracing.conftest import links, set_version_status


def page(response) -> str:
    return response.get_data(as_text=True)


def shown(html: str) -> list[str]:
    return re.findall(r'name="shown" value="([^"]+)"', html)


def checked(html: str) -> set[str]:
    return set(re.findall(r'name="link" value="([^"]+)" id="[^"]+" checked', html))


def save(client, url, html, checked_refs):
    data = {"csrf_token": csrf_token(client), "shown": shown(html), "link": sorted(checked_refs)}
    return client.post(url, data=data)


def test_the_linking_page_lists_the_comments_on_the_earlier_text_with_their_disposition(client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    html = page(client.get(w.links_url(w.keys[0])))
    # Principle 1's comments and proposed wordings of v1, and every general answer (linkable anywhere).
    # Organisations by name (NU before SU), then individuals.
    assert shown(html) == [f"p{w.nu_p1}-proposed_wording", f"p{w.su_p1}-comment", f"p{w.pia_p1}-comment",
                           f"g{w.su_g1}-general", f"g{w.pia_g1}-general"]
    assert "Bra princip." in html and "Skriv så här." in html and "Svårt att förstå för mig som patient." in html
    assert "Vi förtydligar." in html and "Beaktad" in html
    assert "Sahlgrenska Universitetssjukhuset" in html and "Pia Patient" in html  # staff see the names
    # Accepted and not linked: flagged, in words.
    assert html.count("Beaktad men inte kopplad till någon ändring") == 4  # SU, NU, Pia on p1; SU's general answer
    assert not checked(html)
    # Comments on principle 2 are not offered here.
    assert "Ny lydelse." not in html


def test_link_and_unlink_with_audit_entries(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[0])
    html = page(client.get(url))
    response = save(client, url, html, {f"p{w.su_p1}-comment", f"g{w.su_g1}-general"})
    assert response.status_code == 303
    assert links(app) == {(w.v2_p1, "p", w.su_p1, "comment"), (w.v2_p1, "g", w.su_g1, "general")}
    html = page(client.get(url))
    assert "Kopplingarna är sparade." in html
    assert checked(html) == {f"p{w.su_p1}-comment", f"g{w.su_g1}-general"}
    assert html.count("Beaktad men inte kopplad till någon ändring") == 2  # NU's wording and Pia's comment

    # Unlink one: it is shown, no longer checked.
    response = save(client, url, html, {f"g{w.su_g1}-general"})
    assert response.status_code == 303
    assert links(app) == {(w.v2_p1, "g", w.su_g1, "general")}
    # Saving the same again changes nothing.
    html = page(client.get(url))
    save(client, url, html, {f"g{w.su_g1}-general"})
    assert "Ingenting var ändrat." in page(client.get(url))
    with app.app_context():
        actions = [e.action for e in db.session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("tracing.%"))
                                     .order_by(AuditEntry.id)).scalars().all()
        assert [e.action for e in entries] == ["tracing.change_linked", "tracing.change_linked",
                                               "tracing.change_unlinked"]
        assert all(e.actor_id == w.owner.id and e.consultation_id == w.consultation and e.document_id for e in entries)
        assert entries[2].before["principle_answer_id"] == w.su_p1
        assert "tracing.change_linked" in actions


def test_a_comment_keeps_links_in_other_principles(app, client, auth, tracing):
    """A save lists what it showed: a link the page did not show (another principle's) stays."""
    w = tracing
    auth.login(w.owner.email)
    html = page(client.get(w.links_url(w.keys[1])))
    save(client, w.links_url(w.keys[1]), html, {f"g{w.su_g1}-general"})
    html = page(client.get(w.links_url(w.keys[0])))
    save(client, w.links_url(w.keys[0]), html, {f"p{w.su_p1}-comment"})
    assert links(app) == {(w.v2_p2, "g", w.su_g1, "general"), (w.v2_p1, "p", w.su_p1, "comment")}
    # On principle 1's page the general answer says where it led.
    html = page(client.get(w.links_url(w.keys[0])))
    assert "Ledde till ändring i version 2, princip 2" in html


def test_a_merged_principle_traces_back_to_both(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[1])
    html = page(client.get(url))
    assert f"p{w.su_p2}-comment" in shown(html) and f"p{w.su_p2}-proposed_wording" in shown(html)
    assert f"p{w.nu_p3}-comment" in shown(html)  # principle 3 was merged into principle 2
    assert "Slå ihop med princip 2." in html and w.keys[2] in html
    assert save(client, url, html, {f"p{w.nu_p3}-comment", f"p{w.su_p2}-comment"}).status_code == 303
    assert links(app) == {(w.v2_p2, "p", w.nu_p3, "comment"), (w.v2_p2, "p", w.su_p2, "comment")}
    trace = page(client.get(w.trace_url(w.keys[1])))
    assert "Slå ihop med princip 2." in trace and "Otydlig." in trace
    assert trace.count("Ledde till ändring i version 2, princip 2") == 2


def test_a_comment_on_another_principle_is_refused(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[0])
    html = page(client.get(url))
    data = {"csrf_token": csrf_token(client), "shown": shown(html) + [f"p{w.su_p2}-comment"],
            "link": [f"p{w.su_p1}-comment", f"p{w.su_p2}-comment"]}
    response = client.post(url, data=data)
    assert response.status_code == 422
    assert "Synpunkten gäller en annan princip" in page(response)
    assert links(app) == set()  # nothing of the refused save is kept
    # What the user checked is still checked.
    assert f"p{w.su_p1}-comment" in checked(page(response))


def test_the_operation_refuses_wrong_principle_version_and_empty_text(app, tracing):
    w = tracing
    with app.app_context():
        v2_p1 = db.session.get(PrincipleText, w.v2_p1)
        v1_p1 = db.session.get(PrincipleText, w.principles[0])
        su_p2 = db.session.get(PrincipleAnswer, w.su_p2)
        su_p1 = db.session.get(PrincipleAnswer, w.su_p1)
        for text, answer, target in [(v2_p1, su_p2, DispositionTarget.comment),
                                     (v2_p1, su_p1, DispositionTarget.proposed_wording),  # SU wrote no wording
                                     (v2_p1, su_p1, DispositionTarget.general)]:
            try:
                operations.link_change(text, answer, target, None)
            except operations.NotLinkable:
                pass
            else:
                raise AssertionError(f"linked {answer.id} {target}")
        # A comment given on v1 cannot have led to a change in v1 itself (and v1 is no draft either).
        set_version_status(app, w.v1, VersionStatus.draft)
        db.session.expire_all()
        try:
            operations.link_change(v1_p1, su_p1, DispositionTarget.comment, None)
        except operations.NotLinkable as refused:
            assert "tidigare version" in refused.message
        else:
            raise AssertionError("linked to the version it was given on")
        link = operations.link_change(db.session.get(PrincipleText, w.v2_p1), su_p1, DispositionTarget.comment, None)
        assert operations.link_change(db.session.get(PrincipleText, w.v2_p1), su_p1, "comment", None).id == link.id


def test_no_links_change_once_the_new_version_is_no_draft(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[0])
    html = page(client.get(url))
    save(client, url, html, {f"p{w.su_p1}-comment"})
    set_version_status(app, w.v2, VersionStatus.on_remiss)
    html = page(client.get(url))
    assert "Versionen är inte ett utkast längre" in html
    assert 'name="link"' not in html and "Spara kopplingarna" not in html
    assert "Kopplad till ändringen i den här principen." in html
    response = client.post(url, data={"csrf_token": csrf_token(client), "shown": [f"p{w.su_p1}-comment",
                                                                                  f"p{w.nu_p1}-proposed_wording"],
                                      "link": [f"p{w.nu_p1}-proposed_wording"]})
    assert response.status_code == 409
    assert "Version 2 är inte ett utkast längre" in page(response)
    assert links(app) == {(w.v2_p1, "p", w.su_p1, "comment")}
    with app.app_context():
        link = db.session.execute(select(ChangeLink)).scalar_one()
        try:
            operations.unlink_change(link, None)
        except operations.NotDraft:
            db.session.rollback()
        else:
            raise AssertionError("unlinked in a version on remiss")
    assert len(links(app)) == 1


def test_bad_input_is_4xx(client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[0])
    token = csrf_token(client)
    assert client.post(url, data={"csrf_token": token, "link": ["p1-comment"]}).status_code == 400  # not shown
    assert client.post(url, data={"csrf_token": token, "shown": ["nonsense"], "link": ["nonsense"]}).status_code == 404
    assert client.post(url, data={"csrf_token": token, "shown": ["p99999999999-comment"],
                                  "link": ["p99999999999-comment"]}).status_code == 404
    assert client.post(url, data={"csrf_token": token, "shown": [f"p{w.su_p1}-general"],
                                  "link": [f"p{w.su_p1}-general"]}).status_code == 404
    assert client.post(url, data={"shown": [], "link": []}).status_code == 400  # no CSRF token
    assert client.get(w.links_url("no-such-principle")).status_code == 404
    assert client.get(f"/documents/{w.document_key}/versions/99/links").status_code == 404
    assert client.get(f"/documents/{w.document_key}/versions/99999999999/links").status_code == 404


def test_flagged_list_and_consolidation_pages_show_what_a_comment_led_to(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    html = page(client.get(w.flagged_url))
    # Accepted or partly accepted, not linked: SU p1, SU p2 (partly), NU p1 wording, NU p3, Pia p1, SU general.
    for text in ["Bra princip.", "Otydlig.", "Skriv så här.", "Slå ihop med princip 2.",
                 "Svårt att förstå för mig som patient.", "Allmänt bra."]:
        assert text in html, text
    assert "Ny lydelse." not in html  # not accepted
    assert "Tack för att jag fick svara." not in html  # noted
    assert "6 synpunkter är inte kopplade." in html

    overview = page(client.get(w.overview_url))
    assert w.flagged_url in overview

    principle_page = page(client.get(w.principle_url(0)))
    assert principle_page.count("Beaktad men inte kopplad till någon ändring") == 3

    links_url = w.links_url(w.keys[0])
    save(client, links_url, page(client.get(links_url)), {f"p{w.su_p1}-comment"})
    html = page(client.get(w.flagged_url))
    assert "Bra princip." not in html and "5 synpunkter är inte kopplade." in html
    principle_page = page(client.get(w.principle_url(0)))
    assert "Ledde till ändring i version 2, princip 1" in principle_page
    assert f'/documents/{w.document_key}/versions/2#{w.keys[0]}' in principle_page
    assert principle_page.count("Beaktad men inte kopplad till någon ändring") == 2
    respondent_page = page(client.get(w.respondent_url(w.su_respondent)))
    assert "Ledde till ändring i version 2, princip 1" in respondent_page


def test_version_overview_counts_and_actions_link(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    url = w.links_url(w.keys[0])
    save(client, url, page(client.get(url)), {f"p{w.su_p1}-comment", f"g{w.su_g1}-general"})
    html = page(client.get(w.version_links_url))
    rows = re.findall(r"<tr[^>]*>\s*<th scope=\"row\">(.*?)</tr>", html, re.S)
    assert len(rows) == 2  # principle 3 merged into 2
    cells = [re.findall(r'<td class="numeric">(?:<strong>)?(\d+)', row) for row in rows]
    # p1: SU, NU, Pia – SU's comment and the general answer linked here – NU and Pia flagged.
    assert cells[0] == ["3", "2", "2"]
    # p2 (with merged p3): SU comment, SU wording, NU p3 comment – none linked – SU comment and NU p3 flagged.
    assert cells[1] == ["3", "0", "2"]
    version_page = page(client.get(f"/documents/{w.document_key}/versions/2"))
    assert w.version_links_url in version_page
    assert w.version_links_url not in page(client.get(f"/documents/{w.document_key}/versions/1"))


def test_a_reopened_answer_no_longer_counts(app, client, auth, tracing):
    """Only the current submitted revisions are traced: a superseded one is not offered."""
    from remiss.consultations.models import Response, ResponseStatus

    w = tracing
    with app.app_context():
        db.session.get(Response, w.su_response).status = ResponseStatus.superseded
        db.session.commit()
        assert db.session.get(GeneralAnswer, w.su_g1) is not None
    auth.login(w.owner.email)
    html = page(client.get(w.links_url(w.keys[0])))
    assert "Bra princip." not in html and "Allmänt bra." not in html
    assert "Skriv så här." in html
