"""Downloading the archive package of a finished consultation (remiss/archive.py): process owners
and administrators, from the report page."""
from __future__ import annotations

import base64
import hashlib

from flask import Blueprint, Response, abort, make_response, render_template

from remiss import archive
from remiss.consultations import queries as consultation_queries
from remiss.permissions import may_download_archive, permission_required

bp = Blueprint("archive", __name__, url_prefix="/consultations")


@bp.route("/<int:consultation_id>/archive.zip")
@permission_required(may_download_archive)
def download(consultation_id):
    consultation = consultation_queries.get_consultation(consultation_id)
    if consultation is None:
        abort(404)
    try:
        content = archive.build_archive(consultation)
    except archive.NotArchivable as refused:
        abort(make_response(render_template("consultations/refused.html", consultation=consultation,
                                            message=refused.message), refused.status))
    response = Response(content, content_type="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{archive.file_name(consultation)}"'
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(hashlib.sha256(content).digest()).decode()}:"
    return response
