"""GDPR in the people administration: an administrator downloads everything stored about a person,
and erases a person – drafts they alone wrote go, submitted answers stay without their name –
and both are written to the audit trail without naming the person."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import LoginSession, Role, User
from remiss.consultations.models import PrincipleAnswer, Respondent, Response, ResponseStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import PASSWORD, post_form
from tests.responses.conftest import answering, autosave  # noqa: F401


def client_of(app, email):
    client = app.test_client()
    assert post_form(client, "/login", {"email": email, "password": PASSWORD}).status_code == 302
    return client


def save(client, world, principle_index, comment):
    key = f"p{world.principles[principle_index]}"
    with client.application.app_context():
        answers = db.session.execute(select(PrincipleAnswer)).scalars().all()
        base = next((a.lock_version for a in answers if a.principle_text_id == world.principles[principle_index]
                     and a.response.respondent_id == world.su_respondent), 0)
    response = autosave(client, world, {f"{key}.lock_version": str(base), f"{key}.comment": comment})
    assert response.status_code == 200, response.get_json()


def admin_client(app, make_user):
    make_user(Role.administrator, email="alva@example.se", name="Alva Administratör")
    return client_of(app, "alva@example.se")


def audit_entries(app, action):
    with app.app_context():
        return [(e.actor_id, e.object_id, e.summary, e.after) for e in db.session.execute(
            select(AuditEntry).where(AuditEntry.action == action)).scalars()]


def test_the_export_holds_the_account_memberships_answers_audit_and_mails_and_is_logged(app, answering, make_user):
    w = answering
    anna = client_of(app, w.anna.email)
    save(anna, w, 0, "Annas egen synpunkt")
    assert post_form(anna, w.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    admin = admin_client(app, make_user)

    page = admin.get(f"/admin/people/{w.anna.id}").get_data(as_text=True)
    assert "Ladda ner personuppgifter (JSON)" in page and "Radera personen" in page

    response = admin.get(f"/admin/people/{w.anna.id}/personal-data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert f'filename="personuppgifter-{w.anna.id}.json"' in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "anna@su.example.se" and data["account"]["name"] == "Anna SU"
    assert data["account"]["has_password"] is True
    assert data["memberships"]["organisation"]["short_name"] == "SU"
    [written] = data["answers_written"]
    assert written["comment"] == "Annas egen synpunkt" and written["response_status"] == "submitted"
    assert data["responses_submitted_or_registered"][0]["submitted_by_person"] is True
    actions = {entry["action"] for entry in data["audit_entries"]}
    assert {"response.principle_saved", "response.submitted"} <= actions
    assert [mail["to"] for mail in data["mails"]] == ["anna@su.example.se"]
    assert "Kvitto" in data["mails"][0]["subject"]
    assert data["records"]["login_session"], "her log-ins are there too"
    body = response.get_data(as_text=True)
    assert "pbkdf2" not in body and "token_hash" not in body, "no secrets in the export"

    [(actor, obj, summary, _after)] = audit_entries(app, "user.personal_data_exported")
    assert obj == w.anna.id and "Anna" not in summary and "anna@" not in summary


def test_erasing_keeps_the_submitted_answer_as_the_organisations_without_the_name(app, answering, make_user):
    w = answering
    anna = client_of(app, w.anna.email)
    save(anna, w, 0, "Organisationens synpunkt")
    assert post_form(anna, w.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    admin = admin_client(app, make_user)
    with app.app_context():
        entries_before = db.session.scalar(select(func.count(AuditEntry.id)))

    confirm = admin.get(f"/admin/people/{w.anna.id}/erase")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "Är du säker?" in html and "Anna SU" in html and "Det går inte att ångra" in html
    assert "Inskickade svar som personen har skrivit i, skickat in eller registrerat: 1." in html

    done = post_form(admin, f"/admin/people/{w.anna.id}/erase")
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/admin/people/{w.anna.id}")
    assert "Personen är raderad" in admin.get(done.headers["Location"]).get_data(as_text=True)

    with app.app_context():
        person = db.session.get(User, w.anna.id)
        assert person.name == "Raderad person"
        assert person.email == f"raderad-{w.anna.id}@remiss.invalid"
        assert person.password_hash is None and person.active is False and person.organisation_id is None
        assert db.session.scalar(select(func.count(LoginSession.id)).where(
            LoginSession.user_id == w.anna.id, LoginSession.revoked_at.is_(None))) == 0
        [response] = db.session.execute(select(Response)).scalars().all()
        assert response.status == ResponseStatus.submitted and response.submitted_by_id is None
        [answer] = db.session.execute(select(PrincipleAnswer)).scalars().all()
        assert answer.comment == "Organisationens synpunkt" and answer.updated_by_id is None
        assert db.session.execute(select(OutboxMail.recipient)).scalars().all() == [w.bengt.email], \
            "the mails kept for her are gone, Bengt's stay"
        # The audit trail is append-only: every entry is still there, plus the erasure.
        assert db.session.scalar(select(func.count(AuditEntry.id))) == entries_before + 1
    [(actor, obj, summary, after)] = audit_entries(app, "user.erased")
    assert obj == w.anna.id and "Anna" not in summary and "anna@" not in summary
    assert after["responses_kept"] == 1 and after["drafts_deleted"] == 0

    # She is logged out and cannot log in again with the old address.
    assert anna.get("/account").status_code == 302
    assert post_form(app.test_client(), "/login", {"email": w.anna.email, "password": PASSWORD}).status_code == 422
    # Bengt still sees the organisation's answer, now without her name.
    bengt = client_of(app, w.bengt.email)
    receipt = bengt.get(w.respond_url + "/receipt").get_data(as_text=True)
    assert "Organisationens synpunkt" in receipt and "Anna SU" not in receipt


def test_erasing_deletes_drafts_the_person_alone_wrote_and_keeps_drafts_written_with_others(app, answering,
                                                                                          make_user):
    w = answering
    anna, bengt = client_of(app, w.anna.email), client_of(app, w.bengt.email)
    save(anna, w, 0, "Anna skrev här")
    save(bengt, w, 1, "Bengt skrev här")
    pia = app.test_client()
    pia.get(f"/r/{w.pia_token}")
    key = f"p{w.principles[0]}"
    assert autosave(pia, w, {f"{key}.lock_version": "0", f"{key}.comment": "Pias utkast"}).status_code == 200
    admin = admin_client(app, make_user)

    html = admin.get(f"/admin/people/{w.pia.id}/erase").get_data(as_text=True)
    assert "Utkast som bara personen har skrivit: 1." in html
    assert post_form(admin, f"/admin/people/{w.pia.id}/erase").status_code == 302
    assert post_form(admin, f"/admin/people/{w.anna.id}/erase").status_code == 302

    with app.app_context():
        pia_respondent = db.session.get(Respondent, w.pia_respondent)
        assert pia_respondent.responses == [], "the individual's own draft is deleted"
        assert pia_respondent.user.name == "Raderad person", "she is still listed as asked, without her name"
        su_answers = {a.comment: a.updated_by_id for a in db.session.execute(select(PrincipleAnswer)).scalars()}
        assert su_answers == {"Anna skrev här": None, "Bengt skrev här": w.bengt.id}, \
            "the organisation's shared draft stays, Anna's part without her name"
    # Bengt goes on with the organisation's draft.
    assert "Anna skrev här" in bengt.get(w.respond_url + "?principle=1").get_data(as_text=True)
    assert len(audit_entries(app, "user.erased")) == 2


def test_no_one_erases_themself_or_someone_already_erased(app, answering, make_user):
    w = answering
    admin = admin_client(app, make_user)
    with app.app_context():
        me = db.session.execute(select(User).where(User.email == "alva@example.se")).scalar_one().id
    refused = admin.get(f"/admin/people/{me}/erase")
    assert refused.status_code == 409 and "Du kan inte radera dig själv" in refused.get_data(as_text=True)
    assert post_form(admin, f"/admin/people/{me}/erase").status_code == 409
    assert "Radera personen" not in admin.get(f"/admin/people/{me}").get_data(as_text=True)

    assert post_form(admin, f"/admin/people/{w.nils.id}/erase").status_code == 302
    again = post_form(admin, f"/admin/people/{w.nils.id}/erase")
    assert again.status_code == 409 and "redan raderad" in again.get_data(as_text=True)
    assert len(audit_entries(app, "user.erased")) == 1
    data = admin.get(f"/admin/people/{w.nils.id}/personal-data").get_json()
    assert data["account"]["erased"] is True and "Nils" not in json.dumps(data["account"])


def test_erasure_and_export_are_for_administrators_only(app, answering, make_user):
    w = answering
    owner = client_of(app, w.owner.email)
    assert owner.get(f"/admin/people/{w.anna.id}/personal-data").status_code == 403
    assert post_form(owner, f"/admin/people/{w.anna.id}/erase").status_code == 403
    with app.app_context():
        assert db.session.get(User, w.anna.id).name == "Anna SU"
