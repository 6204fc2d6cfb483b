"""Every "may this user do that?" in one readable place.

Views ask these questions through `require()` or the `permission_required`
decorator; templates ask them to decide what to show. Nothing else decides.
"""
from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user

from remiss.auth.models import Role


def _is(user, *roles: Role) -> bool:
    return bool(user and user.is_authenticated and user.role in roles)


def is_logged_in(user) -> bool:
    return bool(user and user.is_authenticated)


def may_administer(user) -> bool:
    """Organisations, networks, people and roles."""
    return _is(user, Role.administrator)


def may_read_mailbox(user) -> bool:
    """The development mailbox holds every mail sent, links included: administrators only."""
    return may_administer(user) and current_app.config["MAIL_BACKEND"] == "console"


def may_handle_personal_data(user) -> bool:
    """Export everything stored about a person, and erase a person (GDPR): administrators only."""
    return may_administer(user)


def may_manage_documents(user) -> bool:
    """Import, export and prepare versions of principle documents."""
    return _is(user, Role.process_owner, Role.administrator)


def may_read_version(user, version) -> bool:
    """Approved versions (published or superseded) are public; drafts are for the staff."""
    if version.is_public:
        return True
    return may_read_unpublished_versions(user)


def may_read_unpublished_versions(user) -> bool:
    """Drafts and versions not (yet) approved: the staff who prepare and decide them."""
    return _is(user, Role.process_owner, Role.administrator, Role.steering_member)


def may_manage_consultations(user) -> bool:
    """Create, open, follow up and close consultations; register answers on behalf."""
    return _is(user, Role.process_owner, Role.administrator)


def may_answer_for(user, respondent) -> bool:
    """The people behind a respondent: the organisation's representatives, or the individual.

    Being a representative of the organisation is enough: in remiss practice the
    organisation answers as one, whichever of its people writes.
    """
    if not _is(user, Role.representative):
        return False
    if respondent.organisation_id is not None:
        return user.organisation_id == respondent.organisation_id
    return user.id == respondent.user_id


def may_read_response(user, response) -> bool:
    """Drafts and submitted answers: their own respondent's people, and the process owners."""
    return may_manage_consultations(user) or may_answer_for(user, response.respondent)


def require(allowed: bool) -> None:
    """Stop the request: log-in page for the anonymous, 403 for the rest."""
    if allowed:
        return
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    abort(403)


def permission_required(question):
    """Decorate a view with a question about the current user alone."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            require(question(current_user))
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- answering (added with the responses area) ------------------------------------------------


def may_answer_through_link(link, respondent) -> bool:
    """A personal link (MagicLink) opens its own respondent's answer and nothing else.

    Whether the consultation still accepts answers is the state machine's question;
    this one asks only whose link it is.
    """
    return bool(
        link is not None
        and link.revoked_at is None
        and link.respondent_id == respondent.id
        and link.user is not None
        and link.user.active
    )


def may_register_on_behalf(user) -> bool:
    """Register an answer that came by e-mail or on paper, with its original attached."""
    return may_manage_consultations(user)


def may_reopen_response(user, response) -> bool:
    """Reopen a submitted answer on the respondent's request (the state machine says when)."""
    return may_manage_consultations(user)


def may_read_attachment(user, attachment) -> bool:
    """The original of a registered answer: whoever may read that answer."""
    return may_read_response(user, attachment.response)


def may_read_late_saves(user) -> bool:
    """What arrived after the deadline is shown to the process owners."""
    return may_manage_consultations(user)


# --- consolidation (added with the consolidation area) -----------------------------------------


def may_consolidate(user) -> bool:
    """Read all answers side by side, record dispositions and summaries, mark the consolidation
    complete: the process owners and administrators (the state machine says when)."""
    return may_manage_consultations(user)


# --- reports (added with the report area) -------------------------------------------------------


def may_read_internal_report(user) -> bool:
    """The internal consolidated report – it names who submitted or registered each answer, with
    e-mail addresses: process owners, administrators, and the steering group that decides on it."""
    return _is(user, Role.process_owner, Role.administrator, Role.steering_member)


