"""The answering pages: "Mina remisser", the answer form (one principle at a time or all on one
page), autosave, summary and submission, receipts, personal links, registration on behalf,
reopening and attachments.

Thin: parse the request, call an operation, commit, render or redirect. Who may answer is
decided by `permissions.may_answer_for` (logged-in representatives) or
`permissions.may_answer_through_link` (a personal link's limited session, which holds only
the link's id and so reaches only its own respondent's pages). The deadline is checked by
the operations on every write.

The form and autosave check log-in before CSRF (they are exempt from the global check and
call `csrf.protect()` themselves): a request from a browser whose session has ended is told
so with 401, and the text it carried is shown back, instead of a bare "form expired".
"""
from __future__ import annotations

import io
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, send_file, session, url_for
from flask_babel import format_datetime, format_decimal, format_number, gettext as _, ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy import select

from remiss.auth import operations as auth_operations
from remiss.auth.models import User
from remiss.consultations import states
from remiss.consultations.models import Attachment, MagicLink, Respondent, Response, Stance
from remiss.autosave import script_messages as autosave_messages
from remiss.labels import label
from remiss.extensions import csrf, db
from remiss.permissions import (
    is_logged_in,
    may_answer_for,
    may_answer_through_link,
    may_read_attachment,
    may_read_late_saves,
    may_read_response,
    may_register_on_behalf,
    may_reopen_response,
    permission_required,
    require,
)
from remiss.responses import forms, operations, queries
from remiss.responses.operations import Registration
from remiss.timeutil import local, utcnow

bp = Blueprint("responses", __name__)

# The limited session a personal link starts: only the link's id, never a log-in.
LINK_SESSION_KEY = "answer_link_id"


def _file_size(size: int) -> str:
    if size < 1024:
        return _("%(size)s byte", size=format_number(size))
    if size < 1024 * 1024:
        return _("%(size)s kB", size=format_decimal(size / 1024, "#,##0"))
    return _("%(size)s MB", size=format_decimal(size / (1024 * 1024), "#,##0.0"))


def _stance_options() -> list[tuple[str, str]]:
    return [(stance.value, label(stance)) for stance in Stance]


def _script_messages() -> dict[str, str]:
    """What answer.js says, translated with everything else; {name} marks a value it fills in."""
    return {
        **autosave_messages(),
        "someone": _("Någon annan"),
        "conflict_heading": _("{name} sparade den här delen kl. {time}, medan du skrev"),
        "counter": _("{count} av {max} tecken"),
        "counter_over": _("{count} tecken – högst {max} får plats. Korta texten, annars kan den inte sparas."),
    }


@bp.context_processor
def _helpers():
    return {"states": states, "respondent_name": queries.respondent_name,
            "field_id": forms.field_id, "max_text_length": operations.MAX_TEXT_LENGTH, "format_number": format_number,
            "stance_options": _stance_options, "script_messages": _script_messages, "part_label": forms.part_label,
            "file_size": _file_size}


# --- who is answering ---------------------------------------------------------------------------


@dataclass
class Answerer:
    """Who writes: a logged-in representative, or the person behind a personal link."""

    user: User
    respondent: Respondent
    link: MagicLink | None = None


def _context(consultation_id: int, load=queries.answer_context) -> queries.AnswerContext:
    context = load(consultation_id)
    # A consultation still being prepared is nobody's to answer.
    if context is None or not states.has_been_opened(context.consultation):
        abort(404)
    return context


def _session_link() -> MagicLink | None:
    link_id = session.get(LINK_SESSION_KEY)
    if not isinstance(link_id, int):
        return None
    link = db.session.get(MagicLink, link_id)
    if link is None or not may_answer_through_link(link, link.respondent):
        session.pop(LINK_SESSION_KEY, None)
        return None
    return link


FORBIDDEN = object()  # someone is logged in (or holds a link) who does not answer in this consultation


