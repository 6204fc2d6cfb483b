"""The process owner's consultation pages: create, configure, open, follow up, close.

Thin: parse the request, call an operation, commit, render or redirect. Every route asks
`may_manage_consultations`; refusals of the state machine come back as 409 with the reason.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_percent, gettext as _, ngettext
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from remiss.auth.models import User
from remiss.consultations import forms, operations, queries, states
from remiss.consultations.models import CriteriaScale, GeneralQuestion, Respondent
from remiss.documents.models import DocumentVersion
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.labels import label
from remiss.organisations.models import Network, Organisation
from remiss.permissions import may_manage_consultations, permission_required

bp = Blueprint("consultations", __name__, url_prefix="/consultations")


@bp.context_processor
def _helpers():
    return {"states": states, "format_rate": format_rate, "respondent_name": queries.respondent_name}


def format_rate(rate: queries.Rate) -> str:
    return _("%(submitted)d av %(total)d (%(percent)s)", submitted=rate.submitted, total=rate.total,
             percent=format_percent(rate.fraction))


def _page() -> int:
    page = request.args.get("page", 1, type=int)
    return page if page and page > 0 else 1


def _consultation(consultation_id: int):
    return queries.get_consultation(consultation_id) or abort(404)


def _refused(consultation, message: str):
    """A refusal of the state machine: the reason, and the way back."""
    db.session.rollback()
    return render_template("consultations/refused.html", consultation=consultation, message=message), 409


def _form_error(form, error: operations.ConsultationError) -> None:
    db.session.rollback()
    target = getattr(form, error.field, None) if error.field else None
    if target is not None:
        target.errors = list(target.errors) + [error.message]
    else:
        flash(error.message, "error")


def _networks_by_ids(ids) -> list[Network]:
    if not ids:
        return []
    return list(db.session.execute(db.select(Network).where(Network.id.in_(ids)).order_by(Network.name)).scalars())


def _network_choices(form) -> None:
    form.networks.choices = [SelectChoice(n.id, n.name) for n in queries.all_networks()]


def _dates(form) -> tuple | None:
    """The form's instants in UTC, or None with the error put on the field."""
    try:
        opens_at = form.opens_at()
    except ValueError:
        form.opens_on.errors = list(form.opens_on.errors) + [_("Datumet finns inte.")]
        return None
    try:
        deadline = form.deadline()
    except ValueError:
        form.deadline_time.errors = list(form.deadline_time.errors) + [
            _("Klockslaget finns inte det datumet (klockan ställs fram till sommartid). Välj ett annat klockslag.")
        ]
        return None
    return opens_at, deadline


# --- list and create -----------------------------------------------------------------------

@bp.route("/")
@permission_required(may_manage_consultations)
def index():
    pagination, rates = queries.consultation_page(_page())
    return render_template("consultations/index.html", pagination=pagination, rates=rates)


