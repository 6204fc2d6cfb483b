"""The steering group's decision through the pages: v1 on remiss → consolidated → v2 → proposed →
members comment → approved / returned / rejected; illegal steps refused with a message."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.consultations.models import Consultation, ConsultationStatus
from remiss.decisions import operations
from remiss.decisions.models import Decision, DecisionOutcome, Proposal, ProposalComment
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import post_form
from tests.consolidation.conftest import page_of
from tests.decisions.conftest import NOT_ACCEPTED_REASONS, latest_proposal_id, status_of

TODAY = operations.today_in_stockholm().isoformat()  # the app judges dates on the Stockholm clock


def propose(client, w, number=2, **data):
    form = {"consultation_id": str(w.consultation), "meeting_on": "", "message": "Version 2 efter remissen."}
    form.update(data)
    return post_form(client, w.propose_url(number), form)


def decide(client, proposal_id, outcome, action="record", **data):
    form = {"outcome": outcome, "decided_on": TODAY, "body": "Styrgruppen för invånarinteraktion",
            "minutes_reference": "Protokoll 2026-11-20", "paragraph": "§ 7", "present": "Stig Styrgrupp\nSara Styrgrupp",
            "motivation": "", "action": action}
    form.update(data)
    return post_form(client, f"/decisions/{proposal_id}/decision", form)


def actions(app, **where):
    with app.app_context():
        statement = select(AuditEntry.action)
        for name, value in where.items():
            statement = statement.where(getattr(AuditEntry, name) == value)
        return [a for a in db.session.execute(statement.order_by(AuditEntry.id)).scalars()]


def test_the_whole_cycle_v2_approved_v1_superseded_and_still_readable(app, client, auth, deciding_completed):
    w = deciding_completed
    auth.login(w.owner.email)
    form = page_of(client.get(w.propose_url(2)))
    assert "Remiss om invånarinteraktion" in form and "Skicka till styrgruppen" in form
    version_page = page_of(client.get(w.version_url(2)))
    assert "Skicka till styrgruppen" in version_page

    sent = propose(client, w)
    assert sent.status_code == 303
    proposal_id = latest_proposal_id(app)
    assert sent.headers["Location"].endswith(f"/decisions/{proposal_id}")
    assert status_of(app, w.v2) == VersionStatus.proposed
    with app.app_context():
        mails = db.session.execute(select(OutboxMail).order_by(OutboxMail.recipient)).scalars().all()
        to_members = [m for m in mails if m.recipient in ("stig@example.se", "sara@example.se")]
        assert len(to_members) == 2
        assert all(f"/decisions/{proposal_id}" in m.body and "version 2" in m.subject for m in to_members)
        proposal = db.session.get(Proposal, proposal_id)
        assert proposal.consultation_id == w.consultation and proposal.sent_by_id == w.owner.id
    assert "Beslutsärende" in page_of(client.get(w.version_url(2)))
    assert "Skicka till styrgruppen" not in page_of(client.get(w.version_url(2)))

    # A steering member reads the decision page and comments; the process owner answers.
    auth.logout()
    auth.login(w.steering.email)
    page = page_of(client.get(f"/decisions/{proposal_id}"))
    assert "Väntar på styrgruppens beslut" in page
    assert f'href="/documents/{w.key}/versions/2"' in page
    assert f"/consultations/{w.consultation}/report/view" in page
    assert "3 synpunkter är markerade som ”ej beaktad”" in page
    for reason in NOT_ACCEPTED_REASONS:
        assert reason in page
    assert "Version 2 efter remissen." in page
    # No version is approved yet: the diff is to version 1, the one that went on remiss.
    assert "Skillnader mot version 1, som den bygger på" in page and "<ins" in page
    commented = post_form(client, f"/decisions/{proposal_id}/comments", {"body": "Jag stöder förslaget."})
    assert commented.status_code == 303
    auth.logout()
    auth.login(w.owner.email)
    post_form(client, f"/decisions/{proposal_id}/comments", {"body": "Tack, vi tar med det."})
    page = page_of(client.get(f"/decisions/{proposal_id}"))
    assert "Jag stöder förslaget." in page and "Stig Styrgrupp" in page and "Tack, vi tar med det." in page

    # The decision: first a summary to confirm, then recorded.
    auth.logout()
    auth.login(w.steering.email)
    review = decide(client, proposal_id, "approved", action="review")
    assert review.status_code == 200 and "Stämmer beslutet?" in page_of(review)
    assert status_of(app, w.v2) == VersionStatus.proposed
    done = decide(client, proposal_id, "approved")
    assert done.status_code == 303
    with app.app_context():
        v1, v2 = db.session.get(DocumentVersion, w.v1), db.session.get(DocumentVersion, w.v2)
        assert v2.status == VersionStatus.published and v2.published_at is not None
        assert v1.status == VersionStatus.superseded
        assert db.session.get(Consultation, w.consultation).status == ConsultationStatus.decided
        decision = db.session.execute(select(Decision)).scalar_one()
        assert decision.outcome == DecisionOutcome.approved and decision.present_list == ["Stig Styrgrupp", "Sara Styrgrupp"]
        assert decision.recorded_by_id == w.steering.id
    page = page_of(client.get(f"/decisions/{proposal_id}"))
    assert "Protokoll 2026-11-20" in page and "§ 7" in page and "Fastställd" in page

    # Deciding twice and commenting after the decision are refused with a reason.
    again = decide(client, proposal_id, "rejected")
    assert again.status_code == 409 and "redan beslutat" in page_of(again)
    late = post_form(client, f"/decisions/{proposal_id}/comments", {"body": "För sent?"})
    assert late.status_code == 409 and "redan beslutat" in page_of(late)
    with app.app_context():
        assert db.session.query(ProposalComment).count() == 2
        assert db.session.query(Decision).count() == 1

    # Version 1 stays readable, for everyone, as the superseded version.
    auth.logout()
    old = client.get(w.version_url(1))
    assert old.status_code == 200 and "Äldre version." in page_of(old)
    assert client.get(w.version_url(2)).status_code == 200

    # Every step is in the audit trail, with the document and the consultation.
    logged = actions(app, consultation_id=w.consultation)
    for action in ("consultation.consolidated", "proposal.sent", "proposal.commented", "decision.recorded",
                   "consultation.decided", "document_version.status_changed"):
        assert action in logged, action
    with app.app_context():
        document_id = db.session.get(DocumentVersion, w.v2).document_id
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "decision.recorded")).scalar_one()
        assert entry.document_id == document_id and entry.after["outcome"] == "approved"
        assert entry.actor_id == w.steering.id
        changes = db.session.execute(select(AuditEntry).where(
            AuditEntry.action == "document_version.status_changed", AuditEntry.object_id == w.v1)).scalars().all()
        assert changes[-1].before == {"status": "consolidation"} and changes[-1].after == {"status": "superseded"}


def test_returned_goes_back_to_draft_and_can_be_proposed_again(app, client, auth, deciding):
    w = deciding
    auth.login(w.owner.email)
    propose(client, w)
    first = latest_proposal_id(app)
    missing = decide(client, first, "returned", minutes_reference="")
    assert missing.status_code == 422 and "Skriv vad som ska ändras" in page_of(missing)
    assert "Stig Styrgrupp\nSara Styrgrupp" in page_of(missing)  # what was typed comes back
    assert status_of(app, w.v2) == VersionStatus.proposed
    done = decide(client, first, "returned", minutes_reference="", motivation="Förtydliga princip 3.")
    assert done.status_code == 303
    assert status_of(app, w.v2) == VersionStatus.draft
    page = page_of(client.get(f"/decisions/{first}"))
    assert "Återremitterad för bearbetning" in page and "Förtydliga princip 3." in page
    assert "Skicka version 2 till styrgruppen igen" in page
    with app.app_context():
        assert db.session.get(Consultation, w.consultation).status == ConsultationStatus.consolidated

    assert propose(client, w).status_code == 303
    second = latest_proposal_id(app)
    assert second != first and status_of(app, w.v2) == VersionStatus.proposed
    page = page_of(client.get(f"/decisions/{second}"))
    assert "Tidigare beslutsärenden för versionen" in page and f"/decisions/{first}" in page
    index = page_of(client.get("/decisions"))
    assert f"/decisions/{first}" in index and f"/decisions/{second}" in index


def test_rejected_withdraws_the_version(app, client, auth, deciding):
    w = deciding
    auth.login(w.steering.email)
    auth.logout()
    auth.login(w.owner.email)
    propose(client, w)
    proposal_id = latest_proposal_id(app)
    assert decide(client, proposal_id, "rejected", minutes_reference="").status_code == 303
    assert status_of(app, w.v2) == VersionStatus.withdrawn
    assert status_of(app, w.v1) == VersionStatus.consolidation
    refused = propose(client, w)
    assert refused.status_code == 409 and "kan inte skickas till styrgruppen" in page_of(refused)


def test_illegal_and_invalid_steps_are_refused_with_a_message(app, client, auth, deciding):
    w = deciding
    auth.login(w.owner.email)
    # Proposing a published version: the state machine's message, 409.
    with app.app_context():
        db.session.get(DocumentVersion, w.v2).status = VersionStatus.published
        db.session.commit()
    refused = propose(client, w)
    assert refused.status_code == 409 and "Fastställd och publicerad" in page_of(refused)
    with app.app_context():
        db.session.get(DocumentVersion, w.v2).status = VersionStatus.draft
        db.session.commit()
    # A consultation on a later version of the document cannot go with an earlier one.
    w3 = __import__("tests.decisions.conftest", fromlist=["next_version"]).next_version(app, w.v2)
    with app.app_context():
        later = Consultation(version_id=w3, title="Senare remiss", opens_at=db.func.now(), deadline=db.func.now(),
                             status=ConsultationStatus.consolidated)
        db.session.add(later)
        db.session.commit()
        later_id = later.id
    wrong = propose(client, w, consultation_id=str(later_id))  # not among the choices
    assert wrong.status_code == 422 and "Version 2 efter remissen." in page_of(wrong)
    assert status_of(app, w.v2) == VersionStatus.draft
    with app.app_context():
        from remiss.auth.models import User

        try:
            operations.propose(db.session.get(DocumentVersion, w.v2), db.session.get(Consultation, later_id), "", None,
                               db.session.get(User, w.owner.id))
        except operations.DecisionError as refused:
            assert "tidigare version av samma dokument" in refused.errors["consultation_id"]
        else:
            raise AssertionError("a later version's consultation was accepted")
        db.session.rollback()
    assert propose(client, w).status_code == 303
    proposal_id = latest_proposal_id(app)
    in_two_days = operations.today_in_stockholm() + timedelta(days=2)
    future = decide(client, proposal_id, "approved", decided_on=in_two_days.isoformat())
    assert future.status_code == 422 and "kan inte ligga i framtiden" in page_of(future)
    no_minutes = decide(client, proposal_id, "approved", minutes_reference=" ")
    assert no_minutes.status_code == 422 and "Ange protokollet" in page_of(no_minutes)
    bad_date = decide(client, proposal_id, "approved", decided_on="20 nov")
    assert bad_date.status_code == 422 and "ÅÅÅÅ-MM-DD" in page_of(bad_date)
    no_outcome = decide(client, proposal_id, "")
    assert no_outcome.status_code == 422 and "Välj styrgruppens beslut" in page_of(no_outcome)
    empty = post_form(client, f"/decisions/{proposal_id}/comments", {"body": "  "})
    assert empty.status_code == 422 and "Skriv en kommentar" in page_of(empty)
    assert status_of(app, w.v2) == VersionStatus.proposed
    # Proposing what is already proposed.
    twice = propose(client, w)
    assert twice.status_code == 409


def test_approval_supersedes_the_published_version(app, client, auth, make_version, make_user):
    from remiss.auth.models import Role

    owner = make_user(Role.process_owner, email="po@example.se")
    make_user(Role.steering_member, email="st@example.se")
    v1 = make_version(principles=2, status=VersionStatus.published)
    from tests.decisions.conftest import next_version

    v2 = next_version(app, v1.id)
    auth.login(owner.email)
    form = page_of(client.get("/documents/invanarinteraktion/versions/2/propose"))
    assert "Det finns ingen remiss med klar sammanställning" in form
    sent = post_form(client, "/documents/invanarinteraktion/versions/2/propose",
                     {"consultation_id": "", "meeting_on": "", "message": ""})
    assert sent.status_code == 303
    page = page_of(client.get(sent.headers["Location"]))
    assert "utan remiss" in page
    assert decide(client, latest_proposal_id(app), "approved").status_code == 303
    assert status_of(app, v1.id) == VersionStatus.superseded
    assert status_of(app, v2) == VersionStatus.published


def test_withdraw_a_draft_with_a_confirmation(app, client, auth, deciding):
    w = deciding
    auth.login(w.owner.email)
    url = f"/documents/{w.key}/versions/2/withdraw"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Återkalla version 2?" in page_of(confirm)
    assert status_of(app, w.v2) == VersionStatus.draft
    assert post_form(client, url).status_code == 303
    assert status_of(app, w.v2) == VersionStatus.withdrawn
    assert "document_version.withdrawn" in actions(app, object_id=w.v2)
    again = client.get(url)
    assert again.status_code == 409 and "kan inte återkallas" in page_of(again)


def test_the_menu_has_beslut_for_the_steering_group_and_process_owners(client, auth, deciding):
    w = deciding
    for user, shown in ((w.steering, True), (w.owner, True), (w.anna, False)):
        auth.login(user.email)
        html = page_of(client.get("/"))
        assert ('href="/decisions"' in html) is shown, user.email
        auth.logout()
    auth.login(w.steering.email)
    html = page_of(client.get("/decisions"))
    assert 'href="/decisions" aria-current="page"' in html
    assert "Inga förslag väntar på beslut." in html
