"""People administration: a person's personal data as a download, and erasing a person (GDPR).

Routes on the auth blueprint (endpoints auth.person_data_export and auth.person_erase);
the operations are in remiss/auth/gdpr.py.
"""
import json

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from remiss.auth import gdpr
from remiss.auth.models import User
from remiss.auth.views import bp
from remiss.extensions import db
from remiss.permissions import may_handle_personal_data, permission_required


def _person(user_id: int) -> User:
    return db.session.get(User, user_id) or abort(404)


@bp.route("/admin/people/<int:user_id>/personal-data")
@permission_required(may_handle_personal_data)
def person_data_export(user_id):
    """Everything stored about the person, as a JSON file; the export is logged."""
    person = _person(user_id)
    data = gdpr.personal_data(person)
    gdpr.record_export(current_user._get_current_object(), person)
    db.session.commit()
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="personuppgifter-{person.id}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin/people/<int:user_id>/erase", methods=["GET", "POST"])
@permission_required(may_handle_personal_data)
def person_erase(user_id):
    """GET shows what will be deleted and kept and asks "Är du säker?"; POST erases."""
    person = _person(user_id)
    me = current_user._get_current_object()
    refusal = None
    try:
        gdpr.check_erasable(me, person)
    except gdpr.NotErasable as error:
        refusal = error.message
    if request.method == "POST" and refusal is None:
        try:
            plan = gdpr.erase_person(me, person)
        except gdpr.NotErasable as error:  # erased by someone else a moment ago
            db.session.rollback()
            refusal = error.message
        else:
            db.session.commit()
            flash(_("Personen är raderad. %(deleted)s utkast togs bort; %(kept)s inskickade svar finns kvar utan "
                    "namn.", deleted=len(plan.drafts_deleted), kept=len(plan.responses_kept)), "success")
            return redirect(url_for("auth.people_edit", user_id=person.id))
    plan = gdpr.erasure_plan(person) if refusal is None else None
    status = 409 if refusal else 200
    return render_template("auth/person_erase.html", person=person, plan=plan, refusal=refusal), status
