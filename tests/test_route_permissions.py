"""Who may reach which route: the whole URL map × every role, in one table.

The table is checked against the application's URL map, so a new route without a
row here fails the suite. Outcomes:
  ok     – served (2xx, or a redirect that is not to the log-in page)
  login  – sent to log in (302 to /login; 401 for JSON)
  403    – refused
  404    – not found (e.g. a respondent-only page for someone who is not one)
Only refusals are asserted for state-changing POST routes of permitted roles: what
a permitted POST does is tested in each area's own tests.
"""
from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from remiss.auth.models import Role
from remiss.consultations.models import Attachment, Response, ResponseStatus
from remiss.extensions import db
from remiss.organisations.models import Network
from remiss.timeutil import utcnow
from tests.conftest import csrf_token
from tests.responses.conftest import answering  # noqa: F401  (the world below builds on it)

ROLES = ["anonymous", "administrator", "process_owner", "steering_member", "representative", "other_representative"]
A, ADM, PO, ST, REP, OTHER = ROLES

# endpoint: (url pattern filled from the world, method, {role: outcome}); roles not named → default.
def everyone(outcome="ok"):
    return {role: outcome for role in ROLES}


def staff_only(default=403):
    return {A: "login", ADM: "ok", PO: "ok", ST: default, REP: default, OTHER: default}


def admin_only():
    return {A: "login", ADM: "ok", PO: 403, ST: 403, REP: 403, OTHER: 403}


def logged_in():
    return {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: "ok", OTHER: "ok"}


# Pages of the respondent's answer: its own people only; others get 403, the anonymous log in.
RESPONDENT_ONLY = {A: "login", ADM: 403, PO: 403, ST: 403, REP: "ok", OTHER: 403}

