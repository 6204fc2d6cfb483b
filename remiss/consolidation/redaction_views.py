"""Redaction pages: hide a passage of an answer from the public report and pages, list what is
hidden and why, and show a passage again (a confirmation page).

Without JavaScript and without character positions: the process owner types or pastes the exact
passage; the server finds it, and when it occurs more than once the page asks which occurrence,
each shown with the words around it. Thin views: parse → `remiss.consolidation.redaction` → commit.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import RadioField, StringField, TextAreaField

from remiss.consolidation import queries, redaction
from remiss.consolidation.models import DispositionTarget, Redaction
from remiss.consultations import queries as consultation_queries, states
from remiss.consultations.models import GeneralAnswer, PrincipleAnswer, Respondent, Response
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.permissions import may_redact, permission_required

bp = Blueprint("redaction", __name__, url_prefix="/consultations/<int:consultation_id>/redactions")

CONTEXT_CHARACTERS = 40
MAX_PASSAGE_LENGTH = 20_000


class RedactionForm(FlaskForm):
    # The operation validates (and says what is wrong per field); the form carries the values.
    passage = TextAreaField(_l("Text som ska maskeras"))
    occurrence = RadioField(_l("Vilken förekomst ska maskeras?"), choices=[], validate_choice=False)
    reason = StringField(_l("Skäl till maskeringen"))


def _consultation(consultation_id: int):
    if not 0 < consultation_id <= 2**31 - 1:
        abort(404)
    return consultation_queries.get_consultation(consultation_id) or abort(404)


def _text(consultation, ref: str):
    found = redaction.find(ref)
    if found is None:
        abort(404)
    answer, target = found
    if answer.response.respondent.consultation_id != consultation.id:
        abort(404)
    return answer, target


def _what(answer, target: DispositionTarget) -> str:
    if target == DispositionTarget.general:
        return _("Svar på frågan ”%(question)s”", question=answer.general_question.text)
    text = answer.principle_text
    if target == DispositionTarget.proposed_wording:
        return _("Förslag till ny formulering, princip %(number)s ”%(title)s”", number=text.number, title=text.title)
    return _("Synpunkt på princip %(number)s ”%(title)s”", number=text.number, title=text.title)


def _occurrence_choices(text: str, passage: str) -> list[tuple[str, str]]:
    """Each occurrence with the words around it, so that the user can tell them apart."""
    choices = []
    for number, start in enumerate(redaction.occurrences(text, passage), 1):
        end = start + len(passage)
        before = text[max(0, start - CONTEXT_CHARACTERS):start]
        after = text[end:end + CONTEXT_CHARACTERS]
        before = ("…" if start > CONTEXT_CHARACTERS else "") + " ".join(before.split(" "))
        after = after + ("…" if end + CONTEXT_CHARACTERS < len(text) else "")
        choices.append((str(number), _("Förekomst %(number)s: %(before)s»%(passage)s«%(after)s", number=number,
                                       before=before, passage=passage, after=after)))
    return choices


def _occurrence(value) -> int | None:
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


@bp.route("/new/<ref>", methods=["GET", "POST"])
@permission_required(may_redact)
def new(consultation_id, ref):
    """Hide a passage of one text (ref "p12-comment", "p12-proposed_wording" or "g3-general")."""
    consultation = _consultation(consultation_id)
    answer, target = _text(consultation, ref)
    text = redaction.answer_text(answer, target)
    form = RedactionForm()
    message, status = None, 200
    redactable = states.answers_redactable(consultation)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        passage = (form.passage.data or "")[:MAX_PASSAGE_LENGTH]
        if len(redaction.occurrences(text, redaction.clean_text(passage).strip())) > 1:
            form.occurrence.choices = _occurrence_choices(text, redaction.clean_text(passage).strip())
        try:
            made = redaction.redact_passage(answer, target, passage, _occurrence(form.occurrence.data),
                                            form.reason.data or "", current_user)
        except redaction.RedactionError as refused:
            db.session.rollback()
            message, status = refused.message, refused.status
            for name, error in refused.errors.items():
                form[name].errors = list(form[name].errors) + [error]
        else:
            db.session.commit()
            flash(_("Passagen ”%(passage)s” maskeras i den offentliga sammanställningen och på de offentliga sidorna.",
                    passage=made.passage), "success")
            return redirect(url_for("redaction.new", consultation_id=consultation.id, ref=ref), code=303)
    existing = redaction.redactions_of(answer, target)
    respondent = answer.response.respondent
    return render_template(
        "redaction/new.html", consultation=consultation, tab="consolidation", form=form, message=message,
        answer=answer, target=target, ref=ref, text=text, existing=existing, redactable=redactable,
        public=redaction.public_text(text, existing), what=_what(answer, target),
        who=queries.respondent_name(respondent), respondent=respondent,
        max_reason=redaction.MAX_REASON_LENGTH,
        frozen_stale=redaction.changed_since_frozen(consultation),
    ), status


@bp.route("")
@permission_required(may_redact)
def index(consultation_id):
    """Every redaction of the consultation, with its reason, who made it and when."""
    consultation = _consultation(consultation_id)
    redactions = list(db.session.execute(
        redaction.in_consultations(select(Redaction), [consultation.id])
        .options(
            selectinload(Redaction.principle_answer).selectinload(PrincipleAnswer.principle_text),
            selectinload(Redaction.principle_answer).selectinload(PrincipleAnswer.response)
            .selectinload(Response.respondent).selectinload(Respondent.organisation),
            selectinload(Redaction.principle_answer).selectinload(PrincipleAnswer.response)
            .selectinload(Response.respondent).selectinload(Respondent.user),
            selectinload(Redaction.general_answer).selectinload(GeneralAnswer.general_question),
            selectinload(Redaction.general_answer).selectinload(GeneralAnswer.response)
            .selectinload(Response.respondent).selectinload(Respondent.organisation),
            selectinload(Redaction.general_answer).selectinload(GeneralAnswer.response)
            .selectinload(Response.respondent).selectinload(Respondent.user),
            selectinload(Redaction.created_by),
        )
        .order_by(Redaction.created_at, Redaction.id)
    ).scalars())
    rows = []
    for r in redactions:
        answer = r.general_answer or r.principle_answer
        rows.append({"redaction": r, "who": queries.respondent_name(answer.response.respondent),
                     "what": _what(answer, r.target), "ref": redaction.ref(answer, r.target)})
    return render_template(
        "redaction/index.html", consultation=consultation, tab="consolidation", rows=rows,
        redactable=states.answers_redactable(consultation),
        frozen_stale=redaction.changed_since_frozen(consultation),
    )


@bp.route("/<int:redaction_id>/remove", methods=["GET", "POST"])
@permission_required(may_redact)
def remove(consultation_id, redaction_id):
    """Show a redacted passage in public again (a confirmation page)."""
    consultation = _consultation(consultation_id)
    if not 0 < redaction_id <= 2**31 - 1:
        abort(404)
    found = db.session.get(Redaction, redaction_id)
    if found is None:
        abort(404)
    answer = found.general_answer or found.principle_answer
    if answer.response.respondent.consultation_id != consultation.id:
        abort(404)
    ref = redaction.ref(answer, found.target)
    back = url_for("redaction.new", consultation_id=consultation.id, ref=ref)
    if not states.answers_redactable(consultation):
        return render_template("consultations/refused.html", consultation=consultation, message=_(
            "Passager kan maskeras medan remissen är stängd eller sammanställd, inte före eller efter styrgruppens "
            "beslut.")), 409
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            redaction.unredact(found, current_user)
        except redaction.RedactionError as refused:
            db.session.rollback()
            return render_template("consultations/refused.html", consultation=consultation,
                                   message=refused.message), refused.status
        db.session.commit()
        flash(_("Passagen visas igen i den offentliga sammanställningen och på de offentliga sidorna."), "success")
        return redirect(back, code=303)
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="consolidation",
        heading=_("Visa passagen offentligt igen?"),
        lines=[_("Passagen ”%(passage)s” (%(what)s, %(who)s) är maskerad med skälet: %(reason)s", passage=found.passage,
                 what=_what(answer, found.target), who=queries.respondent_name(answer.response.respondent),
                 reason=found.reason),
               _("Tar du bort maskeringen visas passagen i den offentliga sammanställningen och på de offentliga "
                 "sidorna. Är den offentliga sammanställningen redan fastställd behöver den fastställas på nytt.")],
        button=_("Ta bort maskeringen"), cancel=back,
    )
