"""Återkoppling: the process owner sends each respondent its feedback once; its people read what
became of each comment and may object to a disposition within the period; the objections reach the
steering group's decision page, the process owner's list and the archived decision record.

Builds on the `tracing` world (tests/tracing/conftest.py): the consultation is consolidated with
dispositions on every comment, and version 2 is prepared from the version on remiss. Here SU's
comment on principle 1 is linked to principle 1 of version 2.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import User
from remiss.consolidation import feedback
from remiss.consolidation.models import ChangeLink, Disposition, DispositionTarget, Objection
from remiss.consultations.models import Consultation, ConsultationStatus, Respondent
from remiss.decisions.models import Proposal
from remiss.documents.models import VersionStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from remiss.timeutil import utcnow
from tests.conftest import post_form
from tests.consolidation.conftest import page_of, set_status
from tests.tracing.conftest import set_version_status, tracing  # noqa: F401  (the world below builds on it)

T = DispositionTarget


@pytest.fixture
def world(app, tracing):
    w = tracing
    with app.app_context():
        db.session.add(ChangeLink(principle_text_id=w.v2_p1, principle_answer_id=w.su_p1, target=T.comment))
        db.session.commit()
        w.dispositions = {(d.principle_answer_id or d.general_answer_id, d.target.value): d.id
                          for d in db.session.execute(select(Disposition)).scalars()}
    w.send_url = f"/consultations/{w.consultation}/feedback/send"
    w.objections_url = f"/consultations/{w.consultation}/feedback/objections"
    w.page_url = lambda respondent_id: f"/consultations/{w.consultation}/feedback/respondents/{respondent_id}"
    w.object_url = lambda respondent_id, disposition_id: f"{w.page_url(respondent_id)}/objections/{disposition_id}"
    return w


def mails(app) -> list[OutboxMail]:
    with app.app_context():
        return list(db.session.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars())


def send(app, w, days=14):
    with app.app_context():
        result = feedback.send_feedback(db.session.get(Consultation, w.consultation), db.session.get(User, w.owner.id),
                                        days)
        db.session.commit()
        return result


def objections(app) -> list[tuple[int, int, str]]:
    with app.app_context():
        return [(o.disposition_id, o.respondent_id, o.text)
                for o in db.session.execute(select(Objection).order_by(Objection.id)).scalars()]


def as_user(client, auth, user):
    auth.logout()
    auth.login(user.email)
    return client


# --- sending -------------------------------------------------------------------------------------


def test_feedback_is_sent_once_one_mail_per_person(app, client, auth, world):
    w = world
    auth.login(w.owner.email)
    overview = page_of(client.get(w.overview_url))
    assert "Återkoppling till remissinstanserna" in overview and w.send_url in overview
    page = client.get(w.send_url)
    assert page.status_code == 200
    html = page_of(page)
    assert "3 remissinstanser får återkoppling" in html  # SU, NU, Pia – KK has only a draft
    assert 'value="14"' in html
    done = post_form(client, w.send_url, {"days": "10"})
    assert done.status_code == 303
    again = post_form(client, w.send_url, {"days": "10"})  # the double click
    assert again.status_code == 409 and "redan skickad" in page_of(again)
    with pytest.raises(feedback.FeedbackNotNow):  # a colleague at the same moment
        send(app, w)

    sent = mails(app)
    assert sorted(m.recipient for m in sent) == ["anna@su.example.se", "bengt@su.example.se", "nils@nu.example.se",
                                                 "pia@example.se"]
    anna = next(m for m in sent if m.recipient == "anna@su.example.se")
    assert "Återkoppling på ert remissvar: Remiss om invånarinteraktion" == anna.subject
    assert w.page_url(w.su_respondent) in anna.body
    pia = next(m for m in sent if m.recipient == "pia@example.se")
    assert re.search(r"/f/[\w-]{20,}", pia.body)  # a personal link: Pia has no password
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        assert timedelta(days=9, hours=23) < consultation.objections_until - utcnow() <= timedelta(days=10)
        sent_at = {r.id: r.feedback_sent_at for r in consultation.respondents}
        assert all(sent_at[r] is not None for r in (w.su_respondent, w.nu_respondent, w.pia_respondent))
        assert sent_at[w.kk_respondent] is None
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "consultation.feedback_sent")).scalar_one()
        assert entry.after["respondents"] == 3 and entry.after["mails"] == 4
    overview = page_of(client.get(w.overview_url))
    assert "Återkopplingen är skickad till 3 remissinstanser" in overview and w.objections_url in overview


def test_declined_respondents_get_no_feedback(app, world):
    w = world
    with app.app_context():
        db.session.get(Respondent, w.nu_respondent).declined_at = utcnow()
        db.session.commit()
    result = send(app, w)
    assert result.respondents == 2
    assert "nils@nu.example.se" not in {m.recipient for m in mails(app)}
    with app.app_context():
        assert db.session.get(Respondent, w.nu_respondent).feedback_sent_at is None


def test_feedback_waits_for_the_complete_consolidation_and_a_valid_period(app, client, auth, world):
    w = world
    auth.login(w.owner.email)
    refused = post_form(client, w.send_url, {"days": "0"})
    assert refused.status_code == 422 and "mellan 1 och 90" in page_of(refused)
    set_status(app, w.consultation, ConsultationStatus.closed)
    refused = client.get(w.send_url)
    assert refused.status_code == 409 and "när sammanställningen är markerad som klar" in page_of(refused)
    assert post_form(client, w.send_url, {"days": "14"}).status_code == 409
    assert mails(app) == []


def test_feedback_sent_after_the_decision_has_no_objection_period(app, client, auth, world):
    w = world
    set_status(app, w.consultation, ConsultationStatus.decided)
    auth.login(w.owner.email)
    html = page_of(client.get(w.send_url))
    assert "utan möjlighet att invända" in html
    assert post_form(client, w.send_url, {"days": "14"}).status_code == 303
    assert "invända skriftligt" not in next(m.body for m in mails(app) if m.recipient == "anna@su.example.se")
    as_user(client, auth, w.anna)
    html = page_of(client.get(w.page_url(w.su_respondent)))
    assert "Styrgruppen har redan beslutat" in html and "Spara invändningen" not in html


# --- the feedback page ---------------------------------------------------------------------------


def test_the_respondent_reads_each_comment_with_disposition_reason_and_change(app, client, auth, world):
    w = world
    auth.login(w.anna.email)
    before = client.get(w.page_url(w.su_respondent))
    assert before.status_code == 409 and "inte skickad än" in page_of(before)
    send(app, w)
    page = client.get(w.page_url(w.su_respondent))
    assert page.status_code == 200
    html = page_of(page)
    assert "Bra princip." in html and "Beaktad" in html and "Vi förtydligar." in html
    assert "Delvis beaktad" in html and "Delvis." in html
    assert "Ny lydelse." in html and "Ej beaktad" in html and "Passar inte." in html
    assert "Allmänt bra." in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Skriv så här." not in html  # NU's proposed wording is NU's
    # The change: version 2 is a draft, which a representative may not read yet – named, not linked.
    assert "Version 2, princip 1." in html and "inte publicerad än" in html
    assert "Ingen ändring är kopplad till synpunkten." in html
    set_version_status(app, w.v2, VersionStatus.published)
    html = page_of(client.get(w.page_url(w.su_respondent)))
    assert f'href="/documents/{w.document_key}/versions/2#{w.keys[0]}"' in html
    # "Mina remisser" leads there.
    assert w.page_url(w.su_respondent) in page_of(client.get("/my"))


def test_objection_within_the_period_is_saved_and_can_be_changed(app, client, auth, world):
    w = world
    send(app, w)
    disposition = w.dispositions[(w.su_p2, "comment")]
    auth.login(w.anna.email)
    url = w.object_url(w.su_respondent, disposition)
    empty = post_form(client, url, {f"d{disposition}-text": "  "})
    assert empty.status_code == 422 and "Skriv invändningen." in page_of(empty)
    assert objections(app) == []
    saved = post_form(client, url, {f"d{disposition}-text": "Principen behövs inte alls."})
    assert saved.status_code == 303 and saved.headers["Location"].endswith(f"#d{disposition}")
    assert "Principen behövs inte alls." in page_of(client.get(w.page_url(w.su_respondent)))
    # A colleague in the same organisation changes it: still one objection, the organisation's.
    as_user(client, auth, w.bengt)
    assert post_form(client, url, {f"d{disposition}-text": "Vi invänder: principen är otydlig."}).status_code == 303
    assert objections(app) == [(disposition, w.su_respondent, "Vi invänder: principen är otydlig.")]
    with app.app_context():
        actions = [e.action for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.object_type == "Objection").order_by(AuditEntry.id)).scalars()]
        assert actions == ["objection.created", "objection.changed"]


def test_objection_after_the_period_is_refused_and_the_text_kept(app, client, auth, world):
    w = world
    send(app, w)
    with app.app_context():
        db.session.get(Consultation, w.consultation).objections_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    disposition = w.dispositions[(w.su_p1, "comment")]
    auth.login(w.anna.email)
    refused = post_form(client, w.object_url(w.su_respondent, disposition),
                        {f"d{disposition}-text": "För sent men viktigt."})
    assert refused.status_code == 409
    html = page_of(refused)
    assert "Tiden för invändningar gick ut" in html and "För sent men viktigt." in html
    assert objections(app) == []
    # The page is read-only now: no forms.
    assert "Spara invändningen" not in page_of(client.get(w.page_url(w.su_respondent)))


def test_no_objections_once_the_steering_group_has_decided(app, client, auth, world):
    w = world
    send(app, w)
    set_status(app, w.consultation, ConsultationStatus.decided)
    disposition = w.dispositions[(w.su_p1, "comment")]
    auth.login(w.anna.email)
    refused = post_form(client, w.object_url(w.su_respondent, disposition), {f"d{disposition}-text": "Nej."})
    assert refused.status_code == 409 and "Styrgruppen har redan beslutat" in page_of(refused)
    assert objections(app) == []


def test_another_organisation_can_neither_read_nor_object(app, client, auth, world):
    w = world
    send(app, w)
    su_disposition = w.dispositions[(w.su_p1, "comment")]
    auth.login(w.nils.email)
    assert client.get(w.page_url(w.su_respondent)).status_code == 403
    assert post_form(client, w.object_url(w.su_respondent, su_disposition),
                     {f"d{su_disposition}-text": "Vi tycker till om SU."}).status_code == 403
    # Through its own page with SU's disposition: not found.
    assert post_form(client, w.object_url(w.nu_respondent, su_disposition),
                     {f"d{su_disposition}-text": "Vi tycker till om SU."}).status_code == 404
    # The process owner reads the page but does not object on the respondent's behalf.
    as_user(client, auth, w.owner)
    assert "Spara invändningen" not in page_of(client.get(w.page_url(w.su_respondent)))
    assert post_form(client, w.object_url(w.su_respondent, su_disposition),
                     {f"d{su_disposition}-text": "Från processägaren."}).status_code == 403
    assert objections(app) == []


def test_an_individual_objects_through_the_personal_link(app, client, world):
    w = world
    send(app, w)
    body = next(m.body for m in mails(app) if m.recipient == "pia@example.se")
    link = re.search(r"https?://\S+(/f/[\w-]+)", body).group(1)
    entered = client.get(link)
    assert entered.status_code == 302 and entered.headers["Location"].endswith(w.page_url(w.pia_respondent))
    html = page_of(client.get(w.page_url(w.pia_respondent)))
    assert "Tack för att jag fick svara." in html and "Noterad" in html
    disposition = w.dispositions[(w.pia_p1, "comment")]
    assert post_form(client, w.object_url(w.pia_respondent, disposition),
                     {f"d{disposition}-text": "Jag förstår fortfarande inte."}).status_code == 303
    assert objections(app) == [(disposition, w.pia_respondent, "Jag förstår fortfarande inte.")]
    # The link opens Pia's page only.
    assert client.get(w.page_url(w.su_respondent)).status_code in (302, 403)


# --- where the objections appear -----------------------------------------------------------------


def test_objections_reach_the_decision_page_the_owners_list_and_the_archive(app, client, auth, world):
    from remiss.archive import decision_data, decision_text

    w = world
    send(app, w)
    disposition = w.dispositions[(w.su_p2, "proposed_wording")]
    auth.login(w.anna.email)
    assert post_form(client, w.object_url(w.su_respondent, disposition),
                     {f"d{disposition}-text": "Vår lydelse är bättre."}).status_code == 303
    with app.app_context():
        proposal = Proposal(version_id=w.v2, consultation_id=w.consultation, message="Till styrgruppen.")
        db.session.add(proposal)
        db.session.commit()
        proposal_id = proposal.id

    as_user(client, auth, w.steering)
    html = page_of(client.get(f"/decisions/{proposal_id}"))
    assert "Invändningar från remissinstanser" in html
    section = html[html.index('id="objections"'):html.index('id="comments"')]
    for text in ("Vår lydelse är bättre.", "Ny lydelse.", "Ej beaktad", "Passar inte.",
                 "Sahlgrenska Universitetssjukhuset", "Anna SU"):
        assert text in section

    as_user(client, auth, w.owner)
    overview = page_of(client.get(w.overview_url))
    assert "1 invändning från remissinstanserna" in overview
    listing = page_of(client.get(w.objections_url))
    assert "Vår lydelse är bättre." in listing and "Passar inte." in listing

    with app.test_request_context():
        data = decision_data(db.session.get(Proposal, proposal_id))
        assert [(o["respondent"], o["objection"], o["comment"], o["disposition"], o["reason"])
                for o in data["objections"]] == [
            ("Sahlgrenska Universitetssjukhuset", "Vår lydelse är bättre.", "Ny lydelse.", "not_accepted", "Passar inte.")]
        assert "Vår lydelse är bättre." in decision_text(data)
