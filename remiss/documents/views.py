"""Public pages: the documents, their versions, each version as a Markdown, PDF or Word file, the
word-level diff between any two versions, the history of approved versions with their decisions,
and the Atom feed of newly approved versions."""
from datetime import datetime, timezone

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import format_date, gettext as _
from flask_login import current_user

from remiss.consultations.states import report_is_final
from remiss.documents import export, queries, states
from remiss.documents.diff import diff_versions
from remiss.documents.format import DocumentFormatError
from remiss.documents.operations import export_file_name, export_version
from remiss.errors import render_error
from remiss.permissions import may_read_version, require

bp = Blueprint("documents", __name__)

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# Route ids above a database integer are a 404, not a database error (PostgreSQL).
MAX_NUMBER = 2**31 - 1


@bp.context_processor
def _helpers():
    return {"format_date": format_date, "report_is_final": report_is_final}


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
        decision=queries.approved_decision(version) if states.is_public(version) else None,
        compare_with=queries.previous_readable_version(current_user, version),
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


def _readable_version(key, number):
    version = queries.get_version(key, number) or abort(404)
    require(may_read_version(current_user, version))
    return version


def _number_arg(name):
    value = request.args.get(name, type=int)
    if value is not None and not 0 < value <= MAX_NUMBER:
        abort(404)
    return value


def _diff_context(key):
    """The two versions to compare (?from=N&to=M), each readable by this user, and their diff.
    Without numbers: the current version against the one it was prepared from (or the one before)."""
    doc = queries.get_document(key) or abort(404)
    visible = queries.visible_versions(current_user, doc)
    if not visible:
        require(False)
    to_number, from_number = _number_arg("to"), _number_arg("from")
    if to_number is None:
        if from_number is not None:
            later = [v for v in visible if v.number > from_number]
            to_number = later[0].number if later else visible[-1].number
        else:
            to_number = queries.current_version(current_user, doc).number
    new = _readable_version(key, to_number)
    if from_number is None:
        old_version = queries.previous_readable_version(current_user, new)
        old = _readable_version(key, old_version.number) if old_version else None
    else:
        old = _readable_version(key, from_number)
    return {
        "document": doc,
        "versions": visible,
        "old": old,
        "new": new,
        "diff": diff_versions(old, new) if old is not None else None,
    }


@bp.route("/documents/<key>/diff")
def diff(key):
    return render_template("documents/diff.html", **_diff_context(key))


@bp.route("/documents/<key>/diff/print")
def diff_print(key):
    """The same comparison as a clean page for paper: no choosing form, every part in full."""
    return render_template("documents/diff_print.html", **_diff_context(key))


@bp.route("/documents/<key>/history")
def history(key):
    doc = queries.get_document(key) or abort(404)
    if not queries.visible_versions(current_user, doc):
        require(False)
    approved = queries.approved_versions(doc)
    return render_template(
        "documents/history.html",
        document=doc,
        approved=list(reversed(approved)),
        current=queries.current_version(current_user, doc),
        decisions=queries.approved_decisions(approved),
        consultations=queries.report_consultations(approved),
        previous={v.id: queries.previous_approved_version(v) for v in approved},
    )


@bp.route("/documents/<key>/versions/<int:number>.pdf")
def version_pdf(key, number):
    version = _readable_version(key, number)
    data = export.render_pdf(version, queries.approved_decision(version))
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{export.file_name(version, "pdf")}"'
    return response


@bp.route("/documents/<key>/versions/<int:number>.docx")
def version_docx(key, number):
    version = _readable_version(key, number)
    data = export.render_docx(version, queries.approved_decision(version))
    response = Response(data, mimetype=DOCX_TYPE)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.file_name(version, "docx")}"'
    return response


# --- Atom ------------------------------------------------------------------------------------------------


def _published(version) -> datetime:
    """When a version was approved; a version imported as approved has only its creation time."""
    return version.published_at or version.created_at


def _atom(versions, title: str, self_url: str, alternate_url: str, feed_id: str) -> Response:
    from feedgen.feed import FeedGenerator

    decisions = queries.approved_decisions(versions)
    feed = FeedGenerator()
    feed.id(feed_id)
    feed.title(title)
    feed.author({"name": "Remiss"})
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.link(href=alternate_url, rel="alternate", type="text/html")
    feed.language(export.language())
    feed.updated(max((_published(v) for v in versions), default=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    # feedgen puts entries first-added last; add the oldest first so the newest leads the feed.
    for version in reversed(versions):
        url = url_for("documents.version", key=version.document.key, number=version.number, _external=True)
        entry = feed.add_entry()
        entry.id(url)
        entry.title(_("%(title)s, version %(number)s fastställd", title=version.title, number=version.number))
        entry.link(href=url, rel="alternate", type="text/html")
        entry.published(_published(version))
        entry.updated(_published(version))
        decision = decisions.get(version.id)
        summary = [_("Version %(number)s av %(title)s är fastställd.", number=version.number, title=version.title)]
        if decision is not None:
            summary.append(_("Beslut %(date)s", date=decision.decided_on.isoformat())
                           + "".join(f", {part}" for part in (decision.body, decision.minutes_reference,
                                                               decision.paragraph) if part) + ".")
        if version.change_summary:
            summary.append(version.change_summary)
        entry.summary("\n\n".join(summary))
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


@bp.route("/documents/feed.atom")
def feed():
    return _atom(
        queries.newly_approved(),
        title=_("Styrande principer: fastställda versioner"),
        self_url=url_for("documents.feed", _external=True),
        alternate_url=url_for("documents.index", _external=True),
        feed_id=url_for("documents.feed", _external=True),
    )


@bp.route("/documents/<key>/feed.atom")
def document_feed(key):
    """Public data only: a document that has never been approved has no feed (for anyone)."""
    doc = queries.get_document(key) or abort(404)
    versions = queries.newly_approved(doc)
    if not versions:
        abort(404)
    return _atom(
        versions,
        title=_("%(title)s: fastställda versioner", title=versions[0].title),
        self_url=url_for("documents.document_feed", key=key, _external=True),
        alternate_url=url_for("documents.history", key=key, _external=True),
        feed_id=url_for("documents.document_feed", key=key, _external=True),
    )
