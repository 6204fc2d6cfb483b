"""The verbs of principle documents: a Markdown file becomes a new version, a version becomes a file.

Never commit: the CLI command or the view that calls these does.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from remiss.audit import record
from remiss.documents.format import (
    DocumentData,
    DocumentFormatError,
    PrincipleData,
    Problem,
    parse_document,
    write_document,
)
from remiss.documents.models import (
    Alternative,
    Criterion,
    Document,
    DocumentVersion,
    Principle,
    PrincipleText,
    Section,
    SectionKind,
    VersionStatus,
)
from remiss.extensions import db


def _version_number(data: DocumentData, document: Document | None) -> int:
    """The number the new version gets: the file's own if it is free, else the next one."""
    latest = 0
    taken: set[int] = set()
    if document is not None:
        taken = set(
            db.session.execute(
                select(DocumentVersion.number).where(DocumentVersion.document_id == document.id)
            ).scalars()
        )
        latest = max(taken, default=0)
    if data.version is None:
        return latest + 1
    line = data.lines.get("version")
    if data.version in taken:
        raise DocumentFormatError(
            _(
                "version %(number)s av dokumentet '%(key)s' finns redan. Nästa lediga versionsnummer är "
                "%(next)s: ändra 'version' i huvudet (eller ta bort raden så får versionen nästa nummer).",
                number=data.version, key=data.key, next=latest + 1,
            ),
            line=line,
        )
    if data.version < latest:
        # Versions are read in number order; an older number for newer text would mislead.
        raise DocumentFormatError(
            _(
                "versionsnumret %(number)s är lägre än den senaste versionen av dokumentet '%(key)s' "
                "(%(latest)s). Nästa lediga versionsnummer är %(next)s.",
                number=data.version, key=data.key, latest=latest, next=latest + 1,
            ),
            line=line,
        )
    return data.version


def import_document(text: str, actor=None) -> DocumentVersion:
    """A file's text as a new draft version of its document (the document is created if new).

    For process owners and administrators (the CLI calls it with actor=None). Principles whose
    key is already known to the document keep their identity, whatever their number or title now.
    Raises DocumentFormatError, naming the line, before anything is added to the session when the
    file is malformed or its version number is taken. Writes an audit entry; never commits.
    """
    data = parse_document(text)
    document = db.session.execute(select(Document).where(Document.key == data.key)).scalar_one_or_none()
    number = _version_number(data, document)
    latest = None
    if document is not None:
        # The edited file is prepared from the newest version there is (what the editor copies too).
        latest = db.session.execute(
            select(DocumentVersion).where(DocumentVersion.document_id == document.id)
            .order_by(DocumentVersion.number.desc()).limit(1)
        ).scalar_one_or_none()

    known: dict[str, Principle] = {}
    if document is not None:
        known = {
            p.key: p
            for p in db.session.execute(select(Principle).where(Principle.document_id == document.id)).scalars()
        }
    # A merged principle must have existed: its comments trace forward to the text it joined.
    unknown = [
        Problem(part.merged_line, _("principen '%(key)s' på raden 'Sammanslagen med:' finns inte i någon tidigare "
                                    "version av dokumentet '%(document)s'.", key=key, document=data.key))
        for part in data.principles for key in part.merged_from if key not in known
    ]
    if unknown:
        raise DocumentFormatError(unknown)
    if document is None:
        document = Document(key=data.key)
        db.session.add(document)

    version = DocumentVersion(
        document=document,
        number=number,
        status=VersionStatus.draft,
        title=data.title,
        owner=data.owner,
        decision_body=data.decision_body,
        change_summary=data.change_summary,
        created_by_id=getattr(actor, "id", None),
        based_on=latest,
    )
    db.session.add(version)

    new_principles = []
    for position, part in enumerate(data.parts, 1):
        if isinstance(part, PrincipleData):
            principle = known.get(part.key)
            if principle is None:
                principle = Principle(document=document, key=part.key)
                known[part.key] = principle
                new_principles.append(part.key)
            row = PrincipleText(
                version=version, principle=principle, position=position, number=part.number, title=part.title,
                statement=part.statement, keywords=part.keywords, implications=part.implications,
                merged_from=[known[key] for key in part.merged_from],
            )
            parent = {"principle_text": row}
        else:
            row = Section(
                version=version, position=position, key=part.key, heading=part.heading, body=part.body,
                kind=SectionKind.criteria if part.is_criteria else SectionKind.text,
            )
            parent = {"section": row}
        db.session.add(row)
        for index, alternative in enumerate(part.alternatives, 1):
            db.session.add(
                Alternative(version=version, position=index, label=alternative.label, body=alternative.body, **parent)
            )
    for position, text_ in enumerate(data.criteria, 1):
        db.session.add(Criterion(version=version, position=position, text=text_))

    db.session.flush()  # ids for the audit entry
    record(
        actor,
        "document_version.imported",
        version,
        # The trail is kept in the working language, whoever reads it later.
        summary=f"Version {number} av {data.key} importerad från fil.",
        document_id=document.id,
        after={
            "key": data.key,
            "number": number,
            "title": data.title,
            "sections": [s.key for s in data.sections],
            "principles": [p.key for p in data.principles],
            "new_principles": new_principles,
            "based_on": latest.number if latest is not None else None,
            "merged": {p.key: p.merged_from for p in data.principles if p.merged_from},
            "criteria": len(data.criteria),
            "alternatives": len(data.alternatives),
        },
    )
    return version


def export_version(version: DocumentVersion) -> str:
    """The version as a Markdown file in canonical form (what import_document reads back unchanged).

    The caller checks that the reader may see the version. Raises DocumentFormatError if the stored
    text cannot be written as a file without losing something.
    """
    return write_document(version)


def export_file_name(version: DocumentVersion) -> str:
    return f"{version.document.key}-version-{version.number}.md"

