"""Public pages: the documents and their versions."""
from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user

from remiss.documents import queries
from remiss.permissions import may_read_version, require

bp = Blueprint("documents", __name__)


@bp.route("/")
def index():
    documents = queries.documents_with_versions()
    listed = [(doc, queries.current_version(current_user, doc)) for doc in documents]
    return render_template("documents/index.html", listed=[(d, v) for d, v in listed if v])


@bp.route("/documents/<key>")
def document(key):
    doc = queries.get_document(key) or abort(404)
    version = queries.current_version(current_user, doc)
    if version is None:
        abort(404)
    return redirect(url_for("documents.version", key=key, number=version.number))


@bp.route("/documents/<key>/versions/<int:number>")
def version(key, number):
    version = queries.get_version(key, number) or abort(404)
    require(may_read_version(current_user, version))
    doc = version.document
    return render_template(
        "documents/version.html",
        version=version,
        document=doc,
        versions=queries.visible_versions(current_user, queries.get_document(key)),
    )
