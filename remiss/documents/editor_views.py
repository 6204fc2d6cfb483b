"""The online editor of a draft version: create the next version, edit every part on one page
(autosave and live preview with JavaScript, plain form posts without), add, remove, move and
merge principles, and upload an edited Markdown file as the next version.

Thin: parse the request, call `editing`, commit, render or redirect. Every route asks
`may_manage_documents`; whether the version may change is asked of `states.editable` (by the
operations, and by the pages to say so up front).

Saving checks log-in before CSRF (the save route is exempt from the global check and calls
`csrf.protect()` itself): a post from a browser whose log-in has ended gets its text back (401)
instead of a log-in page that drops it. Every button on the editor page posts the whole page, and
the page's text is saved before the button's action (move, remove, merge, add): nothing typed is
lost by clicking on.
"""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import IntegrityError

from remiss.autosave import script_messages as autosave_messages
from remiss.documents import editing, queries, states
from remiss.documents.editor_forms import (
    MAX_UPLOAD_BYTES,
    AddPrincipleForm,
    BadInput,
    MergeForm,
    UploadForm,
    parse_parts,
)
from remiss.documents.format import MAX_BODY, DocumentFormatError, decode_source
from remiss.documents.models import PrincipleText
from remiss.extensions import csrf, db
from remiss.forms import ConfirmForm
from remiss.markdown import render as render_markdown
from remiss.permissions import may_manage_documents, permission_required, require

bp = Blueprint("editor", __name__)

VERSION = "/documents/<key>/versions/<int:number>"


def field_label(name: str) -> str:
    labels = {
        "title": _("Titel"), "owner": _("Ägare"), "decision_body": _("Beslutas av"),
        "change_summary": _("Ändringar i den här versionen"), "statement": _("Principtext"),
        "keywords": _("Nyckelord"), "implications": _("Vad innebär det för utförare och utvecklare?"),
        "heading": _("Rubrik"), "body": _("Text"),
    }
    return labels.get(name, name)


def _script_messages() -> dict[str, str]:
    """What editor.js says, translated with everything else; {name} marks a value it fills in."""
    return {
        **autosave_messages(),
        "saved": _("Sparat"),
        "conflict_heading": _("Någon annan sparade den här delen medan du skrev"),
        "preview_failed": _("Förhandsvisningen kunde inte uppdateras just nu."),
    }


@bp.context_processor
def _helpers():
    return {"field_label": field_label, "editor_messages": _script_messages, "max_body": MAX_BODY,
            "part_key": editing.part_key, "states": states}


@bp.app_context_processor
def _version_links():
    return {"editor_links": editor_links}


def editor_links(version) -> list[tuple[str, str]]:
    """The editor's links on a version's page (templates/documents/_version_actions.html)."""
    if not may_manage_documents(current_user):
        return []
    key, number = version.document.key, version.number
    links = []
    if states.editable(version):
        links.append((url_for("editor.edit", key=key, number=number), _("Redigera utkastet")))
    links.append((url_for("editor.next_version", key=key, number=number), _("Skapa nästa version från den här")))
    links.append((url_for("editor.upload"), _("Läs in en redigerad fil som ny version")))
    return links


# --- helpers ----------------------------------------------------------------------------------------


def _version(key: str, number: int):
    return queries.get_version(key, number) or abort(404)


def _edit_url(version, anchor: str | None = None) -> str:
    url = url_for("editor.edit", key=version.document.key, number=version.number)
    return f"{url}#{anchor}" if anchor else url


