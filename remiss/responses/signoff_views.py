"""Pages for declining to answer and for sign-off inside the organisation.

The respondent's people: decline (with an optional reason) and withdraw it, mark the answer
ready for signing, record a dissent. The organisation's signatories: review the whole answer,
send it back with a note, or sign and submit it. Process owners: register a declining that came
by e-mail or on paper, and withdraw it.

Thin, as views.py: parse → call an operation (remiss/responses/signoff.py, or operations.submit)
→ commit → redirect. Who answers for whom is views.py's `_answerer` (log-in or personal link).
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime, gettext as _
from flask_login import current_user

from remiss.consultations import states
from remiss.extensions import db
from remiss.permissions import (
    may_record_dissent,
    may_register_declining,
    may_sign_for,
    permission_required,
)
from remiss.responses import forms, operations, queries, signoff
from remiss.responses import views as answering

bp = Blueprint("signoff", __name__)
bp.context_processor(answering._helpers)


def _page(template: str, status: int = 200, **values):
    return answering._private(current_app.make_response((render_template(template, **values), status)))


def _respond_url(consultation_id: int) -> str:
    return url_for("responses.respond", consultation_id=consultation_id)


def _answering(consultation_id: int):
    """(context, answerer, current response or None) for the respondent's own pages."""
    context = answering._context(consultation_id)
    answerer = answering._require_answerer(context)
    return context, answerer, operations.current_response(answerer.respondent, create=False)


# --- declining: the respondent's people -------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/respond/decline", methods=["GET", "POST"])
def decline(consultation_id):
    context, answerer, response = _answering(consultation_id)
    form = forms.DeclineForm()
    refusal = None
    if not states.may_be_declined(answerer.respondent, response):
        refusal = (_("Ni har redan meddelat att ni avstår.") if states.respondent_declined(answerer.respondent)
                   else _("Svaret är redan inskickat och kan inte ersättas med att avstå.")
                   if response is not None and not states.response_is_draft(response)
                   else _("Remissen tar inte emot svar just nu."))
    elif form.validate_on_submit():
        done, _result, refusal = answering._attempt(
            lambda: signoff.decline(answerer.respondent, answerer.user, form.reason.data or ""),
            form.reason, signoff.SignoffRefused)
        if done:
            flash(_("Ni har meddelat att ni avstår från att yttra er. Processansvarig ser det, och ni får inga fler "
                    "påminnelser."), "success")
            return redirect(_respond_url(consultation_id), code=303)
    status = 409 if refusal else (422 if form.errors else 200)
    return _page("responses/decline.html", status, context=context, consultation=context.consultation,
                 answerer=answerer, respondent=answerer.respondent, response=response, form=form, refusal=refusal,
                 on_behalf=False, back=_respond_url(consultation_id))


@bp.route("/consultations/<int:consultation_id>/respond/decline/withdraw", methods=["GET", "POST"])
def withdraw_declining(consultation_id):
    context, answerer, _response = _answering(consultation_id)
    return _withdraw(context, answerer.respondent, answerer.user, back=_respond_url(consultation_id), answerer=answerer)


def _withdraw(context, respondent, actor, *, back, answerer=None):
    form = forms.ConfirmForm()
    refusal = None
    if not states.declining_withdrawable(respondent):
        refusal = (_("Remissinstansen har inte meddelat att den avstår.") if not states.respondent_declined(respondent)
                   else _("Remissen tar inte emot svar längre: att avstå kan inte ångras nu."))
    elif form.validate_on_submit():
        try:
            signoff.withdraw_declining(respondent, actor)
        except signoff.SignoffRefused as refused:
            db.session.rollback()
            refusal = refused.message
        else:
            db.session.commit()
            flash(_("Att avstå är ångrat: svaret kan skrivas och skickas in igen."), "success")
            return redirect(back, code=303)
    return _page("responses/decline_withdraw.html", 409 if refusal else 200, context=context,
                 consultation=context.consultation, respondent=respondent, answerer=answerer, form=form,
                 refusal=refusal, back=back)


# --- declining: the process owner registers it ------------------------------------------------


def _dashboard_url(consultation_id: int) -> str:
    return url_for("consultations.dashboard", consultation_id=consultation_id)


