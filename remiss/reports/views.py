"""The report page of a consultation, the downloads in every format, the report inside the app,
and "Ny version av sammanställningen".

Downloads: a frozen report is served as stored (its bytes, its checksum); otherwise the report
is rendered now – a draft, marked UTKAST, until the consolidation is complete. `?public=1`
chooses the public version, `?number=N` an earlier frozen version, `?locale=en` a rendering in
English (the frozen copy is the Swedish record).
"""
from __future__ import annotations

import base64

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from remiss.consolidation import redaction
from remiss.consolidation.models import ConsolidatedReport
from remiss.consultations import queries as consultation_queries
from remiss.extensions import db
from remiss.forms import ConfirmForm
from remiss.permissions import (
    may_manage_reports,
    may_read_internal_report,
    may_read_public_report,
    require,
)
from remiss.reports import common, data, html, operations, rendering, row_html
from remiss.consultations import states

bp = Blueprint("reports", __name__, url_prefix="/consultations")
# The report's templates write each answer with it (reports/_macros.html); the CLI renders them too.
bp.add_app_template_global(row_html.RowHtml, "RowHtml")

VERSIONS_PAGE_SIZE = 24  # two frozen versions: six formats, internal and public
FORMAT_NAMES = {
    "pdf": "PDF",
    "docx": "Word (DOCX)",
    "html": "HTML",
    "xlsx": "Excel (XLSX)",
    "csv": "CSV",
    "json": "JSON",
}


@bp.context_processor
def _helpers():
    return {"report_data": data, "format_names": FORMAT_NAMES, "fmt": common}


def _consultation(consultation_id: int):
    return consultation_queries.get_consultation(consultation_id) or abort(404)


def _public_arg() -> bool:
    return request.args.get("public", "") in ("1", "true", "yes")


def _locale_arg() -> str | None:
    value = request.args.get("locale")
    if value is None:
        return None
    if value not in ("sv", "en"):
        abort(400)
    return value


def _require_reader(consultation, public: bool) -> None:
    if public:
        require(may_read_public_report(current_user, consultation))
    else:
        require(may_read_internal_report(current_user))


@bp.route("/<int:consultation_id>/report")
def show(consultation_id):
    consultation = _consultation(consultation_id)
    require(may_read_public_report(current_user, consultation))
    internal = may_read_internal_report(current_user)
    statement = (select(ConsolidatedReport)
                 .where(ConsolidatedReport.consultation_id == consultation.id)
                 .options(defer(ConsolidatedReport.data))
                 .order_by(ConsolidatedReport.number.desc(), ConsolidatedReport.public,
                           ConsolidatedReport.format))
    if not internal:
        statement = statement.where(ConsolidatedReport.public.is_(True))
    page = request.args.get("page", 1, type=int)
    versions = db.paginate(statement, page=page if page and page > 0 else 1, per_page=VERSIONS_PAGE_SIZE,
                           error_out=False)
    return render_template(
        "reports/show.html", consultation=consultation, versions=versions, internal=internal,
        latest=data.latest_number(consultation), final=states.report_is_final(consultation),
        refreezable=may_manage_reports(current_user) and states.report_freezable(consultation), tab="report",
        redactions_stale=internal and redaction.changed_since_frozen(consultation),
    )


@bp.route("/<int:consultation_id>/report.<format>")
def download(consultation_id, format):
    if format not in data.FORMATS:
        abort(404)
    consultation = _consultation(consultation_id)
    public = _public_arg()
    _require_reader(consultation, public)
    number = request.args.get("number", type=int)
    locale = _locale_arg()
    frozen = None
    if locale in (None, operations.FROZEN_LOCALE):
        frozen = data.frozen_report(consultation, format, public, number)
    if number is not None and frozen is None:
        abort(404)
    if frozen is not None:
        response = Response(frozen.data, content_type=common.CONTENT_TYPES[format])
        response.headers["ETag"] = f'"{frozen.sha256}"'
        response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(frozen.sha256)).decode()}:"
        name = common.file_name(consultation.reference_number, consultation.id, format, public=public, draft=False,
                                number=frozen.number)
    else:
        locale = locale or _interface_locale()
        draft = not states.report_is_final(consultation)
        chunks = rendering.stream(consultation, format, public=public, locale=locale)
        response = Response(stream_with_context(chunks), content_type=common.CONTENT_TYPES[format])
        name = common.file_name(consultation.reference_number, consultation.id, format, public=public, draft=draft)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store" if not public else "no-cache"
    return response