def _json(status: int, kind: str, message: str, **extra):
    response = current_app.make_response((jsonify(status=kind, message=message, **extra), status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _kept_texts(formdata) -> list[tuple[str, str]]:
    """What a refused post carried, as (label, text) for the page that gives it back."""
    kept = []
    for name in formdata.keys():
        if "." not in name or name.endswith(".lock_version"):
            continue
        value = formdata.get(name)
        if isinstance(value, str) and value.strip():
            kept.append((field_label(name.rsplit(".", 1)[1]), value))
    return kept


def _refused(version, message: str, status: int, formdata=None, login: str | None = None):
    """A refusal page; anything the post carried is given back to copy."""
    html = render_template("documents/editor_refused.html", version=version, document=version.document if version else None,
                           message=message, kept=_kept_texts(formdata) if formdata is not None else [], login=login)
    return html, status


def _not_editable(version, formdata=None):
    return _refused(version, editing.not_editable_message(version), 409, formdata)


class PartState:
    """What one part of the editor page shows: values, lock version, errors and a conflict."""

    def __init__(self, subject):
        self.key = editing.part_key(subject)
        self.values = editing.stored_values(subject)
        self.lock_version = subject.lock_version
        self.errors: dict[str, str] = {}
        self.conflict = None

    def error(self, name: str) -> str | None:
        return self.errors.get(f"{self.key}.{name}")


def _render_editor(version, *, posted=None, errors=None, results=None, message=None, status=200):
    """The editor page: stored values, or – after a refused or partial save – what the user sent,
    the errors at their fields and, where someone else saved first, both texts."""
    subjects = [version, *version.parts]
    parts = {editing.part_key(subject): PartState(subject) for subject in subjects}
    for part in posted or []:
        state = parts[part.key]
        state.values.update(part.values)
        state.lock_version = part.base_lock_version
    for path, text in (errors or {}).items():
        key = path.split(".", 1)[0]
        if key in parts:
            parts[key].errors[path] = text
    for result in results or []:
        state = parts[result.key]
        if result.conflict is not None:
            state.conflict = result.conflict
            state.lock_version = result.conflict.lock_version
        else:
            state.lock_version = result.lock_version
    html = render_template(
        "documents/editor.html", version=version, document=version.document, parts=parts, errors=errors or {},
        message=message, conflicts=[s for s in parts.values() if s.conflict is not None],
    )
    response = current_app.make_response((html, status))
    response.headers["Cache-Control"] = "no-store"
    return response


def _save_posted(version, formdata):
    """Save every part the post carries. Returns (results, None) when all were saved or
    (results or None, response) when the page must be shown again (errors, conflicts, refusal)."""
    try:
        parts = parse_parts(formdata, version)
    except BadInput:
        abort(400)
    if not parts:
        return [], None
    try:
        results = editing.save_parts(version, parts, current_user)
    except editing.NotEditable:
        db.session.rollback()
        return None, _not_editable(version, formdata)
    except editing.InvalidEdit as refused:
        db.session.rollback()
        return None, _render_editor(version, posted=parts, errors=refused.errors, message=refused.message,
                                    status=refused.status)
    db.session.commit()
    if any(result.conflict is not None for result in results):
        return results, _render_editor(version, posted=parts, results=results, message=_conflict_message(results),
                                       status=409)
    return results, None


def _conflict_message(results) -> str:
    count = sum(1 for result in results if result.conflict is not None)
    return ngettext(
        "Någon annan sparade en del av versionen medan du arbetade. Det du skrev där är inte sparat: båda texterna "
        "visas vid delen. Slå ihop dem och spara igen.",
        "Någon annan sparade %(num)d delar av versionen medan du arbetade. Det du skrev där är inte sparat: båda "
        "texterna visas vid varje del. Slå ihop dem och spara igen.", count)


def _logged_out(version_key: str, number: int, formdata, wants_json: bool):
    login = url_for("auth.login", next=url_for("editor.edit", key=version_key, number=number))
    message = _("Du är utloggad, så det senaste du skrev är inte sparat på servern. Logga in igen och spara texten.")
    if wants_json:
        return _json(401, "unauthenticated", _(
            "Du är utloggad, så det senaste du skrev är inte sparat på servern. Texten finns kvar här i webbläsaren. "
            "Logga in igen i en annan flik – då sparas texten automatiskt. Stäng inte den här fliken."),
            login_url=url_for("auth.login"))
    html = render_template("documents/editor_refused.html", version=None, document=None, message=message,
                           kept=_kept_texts(formdata), login=login)
    return html, 401


# --- next version --------------------------------------------------------------------------------------


@bp.route(VERSION + "/next", methods=["GET", "POST"])
@permission_required(may_manage_documents)
def next_version(key, number):
    version = _version(key, number)
    document = version.document
    form = ConfirmForm()
    draft = editing.open_draft(document)
    back = url_for("documents.version", key=key, number=number)
    if form.validate_on_submit():
        try:
            new = editing.create_next_version(version, current_user)
            db.session.commit()
        except editing.DraftExists as refused:
            db.session.rollback()
            draft = refused.draft
            return render_template("documents/editor_next.html", version=version, document=document, form=form,
                                   draft=draft, back=back, message=refused.message), refused.status
        except IntegrityError:
            db.session.rollback()
            return _refused(version, _("Någon annan skapade en ny version av dokumentet samtidigt. Ingen version "
                                       "skapades nu; gå till dokumentets versioner och fortsätt i den."), 409)
        flash(_("Version %(number)s är skapad som utkast från version %(from_)s.", number=new.number,
                from_=version.number), "success")
        return redirect(_edit_url(new), code=303)
    return render_template("documents/editor_next.html", version=version, document=document, form=form, draft=draft,
                           back=back, message=None)


# --- the editor page -------------------------------------------------------------------------------------


@bp.route(VERSION + "/edit")
@permission_required(may_manage_documents)
def edit(key, number):
    version = _version(key, number)
    if not states.editable(version):
        return _not_editable(version)
    return _render_editor(version)


@bp.route(VERSION + "/save", methods=["POST"])
@csrf.exempt
def save(key, number):
    """Form post of the editor page, or JSON {"fields": {"p12.title": "…", "p12.lock_version": "3"}} from editor.js."""
    wants_json = request.is_json
    payload = request.get_json(silent=True) if wants_json else None
    if wants_json and (not isinstance(payload, dict) or not isinstance(payload.get("fields"), dict)):
        return _json(400, "bad_request", _("Det som skickades gick inte att tolka."))
    formdata = payload["fields"] if wants_json else request.form
    if not current_user.is_authenticated:
        return _logged_out(key, number, formdata, wants_json)
    try:
        csrf.protect()
    except CSRFError:
        if wants_json:
            return _json(400, "csrf", _("Sidan behöver laddas om för att kunna spara. Texten finns kvar här i "
                                        "webbläsaren; ladda om sidan och välj att återställa den."))
        raise
    require(may_manage_documents(current_user))
    version = _version(key, number)
    if wants_json:
        return _autosave(version, formdata)
    results, page = _save_posted(version, formdata)
    if page is not None:
        return page
    go = request.form.get("go", "")
    action, _sep, part = go.partition(":")
    if action == "add":
        return redirect(url_for("editor.add_principle", key=key, number=number), code=303)
    text = _principle_by_key(version, part) if action in ("remove", "merge") else None
    if text is not None and action == "remove":
        return redirect(url_for("editor.remove_principle", key=key, number=number, text_id=text.id), code=303)
    if text is not None and action == "merge":
        return redirect(url_for("editor.merge", key=key, number=number, text_id=text.id), code=303)
    changed = any(result.changed for result in results)
    flash(_("Ändringarna är sparade.") if changed else _("Ingenting var ändrat."), "success")
    return redirect(_edit_url(version, request.form.get("anchor") or None), code=303)


def _principle_by_key(version, key: str):
    return next((text for text in version.principle_texts if f"p{text.id}" == key), None)


def _autosave(version, fields):
    try:
        parts = parse_parts(fields, version)
    except BadInput:
        return _json(400, "bad_request", _("Det som skickades gick inte att tolka."))
    try:
        results = editing.save_parts(version, parts, current_user)
    except editing.NotEditable as refused:
        db.session.rollback()
        return _json(refused.status, "not_editable", refused.message)
    except editing.InvalidEdit as refused:
        db.session.rollback()
        details = " ".join(dict.fromkeys(refused.errors.values()))
        return _json(refused.status, "invalid", f"{refused.message} {details}".strip(),
                     errors={_field_id(name): text for name, text in refused.errors.items()})
    db.session.commit()
    out = {}
    for result in results:
        if result.conflict is None:
            out[result.key] = {"saved": True, "lock_version": result.lock_version}
            continue
        conflict = result.conflict
        out[result.key] = {"saved": False, "lock_version": conflict.lock_version, "conflict": {
            "differences": [{"label": field_label(name), "stored": conflict.stored.get(name, ""),
                             "yours": conflict.yours.get(name, "")}
                            for name in conflict.yours if conflict.stored.get(name, "") != conflict.yours.get(name, "")],
        }}
    if any(result.conflict is not None for result in results):
        return _json(409, "conflict", _conflict_message(results), parts=out)
    return _json(200, "saved", _("Sparat."), parts=out)


def _field_id(name: str) -> str:
    """The id of a field on the editor page ("p12.title" → "p12-title")."""
    return name.replace(".", "-")


# --- adding, removing, moving, merging --------------------------------------------------------------------


@bp.route(VERSION + "/move", methods=["POST"])
@permission_required(may_manage_documents)
def move(key, number):
    """A move button of the editor page (name "move", value "p12:up"): the page is saved first."""
    version = _version(key, number)
    part_key, _sep, direction = request.form.get("move", "").partition(":")
    if direction not in ("up", "down"):
        abort(400)
    part = next((p for p in version.parts if editing.part_key(p) == part_key), None)
    if part is None:
        abort(404)
    _results, page = _save_posted(version, request.form)
    if page is not None:
        return page
    try:
        moved = editing.move_part(version, part, -1 if direction == "up" else 1, current_user)
    except editing.NotEditable:
        db.session.rollback()
        return _not_editable(version)
    db.session.commit()
    flash(_("Ordningen är ändrad.") if moved else _("Delen står redan först eller sist."), "success")
    return redirect(_edit_url(version, part_key), code=303)


def _after_choices(version):
    choices = [("", _("Först i dokumentet"))]
    for part in version.parts:
        if isinstance(part, PrincipleText):
            choices.append((editing.part_key(part), _("Princip %(number)s. %(title)s", number=part.number, title=part.title)))
        else:
            choices.append((editing.part_key(part), part.heading))
    return choices


@bp.route(VERSION + "/principles/new", methods=["GET", "POST"])
@permission_required(may_manage_documents)
def add_principle(key, number):
    version = _version(key, number)
    if not states.editable(version):
        return _not_editable(version, request.form if request.method == "POST" else None)
    form = AddPrincipleForm()
    form.after.choices = _after_choices(version)
    if request.method == "GET" and version.parts:
        form.after.data = editing.part_key(version.parts[-1])
    status = 200
    if form.validate_on_submit():
        try:
            text = editing.add_principle(version, form.key.data, form.title.data, form.after.data or "", current_user)
        except editing.InvalidEdit as refused:
            db.session.rollback()
            for name, message in refused.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            status = refused.status
        else:
            db.session.commit()
            flash(_("Princip %(number)s är tillagd. Skriv dess text nedan.", number=text.number), "success")
            return redirect(_edit_url(version, f"p{text.id}"), code=303)
    elif request.method == "POST":
        status = 422
    return render_template("documents/editor_add.html", version=version, document=version.document, form=form), status


def _text_of(version, text_id: int) -> PrincipleText:
    text = next((t for t in version.principle_texts if t.id == text_id), None)
    return text or abort(404)


@bp.route(VERSION + "/principles/<int:text_id>/remove", methods=["GET", "POST"])
@permission_required(may_manage_documents)
def remove_principle(key, number, text_id):
    version = _version(key, number)
    text = _text_of(version, text_id)
    if not states.editable(version):
        return _not_editable(version)
    form = ConfirmForm()
    message, status = None, 200
    if form.validate_on_submit():
        try:
            editing.remove_principle(text, current_user)
        except editing.EditorError as refused:
            db.session.rollback()
            message, status = refused.message, 409
        else:
            db.session.commit()
            flash(_("Principen ”%(title)s” är borttagen ur version %(number)s.", title=text.title,
                    number=version.number), "success")
            return redirect(_edit_url(version), code=303)
    return render_template("documents/editor_remove.html", version=version, document=version.document, text=text,
                           form=form, message=message), status


@bp.route(VERSION + "/principles/<int:text_id>/merge", methods=["GET", "POST"])
@permission_required(may_manage_documents)
def merge(key, number, text_id):
    """Merge this principle (the source) into another one of the same version, chosen here."""
    version = _version(key, number)
    source = _text_of(version, text_id)
    if not states.editable(version):
        return _not_editable(version)
    form = MergeForm()
    others = [t for t in version.principle_texts if t.id != source.id]
    form.target.choices = [(str(t.id), _("Princip %(number)s. %(title)s", number=t.number, title=t.title)) for t in others]
    message, status = None, 200
    if form.validate_on_submit():
        target = next((t for t in others if str(t.id) == form.target.data), None)
        if target is None:
            form.target.errors = [_("Välj den princip som den här ska slås samman med.")]
            status = 422
        else:
            try:
                editing.merge_principles(target, source, current_user)
            except editing.EditorError as refused:
                db.session.rollback()
                message, status = refused.message, refused.status
            else:
                db.session.commit()
                flash(_("”%(source)s” är sammanslagen med princip %(number)s. Skriv om dess text så att den täcker "
                        "båda.", source=source.title, number=target.number), "success")
                return redirect(_edit_url(version, f"p{target.id}"), code=303)
    elif request.method == "POST":
        status = 400
    return render_template("documents/editor_merge.html", version=version, document=version.document, source=source,
                           form=form, others=others, message=message), status


# --- live preview -----------------------------------------------------------------------------------------


@bp.route(VERSION + "/preview", methods=["POST"])
@permission_required(may_manage_documents)
def preview(key, number):
    """JSON {"text": "…"} → {"html": "…"}: the text as the version page will show it (sanitised)."""
    _version(key, number)
    payload = request.get_json(silent=True)
    text = payload.get("text") if isinstance(payload, dict) else request.form.get("text")
    if not isinstance(text, str):
        return _json(400, "bad_request", _("Det som skickades gick inte att tolka."))
    text = text.replace("\r\n", "\n").replace("\x00", "")
    if len(text) > MAX_BODY:
        return _json(422, "too_long", _("Texten har %(length)s tecken; högst %(max)s får plats.", length=len(text),
                                        max=MAX_BODY))
    return _json(200, "ok", "", html=str(render_markdown(text)))


# --- upload -----------------------------------------------------------------------------------------------


@bp.route("/documents/upload", methods=["GET", "POST"])
@permission_required(may_manage_documents)
def upload():
    """An edited Markdown file (or its text pasted) as the next version of its document."""
    form = UploadForm()
    problems: list = []
    message = None
    draft = None
    status = 200
    if form.validate_on_submit():
        text = form.text.data or ""
        file = form.file.data
        try:
            if file and getattr(file, "filename", ""):
                data = file.read(MAX_UPLOAD_BYTES + 1)
                if len(data) > MAX_UPLOAD_BYTES:
                    raise DocumentFormatError(_("filen är för stor (högst %(max)s byte).", max=MAX_UPLOAD_BYTES))
                # Shown back in the text box whatever happens, so nothing uploaded is lost.
                text = data.decode("utf-8", errors="replace").removeprefix("\ufeff")
                source = decode_source(data)
            elif text.strip():
                source = text.replace("\r\n", "\n")
            else:
                raise DocumentFormatError(_("välj en fil eller klistra in filens text."))
            version = editing.import_next_version(source, current_user)
            db.session.flush()
        except DocumentFormatError as error:
            db.session.rollback()
            problems, status = error.problems, 422
            message = _("Filen lästes inte in; ingenting har sparats. Rätta felen nedan (i filen eller i rutan) och "
                        "försök igen.")
        except editing.DraftExists as refused:
            db.session.rollback()
            message, draft, status = refused.message, refused.draft, refused.status
        except IntegrityError:
            db.session.rollback()
            message, status = _("Versionen skapades samtidigt av någon annan; ingenting har sparats. Försök igen."), 409
        else:
            db.session.commit()
            flash(_("Filen är inläst som version %(number)s av ”%(title)s” (utkast).", number=version.number,
                    title=version.title), "success")
            return redirect(_edit_url(version), code=303)
        form.text.data = text
    elif request.method == "POST":
        status = 400
    return render_template("documents/editor_upload.html", form=form, problems=problems, message=message, draft=draft,
                           max_bytes=MAX_UPLOAD_BYTES), status
