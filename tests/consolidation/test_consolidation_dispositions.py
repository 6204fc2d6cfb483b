"""Dispositions and summaries: saved, shown, audited; refused outside the closed state; and two people
working at once never overwrite each other unseen."""
from __future__ import annotations

import re

from flask.testing import FlaskClient
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, PrincipleSummary
from remiss.consultations.models import ConsultationStatus
from remiss.extensions import db
from tests.conftest import post_form
from tests.consolidation.conftest import page_of, set_status


def form_lock_version(html: str, key: str) -> str:
    form = html.split(f'id="{key}"', 1)[1].split("</form>", 1)[0]
    return re.search(r'name="lock_version" value="(\d+)"', form).group(1)


def dispose(client, url, answer, target, kind, reason="", lock_version="0"):
    return post_form(client, url, {"form": "disposition", "answer": answer, "target": target, "kind": kind,
                                   "reason": reason, "lock_version": lock_version})


def stored(app, answer_id, target):
    with app.app_context():
        return db.session.execute(select(Disposition).where(
            Disposition.principle_answer_id == answer_id, Disposition.target == DispositionTarget(target))
        ).scalar_one_or_none()


def test_a_disposition_is_saved_shown_and_counted(app, owner_client, consolidating):
    w = consolidating
    url = w.principle_url(0)
    html = page_of(owner_client.get(url))
    key = f"d-p{w.su_p1}-comment"
    assert form_lock_version(html, key) == "0"
    assert "0 av 2 synpunkter har ställningstagande" in html
    response = dispose(owner_client, url, f"p{w.su_p1}", "comment", "partly_accepted", "Delvis: vi förtydligar.")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{url}#{key}")
    html = page_of(owner_client.get(url))
    assert "Ställningstagandet är sparat." in html
    assert "1 av 2 synpunkter har ställningstagande" in html
    assert 'value="partly_accepted" checked' in html
    assert "Delvis: vi förtydligar.</textarea>" in html
    assert "av Petra Processansvarig" in html
    assert form_lock_version(html, key) == "1"
    disposition = stored(app, w.su_p1, "comment")
    assert disposition.kind == DispositionKind.partly_accepted and disposition.updated_by_id == w.owner.id
    assert "1 av 6 synpunkter har ställningstagande" in page_of(owner_client.get(w.overview_url))
    # The matrix cell says how much of the answer is handled.
    assert "1 av 1 hanterad" in page_of(owner_client.get(w.matrix_url))


def test_filters_and_page_are_kept_after_saving(owner_client, consolidating):
    w = consolidating
    url = w.principle_url(0) + "?stance=supports&page=1"
    response = dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted")
    assert response.headers["Location"].endswith(f"{url}#d-p{w.su_p1}-comment")


def test_changes_are_audited_with_before_and_after(app, owner_client, consolidating):
    w = consolidating
    url = w.respondent_url(w.su_respondent)
    dispose(owner_client, url, f"p{w.su_p2}", "proposed_wording", "not_accepted", "Nej.")
    dispose(owner_client, url, f"p{w.su_p2}", "proposed_wording", "noted", "Noterat.", "1")
    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consolidation.disposition_set")
                                     .order_by(AuditEntry.id)).scalars().all()
        assert [(e.before, e.after) for e in entries] == [
            ({"kind": None, "reason": ""}, {"kind": "not_accepted", "reason": "Nej.", "lock_version": 1}),
            ({"kind": "not_accepted", "reason": "Nej."}, {"kind": "noted", "reason": "Noterat.", "lock_version": 2}),
        ]
        assert entries[0].actor_id == w.owner.id
        assert "Sahlgrenska" in entries[0].summary and "princip 2" in entries[0].summary


def test_general_answers_get_dispositions_too(app, owner_client, consolidating):
    w = consolidating
    response = dispose(owner_client, w.question_url(0), f"g{w.pia_g1}", "general", "noted", "Tack.")
    assert response.status_code == 303
    html = page_of(owner_client.get(w.question_url(0)))
    assert "1 av 2 synpunkter har ställningstagande" in html
    with app.app_context():
        disposition = db.session.execute(select(Disposition).where(Disposition.general_answer_id == w.pia_g1)).scalar_one()
        assert disposition.kind == DispositionKind.noted and disposition.target == DispositionTarget.general