def _find_answerer(consultation_id: int) -> Answerer | None | object:
    """The answerer for a consultation; None if nobody is logged in; FORBIDDEN for anyone else.
    Looking the respondent up loads its consultation too (queries.respondent_for)."""
    if current_user.is_authenticated:
        respondent = queries.respondent_for(current_user, consultation_id)
        return FORBIDDEN if respondent is None else Answerer(current_user._get_current_object(), respondent)
    link = _session_link()
    if link is None:
        return None
    if link.respondent.consultation_id != consultation_id:
        return FORBIDDEN
    return Answerer(link.user, link.respondent, link)


def _allowed(answerer) -> Answerer | None:
    if answerer is FORBIDDEN:
        abort(403)
    return answerer


def _answerer(context: queries.AnswerContext) -> Answerer | None:
    """The answerer for this consultation; None if nobody is logged in; 403 for anyone else."""
    return _allowed(_find_answerer(context.consultation.id))


def _link_expired(consultation):
    return render_template("responses/link_expired.html", consultation=consultation), 410


def _private(response):
    """Answer pages are personal: never cached, never leak their address onwards."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _commit_keeping_loaded() -> None:
    """Commit without expiring what the request has loaded. The document (principles and their
    alternatives) does not change under an answer; expiring it made the rest of the request
    reload it one principle at a time – three statements per principle on every autosave
    (tests/test_page_statements.py, benchmarks/load.py)."""
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _mark_opened(respondent: Respondent) -> None:
    if respondent.first_opened_at is None:
        respondent.first_opened_at = utcnow()
        _commit_keeping_loaded()


def _saved_at_text(moment) -> str:
    # The Stockholm wall clock (BABEL_DEFAULT_TIMEZONE) without Babel: hours and minutes read the
    # same in every locale, and autosave says it on every save.
    return local(moment).strftime("%H:%M") if moment else ""


def _progress_text(answered: int, total: int) -> str:
    return ngettext("%(answered)d av %(num)d princip besvarad", "%(answered)d av %(num)d principer besvarade",
                    total, answered=answered)


# --- the answer form ------------------------------------------------------------------------------


@dataclass
class Page:
    """Which page of the form: overview, one principle, all principles, or the general questions."""

    kind: str  # "overview" | "principle" | "all" | "general"
    principle: object = None

    @property
    def token(self) -> str:
        return f"principle:{self.principle.number}" if self.kind == "principle" else self.kind

    @classmethod
    def parse(cls, context: queries.AnswerContext, token: str | None) -> Page:
        token = token or "overview"
        if token.startswith("principle:"):
            number = token.split(":", 1)[1]
            principle = context.principle_by_number(int(number)) if number.isdigit() else None
            if principle is None:
                abort(404)
            return cls("principle", principle)
        if token in ("overview", "all", "general"):
            return cls(token)
        abort(400)

    @classmethod
    def from_args(cls, context: queries.AnswerContext) -> Page:
        if request.args.get("principle"):
            return cls.parse(context, f"principle:{request.args['principle']}")
        if request.args.get("all"):
            return cls("all")
        return cls("overview")

    def url(self, context) -> str:
        cid = context.consultation.id
        if self.kind == "principle":
            return url_for("responses.respond", consultation_id=cid, principle=self.principle.number)
        if self.kind == "all":
            return url_for("responses.respond", consultation_id=cid, all=1)
        if self.kind == "general":
            return url_for("responses.general", consultation_id=cid)
        return url_for("responses.respond", consultation_id=cid)


def _after_principles(context) -> str:
    if context.has_general_page:
        return url_for("responses.general", consultation_id=context.consultation.id)
    return url_for("responses.summary", consultation_id=context.consultation.id)


def _target(context, page: Page, go: str) -> str:
    """Where "Spara och gå vidare", "Föregående" … lead: the page change is itself the save."""
    cid = context.consultation.id
    if go == "summary":
        return url_for("responses.summary", consultation_id=cid)
    if go == "overview":
        return url_for("responses.respond", consultation_id=cid)
    if go == "general":
        return _after_principles(context)
    if page.kind == "principle":
        previous, following = context.neighbours(page.principle)
        if go == "next":
            return Page("principle", following).url(context) if following else _after_principles(context)
        if go == "prev":
            return Page("principle", previous).url(context) if previous else Page("overview").url(context)
    if page.kind == "general" and go == "prev":
        last = context.principles[-1] if context.principles else None
        return Page("principle", last).url(context) if last else Page("overview").url(context)
    if page.kind in ("all", "overview") and go == "next":
        return _after_principles(context)
    return page.url(context)


def _render_form(context, answerer: Answerer, page: Page, *, response=None, parts=None, results=None,
                 errors=None, message=None, message_kind="info", status=200, restored=False):
    """The form page with the stored answer, or – after a refused or partial save – with what the
    user sent, the errors at their fields and, where someone else saved first, both texts."""
    if response is None:
        response = operations.current_response(answerer.respondent, create=False)
    stored = queries.stored_answers(response)
    names = queries.editor_names(stored)
    part_states = forms.part_states(context, stored, names)
    if parts:
        forms.keep_posted(part_states, parts)
    if results:
        forms.apply_results(part_states, results, context)
    editable = response is None or states.response_editable(response)
    editable = editable and states.accepting_answers(context.consultation)
    # Declined, or waiting for a signatory's signature: read-only (signatories may still edit).
    editable = editable and states.answer_writable_by(answerer.respondent, response, answerer.user)
    previous = following = None
    if page.kind == "principle":
        previous, following = context.neighbours(page.principle)
    template = "responses/general.html" if page.kind == "general" else "responses/respond.html"
    html = render_template(
        template,
        context=context, consultation=context.consultation, answerer=answerer, response=response, stored=stored,
        parts=part_states, page=page, errors=errors or {}, message=message, message_kind=message_kind,
        editable=editable, previous=previous, following=following,
        answered=stored.answered_count(context), total=len(context.principles),
        progress_text=_progress_text(stored.answered_count(context), len(context.principles)),
        conflicts=[s for s in part_states.values() if s.conflict is not None], restored=restored,
        after_principles_url=_after_principles(context),
    )
    return _private(current_app.make_response((html, status)))


def _session_expired_page(context, page_token: str):
    """401: the save was refused because the session ended; the text goes back to the browser."""
    fields = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    return _private(current_app.make_response((render_template(
        "responses/session_expired.html", consultation=context.consultation, fields=fields,
        page_token=page_token, text_fields=[(n, v) for n, v in fields if _is_text_field(n)],
        field_label=_field_label,
    ), 401)))


def _is_text_field(name: str) -> bool:
    return name.rsplit(".", 1)[-1] in ("comment", "proposed_wording", "reason", "text")


def _field_label(name: str) -> str:
    """A label for a bare field name, without looking anything up for a visitor who is not logged in."""
    last = name.rsplit(".", 1)[-1]
    if name.count(".") == 2:
        return _("Kommentar till ett kvalitetskriterium")
    return {"comment": _("Kommentar"), "proposed_wording": _("Ändringsförslag"), "reason": _("Motivering"),
            "text": _("Svar på en övergripande fråga")}.get(last, last)


def _save_form(context, answerer: Answerer | None, page: Page):
    """POST of a form page: save every part on it, then go where the button said."""
    if answerer is None:
        return _session_expired_page(context, page.token)
    csrf.protect()
    try:
        parts = forms.parse_parts(request.form, context)
    except forms.BadInput:
        abort(400)
    except operations.UnknownSubject:
        abort(404)
    response = operations.current_response(answerer.respondent, create=True)
    try:
        results = operations.save_answers(response, parts, answerer.user)
    except operations.DeadlinePassed as refused:
        db.session.commit()  # the LateSave: refused, but never lost
        return _render_form(context, answerer, page, response=response, parts=parts, message=refused.message,
                            message_kind="error", status=refused.status)
    except operations.UnknownSubject:
        db.session.rollback()
        abort(404)
    except operations.AnswerError as refused:
        db.session.rollback()
        return _render_form(context, answerer, page, parts=parts, errors=refused.errors, message=refused.message,
                            message_kind="error", status=refused.status)
    db.session.commit()
    conflicts = [result for result in results if result.conflict is not None]
    if conflicts:
        return _render_form(
            context, answerer, page, parts=parts, results=results, message_kind="error", status=409,
            message=ngettext(
                "Någon annan sparade en del av svaret medan du skrev. Den delen är inte sparad: båda texterna visas "
                "nedan. Slå ihop dem i fältet och spara igen. Resten av det du skrev är sparat.",
                "Någon annan sparade %(num)d delar av svaret medan du skrev. De delarna är inte sparade: båda "
                "texterna visas nedan. Slå ihop dem i fälten och spara igen. Resten av det du skrev är sparat.",
                len(conflicts)),
        )
    flash(_("Sparat %(time)s.", time=_saved_at_text(utcnow())), "success")
    return redirect(_target(context, page, request.form.get("go", "stay")), code=303)


def _show_form(context, answerer: Answerer | None, page: Page):
    if answerer is None:
        return current_app.login_manager.unauthorized()
    if answerer.link is not None and not states.accepting_answers(context.consultation):
        return _link_expired(context.consultation)
    response = operations.current_response(answerer.respondent, create=False)
    if response is not None and states.response_submitted(response):
        return redirect(url_for("responses.receipt", consultation_id=context.consultation.id))
    _mark_opened(answerer.respondent)
    message = None
    if not states.accepting_answers(context.consultation):
        if states.deadline_passed(context.consultation):
            message = _("Svarstiden gick ut %(deadline)s. Svaret kan inte ändras eller skickas in längre.",
                        deadline=format_datetime(context.consultation.deadline, _("d MMMM y 'kl.' HH:mm")))
        else:
            message = _("Remissen tar inte emot svar just nu.")
    return _render_form(context, answerer, page, response=response, message=message,
                        message_kind="error" if message else "info")


@bp.route("/consultations/<int:consultation_id>/respond", methods=["GET", "POST"])
@csrf.exempt
def respond(consultation_id):
    context = _context(consultation_id)
    answerer = _answerer(context)
    if request.method == "POST":
        return _save_form(context, answerer, Page.parse(context, request.form.get("page")))
    return _show_form(context, answerer, Page.from_args(context))


@bp.route("/consultations/<int:consultation_id>/respond/general", methods=["GET", "POST"])
@csrf.exempt
def general(consultation_id):
    context = _context(consultation_id)
    answerer = _answerer(context)
    if answerer is None and request.method == "GET":
        return current_app.login_manager.unauthorized()
    if not context.has_general_page:
        return redirect(url_for("responses.summary", consultation_id=consultation_id))
    if request.method == "POST":
        return _save_form(context, answerer, Page("general"))
    return _show_form(context, answerer, Page("general"))


@bp.route("/consultations/<int:consultation_id>/respond/restore", methods=["POST"])
@csrf.exempt  # changes nothing: shows the posted text in the form, with a fresh token, to be saved by the user
def restore(consultation_id):
    context = _context(consultation_id)
    answerer = _answerer(context)
    page = Page.parse(context, request.form.get("page"))
    if answerer is None:
        return _session_expired_page(context, page.token)
    try:
        parts = forms.parse_parts(request.form, context)
    except forms.BadInput:
        abort(400)
    except operations.UnknownSubject:
        abort(404)
    return _render_form(context, answerer, page, parts=parts, restored=True, message_kind="info",
                        message=_("Din text är tillbaka i formuläret men inte sparad ännu. Kontrollera den och klicka "
                                  "på Spara."))


# --- autosave (answer.js) ---------------------------------------------------------------------------


def _json(status: int, kind: str, message: str, **extra):
    return _private(current_app.make_response((jsonify(status=kind, message=message, **extra), status)))


def _conflict_json(context, result) -> dict:
    conflict = result.conflict
    return {
        "saved": False,
        "lock_version": conflict.lock_version,
        "conflict": {
            "stored_by": conflict.stored_by or "",
            "stored_at": _saved_at_text(conflict.stored_at),
            "stored": operations._jsonable(conflict.stored),
            "differences": [{"label": d.label, "stored": d.stored, "yours": d.yours}
                            for d in forms.differences(context, result.key, conflict.stored, conflict.yours)],
        },
    }


@bp.route("/consultations/<int:consultation_id>/respond/autosave", methods=["POST"])
@csrf.exempt
def autosave(consultation_id):
    """JSON: {"fields": {"p12.comment": "…", "p12.lock_version": "3", …}} → what was saved, per part.

    Sent every few seconds while someone writes, so it loads only what the request names
    (queries.PartsContext), not the whole document, and counts progress in one statement when a
    part began or ceased to say something (only then can the count move)."""
    # The answerer first: its respondent's statement brings the consultation, which
    # parts_context then finds in the session. A consultation not open is still a 404 before a 403.
    found = _find_answerer(consultation_id)
    context = _context(consultation_id, queries.parts_context)
    answerer = _allowed(found)
    if answerer is None:
        return _json(401, "unauthenticated", _(
            "Du är utloggad, så det senaste du skrev är inte sparat på servern. Texten finns kvar här i webbläsaren. "
            "Logga in igen i en annan flik – då sparas texten automatiskt. Stäng inte den här fliken."),
            login_url=url_for("auth.login"))
    try:
        csrf.protect()
    except CSRFError:
        return _json(400, "csrf", _("Sidan behöver en ny säkerhetskod. Texten finns kvar här i webbläsaren och sparas "
                                    "när koden har hämtats."))
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict):
        return _json(400, "bad_request", _("Det som skickades gick inte att tolka."))
    # The draft, if there is one, before the parts: their stored rows then come with their
    # principles in one statement. The first save creates the draft once what came is understood.
    response = operations.current_response(answerer.respondent, create=False)
    try:
        context.load(*forms.subject_ids(payload["fields"]), response=response)
        parts = forms.parse_parts(payload["fields"], context)
    except forms.BadInput:
        return _json(400, "bad_request", _("Det som skickades gick inte att tolka."))
    except operations.UnknownSubject as refused:
        return _json(404, "not_found", refused.message)
    response = response or operations.current_response(answerer.respondent, create=True)
    try:
        results = operations.save_answers(response, parts, answerer.user, principle_answers=context.principle_answers)
    except operations.DeadlinePassed as refused:
        db.session.commit()  # the LateSave
        return _json(refused.status, "deadline_passed", refused.message)
    except operations.AlreadySubmitted as refused:
        db.session.rollback()
        return _json(refused.status, "submitted", refused.message,
                     receipt_url=url_for("responses.receipt", consultation_id=consultation_id))
    except operations.AnswerError as refused:
        db.session.rollback()
        # The status line is all answer.js shows: it carries the field messages too.
        details = " ".join(dict.fromkeys(refused.errors.values()))
        return _json(refused.status, "invalid" if refused.status == 422 else "refused",
                     f"{refused.message} {details}".strip(),
                     errors={forms.field_id(name): text for name, text in refused.errors.items()})
    _commit_keeping_loaded()
    now = utcnow()
    out = {}
    for result in results:
        if result.conflict is not None:
            out[result.key] = _conflict_json(context, result)
        else:
            out[result.key] = {"saved": True, "lock_version": result.lock_version}
    extra = {}
    if any(result.answered_changed for result in results):
        # Only then can the count move; otherwise answer.js keeps the progress text it shows.
        answered, total = queries.progress(response, context.consultation)
        extra["progress"] = {"answered": answered, "total": total, "text": _progress_text(answered, total)}
    conflicted = any(result.conflict is not None for result in results)
    saved_at = _saved_at_text(now)
    message = (_("Någon annan har ändrat samma del. Båda texterna visas – slå ihop dem och spara igen.")
               if conflicted else _("Sparat %(time)s", time=saved_at))
    return _json(409 if conflicted else 200, "conflict" if conflicted else "saved", message, parts=out,
                 saved_at=saved_at, **extra)


@bp.route("/consultations/<int:consultation_id>/respond/session")
def session_state(consultation_id):
    """For answer.js after a new log-in in another tab: a fresh CSRF token, or 401 while logged out."""
    context = _context(consultation_id)
    answerer = _answerer(context)
    if answerer is None:
        return _json(401, "unauthenticated", _("Du är fortfarande utloggad."), login_url=url_for("auth.login"))
    return _json(200, "ok", "", csrf_token=generate_csrf())


# --- summary, submission, receipt ---------------------------------------------------------------------


def _require_answerer(context) -> Answerer:
    answerer = _answerer(context)
    if answerer is None:
        abort(current_app.login_manager.unauthorized())
    return answerer


def _summary_page(context, answerer, response, form, *, message=None, status=200):
    stored = queries.stored_answers(response)
    names = queries.editor_names(stored)
    editable = (response is None or states.response_editable(response)) and states.accepting_answers(context.consultation)
    editable = editable and states.answer_writable_by(answerer.respondent, response, answerer.user)
    html = render_template(
        "responses/summary.html", context=context, consultation=context.consultation, answerer=answerer,
        response=response, stored=stored, names=names, form=form, message=message, editable=editable,
        unanswered=stored.unanswered(context),
        progress_text=_progress_text(stored.answered_count(context), len(context.principles)),
        individual=answerer.respondent.user_id is not None,
    )
    return _private(current_app.make_response((html, status)))


@bp.route("/consultations/<int:consultation_id>/respond/summary")
def summary(consultation_id):
    context = _context(consultation_id)
    answerer = _require_answerer(context)
    if answerer.link is not None and not states.accepting_answers(context.consultation):
        return _link_expired(context.consultation)
    response = operations.current_response(answerer.respondent, create=False)
    if response is not None and states.response_submitted(response):
        return redirect(url_for("responses.receipt", consultation_id=consultation_id))
    form = forms.SubmitForm()  # the consent is stated anew at every submission, never preselected
    message = None
    if not states.accepting_answers(context.consultation):
        message = _("Svarstiden har gått ut. Svaret kan inte skickas in längre.")
    return _summary_page(context, answerer, response, form, message=message)


@bp.route("/consultations/<int:consultation_id>/respond/submit", methods=["POST"])
def submit(consultation_id):
    context = _context(consultation_id)
    answerer = _require_answerer(context)
    form = forms.SubmitForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors or "csrf_token" in form.errors:
            abort(400)
        # The consent was not stated: the summary again, with the question marked.
        response = operations.current_response(answerer.respondent, create=False)
        return _summary_page(context, answerer, response, form, message=operations.consent_message(), status=422)
    response = operations.current_response(answerer.respondent, create=True)
    try:
        result = operations.submit(response, answerer.user, publish_name=forms.consent(form.publish_name))
    except operations.AlreadySubmitted:
        db.session.rollback()
        flash(_("Svaret var redan inskickat. Här är kvittot."), "info")
        return redirect(url_for("responses.receipt", consultation_id=consultation_id), code=303)
    except operations.DeadlinePassed as refused:
        db.session.commit()  # the attempt is kept for the process owner
        return _summary_page(context, answerer, response, form, message=refused.message, status=refused.status)
    except operations.AnswerError as refused:  # e.g. sign-off required, or declined
        db.session.rollback()
        return _summary_page(context, answerer, response, form, message=refused.message, status=refused.status)
    db.session.commit()
    flash(_("Svaret är inskickat %(time)s.", time=format_datetime(result.response.submitted_at, "d MMMM y 'kl.' HH:mm")),
          "success")
    if result.receipts_failed:
        flash(_("Kvittot kunde inte skickas med e-post till %(addresses)s. Svaret är ändå inskickat; kvittot finns "
                "på den här sidan.", addresses=", ".join(result.receipts_failed)), "error")
    return redirect(url_for("responses.receipt", consultation_id=consultation_id), code=303)


@bp.route("/consultations/<int:consultation_id>/respond/receipt")
def receipt(consultation_id):
    context = _context(consultation_id)
    answerer = _require_answerer(context)
    if answerer.link is not None and not states.accepting_answers(context.consultation):
        return _link_expired(context.consultation)
    response = operations.current_response(answerer.respondent, create=False)
    if response is None or not states.response_submitted(response):
        return redirect(url_for("responses.respond", consultation_id=consultation_id))
    stored = queries.stored_answers(response)
    html = render_template(
        "responses/receipt.html", context=context, consultation=context.consultation, answerer=answerer,
        response=response, stored=stored, names=queries.editor_names(stored),
        revisions=queries.revisions(answerer.respondent),
        receivers=queries.people_answering_for(answerer.respondent),
        progress_text=_progress_text(stored.answered_count(context), len(context.principles)),
    )
    return _private(current_app.make_response(html))


# --- "Mina remisser" -------------------------------------------------------------------------------


@bp.route("/my")
def mine():
    if not current_user.is_authenticated:
        link = _session_link()
        if link is not None:
            return redirect(url_for("responses.respond", consultation_id=link.respondent.consultation_id))
    require(is_logged_in(current_user))
    page = request.args.get("page", 1, type=int)
    pagination, rows = queries.my_consultations(current_user, page if page and page > 0 else 1)
    return render_template("responses/mine.html", page_obj=pagination, rows=rows, progress_text=_progress_text)


# --- personal links --------------------------------------------------------------------------------


@bp.route("/r/<token>")
def magic_link(token):
    """A personal link from the invitation: starts a limited session for that answer only."""
    link = None
    if 16 <= len(token) <= 200:
        link = db.session.execute(
            select(MagicLink).where(MagicLink.token_hash == auth_operations.token_hash(token))
        ).scalar_one_or_none()
    if link is None or not may_answer_through_link(link, link.respondent):
        return _private(current_app.make_response((render_template("responses/link_invalid.html"), 404)))
    consultation = link.respondent.consultation
    if not states.accepting_answers(consultation):
        return _private(current_app.make_response(_link_expired(consultation)))
    if current_user.is_authenticated:
        if current_user.id == link.user_id or may_answer_for(current_user, link.respondent):
            return redirect(url_for("responses.respond", consultation_id=consultation.id))
        auth_operations.end_session()  # someone else's browser session must not mix with this answer
    session.clear()  # no fixation: the limited session starts empty
    session[LINK_SESSION_KEY] = link.id
    now = utcnow()
    link.last_used_at = now
    if link.respondent.first_opened_at is None:
        link.respondent.first_opened_at = now
    db.session.commit()
    return _private(redirect(url_for("responses.respond", consultation_id=consultation.id)))


# --- for process owners: a revision, reopening, registration, late saves, attachments -------------------


@bp.route("/responses/<int:response_id>")
def show(response_id):
    response = db.get_or_404(Response, response_id)
    require(may_read_response(current_user, response))
    context = queries.answer_context(response.respondent.consultation_id)
    stored = queries.stored_answers(response)
    return render_template(
        "responses/show.html", context=context, consultation=context.consultation, response=response, stored=stored,
        names=queries.editor_names(stored), revisions=queries.revisions(response.respondent),
        progress_text=_progress_text(stored.answered_count(context), len(context.principles)),
        late_count=len(queries.late_saves(response.respondent)) if may_read_late_saves(current_user) else 0,
    )


def _attempt(action, field, refusal_type):
    """Run an operation for a form with one text field: committed → (True, its result, None); refused
    input (InvalidAnswer) → rolled back, the message under `field`, (False, None, None); refused by
    `refusal_type` → rolled back, (False, None, its message)."""
    try:
        result = action()
    except operations.InvalidAnswer as refused:
        db.session.rollback()
        field.errors = list(field.errors) + [refused.errors.get(field.short_name, refused.message)]
        return False, None, None
    except refusal_type as refused:
        db.session.rollback()
        return False, None, refused.message
    db.session.commit()
    return True, result, None


@bp.route("/responses/<int:response_id>/reopen", methods=["GET", "POST"])
def reopen(response_id):
    response = db.get_or_404(Response, response_id)
    require(may_reopen_response(current_user, response))
    form = forms.ReopenForm()
    refusal = None
    if not states.response_reopenable(response):
        refusal = (_("Svarstiden har gått ut: svaret kan inte öppnas igen. Förläng svarstiden först om "
                     "remissinstansen ska få ändra sitt svar.") if states.response_submitted(response)
                   else _("Bara ett inskickat svar kan öppnas igen."))
    elif form.validate_on_submit():
        done, draft, refusal = _attempt(lambda: operations.reopen(response, current_user, form.reason.data),
                                        form.reason, operations.NotReopenable)
        if done:
            flash(_("Svaret är öppnat igen som revision %(revision)s. Remissinstansen har fått besked med e-post.",
                    revision=draft.revision), "success")
            return redirect(url_for("responses.show", response_id=draft.id), code=303)
    status = 409 if refusal else (422 if form.errors else 200)
    return render_template("responses/reopen.html", response=response, form=form, refusal=refusal,
                           consultation=response.respondent.consultation), status


def _registration_respondent(consultation_id: int, respondent_id: int) -> Respondent:
    respondent = db.get_or_404(Respondent, respondent_id)
    if respondent.consultation_id != consultation_id:
        abort(404)
    return respondent


@bp.route("/consultations/<int:consultation_id>/respondents/<int:respondent_id>/register", methods=["GET", "POST"])
@permission_required(may_register_on_behalf)
def register(consultation_id, respondent_id):
    respondent = _registration_respondent(consultation_id, respondent_id)
    context = _context(consultation_id)
    form = forms.RegisterForm()
    response = operations.current_response(respondent, create=False)
    stored = queries.stored_answers(response if response is not None and states.response_is_draft(response) else None)
    part_states = forms.part_states(context, stored, {})
    errors: dict[str, str] = {}
    message = None
    status = 200
    if not states.registration_possible(context.consultation):
        message, status = _("Svar kan registreras medan remissen är öppen eller stängd, inte efter att den har "
                            "sammanställts."), 409
    elif request.method == "POST":
        try:
            parts = forms.parse_parts(request.form, context)
        except forms.BadInput:
            abort(400)
        except operations.UnknownSubject:
            abort(404)
        forms.keep_posted(part_states, parts)
        valid = form.validate_on_submit()
        received_at = form.received_at() if valid else None
        if valid and received_at is not None:
            try:
                registered = operations.register_on_behalf(
                    respondent, current_user, form.channel.data,
                    Registration(received_at=received_at, answers=parts, publish_name=forms.consent(form.publish_name)),
                    form.original.data)
            except operations.InvalidAnswer as refused:
                db.session.rollback()
                errors = refused.errors
                for name in ("channel", "received_on", "original", "publish_name"):
                    if name in errors:
                        form[name].errors = list(form[name].errors) + [errors[name]]
                message = refused.message
            except operations.AnswerError as refused:
                db.session.rollback()
                message = refused.message
                status = refused.status
            else:
                db.session.commit()
                flash(_("Svaret från %(name)s är registrerat.", name=queries.respondent_name(respondent)), "success")
                return redirect(url_for("responses.show", response_id=registered.id), code=303)
        if message is None:
            message = _("Svaret kunde inte registreras: rätta det som är markerat.")
        if status == 200:
            status = 422
        message += " " + _("Välj filen med originalet igen – webbläsaren skickar inte om den.")
    elif response is not None and not states.response_is_draft(response):
        message = _("Det finns redan ett inskickat svar (revision %(revision)s). Öppna det igen först om det ska "
                    "ersättas.", revision=response.revision)
    return render_template(
        "responses/register.html", context=context, consultation=context.consultation, respondent=respondent,
        form=form, parts=part_states, errors=errors, message=message, individual=respondent.user_id is not None,
        max_attachment_mb=operations.MAX_ATTACHMENT_SIZE // (1024 * 1024),
    ), status


@bp.route("/consultations/<int:consultation_id>/respondents/<int:respondent_id>/late-saves")
@permission_required(may_read_late_saves)
def late_saves(consultation_id, respondent_id):
    respondent = _registration_respondent(consultation_id, respondent_id)
    saves = queries.late_saves(respondent)
    people = {}
    ids = {s.user_id for s in saves if s.user_id}
    if ids:
        people = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
    return render_template("responses/late_saves.html", respondent=respondent, consultation=respondent.consultation,
                           saves=saves, people=people)


@bp.route("/attachments/<int:attachment_id>")
def attachment(attachment_id):
    item = db.get_or_404(Attachment, attachment_id)
    require(may_read_attachment(current_user, item))
    response = send_file(io.BytesIO(item.data), mimetype=item.content_type, as_attachment=True,
                         download_name=item.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
