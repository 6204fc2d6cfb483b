"""Återkoppling pages: the process owner sends the feedback (a confirmation page with the objection
period) and reads the objections; each respondent's people read their feedback page and object to
a disposition in writing while the period runs. Individuals without a password come in through the
personal link in their feedback mail.

Thin: parse → call remiss/consolidation/feedback.py → commit → render or redirect. Refusals of the
state come back as 409 with the reason; what was typed comes back with it.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import IntegerField, TextAreaField
from wtforms.validators import InputRequired, NumberRange

from remiss.consolidation import feedback
from remiss.consolidation import queries as consolidation_queries
from remiss.consolidation.views import _valid_id
from remiss.consultations import queries as consultation_queries, states
from remiss.consultations.models import MagicLink, Respondent
from remiss.extensions import db
from remiss.permissions import (
    may_answer_through_link,
    may_consolidate,
    may_object_for,
    may_read_feedback,
    may_read_version,
    may_send_feedback,
    permission_required,
    require,
)
from remiss.timeutil import utcnow

bp = Blueprint("feedback", __name__)

# The personal link's session for the feedback page (apart from the answering session's key).
LINK_SESSION_KEY = "feedback_link_id"


class SendFeedbackForm(FlaskForm):
    days = IntegerField(
        _l("Antal dagar för invändningar"),
        default=feedback.DEFAULT_OBJECTION_DAYS,
        validators=[InputRequired(message=_l("Ange ett antal dagar mellan 1 och %(max)d.",
                                             max=feedback.MAX_OBJECTION_DAYS)),
                    NumberRange(min=1, max=feedback.MAX_OBJECTION_DAYS,
                                message=_l("Ange ett antal dagar mellan 1 och %(max)d.",
                                           max=feedback.MAX_OBJECTION_DAYS))],
    )


class ObjectionForm(FlaskForm):
    text = TextAreaField(_l("Er invändning"), render_kw={"rows": 5})


@bp.app_context_processor
def _feedback_helpers():
    """For the consolidation overview and the decision page: the objections and the state of the feedback."""
    return {"feedback_objections": feedback.objections_of, "feedback_state": _state_of}


@bp.context_processor
def _helpers():
    return {"states": states, "feedback": feedback, "may_read_version": may_read_version,
            "respondent_name": consolidation_queries.respondent_name}


def _state_of(consultation):
    return {"sent": feedback.feedback_sent(consultation), "sendable": feedback.feedback_sendable(consultation),
            "open": feedback.objections_open(consultation), "until": consultation.objections_until,
            "objections": feedback.objection_count(consultation) if feedback.feedback_sent(consultation) else 0,
            "respondents": feedback.sent_count(consultation) if feedback.feedback_sent(consultation) else 0}


def _consultation(consultation_id: int):
    consultation = consultation_queries.get_consultation(_valid_id(consultation_id))
    if consultation is None:
        abort(404)
    return consultation


def _private(response):
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- the process owner ----------------------------------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/feedback/send", methods=["GET", "POST"])
@permission_required(may_send_feedback)
def send(consultation_id):
    consultation = _consultation(consultation_id)
    back = url_for("consolidation.overview", consultation_id=consultation.id)
    form = SendFeedbackForm()
    refusal = None
    if not feedback.feedback_sendable(consultation):
        refusal = feedback.not_sendable_message(consultation)
    elif form.validate_on_submit():
        try:
            result = feedback.send_feedback(consultation, current_user, form.days.data)
        except feedback.FeedbackNotNow as refused:
            db.session.rollback()
            refusal = refused.message
        except feedback.InvalidFeedback as refused:
            db.session.rollback()
            form.days.errors = list(form.days.errors) + [refused.errors.get("days", refused.message)]
        else:
            db.session.commit()
            flash(ngettext("Återkopplingen är skickad till %(num)d remissinstans (%(mails)d e-postmeddelanden).",
                           "Återkopplingen är skickad till %(num)d remissinstanser (%(mails)d e-postmeddelanden).",
                           result.respondents, mails=result.mails), "success")
            return redirect(url_for("feedback.objections", consultation_id=consultation.id), code=303)
    status = 409 if refusal else (422 if form.errors else 200)
    decided = not feedback.objection_period_possible(consultation)
    return render_template("feedback/send.html", consultation=consultation, form=form, refusal=refusal, back=back,
                           recipients=len(feedback.recipients(consultation)) if not refusal else 0,
                           declined=_declined_count(consultation), decided=decided, tab="consolidation"), status


def _declined_count(consultation) -> int:
    return sum(1 for r in consultation.respondents if states.respondent_declined(r))


@bp.route("/consultations/<int:consultation_id>/feedback/objections")
@permission_required(may_consolidate)
def objections(consultation_id):
    consultation = _consultation(consultation_id)
    return render_template("feedback/objections.html", consultation=consultation, rows=feedback.objections_of(consultation),
                           state=_state_of(consultation), tab="consolidation")


# --- the respondent's people ----------------------------------------------------------------------


def _session_link(respondent) -> MagicLink | None:
    link_id = session.get(LINK_SESSION_KEY)
    if not isinstance(link_id, int):
        return None
    link = db.session.get(MagicLink, link_id)
    if link is None or not may_answer_through_link(link, respondent):
        return None
    return link


def _respondent(consultation_id: int, respondent_id: int) -> Respondent:
    respondent = db.session.get(Respondent, _valid_id(respondent_id))
    if respondent is None or respondent.consultation_id != _valid_id(consultation_id):
        abort(404)
    return respondent


def _reader(respondent, question):
    """Who reads (or objects): the logged-in user if the question allows, else the person behind a
    personal link to this respondent; the anonymous are sent to log in, anyone else is refused."""
    if current_user.is_authenticated:
        require(question(current_user, respondent))
        return current_user._get_current_object()
    link = _session_link(respondent)
    if link is None:
        require(False)
    return link.user


def _staff_preview(user, respondent) -> bool:
    """Process owners read any respondent's page (before sending too); they do not object."""
    return may_consolidate(user) and not may_object_for(user, respondent)