def test_two_people_with_the_same_base_the_second_is_told_and_nothing_is_lost(app, client, auth, consolidating):
    w = consolidating
    url = w.principle_url(0)
    key = f"d-p{w.su_p1}-comment"
    petra, olle = client, FlaskClient(app, use_cookies=True)
    auth.login(w.owner.email)
    post_form(olle, "/login", {"email": w.other_owner.email, "password": "korrekt-häst-batteri-häfte"})
    base_petra = form_lock_version(page_of(petra.get(url)), key)
    base_olle = form_lock_version(page_of(olle.get(url)), key)
    assert base_petra == base_olle == "0"

    assert dispose(petra, url, f"p{w.su_p1}", "comment", "accepted", "Petras motivering.", base_petra).status_code == 303
    second = dispose(olle, url, f"p{w.su_p1}", "comment", "not_accepted", "Olles motivering.", base_olle)
    assert second.status_code == 409
    html = page_of(second)
    assert "Petra Processansvarig sparade samma sak" in html  # the message at the top
    form = html.split(f'id="{key}"', 1)[1].split("</form>", 1)[0]
    assert "Sparad version" in form and "Beaktad" in form and "Petras motivering." in form
    assert "Olles motivering.</textarea>" in form and 'value="not_accepted" checked' in form
    assert form_lock_version(html, key) == "1"  # saving again replaces the stored version deliberately
    # Petra's save stands.
    assert stored(app, w.su_p1, "comment").reason == "Petras motivering."
    # Olle decides, and saves from the conflict form.
    again = dispose(olle, url, f"p{w.su_p1}", "comment", "not_accepted", "Olles och Petras.", "1")
    assert again.status_code == 303
    assert stored(app, w.su_p1, "comment").reason == "Olles och Petras."
    # Two first saves at once: the second meets the unique constraint and is told as well.
    other_key = f"d-p{w.su_p2}-comment"
    assert dispose(petra, url, f"p{w.su_p2}", "comment", "noted", "", "0").status_code == 303
    assert dispose(olle, url, f"p{w.su_p2}", "comment", "accepted", "Ja", "0").status_code == 409
    assert stored(app, w.su_p2, "comment").kind == DispositionKind.noted
    assert other_key


def test_saving_the_same_values_again_is_no_conflict(owner_client, consolidating):
    w = consolidating
    url = w.principle_url(0)
    dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted", "Ja.")
    # A second tab still holding lock_version 0 sends exactly what is stored: nothing to merge.
    assert dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted", "Ja.", "0").status_code == 303


def test_invalid_input_keeps_what_was_typed(app, owner_client, consolidating):
    w = consolidating
    url = w.principle_url(0)
    long = "x" * 5001
    response = dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted", long)
    assert response.status_code == 422
    html = page_of(response)
    assert f"{long}</textarea>" in html
    assert "Högst 5" in html and 'aria-invalid="true"' in html
    response = dispose(owner_client, url, f"p{w.su_p1}", "comment", "maybe", "Min text")
    assert response.status_code == 422
    assert "Välj ett av ställningstagandena." in page_of(response) and "Min text</textarea>" in page_of(response)
    assert stored(app, w.su_p1, "comment") is None


def test_requests_no_page_would_send(owner_client, consolidating, app):
    w = consolidating
    url = w.principle_url(0)
    assert dispose(owner_client, url, "x1", "comment", "accepted").status_code == 400
    assert dispose(owner_client, url, f"p{w.su_p1}", "general", "accepted").status_code == 422
    assert dispose(owner_client, url, f"p{w.su_p1}", "nonsense", "accepted").status_code == 400
    assert dispose(owner_client, url, "p99999", "comment", "accepted").status_code == 404
    assert dispose(owner_client, url, "p999999999999", "comment", "accepted").status_code == 400
    # Pia's first principle has no comment: nothing to take a stand on.
    with app.app_context():
        from remiss.consultations.models import PrincipleAnswer
        pia_p1 = db.session.execute(select(PrincipleAnswer.id).where(
            PrincipleAnswer.response_id == w.pia_response, PrincipleAnswer.principle_text_id == w.principles[0])).scalar_one()
    assert dispose(owner_client, url, f"p{pia_p1}", "comment", "accepted").status_code == 422
    # KK's draft is not consolidated.
    with app.app_context():
        from remiss.consultations.models import PrincipleAnswer, Response
        draft_answer = db.session.execute(select(PrincipleAnswer.id).join(Response).where(
            Response.respondent_id == w.kk_respondent)).scalar_one()
    assert dispose(owner_client, url, f"p{draft_answer}", "comment", "accepted").status_code == 404
    assert post_form(owner_client, url, {"form": "other"}).status_code == 400
    assert dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted", "", "abc").status_code == 400