@bp.route("/consultations/<int:consultation_id>/respondents/<int:respondent_id>/decline", methods=["GET", "POST"])
@permission_required(may_register_declining)
def register_declining(consultation_id, respondent_id):
    respondent = answering._registration_respondent(consultation_id, respondent_id)
    context = answering._context(consultation_id)
    response = operations.current_response(respondent, create=False)
    form = forms.DeclineForm()
    refusal = None
    if not states.declining_registrable(respondent, response):
        refusal = (_("Remissinstansen har redan meddelat att den avstår.") if states.respondent_declined(respondent)
                   else _("Remissinstansen har redan skickat in ett svar.")
                   if response is not None and not states.response_is_draft(response)
                   else _("Att en remissinstans avstår kan registreras medan remissen är öppen eller stängd."))
    elif form.validate_on_submit():
        done, _result, refusal = answering._attempt(
            lambda: signoff.decline(respondent, current_user, form.reason.data or "", on_behalf=True),
            form.reason, signoff.SignoffRefused)
        if done:
            flash(_("Registrerat att %(name)s avstår från att yttra sig.", name=queries.respondent_name(respondent)),
                  "success")
            return redirect(_dashboard_url(consultation_id), code=303)
    status = 409 if refusal else (422 if form.errors else 200)
    return render_template("responses/decline.html", context=context, consultation=context.consultation,
                           answerer=None, respondent=respondent, response=response, form=form, refusal=refusal,
                           on_behalf=True, back=_dashboard_url(consultation_id)), status


@bp.route("/consultations/<int:consultation_id>/respondents/<int:respondent_id>/decline/withdraw",
          methods=["GET", "POST"])
@permission_required(may_register_declining)
def withdraw_declining_on_behalf(consultation_id, respondent_id):
    respondent = answering._registration_respondent(consultation_id, respondent_id)
    context = answering._context(consultation_id)
    return _withdraw(context, respondent, current_user, back=_dashboard_url(consultation_id))


# --- sign-off ---------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/respond/ready", methods=["GET", "POST"])
def mark_ready(consultation_id):
    context, answerer, response = _answering(consultation_id)
    if not states.signoff_required(answerer.respondent):
        abort(404)
    form = forms.ConfirmForm()
    refusal = None
    if not states.response_markable_ready(response):
        refusal = (_("Svaret är redan markerat som klart för undertecknande.") if states.response_ready(response)
                   else _("Svaret är redan inskickat.") if response is not None and not states.response_is_draft(response)
                   else _("Skriv svaret först: det finns inget utkast att markera som klart.") if response is None
                   else _("Svaret kan inte markeras som klart för undertecknande just nu."))
    elif form.validate_on_submit():
        try:
            sent, failed = signoff.mark_ready(response, answerer.user)
        except signoff.SignoffRefused as refused:
            db.session.rollback()
            refusal = refused.message
        else:
            db.session.commit()
            flash(_("Svaret är klart för undertecknande. Firmatecknarna har fått ett meddelande (%(num)s).", num=sent)
                  if sent else _("Svaret är klart för undertecknande, men organisationen har ingen firmatecknare med "
                                 "e-post i Remiss. Kontakta administratören."), "success" if sent else "error")
            if failed:
                flash(_("Meddelandet kunde inte skickas till %(addresses)s.", addresses=", ".join(failed)), "error")
            return redirect(url_for("responses.summary", consultation_id=consultation_id), code=303)
    signatories = [p for p in queries.people_answering_for(answerer.respondent) if p.signatory]
    return _page("responses/ready.html", 409 if refusal else 200, context=context, consultation=context.consultation,
                 answerer=answerer, response=response, form=form, refusal=refusal, signatories=signatories)


def _signatory(consultation_id: int):
    context, answerer, response = _answering(consultation_id)
    if answerer.link is not None or not may_sign_for(answerer.user, answerer.respondent):
        abort(403)
    if not states.signoff_required(answerer.respondent):
        abort(404)
    return context, answerer, response


def _review_page(context, answerer, response, *, return_form=None, sign_form=None, message=None, status=200):
    stored = queries.stored_answers(response)
    dissents = queries.dissents(response)
    return _page(
        "responses/review.html", status, context=context, consultation=context.consultation, answerer=answerer,
        response=response, stored=stored, names=queries.editor_names(stored), dissents=dissents,
        return_form=return_form or forms.ReturnForm(formdata=None), sign_form=sign_form or forms.SubmitForm(formdata=None),
        message=message, progress_text=answering._progress_text(stored.answered_count(context), len(context.principles)),
        unanswered=stored.unanswered(context),
    )


