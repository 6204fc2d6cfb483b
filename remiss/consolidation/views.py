"""The consolidation pages: the process owner reads every answer side by side – as a matrix of
respondents × principles, per principle, per respondent, per general question, and the
alternatives' outcome – and records a disposition for each comment and a summary per principle.

Thin: parse the request, call a query or an operation, commit, render or redirect. Every route
asks `may_consolidate`; what may change when is asked of `states.py` (closed: editable; open:
read-only preview; consolidated and later: read-only record; draft: nothing to show).

The forms work without JavaScript: each posts to the page it is on (with its filters and page in
the address) and comes back to the same place (the form's anchor). A refused save renders the
same page again with the user's text kept in that form, and – when someone else saved first –
the stored version beside it.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import format_datetime, format_number, gettext as _, ngettext
from flask_login import current_user

from remiss.consolidation import charts, forms, operations, queries
from remiss.consolidation.models import DispositionKind, DispositionTarget
from remiss.consultations import queries as consultation_queries, states
from remiss.consultations.models import Respondent
from remiss.consultations.views import format_rate
from remiss.documents.models import PrincipleText
from remiss.extensions import csrf, db
from remiss.forms import ConfirmForm
from remiss.labels import RATINGS, label
from remiss.organisations.operations import organisation_kind_label
from remiss.permissions import may_consolidate, permission_required

bp = Blueprint("consolidation", __name__, url_prefix="/consultations/<int:consultation_id>/consolidation")


def progress_text(progress: queries.Progress) -> str:
    return ngettext("%(done)d av %(num)d synpunkt har ställningstagande",
                    "%(done)d av %(num)d synpunkter har ställningstagande", progress.needed, done=progress.done)


def _when(moment) -> str:
    return format_datetime(moment, _("d MMMM y 'kl.' HH:mm")) if moment else ""


def _kind_label(value) -> str:
    """The label of a disposition kind given as its value ("" or an unknown value: nothing)."""
    try:
        return label(DispositionKind(value)) if value else ""
    except ValueError:
        return ""


@bp.context_processor
def _helpers():
    return {
        "states": states, "respondent_name": queries.respondent_name, "excerpt": queries.excerpt,
        "said": queries.said, "stance_bar_svg": charts.stance_bar_svg,
        "criteria_heatmap_svg": charts.criteria_heatmap_svg, "alternatives_bar_svg": charts.alternatives_bar_svg,
        "column_label": charts.column_label, "progress_text": progress_text, "format_rate": format_rate,
        "kind_options": forms.kind_options, "form_key": forms.form_key, "Target": DispositionTarget,
        "organisation_kind_label": organisation_kind_label, "when": _when, "kind_label": _kind_label,
        "max_summary_length": format_number(operations.MAX_SUMMARY_LENGTH),
    }


# --- helpers -------------------------------------------------------------------------------------


# Ids are PostgreSQL integers: a larger number in an address is no id of ours (and would make the
# database refuse the query, a 500, instead of the 404 it is).
MAX_ID = 2**31 - 1
MAX_PAGE = 100_000


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return min(page, MAX_PAGE) if page and page > 0 else 1


def _valid_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def _consultation(consultation_id: int):
    consultation = consultation_queries.get_consultation(_valid_id(consultation_id))
    if consultation is None:
        abort(404)
    if not states.consolidation_viewable(consultation):
        abort(make_response(render_template(
            "consultations/refused.html", consultation=consultation,
            message=_("Remissen är inte öppnad än: det finns inga svar att sammanställa.")), 409))
    return consultation


def _principle(consultation, principle_text_id: int) -> PrincipleText:
    principle = db.session.get(PrincipleText, _valid_id(principle_text_id))
    if principle is None or principle.version_id != consultation.version_id:
        abort(404)
    return principle


def _here() -> str:
    """This page's address with its filters and page: where a form posts and comes back to."""
    return request.full_path.rstrip("?")


def _filters(consultation, *, alternatives=()):
    """The filter form from the query string: (form, filters, status). Bad filters: 400, not applied."""
    form, filters, valid = forms.filter_form(request.args or None, consultation,
                                             kinds=queries.kind_choices(consultation), alternatives=alternatives)
    return form, filters, 200 if valid else 400


