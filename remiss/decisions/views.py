"""The steering group's pages: proposals awaiting decision, sending a version to the steering group,
the decision page (version, diff, report, open issues, members' comments), recording the decision,
withdrawing a version.

Thin: parse the request, call an operation, commit, render or redirect. Refusals of the state
machine come back as 409 with the reason; what was typed comes back with it (422).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from remiss.consultations.models import Consultation
from remiss.decisions import forms, operations, queries
from remiss.decisions.models import DecisionOutcome
from remiss.documents import queries as document_queries, states
from remiss.documents.diff import diff_versions
from remiss.documents.states import IllegalVersionTransition
from remiss.errors import UserError
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.labels import label
from remiss.permissions import (
    may_comment_proposal,
    may_propose,
    may_read_proposal,
    may_record_decision,
    may_withdraw_version,
    permission_required,
)

bp = Blueprint("decisions", __name__)


@bp.app_context_processor
def _version_actions():
    """`decision_links(version)` for the shared staff actions of the version page."""
    return {"decision_links": decision_links}


def decision_links(version) -> list[tuple[str, str]]:
    """The decision area's links for one version, each asked of its permission and state question."""
    links = []
    if may_propose(current_user) and states.proposable(version):
        links.append((url_for("decisions.propose", key=version.document.key, number=version.number),
                      _("Skicka till styrgruppen")))
    if may_read_proposal(current_user) and states.awaiting_decision(version):
        pending = queries.pending_proposal(version)
        if pending is not None:
            links.append((url_for("decisions.show", proposal_id=pending.id), _("Beslutsärende")))
    if may_withdraw_version(current_user) and states.withdrawable(version):
        links.append((url_for("decisions.withdraw", key=version.document.key, number=version.number),
                      _("Återkalla versionen")))
    return links


@bp.context_processor
def _helpers():
    return {"states": states, "is_open": operations.is_open, "Outcome": DecisionOutcome, "format_day": operations.format_day}


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and 0 < page < 100_000 else 1


def _proposal(proposal_id: int):
    return queries.get_proposal(proposal_id) or abort(404)


def _version(key: str, number: int):
    return document_queries.get_version(key, number) or abort(404)


def _version_url(version) -> str:
    return url_for("documents.version", key=version.document.key, number=version.number)


def _refused(message: str, back: str, back_text: str, status: int = 409):
    db.session.rollback()
    return render_template("decisions/refused.html", message=message, back=back, back_text=back_text), status


def _put_errors(form, error: UserError) -> None:
    for name, message in error.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
    if not error.errors:
        flash(error.message, "error")


# --- the list ----------------------------------------------------------------------------------


@bp.route("/decisions")
@permission_required(may_read_proposal)
def index():
    return render_template("decisions/index.html", awaiting=queries.awaiting_proposals(),
                           page=queries.closed_proposals_page(_page()))


# --- sending a version to the steering group ---------------------------------------------------


def _consultation_label(consultation: Consultation) -> str:
    text = _("%(title)s – remiss av version %(number)s (%(status)s)", title=consultation.title,
             number=consultation.version.number, status=label(consultation.status))
    if consultation.reference_number:
        text += f", {consultation.reference_number}"
    return text