@bp.route("/new", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def create():
    form = forms.CreateForm()
    versions = queries.versions_for_remiss()
    form.version_id.choices = [
        SelectChoice(v.id, _("%(title)s – version %(number)s (%(status)s)", title=v.title, number=v.number,
                             status=label(v.status)))
        for v in versions
    ]
    _network_choices(form)
    if request.method == "GET" and form.reminder_days_before.data is None:
        form.reminder_days_before.data = 3
    if form.validate_on_submit():
        dates = _dates(form)
        if dates is not None:
            version = db.session.get(DocumentVersion, form.version_id.data)
            try:
                consultation = operations.create_consultation(
                    version, form.title.data, form.purpose.data, form.reference_number.data, dates[0], dates[1],
                    _networks_by_ids(form.networks.data), current_user,
                    reminder_days_before=form.reminder_days_before.data,
                )
            except operations.ConsultationError as error:
                _form_error(form, error)
            else:
                db.session.commit()
                flash(_("Remissen är skapad som utkast. Se över frågorna och remissinstanserna innan du öppnar den."),
                      "success")
                return redirect(url_for("consultations.show", consultation_id=consultation.id))
    status = 422 if form.errors or request.method == "POST" else 200
    return render_template("consultations/new.html", form=form, has_versions=bool(versions)), status


# --- one consultation ----------------------------------------------------------------------

@bp.route("/<int:consultation_id>")
@permission_required(may_manage_consultations)
def show(consultation_id):
    consultation = _consultation(consultation_id)
    rates = queries.response_rates(consultation)
    return render_template("consultations/show.html", consultation=consultation, rates=rates, tab="show")


@bp.route("/<int:consultation_id>/edit", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def edit(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.questions_editable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: uppgifterna kan inte längre ändras. "
                                        "Svarsdatumet kan förlängas."))
    form = forms.DetailsForm()
    _network_choices(form)
    if request.method == "GET":
        form.fill_from(consultation)
    elif form.validate_on_submit():
        dates = _dates(form)
        if dates is not None:
            try:
                operations.update_details(
                    consultation, current_user, title=form.title.data, purpose=form.purpose.data,
                    reference_number=form.reference_number.data, opens_at=dates[0], deadline=dates[1],
                    networks=_networks_by_ids(form.networks.data),
                    reminder_days_before=form.reminder_days_before.data,
                )
            except operations.ConsultationError as error:
                _form_error(form, error)
            except states.IllegalTransition as error:
                return _refused(consultation, str(error))
            else:
                db.session.commit()
                flash(_("Uppgifterna är sparade."), "success")
                return redirect(url_for("consultations.show", consultation_id=consultation.id))
    status = 422 if request.method == "POST" else 200
    return render_template("consultations/edit.html", consultation=consultation, form=form, tab="show"), status


# --- questions -----------------------------------------------------------------------------

def _render_questions(consultation, form, status=200, question_errors=None, new_question_form=None):
    return render_template(
        "consultations/questions.html",
        consultation=consultation,
        form=form,
        new_question_form=new_question_form or forms.GeneralQuestionForm(formdata=None),
        question_errors=question_errors or {},
        tab="questions",
    ), status


def _questions_form(consultation, formdata=True):
    form = forms.QuestionsForm() if formdata else forms.QuestionsForm(formdata=None)
    form.criteria.choices = [SelectChoice(c.id, c.text) for c in consultation.version.criteria]
    if not formdata:
        form.ask_stance.data = consultation.ask_stance
        form.ask_comment.data = consultation.ask_comment
        form.ask_proposed_wording.data = consultation.ask_proposed_wording
        form.ask_alternatives.data = consultation.ask_alternatives
        form.criteria.data = [c.id for c in consultation.criteria]
        form.criteria_scale.data = consultation.criteria_scale.value
    return form


@bp.route("/<int:consultation_id>/questions", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def questions(consultation_id):
    consultation = _consultation(consultation_id)
    if request.method == "GET":
        return _render_questions(consultation, _questions_form(consultation, formdata=False))
    if not states.questions_editable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: frågorna kan inte längre ändras."))
    form = _questions_form(consultation)
    if form.validate_on_submit():
        chosen = set(form.criteria.data or [])
        criteria = [c for c in consultation.version.criteria if c.id in chosen]
        try:
            operations.update_questions(
                consultation, current_user, ask_stance=form.ask_stance.data, ask_comment=form.ask_comment.data,
                ask_proposed_wording=form.ask_proposed_wording.data, ask_alternatives=form.ask_alternatives.data,
                criteria=criteria, criteria_scale=CriteriaScale(form.criteria_scale.data),
            )
        except operations.ConsultationError as error:
            _form_error(form, error)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        else:
            db.session.commit()
            flash(_("Frågorna är sparade."), "success")
            return redirect(url_for("consultations.questions", consultation_id=consultation.id))
    return _render_questions(consultation, form, 422)


def _general_question(consultation, question_id) -> GeneralQuestion:
    question = db.session.get(GeneralQuestion, question_id)
    if question is None or question.consultation_id != consultation.id:
        abort(404)
    return question


@bp.route("/<int:consultation_id>/questions/general", methods=["POST"])
@permission_required(may_manage_consultations)
def add_general_question(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.questions_editable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: frågorna kan inte längre ändras."))
    new_form = forms.GeneralQuestionForm()
    if new_form.validate_on_submit():
        try:
            operations.add_general_question(consultation, current_user, new_form.text.data)
        except operations.ConsultationError as error:
            _form_error(new_form, error)
        else:
            db.session.commit()
            flash(_("Frågan är tillagd."), "success")
            return redirect(url_for("consultations.questions", consultation_id=consultation.id) + "#general-questions")
    return _render_questions(consultation, _questions_form(consultation, formdata=False), 422, new_question_form=new_form)


@bp.route("/<int:consultation_id>/questions/general/<int:question_id>", methods=["POST"])
@permission_required(may_manage_consultations)
def edit_general_question(consultation_id, question_id):
    consultation = _consultation(consultation_id)
    question = _general_question(consultation, question_id)
    if not states.questions_editable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: frågorna kan inte längre ändras."))
    form = forms.GeneralQuestionForm()
    if form.validate_on_submit():
        try:
            operations.edit_general_question(question, current_user, form.text.data)
        except operations.ConsultationError as error:
            db.session.rollback()
            form.text.errors = [error.message]
        else:
            db.session.commit()
            flash(_("Frågan är sparad."), "success")
            return redirect(url_for("consultations.questions", consultation_id=consultation.id) + "#general-questions")
    # Keep what was typed, with the error beside that very question.
    errors = {question_id: (form.text.data or "", " ".join(str(e) for e in form.text.errors))}
    return _render_questions(consultation, _questions_form(consultation, formdata=False), 422, question_errors=errors)


@bp.route("/<int:consultation_id>/questions/general/<int:question_id>/move", methods=["POST"])
@permission_required(may_manage_consultations)
def move_general_question(consultation_id, question_id):
    consultation = _consultation(consultation_id)
    question = _general_question(consultation, question_id)
    form = ConfirmForm()
    direction = request.form.get("direction")
    if not form.validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    try:
        operations.move_general_question(question, current_user, -1 if direction == "up" else 1)
    except states.IllegalTransition as error:
        return _refused(consultation, str(error))
    db.session.commit()
    flash(_("Ordningen är ändrad."), "success")
    return redirect(url_for("consultations.questions", consultation_id=consultation.id) + "#general-questions")


@bp.route("/<int:consultation_id>/questions/general/<int:question_id>/remove", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def remove_general_question(consultation_id, question_id):
    consultation = _consultation(consultation_id)
    question = _general_question(consultation, question_id)
    if not states.questions_editable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: frågorna kan inte längre ändras."))
    form = ConfirmForm()
    back = url_for("consultations.questions", consultation_id=consultation.id)
    if form.validate_on_submit():
        try:
            operations.remove_general_question(question, current_user)
        except operations.ConsultationError as error:
            return _refused(consultation, error.message)
        db.session.commit()
        flash(_("Frågan är borttagen."), "success")
        return redirect(back + "#general-questions")
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="questions",
        heading=_("Ta bort frågan?"),
        lines=[_("Frågan ”%(text)s” tas bort från remissen.", text=question.text)],
        button=_("Ta bort frågan"), cancel=back, danger=True,
    )


# --- respondents ---------------------------------------------------------------------------

def _render_respondents(consultation, org_form=None, individual_form=None, status=200):
    pagination = queries.respondent_page(consultation, _page())
    people = queries.people_by_respondent(pagination.items)
    org_form = org_form or forms.AddOrganisationForm(formdata=None)
    individual_form = individual_form or forms.AddIndividualForm(formdata=None)
    if states.respondents_addable(consultation):
        org_form.organisation_id.choices = [SelectChoice(o.id, o.name) for o in queries.addable_organisations(consultation)]
        individual_form.user_id.choices = [SelectChoice(u.id, f"{u.name} ({u.email})") for u in queries.addable_individuals(consultation)]
    return render_template(
        "consultations/respondents.html", consultation=consultation, pagination=pagination, people=people,
        org_form=org_form, individual_form=individual_form, tab="respondents",
    ), status


@bp.route("/<int:consultation_id>/respondents")
@permission_required(may_manage_consultations)
def respondents(consultation_id):
    return _render_respondents(_consultation(consultation_id))


def _add_respondent(consultation, form, field_name, model):
    if not states.respondents_addable(consultation):
        return _refused(consultation, _("Remissinstanser kan inte läggas till när remissen är stängd."))
    choices = queries.addable_organisations(consultation) if model is Organisation else queries.addable_individuals(consultation)
    getattr(form, field_name).choices = [SelectChoice(item.id, item.name) for item in choices]
    if form.validate_on_submit():
        target = db.session.get(model, getattr(form, field_name).data)
        try:
            kwargs = {"organisation": target} if model is Organisation else {"user": target}
            respondent = operations.add_respondent(consultation, current_user, **kwargs)
        except operations.ConsultationError as error:
            _form_error(form, error)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        else:
            name = target.name
            opened = states.has_been_opened(consultation)
            db.session.commit()
            if opened:
                flash(_("%(name)s är tillagd som remissinstans och har fått en inbjudan.", name=name), "success")
            else:
                flash(_("%(name)s är tillagd som remissinstans.", name=name), "success")
            return redirect(url_for("consultations.respondents", consultation_id=consultation.id)
                            + f"#respondent-{respondent.id}")
    if model is Organisation:
        return _render_respondents(consultation, org_form=form, status=422)
    return _render_respondents(consultation, individual_form=form, status=422)


@bp.route("/<int:consultation_id>/respondents/organisation", methods=["POST"])
@permission_required(may_manage_consultations)
def add_organisation(consultation_id):
    return _add_respondent(_consultation(consultation_id), forms.AddOrganisationForm(), "organisation_id", Organisation)


@bp.route("/<int:consultation_id>/respondents/individual", methods=["POST"])
@permission_required(may_manage_consultations)
def add_individual(consultation_id):
    return _add_respondent(_consultation(consultation_id), forms.AddIndividualForm(), "user_id", User)


@bp.route("/<int:consultation_id>/respondents/<int:respondent_id>/remove", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def remove_respondent(consultation_id, respondent_id):
    consultation = _consultation(consultation_id)
    respondent = db.session.get(Respondent, respondent_id)
    if respondent is None or respondent.consultation_id != consultation.id:
        abort(404)
    if not states.respondents_removable(consultation):
        return _refused(consultation, _("Remissen är redan öppnad: en inbjuden remissinstans kan inte tas bort."))
    form = ConfirmForm()
    name = queries.respondent_name(respondent)
    back = url_for("consultations.respondents", consultation_id=consultation.id)
    if form.validate_on_submit():
        try:
            operations.remove_respondent(respondent, current_user)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        db.session.commit()
        flash(_("%(name)s är borttagen som remissinstans.", name=name), "success")
        return redirect(back)
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="respondents",
        heading=_("Ta bort %(name)s som remissinstans?", name=name),
        lines=[_("%(name)s får ingen inbjudan och kan inte svara på remissen.", name=name)],
        button=_("Ta bort remissinstansen"), cancel=back, danger=True,
    )


# --- the life of the consultation ----------------------------------------------------------

@bp.route("/<int:consultation_id>/open", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def open_(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.openable(consultation):
        return _refused(consultation, _("Remissen kan inte öppnas: den är redan ”%(status)s”.",
                                        status=label(consultation.status)))
    form = ConfirmForm()
    back = url_for("consultations.show", consultation_id=consultation.id)
    if form.validate_on_submit():
        try:
            sent = operations.open_consultation(consultation, current_user)
        except operations.ConsultationError as error:
            return _refused(consultation, error.message)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        db.session.commit()
        flash(ngettext("Remissen är öppnad. %(num)d inbjudan har skickats.",
                       "Remissen är öppnad. %(num)d inbjudningar har skickats.", sent), "success")
        return redirect(url_for("consultations.dashboard", consultation_id=consultation.id))
    respondents = queries.all_respondents(consultation)
    people, unreachable = queries.recipient_summary(respondents)
    lines = [
        ngettext("%(num)d remissinstans bjuds in.", "%(num)d remissinstanser bjuds in.", len(respondents)),
        ngettext("%(num)d person får en inbjudan med e-post.", "%(num)d personer får en inbjudan med e-post.", people),
        _("Efter öppnandet kan frågorna och remissinstanserna inte tas bort eller ändras; svarsdatumet kan förlängas."),
    ]
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="show",
        heading=_("Öppna remissen och skicka inbjudningar?"), lines=lines, unreachable=unreachable,
        button=ngettext("Öppna remissen och skicka %(num)d inbjudan", "Öppna remissen och skicka %(num)d inbjudningar",
                        people), cancel=back,
    )


@bp.route("/<int:consultation_id>/extend", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def extend(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.deadline_extendable(consultation):
        return _refused(consultation, _("Svarsdatumet kan bara förlängas för en remiss som är öppen eller stängd."))
    form = forms.ExtendDeadlineForm()
    status = 200
    if form.validate_on_submit():
        try:
            deadline = form.deadline()
        except ValueError:
            form.deadline_time.errors = list(form.deadline_time.errors) + [
                _("Klockslaget finns inte det datumet (klockan ställs fram till sommartid). Välj ett annat klockslag.")
            ]
        else:
            try:
                sent = operations.extend_deadline(consultation, current_user, deadline)
            except operations.ConsultationError as error:
                _form_error(form, error)
            except states.IllegalTransition as error:
                return _refused(consultation, str(error))
            else:
                db.session.commit()
                flash(ngettext("Svarsdatumet är förlängt. %(num)d person har fått besked.",
                               "Svarsdatumet är förlängt. %(num)d personer har fått besked.", sent), "success")
                return redirect(url_for("consultations.show", consultation_id=consultation.id))
    if request.method == "POST":
        status = 422
    people, _unreachable = queries.recipient_summary(queries.all_respondents(consultation))
    return render_template("consultations/extend.html", consultation=consultation, form=form, people=people,
                           tab="show"), status


@bp.route("/<int:consultation_id>/close", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def close(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.closable(consultation):
        return _refused(consultation, _("Remissen kan inte stängas: den är ”%(status)s”.",
                                        status=label(consultation.status)))
    form = ConfirmForm()
    back = url_for("consultations.show", consultation_id=consultation.id)
    if form.validate_on_submit():
        try:
            operations.close_consultation(consultation, current_user)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        db.session.commit()
        flash(_("Remissen är stängd. Inga fler svar tas emot."), "success")
        return redirect(back)
    rates = queries.response_rates(consultation)
    lines = [_("Inga fler svar tas emot efter att remissen stängts. Utkast som inte skickats in räknas inte som svar."),
             _("Svarsfrekvens: %(rate)s.", rate=format_rate(rates.overall))]
    if not states.deadline_passed(consultation):
        lines.insert(0, _("Svarsdatumet har inte passerat än."))
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="show",
        heading=_("Stänga remissen?"), lines=lines, button=_("Stäng remissen"), cancel=back, danger=True,
    )


@bp.route("/<int:consultation_id>/remind", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def remind(consultation_id):
    consultation = _consultation(consultation_id)
    if not states.reminders_sendable(consultation):
        return _refused(consultation, _("Påminnelser kan bara skickas medan remissen är öppen för svar."))
    form = ConfirmForm()
    back = url_for("consultations.dashboard", consultation_id=consultation.id)
    if form.validate_on_submit():
        try:
            respondents, sent = operations.send_reminders(consultation, current_user)
        except operations.ConsultationError as error:
            return _refused(consultation, error.message)
        except states.IllegalTransition as error:
            return _refused(consultation, str(error))
        db.session.commit()
        flash(ngettext("Påminnelse skickad till %(num)d remissinstans (%(mails)d e-postmeddelanden).",
                       "Påminnelse skickad till %(num)d remissinstanser (%(mails)d e-postmeddelanden).",
                       respondents, mails=sent), "success")
        return redirect(back)
    pending = queries.unsubmitted_respondents(consultation)
    people, unreachable = queries.recipient_summary(pending)
    lines = [
        ngettext("%(num)d remissinstans har inte skickat in sitt svar.",
                 "%(num)d remissinstanser har inte skickat in sitt svar.", len(pending)),
        ngettext("%(num)d person får en påminnelse med e-post.", "%(num)d personer får en påminnelse med e-post.", people),
    ]
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="dashboard",
        heading=_("Skicka påminnelse?"), lines=lines, unreachable=unreachable, nothing_to_do=not pending,
        button=ngettext("Skicka påminnelse till %(num)d person", "Skicka påminnelse till %(num)d personer", people),
        cancel=back,
    )


@bp.route("/<int:consultation_id>/dashboard")
@permission_required(may_manage_consultations)
def dashboard(consultation_id):
    consultation = _consultation(consultation_id)
    pagination = queries.respondent_page(consultation, _page())
    rows = queries.dashboard_rows(consultation, pagination.items)
    rates = queries.response_rates(consultation)
    return render_template("consultations/dashboard.html", consultation=consultation, pagination=pagination,
                           rows=rows, rates=rates, tab="dashboard")