def may_read_public_report(user, consultation) -> bool:
    """Once the consolidation is complete the public report is a public document
    (offentlighetsprincipen): anyone may read it. Before that, a draft for those who read the
    internal report."""
    from remiss.consultations.states import report_is_final

    return report_is_final(consultation) or may_read_internal_report(user)


def may_manage_reports(user) -> bool:
    """Freeze a new version of the consolidated report: process owners and administrators."""
    return may_manage_consultations(user)


def may_download_archive(user) -> bool:
    """The archive package of a finished consultation (every answer, originals, audit trail) for the
    registry: process owners and administrators."""
    return may_manage_consultations(user)


# --- audit trail (added with the audit area) ------------------------------------------------------


def may_read_audit(user) -> bool:
    """The audit trail of one consultation or one document: process owners and administrators."""
    return _is(user, Role.process_owner, Role.administrator)


def may_read_full_audit(user) -> bool:
    """The whole audit trail – people, roles and organisations too: administrators only."""
    return may_administer(user)


# --- decisions (added with the decisions area) ------------------------------------------------


def may_propose(user) -> bool:
    """Send a version to the steering group, with the consolidated report it rests on."""
    return _is(user, Role.process_owner, Role.administrator)


def may_withdraw_version(user) -> bool:
    """Withdraw a version that will not be decided (the state machine says which)."""
    return _is(user, Role.process_owner, Role.administrator)


def may_read_proposal(user) -> bool:
    """The decision page of a proposal: the steering group, the process owners, administrators."""
    return _is(user, Role.steering_member, Role.process_owner, Role.administrator)


def may_comment_proposal(user) -> bool:
    """The members' notes to each other before the meeting; the process owner may answer."""
    return _is(user, Role.steering_member, Role.process_owner)


def may_record_decision(user) -> bool:
    """Record the steering group's decision as the minutes have it: a member or the process owner."""
    return _is(user, Role.steering_member, Role.process_owner)


# --- tracing (added with the tracing area) ------------------------------------------------------


def may_link_changes(user) -> bool:
    """Link comments to the changes they led to in the next version: part of preparing a version,
    so the same people who prepare versions (process owners and administrators)."""
    return may_manage_documents(user)


def may_read_full_trace(user) -> bool:
    """From a principle back to its comments with everything: real names and consultations whose
    report is not final yet – those who read the internal report. Others see what the public report shows."""
    return may_read_internal_report(user)


# --- declining and sign-off inside the organisation (added with issue 9) ------------------------


def may_register_declining(user) -> bool:
    """Register that a respondent declines to answer (the message came by e-mail or on paper)."""
    return may_manage_consultations(user)


def may_sign_for(user, respondent) -> bool:
    """Approve and submit the organisation's answer where the organisation requires sign-off:
    its representatives marked as signatories (firmatecknare, förvaltningschef)."""
    return bool(may_answer_for(user, respondent) and respondent.organisation_id is not None and user.signatory)


def may_record_dissent(user, respondent) -> bool:
    """"Avvikande mening": any representative of the organisation (not an individual's own answer)."""
    return bool(respondent.organisation_id is not None and may_answer_for(user, respondent))


# --- redaction (added with issue 9) --------------------------------------------------------------


def may_redact(user) -> bool:
    """Hide passages of answers from the public report and pages, and show them again: those who
    consolidate and freeze the report (process owners and administrators)."""
    return may_manage_reports(user)


# --- feedback to respondents (added with issue 9) ------------------------------------------------


def may_send_feedback(user) -> bool:
    """Send each respondent its feedback page (återkoppling) once the consolidation is complete, and
    read the objections: those who consolidate (process owners and administrators)."""
    return may_consolidate(user)


def may_read_feedback(user, respondent) -> bool:
    """A respondent's feedback page – its comments, their dispositions and its objections: its own
    people, and those who consolidate."""
    return may_consolidate(user) or may_answer_for(user, respondent)


def may_object_for(user, respondent) -> bool:
    """Object to a disposition in writing: the respondent's own people only (the organisation's
    representatives, or the individual). The period is the state's question."""
    return may_answer_for(user, respondent)
