"""The process owner's upload page for a file of answers, and its template file."""
from flask import Blueprint, Response as HttpResponse, render_template
from flask_babel import format_number, lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from remiss.consultations import states
from remiss.consultations.models import Consultation
from remiss.extensions import db
from remiss.permissions import may_manage_consultations, permission_required
from remiss.responses import importing, operations as answering

bp = Blueprint("response_import", __name__)


class ImportForm(FlaskForm):
    file = FileField(
        _l("Fil med svar (.csv eller .xlsx)"),
        validators=[FileRequired(_l("Välj en fil att importera."))],
        render_kw={"accept": ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    )
    publish_name = RadioField(
        _l("Får svaren i filen publiceras med remissinstansernas namn i den offentliga remissammanställningen?"),
        choices=[SelectChoice("yes", _l("Ja, med namn")), SelectChoice("no", _l("Nej, utan namn"))],
        validators=[InputRequired(_l("Svara på om svaret får publiceras med namn i den offentliga "
                                     "remissammanställningen."))],
    )


def _page(consultation, form, *, failure=None, result=None, status=200):
    return render_template(
        "responses/import.html",
        consultation=consultation,
        form=form,
        failure=failure,
        result=result,
        alternatives_offered=importing.alternatives_offered(consultation),
        accepted=states.registration_possible(consultation),
        max_text_length=format_number(answering.MAX_TEXT_LENGTH),
        max_reason_length=format_number(answering.MAX_REASON_LENGTH),
    ), status


@bp.route("/consultations/<int:consultation_id>/import", methods=["GET", "POST"])
@permission_required(may_manage_consultations)
def upload(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    form = ImportForm()
    if not form.validate_on_submit():
        return _page(consultation, form, status=422 if form.errors else 200)
    upload = form.file.data
    try:
        result = importing.import_responses(consultation, upload.stream, upload.filename or "",
                                            current_user._get_current_object(),
                                            publish_name=form.publish_name.data == "yes")
    except importing.ImportFailed as failure:
        db.session.rollback()
        return _page(consultation, form, failure=failure, status=422)
    db.session.commit()
    return _page(consultation, ImportForm(formdata=None), result=result)


@bp.route("/consultations/<int:consultation_id>/import/template.csv")
@permission_required(may_manage_consultations)
def template(consultation_id):
    consultation = db.get_or_404(Consultation, consultation_id)
    body = importing.template_csv(consultation)
    filename = f"remissvar-{consultation.id}.csv"
    return HttpResponse(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