@bp.route("/documents/<key>/versions/<int:number>/propose", methods=["GET", "POST"])
@permission_required(may_propose)
def propose(key, number):
    version = _version(key, number)
    back = _version_url(version)
    if not states.proposable(version):
        return _refused(_("Version %(number)s kan inte skickas till styrgruppen: den är ”%(status)s”.",
                          number=version.number, status=label(version.status)),
                        back, _("Tillbaka till versionen"))
    consultations = queries.consultations_for(version)
    form = forms.ProposeForm()
    form.consultation_id.choices = [("", _("Ingen – versionen beslutas utan remiss"))] + [
        (c.id, _consultation_label(c)) for c in consultations]
    status = 200
    if request.method == "GET" and consultations:
        form.consultation_id.data = consultations[0].id
    if form.validate_on_submit():
        chosen = db.session.get(Consultation, form.consultation_id.data) if form.consultation_id.data else None
        try:
            proposal = operations.propose(version, chosen, form.message.data, form.meeting_on.data, current_user)
        except (IllegalVersionTransition, operations.NotNow) as refused:
            return _refused(refused.message, back, _("Tillbaka till versionen"))
        except operations.DecisionError as error:
            db.session.rollback()
            _put_errors(form, error)
        else:
            db.session.commit()
            flash(ngettext("Version %(number)s är skickad till styrgruppen. %(num)d ledamot har fått e-post.",
                           "Version %(number)s är skickad till styrgruppen. %(num)d ledamöter har fått e-post.",
                           proposal.mails_sent, number=version.number), "success")
            if proposal.mails_failed:
                flash(ngettext("E-post till %(num)d ledamot kunde inte skickas.",
                               "E-post till %(num)d ledamöter kunde inte skickas.", proposal.mails_failed), "warning")
            return redirect(url_for("decisions.show", proposal_id=proposal.id), code=303)
    if request.method == "POST":
        status = 422
    return render_template("decisions/propose.html", version=version, form=form, back=back,
                           has_consultations=bool(consultations),
                           members=len(operations.steering_members())), status


# --- the decision page -------------------------------------------------------------------------


def _diff_of(base, version):
    """The word diff from `base` to the proposed version (None: nothing to compare with)."""
    if base is None:
        return None
    old = document_queries.get_version(base.document.key, base.number)
    new = document_queries.get_version(version.document.key, version.number)
    return diff_versions(old, new)


def _decision_form(proposal, formdata=None):
    if formdata is None:
        form = forms.DecisionForm(formdata=None)
        form.body.data = proposal.version.decision_body
        today = operations.today_in_stockholm()
        if proposal.meeting_on and proposal.meeting_on <= today:
            form.decided_on.data = proposal.meeting_on
        return form
    return forms.DecisionForm()


def _render_show(proposal, *, comment_form=None, decision_form=None, message=None, status=200):
    version = proposal.version
    approved = queries.previous_approved(version)
    # Without an approved version (the document's first), the version it was prepared from – the one
    # that went on remiss – shows the steering group what the remiss changed.
    base = approved or version.based_on
    diff = _diff_of(base, version)
    return render_template(
        "decisions/show.html",
        proposal=proposal,
        version=version,
        document=version.document,
        consultation=proposal.consultation,
        base=base,
        base_is_approved=approved is not None,
        diff=diff,
        issues=queries.open_issues(proposal.consultation),
        history=[p for p in queries.proposals_of(version) if p.id != proposal.id],
        comment_form=comment_form or forms.CommentForm(formdata=None),
        decision_form=decision_form or _decision_form(proposal),
        message=message,
        may_comment=may_comment_proposal(current_user),
        may_record=may_record_decision(current_user),
        may_propose_again=may_propose(current_user) and states.proposable(version),
    ), status


@bp.route("/decisions/<int:proposal_id>")
@permission_required(may_read_proposal)
def show(proposal_id):
    return _render_show(_proposal(proposal_id))


@bp.route("/decisions/<int:proposal_id>/comments", methods=["POST"])
@permission_required(may_comment_proposal)
def comment(proposal_id):
    proposal = _proposal(proposal_id)
    form = forms.CommentForm()
    if form.validate_on_submit():
        try:
            operations.comment(proposal, form.body.data, current_user)
        except operations.NotNow as refused:
            db.session.rollback()
            return _render_show(_proposal(proposal_id), comment_form=form, message=refused.message,
                                status=refused.status)
        except operations.DecisionError as error:
            db.session.rollback()
            _put_errors(form, error)
            return _render_show(_proposal(proposal_id), comment_form=form, status=error.status)
        db.session.commit()
        flash(_("Kommentaren är sparad."), "success")
        return redirect(url_for("decisions.show", proposal_id=proposal.id, _anchor="comments"), code=303)
    return _render_show(proposal, comment_form=form, status=422)


