"""Tracing pages: linking the comments of a remiss to the changes they led to ("ni sa – vi gjorde"),
following a principle back to its comments, and the comments accepted but linked to no change.

Thin: parse, call a query or an operation, commit, render or redirect. Linking asks
`may_link_changes` (it is part of preparing the version); the trace asks `may_read_version`, and
`may_read_full_trace` decides whether the reader sees everything or what the public report shows;
the flagged list belongs to the consolidation (`may_consolidate`).
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from remiss.consolidation import redaction
from remiss.consultations import queries as consultation_queries, states as consultation_states
from remiss.documents import queries as document_queries, states as document_states
from remiss.extensions import db
from remiss.permissions import (
    may_consolidate,
    may_link_changes,
    may_read_full_trace,
    may_read_version,
    permission_required,
    require,
)
from remiss.tracing import forms, operations, queries

bp = Blueprint("tracing", __name__)

MAX_ID = 2**31 - 1


@bp.app_context_processor
def _tracing_helpers():
    """`traced(sheet, answer, target)` for the consolidation pages: the changes a comment led to, and
    whether it is flagged. One statement per page (per answer sheet), however many comments."""
    return {"traced": traced}


class Traced:
    def __init__(self, changes, flagged):
        self.changes = changes
        self.flagged = flagged


def traced(sheet, answer, target) -> Traced:
    from remiss.consolidation.models import DispositionTarget

    memo = g.setdefault("_tracing_sheets", [])
    found = next((changes for seen, changes in memo if seen is sheet), None)
    if found is None:
        found = queries.changes_for([a.id for a in sheet.principles.values()], [a.id for a in sheet.general.values()])
        memo.append((sheet, found))
    target = DispositionTarget(target)
    key = ("g" if target == DispositionTarget.general else "p", answer.id, target.value)
    changes = found.get(key, [])
    stored = sheet.disposition(answer, target)
    flagged = bool(stored is not None and stored.kind in queries.PROMISES_CHANGE and not changes)
    return Traced(changes, flagged)


# --- helpers -------------------------------------------------------------------------------------


def _version(key: str, number: int):
    if not 0 < number <= MAX_ID:
        abort(404)
    return document_queries.get_version(key, number) or abort(404)


def _principle(version, principle_key: str):
    return queries.principle_text_in(version, principle_key) or abort(404)


def _readable(version) -> bool:
    return may_read_version(current_user, version)


# --- per version: the principles with their counts ------------------------------------------------


@bp.route("/documents/<key>/versions/<int:number>/links")
@permission_required(may_link_changes)
def version_links(key, number):
    version = _version(key, number)
    counts = queries.version_counts(version)
    return render_template("tracing/version_links.html", version=version, document=version.document, counts=counts,
                           editable=document_states.editable(version))


# --- per principle: linking ------------------------------------------------------------------------


def _links_page(version, principle_text, *, checked=None, message=None, status=200):
    trace = queries.principle_trace(principle_text, full=True, all_general=True)
    if checked is None:
        checked = {c.ref for c in [*trace.comments, *trace.general] if c.linked_to(principle_text.id)}
    return render_template(
        "tracing/principle_links.html", version=version, document=version.document, principle=principle_text,
        trace=trace, checked=checked, message=message, editable=document_states.editable(version),
        form=forms.LinksForm(),
    ), status


@bp.route("/documents/<key>/versions/<int:number>/principles/<principle_key>/links", methods=["GET", "POST"])
@permission_required(may_link_changes)
def principle_links(key, number, principle_key):
    version = _version(key, number)
    principle_text = _principle(version, principle_key)
    if request.method == "GET":
        return _links_page(version, principle_text)
    try:
        choices = forms.parse_links(request.form)
    except forms.BadInput:
        abort(400)
    if not document_states.editable(version):
        return _links_page(version, principle_text, checked=choices.checked,
                           message=operations.not_draft_message(version), status=409)
    trace = queries.principle_trace(principle_text, full=True, all_general=True)
    listed = {c.ref: c for c in [*trace.comments, *trace.general]}
    changed = 0
    try:
        for ref in choices.shown:
            wanted = ref in choices.checked
            comment = listed.get(ref)
            if comment is not None and bool(comment.linked_to(principle_text.id)) == wanted:
                continue
            found = redaction.find(ref)
            if found is None:
                abort(404)
            answer, target = found
            link = queries.link_of(principle_text, answer, target)
            if wanted and link is None:
                operations.link_change(principle_text, answer, target, current_user)
                changed += 1
            elif not wanted and link is not None:
                operations.unlink_change(link, current_user)
                changed += 1
    except operations.TracingError as refused:
        db.session.rollback()
        return _links_page(version, principle_text, checked=choices.checked, message=refused.message,
                           status=refused.status)
    db.session.commit()
    flash(_("Kopplingarna är sparade.") if changed else _("Ingenting var ändrat."), "success")
    return redirect(url_for("tracing.principle_links", key=key, number=number, principle_key=principle_key), code=303)


# --- per principle: the trace back to its comments ---------------------------------------------------


@bp.route("/documents/<key>/versions/<int:number>/principles/<principle_key>/trace")
def principle_trace(key, number, principle_key):
    version = _version(key, number)
    require(may_read_version(current_user, version))
    principle_text = _principle(version, principle_key)
    full = may_read_full_trace(current_user)
    trace = queries.principle_trace(principle_text, full=full, readable=_readable)
    return render_template("tracing/principle_trace.html", version=version, document=version.document,
                           principle=principle_text, trace=trace, full=full)


# --- per consultation: accepted but not linked -----------------------------------------------------


@bp.route("/consultations/<int:consultation_id>/consolidation/unlinked")
@permission_required(may_consolidate)
def flagged(consultation_id):
    if not 0 < consultation_id <= MAX_ID:
        abort(404)
    consultation = consultation_queries.get_consultation(consultation_id) or abort(404)
    if not consultation_states.consolidation_viewable(consultation):
        abort(make_response(render_template(
            "consultations/refused.html", consultation=consultation,
            message=_("Remissen är inte öppnad än: det finns inga svar att sammanställa.")), 409))
    return render_template("tracing/flagged.html", consultation=consultation, tab="consolidation",
                           comments=queries.flagged(consultation))