def _state_message(consultation) -> str | None:
    """What the page says about whether dispositions can be written now."""
    if states.consolidation_preview(consultation):
        return _("Förhandsvisning: remissen är öppen för svar, så listan kan ändras. Ställningstaganden och "
                 "sammanfattningar skrivs när remissen har stängts.")
    if not states.consolidation_editable(consultation):
        return _("Sammanställningen är klar och låst. Sidan visar ställningstagandena som de beslutades.")
    return None


def _render(template: str, consultation, status: int = 200, **context):
    notice = _state_message(consultation)
    context.setdefault("message", None)
    context.setdefault("message_anchor", None)
    html = render_template(template, consultation=consultation, tab="consolidation", notice=notice,
                           editable=states.consolidation_editable(consultation), here=_here(), **context)
    return html, status


# --- saving a disposition or a summary -----------------------------------------------------------


def keeps_text_when_logged_out(view):
    """A save from a browser whose log-in has ended is not thrown away with a bare log-in page or
    "form expired": the text comes back on a page of its own (401) to copy, with a way to log in.
    Log-in is asked before CSRF, so these views are exempt from the global check and call it here."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST":
            if not current_user.is_authenticated:
                texts = [value for name, value in request.form.items() if name in ("reason", "text") and value.strip()]
                login = url_for("auth.login", next=_here())
                return render_template("consolidation/logged_out.html", texts=texts, login=login), 401
            csrf.protect()
        return view(*args, **kwargs)

    return csrf.exempt(wrapped)



def _conflict_message(conflict) -> str:
    return _("%(name)s sparade samma sak %(when)s, medan du arbetade. Det du skrev är inte sparat: båda versionerna "
             "visas vid formuläret. Välj vad som ska gälla och spara igen.",
             name=conflict.stored_by or _("Någon annan"), when=_when(conflict.stored_at))


def _save_disposition(consultation, render):
    """POST of one disposition form; `render(overrides=…, message=…, status=…)` draws the page again."""
    try:
        data = forms.parse_disposition(request.form)
    except forms.BadInput:
        abort(400)
    find = queries.principle_answer_in if data.kind == "p" else queries.general_answer_in
    answer = find(consultation, data.answer_id)
    if answer is None:
        abort(404)
    yours = {"kind": data.disposition_kind, "reason": data.reason}
    try:
        result = operations.set_disposition(answer, data.target, data.disposition_kind, data.reason,
                                            data.lock_version, current_user)
    except operations.ConsolidationError as refused:
        db.session.rollback()
        state = forms.FormState(values=yours, lock_version=data.lock_version, errors=refused.errors,
                                message=refused.message)
        return render(overrides={data.key: state}, message=refused.message, status=refused.status,
                      message_anchor=data.key)
    if result.conflict is not None:
        db.session.rollback()
        state = forms.FormState(values=yours, lock_version=result.conflict.lock_version, conflict=result.conflict)
        return render(overrides={data.key: state}, message=_conflict_message(result.conflict), status=409,
                      message_anchor=data.key)
    db.session.commit()
    flash(_("Ställningstagandet är sparat.") if result.changed else _("Ingenting var ändrat."), "success")
    return redirect(f"{_here()}#{data.key}", code=303)


def _save_summary(consultation, principle, render):
    try:
        data = forms.parse_summary(request.form)
    except forms.BadInput:
        abort(400)
    try:
        result = operations.set_summary(consultation, principle, data.text, data.lock_version, current_user)
    except operations.ConsolidationError as refused:
        db.session.rollback()
        state = forms.FormState(values={"text": data.text}, lock_version=data.lock_version, errors=refused.errors,
                                message=refused.message)
        return render(summary_state=state, message=refused.message, status=refused.status, message_anchor="summary")
    if result.conflict is not None:
        db.session.rollback()
        state = forms.FormState(values={"text": data.text}, lock_version=result.conflict.lock_version,
                                conflict=result.conflict)
        return render(summary_state=state, message=_conflict_message(result.conflict), status=409,
                      message_anchor="summary")
    db.session.commit()
    flash(_("Sammanfattningen är sparad.") if result.changed else _("Ingenting var ändrat."), "success")
    return redirect(f"{_here()}#summary", code=303)


# --- the overview --------------------------------------------------------------------------------


@bp.route("")
@permission_required(may_consolidate)
def overview(consultation_id):
    consultation = _consultation(consultation_id)
    stats = queries.statistics(consultation, preferences=False)
    return _render("consolidation/overview.html", consultation, stats=stats,
                   rates=consultation_queries.response_rates(consultation),
                   summaries=queries.summaries(consultation))


# --- the matrix ----------------------------------------------------------------------------------


@bp.route("/matrix")
@permission_required(may_consolidate)
def matrix(consultation_id):
    consultation = _consultation(consultation_id)
    form, filters, status = _filters(consultation)
    pagination = queries.response_page(consultation, filters, _page())
    sheet = queries.answer_sheet(pagination.items, general=False, choices=False)
    return _render("consolidation/matrix.html", consultation, status, form=form, filters=filters,
                   pagination=pagination, sheet=sheet, principles=queries.principle_texts(consultation),
                   progress=queries.progress(consultation))


# --- per principle -------------------------------------------------------------------------------


def _principle_page(consultation, principle, *, overrides=None, summary_state=None, message=None, status=200,
                    message_anchor=None):
    form, filters, filter_status = _filters(consultation)
    stats = queries.statistics(consultation, preferences=False)
    pagination = queries.response_page(consultation, filters, _page(), principle_text_id=principle.id)
    sheet = queries.answer_sheet(pagination.items, principle_text_ids=[principle.id], general=False)
    summary = queries.summary_for(consultation, principle.id)
    names = queries.editor_names(sheet, extra=[summary.updated_by_id] if summary is not None else [])
    if summary_state is None:
        summary_state = forms.FormState(values={"text": summary.text if summary else ""},
                                        lock_version=summary.lock_version if summary else 0)
    principles = queries.principle_texts(consultation)
    index = next(i for i, p in enumerate(principles) if p.id == principle.id)
    return _render(
        "consolidation/principle.html", consultation, status if status != 200 else filter_status,
        principle=principle, principle_stats=stats.principle(principle.id), form=form, filters=filters,
        pagination=pagination, sheet=sheet, names=names, summary=summary, summary_state=summary_state,
        overrides=overrides or {}, message=message, message_anchor=message_anchor,
        previous=principles[index - 1] if index > 0 else None,
        following=principles[index + 1] if index + 1 < len(principles) else None,
        criteria=list(consultation.criteria), ratings=dict(RATINGS[consultation.criteria_scale]),
    )


@bp.route("/principles/<int:principle_text_id>", methods=["GET", "POST"])
@keeps_text_when_logged_out
@permission_required(may_consolidate)
def principle(consultation_id, principle_text_id):
    consultation = _consultation(consultation_id)
    principle = _principle(consultation, principle_text_id)

    def render(**kwargs):
        return _principle_page(consultation, principle, **kwargs)

    if request.method == "POST":
        what = request.form.get("form")
        if what == "disposition":
            return _save_disposition(consultation, render)
        if what == "summary":
            return _save_summary(consultation, principle, render)
        abort(400)
    return render()


# --- per respondent ------------------------------------------------------------------------------


def _respondent_page(consultation, respondent, *, overrides=None, message=None, status=200, message_anchor=None):
    response = queries.submitted_response(respondent)
    sheet = queries.answer_sheet([response] if response is not None else [])
    previous_id, following_id = queries.respondent_neighbours(consultation, respondent)
    return _render(
        "consolidation/respondent.html", consultation, status, respondent=respondent, response=response,
        who=queries.respondent_name(respondent),
        sheet=sheet, names=queries.editor_names(sheet), overrides=overrides or {}, message=message,
        message_anchor=message_anchor, principles=queries.principle_texts(consultation), sections=queries.sections_with_alternatives(consultation),
        criteria=list(consultation.criteria), ratings=dict(RATINGS[consultation.criteria_scale]),
        previous_id=previous_id, following_id=following_id,
    )


@bp.route("/respondents/<int:respondent_id>", methods=["GET", "POST"])
@keeps_text_when_logged_out
@permission_required(may_consolidate)
def respondent(consultation_id, respondent_id):
    consultation = _consultation(consultation_id)
    respondent = db.session.get(Respondent, _valid_id(respondent_id))
    if respondent is None or respondent.consultation_id != consultation.id:
        abort(404)

    def render(**kwargs):
        return _respondent_page(consultation, respondent, **kwargs)

    if request.method == "POST":
        if request.form.get("form") != "disposition":
            abort(400)
        return _save_disposition(consultation, render)
    return render()


# --- general questions ---------------------------------------------------------------------------


@bp.route("/general")
@permission_required(may_consolidate)
def general(consultation_id):
    consultation = _consultation(consultation_id)
    stats = queries.statistics(consultation, preferences=False)
    return _render("consolidation/general.html", consultation, stats=stats)


def _question_page(consultation, question, *, overrides=None, message=None, status=200, message_anchor=None):
    form, filters, filter_status = _filters(consultation)
    pagination = queries.response_page(consultation, filters, _page(), question_id=question.id)
    sheet = queries.answer_sheet(pagination.items, question_ids=[question.id], principles=False, choices=False)
    return _render(
        "consolidation/question.html", consultation, status if status != 200 else filter_status, question=question,
        form=form, filters=filters, pagination=pagination, sheet=sheet, names=queries.editor_names(sheet),
        overrides=overrides or {}, message=message, message_anchor=message_anchor,
        question_stats=next(g for g in queries.statistics(consultation, preferences=False).general
                            if g.question_id == question.id),
    )


@bp.route("/general/<int:question_id>", methods=["GET", "POST"])
@keeps_text_when_logged_out
@permission_required(may_consolidate)
def question(consultation_id, question_id):
    consultation = _consultation(consultation_id)
    question = queries.general_question_in(consultation, question_id)
    if question is None:
        abort(404)

    def render(**kwargs):
        return _question_page(consultation, question, **kwargs)

    if request.method == "POST":
        if request.form.get("form") != "disposition":
            abort(400)
        return _save_disposition(consultation, render)
    return render()


# --- alternatives --------------------------------------------------------------------------------


@bp.route("/alternatives")
@permission_required(may_consolidate)
def alternatives(consultation_id):
    consultation = _consultation(consultation_id)
    stats = queries.statistics(consultation, preferences=False)
    choices = stats.choices
    options = [(alternative.alternative_id, f"{choice.heading}: {alternative.label}")
               for choice in choices for alternative in choice.alternatives if alternative.alternative_id]
    form, filters, status = _filters(consultation, alternatives=options)
    pagination = queries.response_page(consultation, filters, _page())
    sheet = queries.answer_sheet(pagination.items, principles=False, general=False)
    chosen = dict(options).get(filters.alternative_id)
    return _render("consolidation/alternatives.html", consultation, status, stats=stats, choices=choices, form=form,
                   filters=filters, pagination=pagination, sheet=sheet, chosen=chosen)


# --- completing ----------------------------------------------------------------------------------


@bp.route("/complete", methods=["GET", "POST"])
@permission_required(may_consolidate)
def complete(consultation_id):
    consultation = _consultation(consultation_id)
    form = ConfirmForm()
    back = url_for("consolidation.overview", consultation_id=consultation.id)
    message = None
    status = 200
    if not states.consolidation_completable(consultation):
        message, status = operations.not_editable_message(consultation), 409
    elif form.validate_on_submit():
        try:
            operations.complete_consolidation(consultation, current_user)
        except operations.ConsolidationError as refused:
            db.session.rollback()
            message, status = refused.message, refused.status
        else:
            db.session.commit()
            flash(_("Sammanställningen är klar. Remissen är nu sammanställd och ställningstagandena är låsta."),
                  "success")
            return redirect(back, code=303)
    progress = queries.progress(consultation)
    written = {i for i, summary in queries.summaries(consultation).items() if queries.said(summary.text)}
    missing_summaries = [p for p in queries.principle_texts(consultation) if p.id not in written]
    return _render("consolidation/complete.html", consultation, status, form=form, progress=progress,
                   message=message, missing_summaries=missing_summaries, back=back)


# The groups of similar comments are routes of this blueprint too (registered on import).
from remiss.consolidation import group_views  # noqa: E402,F401
