"""The groups page of a principle: similar comments grouped, so that the process owner can read a
group and give one disposition to all its members; "Föreslå grupper" with its confirmation page.

Routes of the consolidation blueprint (imported at the end of views.py), thin like the others:
parse, call `groups`, commit, render or redirect. Every route asks `may_consolidate`; what may
change when is asked of `states.py` (closed: editable; otherwise the groups are read-only).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user

from remiss.consolidation import groups, operations, queries
from remiss.consolidation.views import (
    _consultation,
    _conflict_message,
    _principle,
    _render,
    bp,
    keeps_text_when_logged_out,
)
from remiss.consultations import states
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.permissions import may_consolidate, permission_required


def _page_url(consultation, principle, anchor: str | None = None) -> str:
    url = url_for("consolidation.groups", consultation_id=consultation.id, principle_text_id=principle.id)
    return f"{url}#{anchor}" if anchor else url


def _names(outcomes) -> str:
    return ", ".join(f"{o.item.respondent} ({_what(o.item)})" for o in outcomes)


def _what(item) -> str:
    return _("ändringsförslag") if item.target == groups.DispositionTarget.proposed_wording else _("synpunkt")


def _groups_page(consultation, principle, *, status=200, message=None, message_anchor=None, states_by_group=None,
                 labels=None, label_errors=None, outcome=None):
    return _render(
        "consolidation/groups.html", consultation, status, principle=principle,
        view=groups.overview(consultation, principle), message=message, message_anchor=message_anchor,
        states_by_group=states_by_group or {}, labels=labels or {}, label_errors=label_errors or {},
        outcome=outcome, group_name=groups.group_name, what=_what, new_group=groups.NEW_GROUP,
        no_group=groups.NO_GROUP, max_label_length=groups.MAX_LABEL_LENGTH,
    )


def _group_from_form(consultation, principle):
    raw = (request.form.get("group") or "").strip()
    if not raw.isdigit() or len(raw) > 10:
        abort(400)
    group = groups.group_in(consultation, principle, int(raw))
    if group is None:
        abort(404)
    return group


def _relabel(consultation, principle):
    group = _group_from_form(consultation, principle)
    label = request.form.get("label") or ""
    anchor = f"group-{group.id}"
    try:
        changed = groups.relabel(group, label, current_user)
    except operations.ConsolidationError as refused:
        db.session.rollback()
        return _groups_page(consultation, principle, status=refused.status, message=refused.message,
                            message_anchor=f"{anchor}-label", labels={group.id: label},
                            label_errors={group.id: refused.errors.get("label", refused.message)})
    db.session.commit()
    flash(_("Gruppens namn är sparat.") if changed else _("Ingenting var ändrat."), "success")
    return redirect(_page_url(consultation, principle, anchor), code=303)


def _move(consultation, principle):
    parsed = groups.parse_item_key(request.form.get("item"))
    if parsed is None:
        abort(400)
    answer = queries.principle_answer_in(consultation, parsed[0])
    if answer is None or answer.principle_text_id != principle.id:
        abort(404)
    raw = (request.form.get("to") or "").strip()
    if raw in (groups.NEW_GROUP, groups.NO_GROUP):
        to = raw
    elif raw.isdigit() and len(raw) <= 10:
        to = groups.group_in(consultation, principle, int(raw))
        if to is None:
            abort(404)
    else:
        abort(400)
    try:
        destination = groups.move(consultation, principle, answer, parsed[1], to, current_user)
    except operations.ConsolidationError as refused:
        db.session.rollback()
        return _groups_page(consultation, principle, status=refused.status, message=refused.message)
    db.session.commit()
    if destination is None:
        flash(_("Synpunkten ligger nu utanför grupperna."), "success")
        return redirect(_page_url(consultation, principle, "ungrouped"), code=303)
    flash(_("Synpunkten är flyttad till %(group)s.", group=groups.group_name(destination)), "success")
    return redirect(_page_url(consultation, principle, f"group-{destination.id}"), code=303)


def _bases(form) -> dict[str, int]:
    """item_key → lock_version, from the hidden fields "lock-<item_key>" the group's form carries."""
    bases = {}
    for name, value in form.items():
        if not name.startswith("lock-"):
            continue
        key = name[len("lock-"):]
        if groups.parse_item_key(key) is None or not value.isdigit() or len(value) > 12:
            abort(400)
        bases[key] = int(value)
    return bases


def _dispose(consultation, principle):
    group = _group_from_form(consultation, principle)
    kind = request.form.get("kind") or ""
    reason = request.form.get("reason") or ""
    anchor = f"group-{group.id}-disposition"
    typed = {"kind": kind, "reason": reason, "errors": {}}
    try:
        result = groups.dispose(consultation, principle, group, kind, reason, _bases(request.form), current_user)
    except operations.ConsolidationError as refused:
        db.session.rollback()
        typed["errors"] = refused.errors
        return _groups_page(consultation, principle, status=refused.status, message=refused.message,
                            message_anchor=anchor, states_by_group={group.id: typed})
    db.session.commit()
    done = ngettext("%(num)d synpunkt fick ställningstagandet.", "%(num)d synpunkter fick ställningstagandet.",
                    len(result.saved))
    if result.unchanged:
        done += " " + ngettext("%(num)d hade det redan.", "%(num)d hade det redan.", len(result.unchanged))
    if result.complete:
        flash(done, "success")
        return redirect(_page_url(consultation, principle, f"group-{group.id}"), code=303)
    # Some members were left as they are: say which, and keep what was typed in the form.
    return _groups_page(consultation, principle, status=409, message_anchor=anchor,
                        states_by_group={group.id: typed}, outcome=result,
                        message=done)


@bp.route("/principles/<int:principle_text_id>/groups", methods=["GET", "POST"], endpoint="groups")
@keeps_text_when_logged_out
@permission_required(may_consolidate)
def groups_page(consultation_id, principle_text_id):
    consultation = _consultation(consultation_id)
    principle = _principle(consultation, principle_text_id)
    if request.method == "POST":
        what = request.form.get("form")
        actions = {"relabel": _relabel, "move": _move, "dispose": _dispose}
        if what not in actions:
            abort(400)
        return actions[what](consultation, principle)
    return _groups_page(consultation, principle)


@bp.route("/principles/<int:principle_text_id>/groups/suggest", methods=["GET", "POST"])
@permission_required(may_consolidate)
def suggest_groups(consultation_id, principle_text_id):
    consultation = _consultation(consultation_id)
    principle = _principle(consultation, principle_text_id)
    form = ConfirmForm()
    back = _page_url(consultation, principle)
    existing = groups.groups_of(consultation, principle)
    message, status = None, 200
    if not states.consolidation_editable(consultation):
        message, status = operations.not_editable_message(consultation), 409
    elif form.validate_on_submit():
        try:
            created = groups.suggest(consultation, principle, current_user)
        except operations.ConsolidationError as refused:
            db.session.rollback()
            message, status = refused.message, refused.status
        else:
            db.session.commit()
            flash(ngettext("%(num)d grupp föreslogs. Flytta synpunkter mellan grupperna om något hamnat fel.",
                           "%(num)d grupper föreslogs. Flytta synpunkter mellan grupperna om något hamnat fel.",
                           len(created)) if created else
                  _("Inga synpunkter liknade varandra tillräckligt för att grupperas."), "success")
            return redirect(back, code=303)
    return _render("consolidation/groups_suggest.html", consultation, status, principle=principle, form=form,
                   back=back, existing=existing, texts=len(groups.items(consultation, principle)), message=message)