def test_dispositions_are_refused_while_open_and_after_consolidation(app, owner_client, consolidating):
    w = consolidating
    url = w.principle_url(0)
    for status, text in ((ConsultationStatus.open, "fortfarande öppen"), (ConsultationStatus.consolidated, "klar och låst")):
        set_status(app, w.consultation, status)
        html = page_of(owner_client.get(url))
        assert 'name="form" value="disposition"' not in html  # read-only: no forms
        assert 'name="form" value="summary"' not in html
        response = dispose(owner_client, url, f"p{w.su_p1}", "comment", "accepted", "Min motivering")
        assert response.status_code == 409
        assert text in page_of(response)
        response = post_form(owner_client, url, {"form": "summary", "text": "Sammanfattat", "lock_version": "0"})
        assert response.status_code == 409
        assert stored(app, w.su_p1, "comment") is None


def test_readonly_pages_show_the_dispositions(app, owner_client, consolidating):
    w = consolidating
    dispose(owner_client, w.principle_url(0), f"p{w.su_p1}", "comment", "not_accepted", "Därför att **inte**.")
    set_status(app, w.consultation, ConsultationStatus.consolidated)
    html = page_of(owner_client.get(w.principle_url(0)))
    assert "Ställningstagande till synpunkten:</strong> Ej beaktad" in html and "<strong>inte</strong>" in html
    assert "Sammanställningen är klar och låst." in html


def test_summary_is_saved_and_conflicts_are_told(app, client, auth, consolidating):
    w = consolidating
    url = w.principle_url(1)
    auth.login(w.owner.email)
    olle = FlaskClient(app, use_cookies=True)
    post_form(olle, "/login", {"email": w.other_owner.email, "password": "korrekt-häst-batteri-häfte"})
    response = post_form(client, url, {"form": "summary", "text": "Två avstyrker.", "lock_version": "0"})
    assert response.status_code == 303 and response.headers["Location"].endswith("#summary")
    html = page_of(client.get(url))
    assert "Sammanfattningen är sparad." in html and "Två avstyrker.</textarea>" in html
    conflict = post_form(olle, url, {"form": "summary", "text": "Olles sammanfattning.", "lock_version": "0"})
    assert conflict.status_code == 409
    html = page_of(conflict)
    assert "Olles sammanfattning.</textarea>" in html and "Två avstyrker." in html
    assert "Petra Processansvarig sparade sammanfattningen" in html
    with app.app_context():
        summary = db.session.execute(select(PrincipleSummary)).scalar_one()
        assert summary.text == "Två avstyrker." and summary.principle_text_id == w.principles[1]
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consolidation.summary_set")).scalar_one()
        assert entry.before == {"text": ""} and entry.after == {"text": "Två avstyrker.", "lock_version": 1}
    too_long = post_form(client, url, {"form": "summary", "text": "y" * 20001, "lock_version": "1"})
    assert too_long.status_code == 422 and "y" * 20001 + "</textarea>" in page_of(too_long)
    assert "Sammanfattning skriven" in page_of(client.get(w.overview_url))


def test_a_save_after_the_log_in_ended_gives_the_text_back(client, consolidating):
    w = consolidating
    url = w.principle_url(0)
    response = dispose(client, url, f"p{w.su_p1}", "comment", "accepted", "En lång motivering jag inte vill förlora.")
    assert response.status_code == 401
    html = page_of(response)
    assert "En lång motivering jag inte vill förlora.</textarea>" in html
    assert "/login?next=" in html
    # Without a valid CSRF token a logged-in save is still refused.
    response = client.post(url, data={"form": "disposition", "answer": f"p{w.su_p1}", "target": "comment"})
    assert response.status_code == 401  # still logged out: the text (none here) comes back


def test_a_logged_in_save_needs_the_csrf_token(owner_client, consolidating):
    w = consolidating
    response = owner_client.post(w.principle_url(0), data={"form": "disposition", "answer": f"p{w.su_p1}",
                                                          "target": "comment", "kind": "accepted"})
    assert response.status_code == 400