@bp.route("/<int:consultation_id>/report/view")
def view(consultation_id):
    """The report as pages of the app (the app's layout and stylesheet; no inline styles): first the
    outline (figures, summaries, links), then `?principle=N`, `?question=N`, `?part=respondents` in
    pages of html.PAGE_SIZE respondents (`&page=K`), and `?part=appendix`. A page's work does not
    grow with the number of respondents beyond its own rows."""
    consultation = _consultation(consultation_id)
    public = _public_arg()
    _require_reader(consultation, public)
    given_locale = _locale_arg()
    locale = given_locale or _interface_locale()
    kept = {**({"public": 1} if public else {}), **({"locale": given_locale} if given_locale else {})}
    args, page = request.args, request.args.get("page", 1, type=int)

    def part_page(part, rows, pages=None, **values):
        return render_template("reports/page.html", part=part, rows=rows, pages=pages, consultation=consultation,
                               public=public, report=html.page_report(consultation, public, locale),
                               outline_url=url_for("reports.view", consultation_id=consultation.id, **kept), **values)

    try:
        if "principle" in args:
            principle, pages, rows = html.principle_page(consultation, args.get("principle", 0, type=int), public,
                                                         locale, page)
            return part_page("principle", rows, pages, principle=principle)
        if "question" in args:
            question, pages, rows = html.question_page(consultation, args.get("question", 0, type=int), public,
                                                       locale, page)
            return part_page("question", rows, pages, question=question)
        if args.get("part") == "respondents":
            pages, rows = html.respondents_page(consultation, public, locale, page)
            return part_page("respondents", rows, pages)
        if args.get("part") == "appendix":
            return part_page("appendix", html.appendix_page(consultation, public, locale))
    except html.PageNotFound:
        abort(404)
    report = data.build_report(consultation, public=public, locale=locale, answers=False,
                               number=data.latest_number(consultation) if states.report_is_final(consultation)
                               else None)
    return render_template("reports/view.html", consultation=consultation, report=report, public=public,
                           rows=html.OutlineRows(consultation.id, kept))


@bp.route("/<int:consultation_id>/report/new-version", methods=["GET", "POST"])
def new_version(consultation_id):
    consultation = _consultation(consultation_id)
    require(may_manage_reports(current_user))
    back = url_for("reports.show", consultation_id=consultation.id)
    if not states.report_freezable(consultation):
        return render_template("consultations/refused.html", consultation=consultation, message=_(
            "En ny version av sammanställningen kan bara göras när remissen är sammanställd och innan "
            "styrgruppen har beslutat.")), 409
    latest = data.latest_number(consultation)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            stored = operations.freeze_reports(consultation, current_user)
            db.session.commit()
        except operations.NotFreezable as error:
            db.session.rollback()
            return render_template("consultations/refused.html", consultation=consultation, message=str(error)), 409
        except IntegrityError:  # someone else stored the same version number a moment earlier
            db.session.rollback()
            return render_template("consultations/refused.html", consultation=consultation, message=_(
                "Någon annan fastställde just en ny version av sammanställningen. Se efter på sidan om den behövs.")), 409
        flash(_("Version %(number)s av sammanställningen är fastställd och sparad.", number=stored[0].number),
              "success")
        return redirect(back)
    number = (latest or 0) + 1
    return render_template(
        "consultations/confirm.html", consultation=consultation, form=form, tab="report",
        heading=_("Ny version av sammanställningen?"),
        lines=[
            _("Sammanställningen skapas på nytt i alla format, intern och offentlig, och sparas som version "
              "%(number)s med kontrollsummor.", number=number),
            _("Tidigare versioner finns kvar oförändrade. Nedladdningar ger därefter version %(number)s.",
              number=number),
        ],
        button=_("Fastställ version %(number)s", number=number), cancel=back,
    )


def _interface_locale() -> str:
    locale = get_locale()
    return locale.language if locale is not None and locale.language in ("sv", "en") else "sv"
