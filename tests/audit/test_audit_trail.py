"""A consultation's life, step by step through the app, shows up in its audit log in order:
who did what, when, and what changed."""
from __future__ import annotations

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role
from remiss.consultations.models import Consultation, ConsultationStatus, PrincipleAnswer, Response, ResponseStatus
from remiss.extensions import db
from tests.audit.conftest import log_rows
from tests.conftest import post_form
from tests.responses.conftest import autosave
from tests.responses.test_registration import PDF, register


def _answer_id(app, respondent_id: int, principle_text_id: int) -> int:
    with app.app_context():
        return db.session.execute(
            select(PrincipleAnswer.id).join(Response).where(
                Response.respondent_id == respondent_id, Response.status == ResponseStatus.submitted,
                PrincipleAnswer.principle_text_id == principle_text_id)
        ).scalar_one()


def _response_id(app, respondent_id: int, status: ResponseStatus) -> int:
    with app.app_context():
        return db.session.execute(
            select(Response.id).where(Response.respondent_id == respondent_id, Response.status == status)
        ).scalar_one()


def live_a_consultation(app, client, auth, w) -> None:
    """Open, answer and submit, reopen and submit again, register on behalf, close,
    set dispositions, complete – each by the person who would do it, through the pages."""
    with app.app_context():
        consultation = db.session.get(Consultation, w.consultation)
        consultation.status, consultation.opened_at = ConsultationStatus.draft, None
        db.session.commit()
    p1 = f"p{w.principles[0]}"
    c = w.consultation

    auth.login(w.owner.email)
    assert post_form(client, f"/consultations/{c}/open").status_code == 302
    auth.logout()

    auth.login(w.anna.email)
    assert autosave(client, w, {f"{p1}.lock_version": "0", f"{p1}.stance": "supports_with_changes",
                                f"{p1}.comment": "Vår synpunkt"}).status_code == 200
    assert post_form(client, w.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    auth.logout()

    auth.login(w.owner.email)
    first = _response_id(app, w.su_respondent, ResponseStatus.submitted)
    assert post_form(client, f"/responses/{first}/reopen", {"reason": "Begärt av Anna per telefon"}).status_code == 303
    auth.logout()

    auth.login(w.anna.email)
    assert post_form(client, w.respond_url + "/submit", {"publish_name": "yes"}).status_code == 303
    auth.logout()

    auth.login(w.owner.email)
    assert register(client, w, PDF, respondent_id=w.nu_respondent, **{
        f"{p1}.lock_version": "0", f"{p1}.stance": "opposes", f"{p1}.comment": "Från pappersbrevet"}).status_code == 303
    assert post_form(client, f"/consultations/{c}/close").status_code == 302
    url = f"/consultations/{c}/consolidation/principles/{w.principles[0]}"
    for respondent_id, kind in ((w.su_respondent, "accepted"), (w.nu_respondent, "not_accepted")):
        answer = _answer_id(app, respondent_id, w.principles[0])
        saved = post_form(client, url, {"form": "disposition", "answer": f"p{answer}", "target": "comment", "kind": kind,
                                        "reason": "Skälet", "lock_version": "0"})
        assert saved.status_code == 303, saved.get_data(as_text=True)
    assert post_form(client, f"/consultations/{c}/consolidation/complete").status_code == 303


def test_the_life_of_a_consultation_is_in_its_log_in_order(app, client, auth, answering):
    w = answering
    live_a_consultation(app, client, auth, w)

    page = client.get(f"/consultations/{w.consultation}/audit")
    assert page.status_code == 200
    rows = log_rows(page.get_data(as_text=True))
    oldest_first = [(r["who"], r["action"]) for r in reversed(rows) if r["action"] != "Svar på princip sparat"]
    assert oldest_first == [
        ("Petra Processansvarig", "Versionens status ändrad"),
        ("Petra Processansvarig", "Remiss öppnad"),
        ("Anna SU", "Remissvar inskickat"),
        ("Petra Processansvarig", "Remissvar öppnat igen"),
        ("Anna SU", "Remissvar inskickat"),
        ("Petra Processansvarig", "Remissvar registrerat för remissinstansen"),
        ("Petra Processansvarig", "Versionens status ändrad"),
        ("Petra Processansvarig", "Remiss stängd"),
        ("Petra Processansvarig", "Ställningstagande till synpunkt ändrat"),
        ("Petra Processansvarig", "Ställningstagande till synpunkt ändrat"),
        ("Petra Processansvarig", "Sammanställning klar"),
        ("Petra Processansvarig", "Remissammanställning fastställd"),
    ]
    assert ("Anna SU", "Svar på princip sparat") in [(r["who"], r["action"]) for r in rows]
    by_action = {}
    for row in reversed(rows):
        by_action.setdefault(row["action"], []).append(row)
    # Before and after, as a reader sees them.
    assert by_action["Remiss öppnad"][0]["changes"]["Status"] == ("Utkast", "Öppen för svar")
    assert by_action["Versionens status ändrad"][0]["changes"]["Status"] == ("Utkast", "På remiss")
    assert by_action["Versionens status ändrad"][1]["changes"]["Status"] == ("På remiss", "Under sammanställning")
    first, second = by_action["Remissvar inskickat"]
    assert first["changes"]["Status"] == ("Utkast", "Inskickat") and first["changes"]["Revision"] == ("1", "1")
    assert second["changes"]["Revision"] == ("2", "2")
    reopened = by_action["Remissvar öppnat igen"][0]
    assert reopened["summary"] == "Begärt av Anna per telefon"
    assert reopened["changes"]["Status"] == ("Inskickat", "Utkast")  # a new revision; the old one kept
    assert reopened["changes"]["Revision"] == ("1", "2")
    registered = by_action["Remissvar registrerat för remissinstansen"][0]
    assert registered["changes"]["Status"] == ("Utkast", "Inskickat") and registered["changes"]["Kanal"][1] == "Papper"
    assert registered["object"].startswith("Remissvar ")
    assert by_action["Remiss stängd"][0]["changes"]["Status"] == ("Öppen för svar", "Stängd")
    accepted, not_accepted = by_action["Ställningstagande till synpunkt ändrat"]
    assert accepted["changes"]["Hantering"] == ("–", "Beaktad")
    assert not_accepted["changes"]["Hantering"] == ("–", "Ej beaktad")
    assert not_accepted["changes"]["Motivering"] == ("–", "Skälet")
    assert by_action["Sammanställning klar"][0]["changes"]["Status"] == ("Stängd", "Sammanställd")

    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action.like("response.%"))).scalars().all()
        assert entries and all(e.consultation_id == w.consultation for e in entries)


def test_the_log_is_for_process_owners_and_administrators(app, client, auth, answering, make_user):
    w = answering
    url = f"/consultations/{w.consultation}/audit"
    assert client.get(url).status_code == 302  # log in first
    auth.login(w.anna.email)
    assert client.get(url).status_code == 403
    assert client.get(url + ".csv").status_code == 403
    auth.logout()
    steering = make_user(Role.steering_member, email="stig@example.se")
    auth.login(steering.email)
    assert client.get(url).status_code == 403
    assert client.get("/audit").status_code == 403
    auth.logout()
    auth.login(w.owner.email)
    assert client.get(url).status_code == 200
    assert client.get("/audit").status_code == 403  # the whole trail: administrators only
    assert client.get("/consultations/999999/audit").status_code == 404
    show = client.get(f"/consultations/{w.consultation}").get_data(as_text=True)
    assert f'href="/consultations/{w.consultation}/audit"' in show
