"""Public pages: the documents, their versions, and each version as a Markdown file."""
from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from remiss.documents import queries
from remiss.documents.format import DocumentFormatError
from remiss.documents.operations import export_file_name, export_version
from remiss.errors import render_error
from remiss.permissions import may_read_version, require

bp = Blueprint("documents", __name__)


@bp.route("/")
def index():
    page = queries.documents_page(current_user, request.args.get("page", 1, type=int))
    listed = [(doc, queries.current_version(current_user, doc)) for doc in page.items]
    return render_template("documents/index.html", listed=[(d, v) for d, v in listed if v], page=page)


@bp.route("/documents/<key>")
def document(key):
    doc = queries.get_document(key) or abort(404)
    version = queries.current_version(current_user, doc)
    if version is None:
        # Only drafts: the anonymous are asked to log in, the rest are told no.
        require(not doc.versions)
        abort(404)
    return redirect(url_for("documents.version", key=key, number=version.number))


@bp.route("/documents/<key>/versions")
def versions(key):
    doc = queries.get_document(key) or abort(404)
    if not queries.visible_versions(current_user, doc):
        require(False)
    page = queries.versions_page(current_user, doc, request.args.get("page", 1, type=int))
    return render_template(
        "documents/versions.html",
        document=doc,
        current=queries.current_version(current_user, doc),
        page=page,
    )


@bp.route("/documents/<key>/versions/<int:number>")
def version(key, number):
    version = queries.get_version(key, number) or abort(404)
    require(may_read_version(current_user, version))
    doc = version.document
    return render_template(
        "documents/version.html",
        version=version,
        document=doc,
        versions=queries.visible_versions(current_user, doc),
        current=queries.current_version(current_user, doc),
    )


@bp.route("/documents/<key>/versions/<int:number>.md")
def version_markdown(key, number):
    version = queries.get_version(key, number) or abort(404)
    require(may_read_version(current_user, version))
    try:
        text = export_version(version)
    except DocumentFormatError as error:
        return render_error(409, str(error))
    response = Response(text, mimetype="text/markdown")
    response.headers["Content-Disposition"] = f'inline; filename="{export_file_name(version)}"'
    return response