TABLE = {
    "documents.index": ("/", "GET", everyone()),
    # The only version is a draft: for the staff only.
    "documents.document": ("/documents/{doc}", "GET", {**everyone(), A: "login", REP: 403, OTHER: 403}),
    "documents.versions": ("/documents/{doc}/versions", "GET", {**everyone(), A: "login", REP: 403, OTHER: 403}),
    "documents.version": ("/documents/{doc}/versions/1", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "documents.version_markdown": ("/documents/{doc}/versions/1.md", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "documents.version_pdf": ("/documents/{doc}/versions/1.pdf", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "documents.version_docx": ("/documents/{doc}/versions/1.docx", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    # Diff and history of a document whose only version is a draft: for those who may read it.
    "documents.diff": ("/documents/{doc}/diff", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "documents.diff_print": ("/documents/{doc}/diff/print", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "documents.history": ("/documents/{doc}/history", "GET", {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    # Feeds carry approved versions only; a document never approved has no feed, for anyone.
    "documents.feed": ("/documents/feed.atom", "GET", everyone()),
    "documents.document_feed": ("/documents/{doc}/feed.atom", "GET", everyone(404)),
    "pages.accessibility": ("/tillganglighet", "GET", everyone()),
    "health.healthz": ("/healthz", "GET", everyone()),
    "auth.login": ("/login", "GET", everyone()),
    "auth.logout": ("/logout", "POST", everyone()),
    "auth.language": ("/language", "POST", {role: 400 for role in ROLES}),  # no locale given
    "auth.forgot_password": ("/password/forgot", "GET", everyone()),
    "auth.forgot_password_sent": ("/password/forgot/sent", "GET", everyone()),
    "auth.reset_password": ("/password/reset/unknown-token", "GET", everyone(404)),
    "auth.accept_invitation": ("/invitation/unknown-token", "GET", everyone(404)),
    "auth.account": ("/account", "GET", logged_in()),
    "auth.account_language": ("/account/language", "POST", {**logged_in(), ADM: None, PO: None, ST: None, REP: None, OTHER: None}),
    "auth.change_password": ("/account/password", "POST", {**logged_in(), ADM: None, PO: None, ST: None, REP: None, OTHER: None}),
    "auth.mailbox": ("/admin/mailbox", "GET", admin_only()),
    "auth.people": ("/admin/people", "GET", admin_only()),
    "auth.people_invite": ("/admin/people/invite", "GET", admin_only()),
    "auth.people_edit": ("/admin/people/{anna}", "GET", admin_only()),
    "auth.people_deactivate": ("/admin/people/{anna}/deactivate", "GET", admin_only()),
    "auth.people_invitation": ("/admin/people/{pia}/invitation", "POST", {**admin_only(), ADM: None}),
    "auth.people_reactivate": ("/admin/people/{anna}/reactivate", "POST", {**admin_only(), ADM: None}),
    "auth.person_data_export": ("/admin/people/{anna}/personal-data", "GET", admin_only()),
    "auth.person_erase": ("/admin/people/{anna}/erase", "GET", admin_only()),
    "organisations.organisations": ("/admin/organisations", "GET", admin_only()),
    "organisations.organisation_new": ("/admin/organisations/new", "GET", admin_only()),
    "organisations.organisation_import": ("/admin/organisations/import", "GET", admin_only()),
    "organisations.organisation_edit": ("/admin/organisations/{su}", "GET", admin_only()),
    "organisations.organisation_delete": ("/admin/organisations/{empty_org}/delete", "GET", admin_only()),
    "organisations.networks": ("/admin/networks", "GET", admin_only()),
    "organisations.network_new": ("/admin/networks/new", "GET", admin_only()),
    "organisations.network": ("/admin/networks/{network}", "GET", admin_only()),
    "organisations.network_edit": ("/admin/networks/{network}/edit", "GET", admin_only()),
    "organisations.network_delete": ("/admin/networks/{network}/delete", "GET", admin_only()),
    "organisations.network_add_member": ("/admin/networks/{network}/members", "POST", {**admin_only(), ADM: None}),
    "organisations.network_remove_member": ("/admin/networks/{network}/members/{anna}/remove", "GET", admin_only()),
    "organisations.network_add_organisation": ("/admin/networks/{network}/organisations", "POST", {**admin_only(), ADM: None}),
    "organisations.network_remove_organisation": ("/admin/networks/{network}/organisations/{su}/remove", "GET", admin_only()),
    "consultations.index": ("/consultations/", "GET", staff_only()),
    "consultations.create": ("/consultations/new", "GET", staff_only()),
    "consultations.show": ("/consultations/{c}", "GET", staff_only()),
    # Open: the details can no longer change, which the staff are told (409), the others never learn.
    "consultations.edit": ("/consultations/{c}/edit", "GET", {**staff_only(), ADM: 409, PO: 409}),
    "consultations.questions": ("/consultations/{c}/questions", "GET", staff_only()),
    "consultations.add_general_question": ("/consultations/{c}/questions/general", "POST", {**staff_only(), ADM: None, PO: None}),
    "consultations.edit_general_question": ("/consultations/{c}/questions/general/{q}", "POST", {**staff_only(), ADM: None, PO: None}),
    "consultations.move_general_question": ("/consultations/{c}/questions/general/{q}/move", "POST", {**staff_only(), ADM: None, PO: None}),
    "consultations.remove_general_question": ("/consultations/{c}/questions/general/{q}/remove", "GET", {**staff_only(), ADM: None, PO: None}),
    "consultations.respondents": ("/consultations/{c}/respondents", "GET", staff_only()),
    "consultations.add_organisation": ("/consultations/{c}/respondents/organisation", "POST", {**staff_only(), ADM: None, PO: None}),
    "consultations.add_individual": ("/consultations/{c}/respondents/individual", "POST", {**staff_only(), ADM: None, PO: None}),
    "consultations.remove_respondent": ("/consultations/{c}/respondents/{nu_r}/remove", "GET", {**staff_only(), ADM: None, PO: None}),
    "consultations.dashboard": ("/consultations/{c}/dashboard", "GET", staff_only()),
    "consultations.open_": ("/consultations/{c}/open", "GET", {**staff_only(), ADM: None, PO: None}),
    "consultations.extend": ("/consultations/{c}/extend", "GET", staff_only()),
    "consultations.close": ("/consultations/{c}/close", "GET", staff_only()),
    "consultations.remind": ("/consultations/{c}/remind", "GET", staff_only()),
    "response_import.upload": ("/consultations/{c}/import", "GET", staff_only()),
    "response_import.template": ("/consultations/{c}/import/template.csv", "GET", staff_only()),
    "responses.register": ("/consultations/{c}/respondents/{nu_r}/register", "GET", staff_only()),
    "responses.late_saves": ("/consultations/{c}/respondents/{su_r}/late-saves", "GET", staff_only()),
    # Consolidation: process owners and administrators (the world's consultation is still open).
    "consolidation.overview": ("/consultations/{c}/consolidation", "GET", staff_only()),
    "consolidation.matrix": ("/consultations/{c}/consolidation/matrix", "GET", staff_only()),
    "consolidation.principle": ("/consultations/{c}/consolidation/principles/{p1}", "GET", staff_only()),
    "consolidation.respondent": ("/consultations/{c}/consolidation/respondents/{su_r}", "GET", staff_only()),
    "consolidation.general": ("/consultations/{c}/consolidation/general", "GET", staff_only()),
    "consolidation.question": ("/consultations/{c}/consolidation/general/{q}", "GET", staff_only()),
    "consolidation.alternatives": ("/consultations/{c}/consolidation/alternatives", "GET", staff_only()),
    "consolidation.complete": ("/consultations/{c}/consolidation/complete", "GET", {**staff_only(), ADM: None, PO: None}),
    # Groups of similar comments: read while open, suggested only once closed (409 for the staff here).
    "consolidation.groups": ("/consultations/{c}/consolidation/principles/{p1}/groups", "GET", staff_only()),
    "consolidation.suggest_groups": ("/consultations/{c}/consolidation/principles/{p1}/groups/suggest", "GET",
                                     {**staff_only(), ADM: 409, PO: 409}),
    # The internal report: process owners, administrators and the steering group; the public one
    # only once the consultation is consolidated.
    "reports.show": ("/consultations/{c}/report", "GET", {**staff_only(), ST: "ok"}),
    "reports.view": ("/consultations/{c}/report/view", "GET", {**staff_only(), ST: "ok"}),
    "reports.download": ("/consultations/{c}/report.csv", "GET", {**staff_only(), ST: "ok"}),
    "reports.new_version": ("/consultations/{c}/report/new-version", "GET", {**staff_only(), ADM: None, PO: None}),
    # Redaction: process owners and administrators (the world has no principle answer: a text that
    # does not exist is 404 for them; the pages themselves are tested in tests/consolidation/test_redaction.py).
    "redaction.index": ("/consultations/{c}/redactions", "GET", staff_only()),
    "redaction.new": ("/consultations/{c}/redactions/new/p2147483000-comment", "GET", {**staff_only(), ADM: 404, PO: 404}),
    "redaction.remove": ("/consultations/{c}/redactions/2147483000/remove", "GET", {**staff_only(), ADM: 404, PO: 404}),
    # The archive package: process owners and administrators, once the report is final (409 here: open).
    "archive.download": ("/consultations/{c}/archive.zip", "GET", {**staff_only(), ADM: 409, PO: 409}),
    # The audit trail: a consultation's and a document's for process owners and administrators, all of it
    # (people and roles too) for administrators only.
    "audit.consultation_log": ("/consultations/{c}/audit", "GET", staff_only()),
    "audit.consultation_log_csv": ("/consultations/{c}/audit.csv", "GET", staff_only()),
    "audit.document_log": ("/documents/{doc}/audit", "GET", staff_only()),
    "audit.document_log_csv": ("/documents/{doc}/audit.csv", "GET", staff_only()),
    "audit.index": ("/audit", "GET", admin_only()),
    "audit.index_csv": ("/audit.csv", "GET", admin_only()),
    # Decisions: the steering group, process owners and administrators read; process owners and
    # administrators send and withdraw (the world's version is a draft); members and process owners
    # comment and record. The world's proposal is not open (its version is a draft): 409 for those
    # who may record.
    "decisions.index": ("/decisions", "GET", {**staff_only(), ST: "ok"}),
    "decisions.propose": ("/documents/{doc}/versions/1/propose", "GET", staff_only()),
    "decisions.withdraw": ("/documents/{doc}/versions/1/withdraw", "GET", staff_only()),
    "decisions.show": ("/decisions/{proposal}", "GET", {**staff_only(), ST: "ok"}),
    "decisions.comment": ("/decisions/{proposal}/comments", "POST", {**staff_only(), ADM: 403, PO: None, ST: None}),
    "decisions.record": ("/decisions/{proposal}/decision", "GET", {**staff_only(), ADM: 403, PO: 409, ST: 409}),
    # Tracing: linking is part of preparing a version (process owners, administrators); the trace is read
    # by whoever may read the version (here a draft); the unlinked list belongs to the consolidation.
    "tracing.version_links": ("/documents/{doc}/versions/1/links", "GET", staff_only()),
    "tracing.principle_links": ("/documents/{doc}/versions/1/principles/princip-1/links", "GET", staff_only()),
    "tracing.principle_trace": ("/documents/{doc}/versions/1/principles/princip-1/trace", "GET",
                                {A: "login", ADM: "ok", PO: "ok", ST: "ok", REP: 403, OTHER: 403}),
    "tracing.flagged": ("/consultations/{c}/consolidation/unlinked", "GET", staff_only()),
    # The editor of a version: process owners and administrators (the world's version is a draft).
    "editor.next_version": ("/documents/{doc}/versions/1/next", "GET", staff_only()),
    "editor.edit": ("/documents/{doc}/versions/1/edit", "GET", staff_only()),
    "editor.save": ("/documents/{doc}/versions/1/save", "POST", {**staff_only(), A: 401, ADM: None, PO: None}),
    "editor.move": ("/documents/{doc}/versions/1/move", "POST", {**staff_only(), ADM: 400, PO: 400}),
    "editor.add_principle": ("/documents/{doc}/versions/1/principles/new", "GET", staff_only()),
    "editor.remove_principle": ("/documents/{doc}/versions/1/principles/{p1}/remove", "GET", staff_only()),
    "editor.merge": ("/documents/{doc}/versions/1/principles/{p1}/merge", "GET", staff_only()),
    "editor.preview": ("/documents/{doc}/versions/1/preview", "POST", {**staff_only(), ADM: 400, PO: 400}),
    "editor.upload": ("/documents/upload", "GET", staff_only()),
    "responses.mine": ("/my", "GET", {**logged_in()}),
    "responses.respond": ("/consultations/{c}/respond", "GET", RESPONDENT_ONLY),
    "responses.general": ("/consultations/{c}/respond/general", "GET", RESPONDENT_ONLY),
    "responses.summary": ("/consultations/{c}/respond/summary", "GET", RESPONDENT_ONLY),
    "responses.receipt": ("/consultations/{c}/respond/receipt", "GET", RESPONDENT_ONLY),
    "responses.session_state": ("/consultations/{c}/respond/session", "GET", None),
    "responses.restore": ("/consultations/{c}/respond/restore", "POST", {**RESPONDENT_ONLY, A: 401, REP: None}),
    "responses.autosave": ("/consultations/{c}/respond/autosave", "POST", {**RESPONDENT_ONLY, A: 401, REP: None}),
    "responses.submit": ("/consultations/{c}/respond/submit", "POST", {**RESPONDENT_ONLY, REP: None}),
    "responses.magic_link": ("/r/not-a-valid-token", "GET", everyone(404)),
    "responses.show": ("/responses/{su_response}", "GET", {A: "login", ADM: "ok", PO: "ok", ST: 403, REP: "ok", OTHER: 403}),
    "responses.reopen": ("/responses/{su_response}/reopen", "GET", {A: "login", ADM: "ok", PO: "ok", ST: 403, REP: 403, OTHER: 403}),
    "responses.attachment": ("/attachments/{attachment}", "GET", {A: "login", ADM: "ok", PO: "ok", ST: 403, REP: "ok", OTHER: 403}),
    # Declining and sign-off. SU's answer is submitted (declining refused: 409), SU requires no
    # sign-off (no "ready" page: 404) and Anna is no signatory (review, send back, sign: 403).
    "signoff.decline": ("/consultations/{c}/respond/decline", "GET", {**RESPONDENT_ONLY, REP: 409}),
    "signoff.withdraw_declining": ("/consultations/{c}/respond/decline/withdraw", "GET", {**RESPONDENT_ONLY, REP: 409}),
    "signoff.mark_ready": ("/consultations/{c}/respond/ready", "GET", {**RESPONDENT_ONLY, REP: 404}),
    "signoff.review": ("/consultations/{c}/respond/review", "GET", {**RESPONDENT_ONLY, REP: 403}),
    "signoff.send_back": ("/consultations/{c}/respond/return", "POST", {**RESPONDENT_ONLY, REP: 403}),
    "signoff.sign": ("/consultations/{c}/respond/sign", "POST", {**RESPONDENT_ONLY, REP: 403}),
    "signoff.dissent": ("/consultations/{c}/respond/dissent", "GET", RESPONDENT_ONLY),
    "signoff.register_declining": ("/consultations/{c}/respondents/{nu_r}/decline", "GET", staff_only()),
    "signoff.withdraw_declining_on_behalf": ("/consultations/{c}/respondents/{nu_r}/decline/withdraw", "GET",
                                             {**staff_only(), ADM: 409, PO: 409}),
    # Återkoppling: sent by process owners and administrators once the report is final (409 here: open);
    # a respondent's page for its people and the staff – not sent yet, so 409 for SU's representative –
    # and objections from its people only.
    "feedback.send": ("/consultations/{c}/feedback/send", "GET", {**staff_only(), ADM: 409, PO: 409}),
    "feedback.objections": ("/consultations/{c}/feedback/objections", "GET", staff_only()),
    "feedback.show": ("/consultations/{c}/feedback/respondents/{su_r}", "GET",
                      {A: "login", ADM: "ok", PO: "ok", ST: 403, REP: 409, OTHER: 403}),
    "feedback.object_": ("/consultations/{c}/feedback/respondents/{su_r}/objections/1", "POST",
                         {A: "login", ADM: 403, PO: 403, ST: 403, REP: 409, OTHER: 403}),
    "feedback.link": ("/f/not-a-valid-token", "GET", everyone(404)),
}


def test_every_route_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
    missing = sorted(endpoints - TABLE.keys())
    gone = sorted(TABLE.keys() - endpoints)
    assert not missing, f"routes without a permission row: {missing}"
    assert not gone, f"rows for routes that no longer exist: {gone}"


@pytest.fixture
def world(app, answering, make_user, make_organisation):
    """The answering world, plus the roles it lacks, a network and SU's submitted answer with an original."""
    w = answering
    w.administrator = make_user(Role.administrator, email="admin@example.se")
    w.steering = make_user(Role.steering_member, email="styrgrupp@example.se")
    # The wrong organisation: a representative of an organisation the remiss was not sent to.
    kk = make_organisation("KK", "Koncernkontoret", "central administration")
    w.outsider = make_user(Role.representative, email="kim@kk.example.se", organisation=kk)
    empty = make_organisation("RH", "Regionhälsan", "care provider")
    with app.app_context():
        from remiss.consultations.models import Respondent
        from remiss.auth.models import User
        from remiss.organisations.models import Organisation

        network = Network(name="Nätverk förvaltningsföreträdare")
        db.session.add(network)
        network.organisations.append(db.session.get(Organisation, w.su.id))
        network.members.append(db.session.get(User, w.anna.id))
        respondent = db.session.get(Respondent, w.su_respondent)
        response = Response(respondent=respondent, status=ResponseStatus.submitted, submitted_at=utcnow())
        data = b"%PDF-1.4 original"
        response.attachments.append(Attachment(filename="svar.pdf", content_type="application/pdf", size=len(data),
                                               sha256=hashlib.sha256(data).hexdigest(), data=data))
        db.session.add(response)
        from remiss.decisions.models import Proposal
        proposal = Proposal(version_id=respondent.consultation.version_id, message="Till styrgruppen.")
        db.session.add(proposal)
        db.session.commit()
        proposal_id = proposal.id
        document_key = db.session.execute(select(db.text("key FROM document"))).scalar_one()
        ids = dict(doc=document_key, network=network.id, su_response=response.id, attachment=response.attachments[0].id)
    ids.update(proposal=proposal_id)
    ids.update(empty_org=empty.id, p1=w.principles[0], c=w.consultation, q=w.questions[0], su_r=w.su_respondent, nu_r=w.nu_respondent,
               su=w.su.id, anna=w.anna.id, pia=w.pia.id)
    users = {ADM: w.administrator, PO: w.owner, ST: w.steering, REP: w.anna, OTHER: w.outsider}
    return SimpleNamespace(ids=ids, users=users)


def _outcome(response) -> str | int:
    location = response.headers.get("Location", "")
    if response.status_code in (301, 302, 303) and "/login" in location:
        return "login"
    if response.status_code == 401:
        return 401
    if response.status_code < 400:
        return "ok"
    return response.status_code


CASES = [(endpoint, role) for endpoint, (_, _, expected) in TABLE.items() if expected for role in ROLES
         if expected.get(role) is not None]


@pytest.mark.parametrize("role", ROLES)
def test_role_reaches_exactly_what_the_table_says(client, auth, world, role):
    if role != A:
        auth.login(world.users[role].email)
    wrong = []
    for endpoint, (pattern, method, expected) in TABLE.items():
        if not expected or expected.get(role) is None:
            continue
        url = pattern.format(**world.ids)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client)}, headers={"Accept": "text/html"})
        if _outcome(response) != expected[role]:
            wrong.append(f"{method} {url} ({endpoint}): expected {expected[role]}, got {response.status_code} "
                         f"{response.headers.get('Location', '')}")
        if endpoint == "auth.logout" and role != A:
            auth.login(world.users[role].email)
    assert not wrong, "\n".join(wrong)