@bp.route("/consultations/<int:consultation_id>/respond/review")
def review(consultation_id):
    context, answerer, response = _signatory(consultation_id)
    if response is not None and states.response_submitted(response):
        return redirect(url_for("responses.receipt", consultation_id=consultation_id))
    return _review_page(context, answerer, response)


@bp.route("/consultations/<int:consultation_id>/respond/return", methods=["POST"])
def send_back(consultation_id):
    context, answerer, response = _signatory(consultation_id)
    form = forms.ReturnForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _review_page(context, answerer, response, return_form=form, status=422,
                            message=_("Svaret skickades inte tillbaka: rätta det som är markerat."))
    try:
        signoff.send_back(response, answerer.user, form.note.data)
    except operations.InvalidAnswer as refused:
        db.session.rollback()
        form.note.errors = list(form.note.errors) + [refused.errors.get("note", refused.message)]
        return _review_page(context, answerer, response, return_form=form, status=422, message=refused.message)
    except signoff.SignoffRefused as refused:
        db.session.rollback()
        return _review_page(context, answerer, response, return_form=form, status=refused.status,
                            message=refused.message)
    db.session.commit()
    flash(_("Svaret är skickat tillbaka till representanterna med din kommentar."), "success")
    return redirect(url_for("signoff.review", consultation_id=consultation_id), code=303)


@bp.route("/consultations/<int:consultation_id>/respond/sign", methods=["POST"])
def sign(consultation_id):
    context, answerer, response = _signatory(consultation_id)
    form = forms.SubmitForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors or "csrf_token" in form.errors:
            abort(400)
        # Whether the answer may be published with the organisation's name: stated when signing.
        return _review_page(context, answerer, response, sign_form=form, status=422,
                            message=operations.consent_message())
    if response is None or not states.response_signable(response):
        if response is not None and states.response_submitted(response):
            flash(_("Svaret var redan inskickat. Här är kvittot."), "info")
            return redirect(url_for("responses.receipt", consultation_id=consultation_id), code=303)
        return _review_page(context, answerer, response, status=409,
                            message=_("Svaret kan inte undertecknas just nu."))
    try:
        result = operations.submit(response, answerer.user, publish_name=forms.consent(form.publish_name))
    except operations.AlreadySubmitted:
        db.session.rollback()
        flash(_("Svaret var redan inskickat. Här är kvittot."), "info")
        return redirect(url_for("responses.receipt", consultation_id=consultation_id), code=303)
    except operations.DeadlinePassed as refused:
        db.session.commit()  # the attempt is kept for the process owner
        return _review_page(context, answerer, response, sign_form=form, status=refused.status,
                            message=refused.message)
    except operations.AnswerError as refused:
        db.session.rollback()
        return _review_page(context, answerer, response, sign_form=form, status=refused.status,
                            message=refused.message)
    db.session.commit()
    flash(_("Svaret är undertecknat och inskickat %(time)s.",
            time=format_datetime(result.response.submitted_at, "d MMMM y 'kl.' HH:mm")), "success")
    if result.receipts_failed:
        flash(_("Kvittot kunde inte skickas med e-post till %(addresses)s. Svaret är ändå inskickat; kvittot finns "
                "på den här sidan.", addresses=", ".join(result.receipts_failed)), "error")
    return redirect(url_for("responses.receipt", consultation_id=consultation_id), code=303)


# --- dissent ----------------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/respond/dissent", methods=["GET", "POST"])
def dissent(consultation_id):
    context, answerer, response = _answering(consultation_id)
    if not may_record_dissent(answerer.user, answerer.respondent):
        abort(403)
    form = forms.DissentForm()
    refusal = None
    possible = (states.dissent_possible(response) if response is not None
                else states.accepting_answers(context.consultation))
    if not possible:
        refusal = _("En avvikande mening kan bara lämnas medan remissen tar emot svar.")
    elif form.validate_on_submit():
        if response is None:  # the dissent needs an answer to attach to: the first draft
            response = operations.current_response(answerer.respondent, create=True)
        done, _result, refusal = answering._attempt(
            lambda: signoff.record_dissent(response, answerer.user, form.text.data), form.text, signoff.SignoffRefused)
        if done:
            flash(_("Din avvikande mening är sparad och följer med svaret i remissammanställningen."), "success")
            return redirect(url_for("signoff.dissent", consultation_id=consultation_id), code=303)
    status = 409 if refusal else (422 if form.errors else 200)
    return _page("responses/dissent.html", status, context=context, consultation=context.consultation,
                 answerer=answerer, response=response, form=form, refusal=refusal,
                 dissents=queries.dissents(response))
