"""Avstår: a respondent declines to answer ("avstår från att yttra sig"), with an optional reason.
It gets no reminders, the dashboard and the report count asked / answered / declined / missing
separately, the report lists who declined and why, and the process owner can register a declining
that came by e-mail."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.consultations import operations as consultation_operations
from remiss.consultations.models import Consultation, Respondent
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import post_form
from tests.reports.conftest import text_of
from tests.responses.conftest import autosave, set_deadline

REASON = "Frågan berör inte vår verksamhet."


def decline(client, world, reason=REASON):
    page = client.get(world.respond_url + "/decline")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Inga fler påminnelser skickas." in html and 'name="reason"' in html
    return post_form(client, world.respond_url + "/decline", {"reason": reason})


def actions(app, name):
    with app.app_context():
        return db.session.execute(select(AuditEntry).where(AuditEntry.action == name)).scalars().all()


def recipients(app) -> set[str]:
    with app.app_context():
        return {mail.recipient for mail in db.session.execute(select(OutboxMail)).scalars()}


def clear_outbox(app):
    with app.app_context():
        for mail in db.session.execute(select(OutboxMail)).scalars():
            db.session.delete(mail)
        db.session.commit()


def submit_nu(client, auth, world):
    auth.login(world.nils.email)
    key = f"p{world.principles[0]}"
    assert autosave(client, world, {f"{key}.lock_version": "0", f"{key}.comment": "NU tycker till."}).status_code == 200
    assert post_form(client, world.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    auth.logout()


def test_representative_declines_with_a_reason_and_the_answer_becomes_read_only(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    assert "Avstå från att yttra sig" in client.get(w.respond_url).get_data(as_text=True)
    response = decline(client, w)
    assert response.status_code == 303 and response.headers["Location"].endswith(w.respond_url)

    html = client.get(w.respond_url + "?all=1").get_data(as_text=True)
    assert "Ni avstår från att yttra er" in html and REASON in html
    assert "Spara och gå vidare" not in html, "nothing to save while declined"
    key = f"p{w.principles[0]}"
    refused = autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Ändå?"})
    assert refused.status_code == 409 and "avstår" in refused.get_json()["message"]
    submitted = post_form(client, w.respond_url + "/submit", {"publish_name": "yes"})
    assert submitted.status_code == 409 and "Ångra det först" in submitted.get_data(as_text=True)
    assert "Skicka in svaret</button>" not in client.get(w.respond_url + "/summary").get_data(as_text=True)

    [entry] = actions(app, "respondent.declined")
    assert entry.summary == REASON and entry.actor_id == w.anna.id and entry.consultation_id == w.consultation
    # Once is enough: the page says so instead of declining again.
    again = client.get(w.respond_url + "/decline")
    assert again.status_code == 409 and "redan meddelat" in again.get_data(as_text=True)


def test_declining_can_be_withdrawn_while_the_consultation_is_open(app, client, auth, answering):
    w = answering
    auth.login(w.bengt.email)
    decline(client, w, reason="")
    page = client.get(w.respond_url + "/decline/withdraw")
    assert page.status_code == 200 and "Ja, ångra" in page.get_data(as_text=True)
    assert post_form(client, w.respond_url + "/decline/withdraw", {}).status_code == 303
    html = client.get(w.respond_url + "?all=1").get_data(as_text=True)
    assert "Ni avstår" not in html and "Spara och gå vidare" in html
    assert len(actions(app, "respondent.declining_withdrawn")) == 1
    with app.app_context():
        assert db.session.get(Respondent, w.su_respondent).declined_at is None


def test_declining_is_refused_after_the_deadline(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    set_deadline(app, w, timedelta(minutes=-1))
    response = client.get(w.respond_url + "/decline")
    assert response.status_code == 409
    assert post_form(client, w.respond_url + "/decline", {"reason": "Sent"}).status_code == 409
    with app.app_context():
        assert db.session.get(Respondent, w.su_respondent).declined_at is None


def test_declined_respondents_get_no_manual_and_no_automatic_reminders(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    decline(client, w)
    auth.logout()
    clear_outbox(app)

    auth.login(w.owner.email)
    confirm = client.get(f"/consultations/{w.consultation}/remind").get_data(as_text=True)
    assert "2 remissinstanser har inte skickat in sitt svar" in confirm, "SU declined: NU and Pia remain"
    assert post_form(client, f"/consultations/{w.consultation}/remind", {}).status_code == 302
    assert recipients(app) == {w.nils.email, w.pia.email}

    clear_outbox(app)
    set_deadline(app, w, timedelta(days=2))  # within the automatic reminder's three days
    with app.app_context():
        assert consultation_operations.remind_due() == 2
        db.session.commit()
        su = db.session.get(Respondent, w.su_respondent)
        assert su.automatic_reminder_at is None
    assert recipients(app) == {w.nils.email, w.pia.email}


def test_process_owner_registers_a_declining_that_came_by_email(app, client, auth, answering):
    w = answering
    url = f"/consultations/{w.consultation}/respondents/{w.nu_respondent}/decline"
    auth.login(w.nils.email)
    assert client.get(url).status_code == 403
    auth.logout()

    auth.login(w.owner.email)
    dashboard = client.get(f"/consultations/{w.consultation}/dashboard").get_data(as_text=True)
    assert url in dashboard, "the dashboard links to registering a declining"
    page = client.get(url)
    assert page.status_code == 200 and "Registrera att NU-sjukvården avstår" in page.get_data(as_text=True)
    response = post_form(client, url, {"reason": "Meddelat per e-post 3 mars."})
    assert response.status_code == 303 and response.headers["Location"].endswith("/dashboard")
    dashboard = client.get(f"/consultations/{w.consultation}/dashboard").get_data(as_text=True)
    assert "Avstår" in dashboard and "Meddelat per e-post 3 mars." in dashboard
    [entry] = actions(app, "respondent.declining_registered")
    assert entry.actor_id == w.owner.id
    with app.app_context():
        assert db.session.get(Respondent, w.nu_respondent).declined_by_id == w.owner.id

    # And withdrawn on behalf, should the answer come after all.
    withdraw = f"{url}/withdraw"
    assert client.get(withdraw).status_code == 200
    assert post_form(client, withdraw, {}).status_code == 303
    with app.app_context():
        assert db.session.get(Respondent, w.nu_respondent).declined_at is None


def _counts(html: str) -> dict[str, int]:
    block = re.search(r'<dl class="facts" id="response-counts">(.*?)</dl>', html, re.S).group(1)
    return {term: int(value) for term, value in re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", block)}


def test_dashboard_counts_asked_answered_declined_and_missing(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    decline(client, w)
    auth.logout()
    submit_nu(client, auth, w)

    auth.login(w.owner.email)
    html = client.get(f"/consultations/{w.consultation}/dashboard").get_data(as_text=True)
    assert _counts(html) == {"Tillfrågade": 3, "Har svarat": 1, "Avstår": 1, "Saknas": 1}
    # Per network (here: respondents added by hand): answered, declined and missing columns.
    row = re.search(r"<th scope=\"row\">Tillagda för hand</th>(.*?)</tr>", html, re.S).group(1)
    assert re.findall(r"<td>([^<]*)</td>", row)[1:] == ["1", "1"]


@pytest.mark.parametrize("format", ["html", "pdf", "docx", "xlsx", "csv", "json"])
def test_report_counts_and_lists_the_declined_with_their_reason(app, client, auth, answering, format):
    w = answering
    auth.login(w.anna.email)
    decline(client, w)
    auth.logout()
    submit_nu(client, auth, w)

    auth.login(w.owner.email)
    for public in (False, True):
        response = client.get(f"/consultations/{w.consultation}/report.{format}" + ("?public=1" if public else ""))
        assert response.status_code == 200, (format, public)
        text = text_of(format, response.get_data())
        assert "Sahlgrenska Universitetssjukhuset" in text and REASON in text, (format, public)
        if format in ("html", "pdf", "docx"):
            assert "Avstår från att yttra sig" in text
        if format in ("html", "pdf", "docx", "xlsx"):
            assert re.search(r"Avstår:? 1\b", text) and re.search(r"Saknas:? 1\b", text), (format, public)
        if format == "json":
            rate = json.loads(response.get_data())["response_rate"]
            assert (rate["asked"], rate["answered"], rate["declined"], rate["missing"]) == (3, 1, 1, 1)
            declined = [r for r in json.loads(response.get_data())["respondents"] if r["declined"]]
            assert [(r["name"], r["declined_reason"]) for r in declined] == [("Sahlgrenska Universitetssjukhuset", REASON)]
        if format == "csv":
            assert "Avstår från att yttra sig" in text