def _render_show(respondent, reader, *, forms=None, message=None, message_anchor=None, status=200):
    consultation = respondent.consultation
    data = feedback.feedback_for(respondent)
    forms = forms or {}
    kept = set(forms)  # refused submissions: shown with what was typed, whatever the state
    for item in data.items:
        if item.disposition is not None and item.key not in forms:
            form = ObjectionForm(prefix=item.key, formdata=None)
            form.text.data = item.objection.text if item.objection is not None else ""
            forms[item.key] = form
    html = render_template(
        "feedback/show.html", consultation=consultation, respondent=respondent, data=data, forms=forms,
        kept=kept, message=message, message_anchor=message_anchor, preview=_staff_preview(reader, respondent),
        may_object=feedback.objections_open(consultation) and feedback.feedback_received(respondent)
        and not _staff_preview(reader, respondent),
        who=consolidation_queries.respondent_name(respondent),
    )
    return _private(current_app.make_response((html, status)))


def _not_yet(respondent):
    html = render_template("feedback/refused.html", consultation=respondent.consultation,
                           message=_("Återkopplingen är inte skickad än. Ni får e-post när processansvarig har "
                                     "sammanställt svaren och skickat återkopplingen."))
    return _private(current_app.make_response((html, 409)))


@bp.route("/consultations/<int:consultation_id>/feedback/respondents/<int:respondent_id>")
def show(consultation_id, respondent_id):
    respondent = _respondent(consultation_id, respondent_id)
    reader = _reader(respondent, may_read_feedback)
    if not feedback.feedback_received(respondent) and not _staff_preview(reader, respondent):
        return _not_yet(respondent)
    return _render_show(respondent, reader)


@bp.route("/consultations/<int:consultation_id>/feedback/respondents/<int:respondent_id>/objections/"
          "<int:disposition_id>", methods=["POST"])
def object_(consultation_id, respondent_id, disposition_id):
    respondent = _respondent(consultation_id, respondent_id)
    reader = _reader(respondent, may_object_for)
    if not feedback.feedback_received(respondent):
        return _not_yet(respondent)
    data = feedback.feedback_for(respondent)
    item = data.item(_valid_id(disposition_id))
    if item is None:
        abort(404)
    form = ObjectionForm(prefix=item.key)
    if not form.validate_on_submit():
        abort(400)
    try:
        feedback.object_to(data, disposition_id, form.text.data, reader)
    except feedback.FeedbackError as refused:
        db.session.rollback()
        if refused.errors.get("text"):
            form.text.errors = list(form.text.errors) + [refused.errors["text"]]
        return _render_show(respondent, reader, forms={item.key: form}, message=refused.message,
                            message_anchor=item.key, status=refused.status)
    db.session.commit()
    flash(_("Invändningen är sparad. Styrgruppen ser den inför sitt beslut."), "success")
    return redirect(url_for("feedback.show", consultation_id=consultation_id, respondent_id=respondent_id,
                            _anchor=item.key), code=303)


@bp.route("/f/<token>")
def link(token):
    """The personal link in an individual's feedback mail: a limited session for that feedback page only."""
    from remiss.auth import operations as auth_operations

    found = None
    if 16 <= len(token) <= 200:
        found = db.session.execute(
            select(MagicLink).where(MagicLink.token_hash == auth_operations.token_hash(token))
        ).scalar_one_or_none()
    if found is None or not may_answer_through_link(found, found.respondent) \
            or not feedback.feedback_received(found.respondent):
        return _private(current_app.make_response((render_template("responses/link_invalid.html"), 404)))
    respondent = found.respondent
    target = url_for("feedback.show", consultation_id=respondent.consultation_id, respondent_id=respondent.id)
    if current_user.is_authenticated:
        if may_read_feedback(current_user, respondent):
            return redirect(target)
        auth_operations.end_session()  # someone else's browser session must not mix with this page
    session.clear()  # no fixation: the limited session starts empty
    session[LINK_SESSION_KEY] = found.id
    found.last_used_at = utcnow()
    db.session.commit()
    return _private(redirect(target))