# --- recording the decision --------------------------------------------------------------------


@bp.route("/decisions/<int:proposal_id>/decision", methods=["GET", "POST"])
@permission_required(may_record_decision)
def record(proposal_id):
    """GET: the form. POST action=review: checked, then a summary to confirm; action=edit: the
    form again with what was typed; action=record: the decision is stored."""
    proposal = _proposal(proposal_id)
    back = url_for("decisions.show", proposal_id=proposal.id)
    if not operations.is_open(proposal):
        if proposal.decision is not None:
            message = _("Styrgruppen har redan beslutat om förslaget.")
        else:
            message = _("Förslaget väntar inte längre på beslut: version %(number)s är ”%(status)s”.",
                        number=proposal.version.number, status=label(proposal.version.status))
        return _refused(message, back, _("Tillbaka till beslutsärendet"))
    if request.method == "GET":
        return render_template("decisions/record.html", proposal=proposal, version=proposal.version,
                               form=_decision_form(proposal), confirming=False, back=back)
    form = _decision_form(proposal, formdata=True)
    action = request.form.get("action", "review")
    form.validate_on_submit()  # the date's format; the rules are the operation's
    values = None
    if not form.errors:
        try:
            values = operations.validate_decision(
                proposal, form.outcome.data, form.decided_on.data, form.body.data, form.minutes_reference.data,
                form.paragraph.data, form.present.data, form.motivation.data)
        except operations.DecisionError as error:
            _put_errors(form, error)
    if form.errors or action == "edit":
        return render_template("decisions/record.html", proposal=proposal, version=proposal.version, form=form,
                               confirming=False, back=back), 422 if form.errors else 200
    if action != "record":
        return render_template("decisions/record.html", proposal=proposal, version=proposal.version, form=form,
                               confirming=True, values=values, back=back)
    try:
        decision = operations.record_decision(
            proposal, form.outcome.data, form.decided_on.data, form.body.data, form.minutes_reference.data,
            form.paragraph.data, form.present.data, form.motivation.data, current_user)
    except (IllegalVersionTransition, operations.NotNow) as refused:
        return _refused(refused.message, back, _("Tillbaka till beslutsärendet"))
    except operations.DecisionError as error:
        db.session.rollback()
        _put_errors(form, error)
        return render_template("decisions/record.html", proposal=_proposal(proposal_id),
                               version=proposal.version, form=form, confirming=False, back=back), 422
    db.session.commit()
    flash({
        DecisionOutcome.approved: _("Beslutet är registrerat. Version %(number)s är fastställd och publicerad."),
        DecisionOutcome.returned: _("Beslutet är registrerat. Version %(number)s är återremitterad och är ett utkast "
                                    "igen."),
        DecisionOutcome.rejected: _("Beslutet är registrerat. Version %(number)s är avslagen och återkallad."),
    }[decision.outcome] % {"number": proposal.version.number}, "success")
    return redirect(back, code=303)


# --- withdrawing a version ---------------------------------------------------------------------


@bp.route("/documents/<key>/versions/<int:number>/withdraw", methods=["GET", "POST"])
@permission_required(may_withdraw_version)
def withdraw(key, number):
    version = _version(key, number)
    back = _version_url(version)
    if not states.withdrawable(version):
        return _refused(_("Version %(number)s kan inte återkallas: den är ”%(status)s”.",
                          number=version.number, status=label(version.status)),
                        back, _("Tillbaka till versionen"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            operations.withdraw(version, current_user)
        except (IllegalVersionTransition, operations.NotNow) as refused:
            return _refused(refused.message, back, _("Tillbaka till versionen"))
        db.session.commit()
        flash(_("Version %(number)s är återkallad.", number=version.number), "success")
        return redirect(back, code=303)
    pending = queries.pending_proposal(version) if states.awaiting_decision(version) else None
    return render_template("decisions/withdraw.html", version=version, form=form, back=back, pending=pending)
