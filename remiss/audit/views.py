"""The audit trail as pages and CSV: per consultation, per document, and all of it.

Thin: find what the log is of, ask permission, read the page (remiss.audit.queries), render.
Process owners and administrators read the logs of consultations and documents
(`may_read_audit`); the whole trail – people and organisations too – is for administrators
(`may_read_full_audit`).
"""
from __future__ import annotations

import re

from flask import Blueprint, Response, abort, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from remiss.audit import export, queries
from remiss.audit.display import changes
from remiss.audit.labels import action_label, object_label
from remiss.consultations.models import Consultation
from remiss.documents.models import Document
from remiss.extensions import db
from remiss.permissions import may_read_audit, may_read_full_audit, permission_required

bp = Blueprint("audit", __name__)


class FilterForm(FlaskForm):
    """The filters of a log: a GET form, no CSRF needed."""

    class Meta:
        csrf = False

    action = SelectField(_l("Händelse"), validate_choice=False)
    actor = SelectField(_l("Vem"), validate_choice=False)


def _filter_form(scope, filters: queries.Filters) -> FilterForm:
    form = FilterForm(formdata=None)
    form.action.choices = [SelectChoice("", _("Alla händelser"))] + [
        SelectChoice(action, label) for action, label in queries.action_choices(scope)]
    people, system = queries.actor_choices(scope)
    form.actor.choices = ([SelectChoice("", _("Alla"))] + [SelectChoice(str(i), name) for i, name in people]
                          + ([SelectChoice(queries.SYSTEM, _("system"))] if system else []))
    form.action.data = filters.action or ""
    form.actor.data = str(filters.actor) if filters.actor is not None else ""
    return form


def _page_number() -> int:
    return request.args.get("page", 1, type=int) or 1


def _consultation(consultation_id: int) -> Consultation:
    return db.session.get(Consultation, consultation_id) or abort(404)


def _document(key: str) -> Document:
    if "\x00" in key or len(key) > 100:
        abort(404)
    return db.session.execute(select(Document).where(Document.key == key)).scalar_one_or_none() or abort(404)


def _render(scope, *, title: str, csv_url: str, back=None, consultation=None, document=None):
    filters = queries.parse_filters(request.args)
    page = queries.page(scope, filters, _page_number())
    return render_template(
        "audit/log.html", title=title, page=page, filters=filters, form=_filter_form(scope, filters),
        context=queries.context(page.items), csv_url=csv_url, back=back, consultation=consultation, document=document,
        changes=changes, action_label=action_label, object_label=object_label,
    )


def _csv(scope, name: str) -> Response:
    filters = queries.parse_filters(request.args)
    chunks = export.stream(queries.stream(scope, filters), _("system"))
    response = Response(stream_with_context(chunks), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_args() -> dict:
    filters = queries.parse_filters(request.args)
    return {k: v for k, v in (("action", filters.action), ("actor", filters.actor)) if v is not None}


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text)[:80] or "dokument"


@bp.route("/consultations/<int:consultation_id>/audit")
@permission_required(may_read_audit)
def consultation_log(consultation_id):
    consultation = _consultation(consultation_id)
    return _render(queries.scope_of_consultation(consultation),
                   title=_("Händelselogg: %(title)s", title=consultation.title),
                   csv_url=url_for("audit.consultation_log_csv", consultation_id=consultation.id, **_csv_args()),
                   back=(url_for("consultations.show", consultation_id=consultation.id), consultation.title),
                   consultation=consultation)


@bp.route("/consultations/<int:consultation_id>/audit.csv")
@permission_required(may_read_audit)
def consultation_log_csv(consultation_id):
    consultation = _consultation(consultation_id)
    return _csv(queries.scope_of_consultation(consultation), f"handelselogg-remiss-{consultation.id}.csv")


@bp.route("/documents/<key>/audit")
@permission_required(may_read_audit)
def document_log(key):
    document = _document(key)
    name = document.versions[-1].title if document.versions else document.key
    return _render(queries.scope_of_document(document),
                   title=_("Händelselogg: %(title)s", title=name),
                   csv_url=url_for("audit.document_log_csv", key=document.key, **_csv_args()),
                   back=(url_for("documents.document", key=document.key), name),
                   document=document)


@bp.route("/documents/<key>/audit.csv")
@permission_required(may_read_audit)
def document_log_csv(key):
    document = _document(key)
    return _csv(queries.scope_of_document(document), f"handelselogg-dokument-{_safe_name(document.key)}.csv")


@bp.route("/audit")
@permission_required(may_read_full_audit)
def index():
    return _render(queries.scope_of_everything(), title=_("Händelselogg"),
                   csv_url=url_for("audit.index_csv", **_csv_args()))


@bp.route("/audit.csv")
@permission_required(may_read_full_audit)
def index_csv():
    return _csv(queries.scope_of_everything(), "handelselogg.csv")
