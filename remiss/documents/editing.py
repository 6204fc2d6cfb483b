"""Preparing the next version of a document: copy any version as a new draft, edit the draft's
parts online (with optimistic locking, as answers are), add, remove, reorder and merge principles,
or import an edited Markdown file as the next version.

Who may: process owners and administrators (`permissions.may_manage_documents`), asked by the
caller. What may change: only a draft (`states.editable`), asked here on every write. Every change
writes an audit entry with the document's id; nothing here commits – the request does.

Locking: each part (the version's own fields, a principle's text, a section) carries its
lock_version (SQLAlchemy's version counter). A save based on an older lock_version is not applied
and comes back as a Conflict with the stored and the user's values, so nobody's text is lost.
Order and numbers are written with plain UPDATE statements, which leave the counters alone: moving
a principle does not make a colleague's open text of it conflict.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm.exc import StaleDataError

from remiss.audit import record
from remiss.consultations.models import consultation_criterion
from remiss.documents import states
from remiss.documents.format import (
    KEY_PATTERN,
    MAX_BODY,
    MAX_CRITERION,
    MAX_KEY,
    MAX_KEYWORDS,
    MAX_TITLE,
    DocumentData,
    DocumentFormatError,
    PrincipleData,
    SectionData,
    _text as file_text,
    criteria_from_body,
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
from remiss.documents.operations import import_document
from remiss.errors import UserError
from remiss.extensions import db
from remiss.labels import label

VERSION_FIELDS = ("title", "owner", "decision_body", "change_summary")
PRINCIPLE_FIELDS = ("title", "statement", "keywords", "implications")
SECTION_FIELDS = ("heading", "body")
# Fields that are one line in the file (the rest are Markdown bodies), with their maximum length.
LINE_FIELDS = {"title": MAX_TITLE, "owner": MAX_TITLE, "decision_body": MAX_TITLE, "keywords": MAX_KEYWORDS,
               "heading": MAX_TITLE}
REQUIRED_FIELDS = ("title", "heading")


# --- refusals -----------------------------------------------------------------------------------


class EditorError(UserError):
    """A refusal of an edit; field errors are keyed like the form's fields ("p12.title")."""


class NotEditable(EditorError):
    """The version is not a draft: answers or decisions rest on its text."""

    status = 409


class InvalidEdit(EditorError):
    status = 422


class DraftExists(EditorError):
    """The document already has a draft: that draft is the next version."""

    status = 409

    def __init__(self, message: str, draft: DocumentVersion):
        super().__init__(message)
        self.draft = draft


# --- results ------------------------------------------------------------------------------------


@dataclass
class Conflict:
    """Someone else saved first: nothing was overwritten. Both versions, for the user to merge."""

    stored: dict
    yours: dict
    # Send this as the base to save the user's version deliberately.
    lock_version: int


@dataclass
class SaveResult:
    key: str
    saved: bool
    changed: bool
    lock_version: int
    conflict: Conflict | None = None


@dataclass
class PartInput:
    """One part of the editor form as sent: key "version", "p<PrincipleText id>" or "s<Section id>"."""

    key: str
    subject: DocumentVersion | PrincipleText | Section
    values: dict
    base_lock_version: int = 0
    errors: dict = field(default_factory=dict)


# --- questions ----------------------------------------------------------------------------------


def not_editable_message(version: DocumentVersion) -> str:
    return _("Version %(number)s är inte ett utkast (den är ”%(status)s”) och kan inte ändras: remissvar eller "
             "beslut bygger på texten. Skapa en ny version från den i stället.",
             number=version.number, status=label(version.status))


def require_editable(version: DocumentVersion) -> None:
    if not states.editable(version):
        raise NotEditable(not_editable_message(version))


def open_draft(document: Document) -> DocumentVersion | None:
    """The document's draft, if it has one (there is at most one, see create_next_version)."""
    return db.session.execute(
        select(DocumentVersion)
        .where(DocumentVersion.document_id == document.id, DocumentVersion.status == VersionStatus.draft)
        .order_by(DocumentVersion.number.desc()).limit(1)
    ).scalar_one_or_none()


def _draft_exists(draft: DocumentVersion) -> DraftExists:
    return DraftExists(
        _("Dokumentet har redan ett utkast, version %(number)s. Arbeta vidare i det, eller dra tillbaka det "
          "innan en ny version skapas.", number=draft.number),
        draft,
    )


def part_key(part) -> str:
    if isinstance(part, DocumentVersion):
        return "version"
    return f"p{part.id}" if isinstance(part, PrincipleText) else f"s{part.id}"


def _audit(actor, action: str, obj, version: DocumentVersion, summary: str, before=None, after=None) -> None:
    record(actor, action, obj, summary=summary, before=before, after=after, document_id=version.document_id)


# --- the next version -----------------------------------------------------------------------------


def create_next_version(version: DocumentVersion, actor) -> DocumentVersion:
    """A draft copy of any version as the document's next version (number = highest + 1).

    For process owners and administrators. Sections, principle texts (the same Principle
    identities), criteria, alternatives and merges are copied; the change summary starts empty,
    since it describes what the new version changes. Refused with DraftExists while the document
    has a draft: that draft is already the next version. Two requests at once meet the unique
    (document, number) constraint at flush; the caller rolls back and says so.
    """
    document = version.document
    draft = open_draft(document)
    if draft is not None:
        raise _draft_exists(draft)
    number = db.session.execute(
        select(func.max(DocumentVersion.number)).where(DocumentVersion.document_id == document.id)
    ).scalar_one() + 1
    new = DocumentVersion(
        document=document, number=number, status=VersionStatus.draft, title=version.title, owner=version.owner,
        decision_body=version.decision_body, change_summary="", created_by_id=getattr(actor, "id", None),
        based_on=version,
    )
    db.session.add(new)
    for section in version.sections:
        copy = Section(version=new, position=section.position, key=section.key, kind=section.kind,
                       heading=section.heading, body=section.body)
        db.session.add(copy)
        for alternative in section.alternatives:
            db.session.add(Alternative(version=new, section=copy, position=alternative.position,
                                       label=alternative.label, body=alternative.body))
    for text in version.principle_texts:
        copy = PrincipleText(version=new, principle=text.principle, position=text.position, number=text.number,
                             title=text.title, statement=text.statement, keywords=text.keywords,
                             implications=text.implications, merged_from=list(text.merged_from))
        db.session.add(copy)
        for alternative in text.alternatives:
            db.session.add(Alternative(version=new, principle_text=copy, position=alternative.position,
                                       label=alternative.label, body=alternative.body))
    for criterion in version.criteria:
        db.session.add(Criterion(version=new, position=criterion.position, text=criterion.text))
    db.session.flush()
    _audit(actor, "document_version.created_from", new, new,
           f"Version {number} av {document.key} skapad från version {version.number}.",
           after={"number": number, "based_on": version.number, "principles": [t.key for t in version.principle_texts],
                  "sections": [s.key for s in version.sections]})
    return new


def import_next_version(text: str, actor) -> DocumentVersion:
    """An edited Markdown file as the next version of its document (or the first of a new one).

    For process owners and administrators. Uses `operations.import_document`, which sets based_on
    to the document's newest version. Raises DocumentFormatError (every problem with its line)
    or DraftExists before anything is added to the session.
    """
    data = parse_document(text)
    document = db.session.execute(select(Document).where(Document.key == data.key)).scalar_one_or_none()
    if document is not None:
        draft = open_draft(document)
        if draft is not None:
            raise _draft_exists(draft)
    return import_document(text, actor)


# --- saving parts ---------------------------------------------------------------------------------


def clean_value(name: str, value) -> str:
    """Text as typed, with the browser's CRLF made LF and NUL removed; one-line fields trimmed."""
    text = "" if value is None else str(value)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.strip() if name in LINE_FIELDS else text


def _fields_of(subject) -> tuple[str, ...]:
    if isinstance(subject, DocumentVersion):
        return VERSION_FIELDS
    return PRINCIPLE_FIELDS if isinstance(subject, PrincipleText) else SECTION_FIELDS


def stored_values(subject) -> dict:
    return {name: getattr(subject, name) or "" for name in _fields_of(subject)}


def _round_trips(data: PrincipleData | SectionData) -> bool:
    """Whether the part, written as a file and read back, is the same part (nothing lost on export)."""
    parts = [data]
    if isinstance(data, SectionData):
        parts.append(PrincipleData(key="x-principle", number=1, title="x"))
    document = DocumentData(key="x", title="x", parts=parts)
    try:
        write_document(document)
    except DocumentFormatError:
        return False
    return True


def _part_data(subject, values: dict) -> PrincipleData | SectionData:
    if isinstance(subject, PrincipleText):
        return PrincipleData(key="x-part", number=1, title=values["title"] or "x", statement=file_text(values["statement"]),
                             keywords=values["keywords"], implications=file_text(values["implications"]))
    is_criteria = subject.kind == SectionKind.criteria
    body = file_text(values["body"])
    return SectionData(key="x-part", heading=values["heading"] or "x", body=body, is_criteria=is_criteria,
                       criteria=criteria_from_body(body) if is_criteria else [])


def _check_file_format(part: PartInput, values: dict) -> None:
    """Text the Markdown file would read differently (a line '## …' or 'Nyckelord: …' in a
    statement) is refused here, at the field, instead of at the next export."""
    subject = part.subject
    if isinstance(subject, DocumentVersion) or _round_trips(_part_data(subject, values)):
        return
    message = _("En rad i texten skulle läsas som en rubrik (## …) eller som raden ”Nyckelord:” eller "
                "”Sammanslagen med:” när versionen hämtas ut som fil. Skriv om raden, t.ex. med ett annat "
                "tecken först.")
    blank = {name: "" for name in values}
    culprits = [name for name in part.values
                if not _round_trips(_part_data(subject, {**blank, name: values[name]}))]
    for name in culprits or [next(iter(part.values))]:
        part.errors[f"{part.key}.{name}"] = message


def _validate(part: PartInput) -> dict:
    """The values to store (stored values for fields not sent); errors land in part.errors."""
    subject = part.subject
    names = _fields_of(subject)
    given = {name: clean_value(name, value) for name, value in part.values.items() if name in names}
    part.values = given
    values = {**stored_values(subject), **given}
    for name, value in given.items():
        path = f"{part.key}.{name}"
        maximum = LINE_FIELDS.get(name, MAX_BODY)
        if name in REQUIRED_FIELDS and not value:
            part.errors[path] = _("Fältet får inte vara tomt.")
        elif name in LINE_FIELDS and "\n" in value:
            part.errors[path] = _("Fältet ska vara en rad.")
        elif len(value) > maximum:
            part.errors[path] = _("Texten har %(length)s tecken; högst %(max)s får plats.", length=len(value),
                                  max=maximum)
    if isinstance(subject, Section) and subject.kind == SectionKind.criteria and "body" in given:
        items = criteria_from_body(values["body"])
        path = f"{part.key}.body"
        if not items:
            part.errors[path] = _("Avsnittet med kvalitetskriterier behöver en numrerad lista (1. …), en punkt "
                                  "per kriterium.")
        elif any(not item for item in items):
            part.errors[path] = _("En punkt i listan med kvalitetskriterier är tom.")
        elif any(len(item) > MAX_CRITERION for item in items):
            part.errors[path] = _("Ett kvalitetskriterium är längre än %(max)s tecken.", max=MAX_CRITERION)
    if not part.errors:
        _check_file_format(part, values)
    return values


def _sync_criteria(section: Section) -> None:
    """The version's Criterion rows follow the numbered list of its criteria section."""
    version = section.version
    items = criteria_from_body(section.body)
    existing = sorted(version.criteria, key=lambda c: c.position)
    surplus = existing[len(items):]
    if surplus:
        used = db.session.execute(
            select(func.count()).select_from(consultation_criterion)
            .where(consultation_criterion.c.criterion_id.in_([c.id for c in surplus]))
        ).scalar_one()
        if used:
            raise InvalidEdit(
                _("En remiss som förbereds för den här versionen ställer kvalitetskriterierna. Ta bort kriteriet "
                  "ur remissen först, eller behåll lika många kriterier."),
                {f"{part_key(section)}.body": _("Listan har färre kriterier än remissen använder.")},
            )
    for criterion, text in zip(existing, items):
        if criterion.text != text:
            criterion.text = text
    for criterion in surplus:
        db.session.delete(criterion)
    for position, text in enumerate(items[len(existing):], len(existing) + 1):
        db.session.add(Criterion(version=version, position=position, text=text))


def _conflict(part: PartInput, subject, yours: dict) -> SaveResult:
    stored = {name: value for name, value in stored_values(subject).items() if name in part.values}
    return SaveResult(key=part.key, saved=False, changed=False, lock_version=subject.lock_version,
                      conflict=Conflict(stored=stored, yours=dict(part.values), lock_version=subject.lock_version))


def _describe(version: DocumentVersion, subject) -> str:
    if isinstance(subject, DocumentVersion):
        return f"Version {version.number} av {version.document.key}: versionens uppgifter ändrade."
    if isinstance(subject, PrincipleText):
        return f"Version {version.number} av {version.document.key}: princip {subject.number} ({subject.key}) ändrad."
    return f"Version {version.number} av {version.document.key}: avsnittet {subject.key} ändrat."


def save_parts(version: DocumentVersion, parts: list[PartInput], actor) -> list[SaveResult]:
    """Save the editor's parts of a draft: the version's fields, principle texts, sections.

    For process owners and administrators. Every part is validated first; if any is refused,
    nothing is saved and InvalidEdit carries every field's message (the caller keeps what was
    typed). A part whose lock_version is older than the stored one is not saved but comes back
    with a Conflict. Raises NotEditable for anything but a draft.
    """
    require_editable(version)
    for part in parts:
        owner = part.subject if isinstance(part.subject, DocumentVersion) else part.subject.version
        if owner.id != version.id:
            raise InvalidEdit(_("Delen hör inte till den här versionen."))
    results = []
    errors: dict[str, str] = {}
    planned = []
    for part in parts:
        values = _validate(part)
        errors.update(part.errors)
        planned.append((part, values))
    if errors:
        raise InvalidEdit(_("Ändringarna kunde inte sparas. Rätta det som står vid fälten; det du skrev finns kvar."),
                          errors)
    for part, values in planned:
        subject = part.subject
        before = stored_values(subject)
        if values == before:
            results.append(SaveResult(key=part.key, saved=True, changed=False, lock_version=subject.lock_version))
            continue
        if subject.lock_version != (part.base_lock_version or 0):
            results.append(_conflict(part, subject, values))
            continue
        try:
            with db.session.begin_nested():
                for name, value in values.items():
                    if before[name] != value:
                        setattr(subject, name, value)
                if isinstance(subject, Section) and subject.kind == SectionKind.criteria and before["body"] != values["body"]:
                    _sync_criteria(subject)
                db.session.flush()
        except StaleDataError:
            # Saved by someone else between our read and our write.
            db.session.refresh(subject)
            results.append(_conflict(part, subject, values))
            continue
        changed = [name for name in values if before[name] != values[name]]
        _audit(actor, "document_version.part_saved", subject, version,
               _describe(version, subject), before={name: before[name] for name in changed},
               after={**{name: values[name] for name in changed}, "lock_version": subject.lock_version})
        results.append(SaveResult(key=part.key, saved=True, changed=True, lock_version=subject.lock_version))
    return results


# --- order, adding, removing, merging -----------------------------------------------------------------


def _renumber(version: DocumentVersion, ordered: list) -> None:
    """Positions 1..n in the given order, principles numbered 1..m in it.

    Plain UPDATEs: the lock_version of the texts is for their words, not their place. Numbers
    are unique per version, so they pass through negative values first.
    """
    db.session.flush()
    texts = [part for part in ordered if isinstance(part, PrincipleText)]
    if texts:
        db.session.execute(
            update(PrincipleText).where(PrincipleText.id.in_([t.id for t in texts]))
            .values(number=-PrincipleText.number).execution_options(synchronize_session=False)
        )
    number = 0
    for position, part in enumerate(ordered, 1):
        if isinstance(part, PrincipleText):
            number += 1
            db.session.execute(update(PrincipleText).where(PrincipleText.id == part.id)
                               .values(position=position, number=number).execution_options(synchronize_session=False))
        else:
            db.session.execute(update(Section).where(Section.id == part.id)
                               .values(position=position).execution_options(synchronize_session=False))
    for part in ordered:
        db.session.expire(part, ["position", "number"] if isinstance(part, PrincipleText) else ["position"])
    db.session.expire(version, ["sections", "principle_texts"])


def _order(version: DocumentVersion) -> list:
    return sorted([*version.sections, *version.principle_texts],
                  key=lambda part: (part.position, isinstance(part, PrincipleText), part.id))


def _place(part) -> dict:
    return {"position": part.position, "number": getattr(part, "number", None)}


def move_part(version: DocumentVersion, part, direction: int, actor) -> bool:
    """Swap a section or principle with its neighbour above (direction -1) or below (+1).

    For process owners and administrators; drafts only. At the edge nothing moves (False).
    """
    require_editable(version)
    ordered = _order(version)
    if part not in ordered:
        raise InvalidEdit(_("Delen hör inte till den här versionen."))
    index = ordered.index(part)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(ordered):
        return False
    before = _place(part)
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(version, ordered)
    _audit(actor, "document_version.part_moved", part, version,
           f"Version {version.number} av {version.document.key}: {part.key} flyttad "
           f"{'upp' if direction < 0 else 'ned'}.",
           before=before, after=_place(part))
    return True


def check_new_key(version: DocumentVersion, key: str) -> str | None:
    """Why a key cannot name a new principle in this version (None if it can)."""
    if not KEY_PATTERN.match(key) or len(key) > MAX_KEY:
        return _("Nyckeln får bara ha små bokstäver a–z, siffror och bindestreck (högst %(max)s tecken), "
                 "t.ex. enkel-kontakt.", max=MAX_KEY)
    if key in {s.key for s in version.sections} or key in {t.key for t in version.principle_texts}:
        return _("Nyckeln ”%(key)s” används redan i den här versionen.", key=key)
    if any(p.key == key for t in version.principle_texts for p in t.merged_from):
        return _("Principen ”%(key)s” är sammanslagen med en annan princip i den här versionen.", key=key)
    return None


def add_principle(version: DocumentVersion, key: str, title: str, after: str, actor) -> PrincipleText:
    """A new principle in a draft, placed after the part named by `after` ("" = first).

    For process owners and administrators. The key is the principle's identity across versions
    (as `{#key}` in the file): a key the document had before brings that principle back.
    Raises InvalidEdit with field errors "key", "title", "after".
    """
    require_editable(version)
    key = clean_value("heading", key)
    title = clean_value("title", title)
    errors = {}
    problem = check_new_key(version, key)
    if problem:
        errors["key"] = problem
    if not title:
        errors["title"] = _("Fältet får inte vara tomt.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Texten har %(length)s tecken; högst %(max)s får plats.", length=len(title), max=MAX_TITLE)
    ordered = _order(version)
    keys = [part_key(part) for part in ordered]
    if after and after not in keys:
        errors["after"] = _("Välj var principen ska stå.")
    if errors:
        raise InvalidEdit(_("Principen kunde inte läggas till. Rätta det som står vid fälten."), errors)
    principle = db.session.execute(
        select(Principle).where(Principle.document_id == version.document_id, Principle.key == key)
    ).scalar_one_or_none()
    known = principle is not None
    if principle is None:
        principle = Principle(document_id=version.document_id, key=key)
        db.session.add(principle)
    # A free number and a place at the end for now; _renumber puts it where it belongs.
    top = max([p.number for p in version.principle_texts] + [0])
    text = PrincipleText(version=version, principle=principle, position=len(ordered) + 1, number=top + 1,
                         title=title, statement="", keywords="", implications="")
    db.session.add(text)
    db.session.flush()
    index = keys.index(after) + 1 if after else 0
    ordered.insert(index, text)
    _renumber(version, ordered)
    _audit(actor, "document_version.principle_added", text, version,
           f"Version {version.number} av {version.document.key}: princip {text.number} ({key}) tillagd.",
           after={"key": key, "title": title, "number": text.number, "known_before": known})
    return text


def _delete_text(text: PrincipleText) -> None:
    # Alternatives are children of both the version and the text; the ORM would otherwise try to
    # detach them from the text, which their check constraint forbids.
    for alternative in list(text.alternatives):
        db.session.delete(alternative)
    db.session.flush()
    db.session.delete(text)
    db.session.flush()


def remove_principle(text: PrincipleText, actor) -> None:
    """Take a principle out of a draft; its identity and its texts in other versions stay.

    For process owners and administrators. The last principle cannot go (a document has at least one).
    """
    version = text.version
    require_editable(version)
    if len(version.principle_texts) <= 1:
        raise InvalidEdit(_("Det här är versionens enda princip. Ett dokument behöver minst en princip."))
    before = {"key": text.key, "number": text.number, "title": text.title, "statement": text.statement,
              "keywords": text.keywords, "implications": text.implications,
              "merged_from": [p.key for p in text.merged_from], "alternatives": [a.label for a in text.alternatives]}
    rest = [part for part in _order(version) if part is not text]
    _delete_text(text)
    _renumber(version, rest)
    _audit(actor, "document_version.principle_removed", text, version,
           f"Version {version.number} av {version.document.key}: princip {before['number']} ({before['key']}) borttagen.",
           before=before)


def merge_principles(target: PrincipleText, source: PrincipleText, actor) -> None:
    """Merge `source` into `target` in a draft: the source's text leaves this version, its
    principle (and any merged into it) joins target.merged_from; the target keeps its identity
    and its text, which the process owner then rewrites to cover both.

    For process owners and administrators. The source's Principle row stays, so comments on its
    earlier texts trace forward to the target.
    """
    version = target.version
    require_editable(version)
    if source.version_id != version.id:
        raise InvalidEdit(_("Principerna hör inte till samma version."))
    if source.id == target.id:
        raise InvalidEdit(_("En princip kan inte slås samman med sig själv."), {"target": _("Välj en annan princip.")})
    before = {"target": target.key, "merged_from": [p.key for p in target.merged_from],
              "source": {"key": source.key, "number": source.number, "title": source.title,
                         "statement": source.statement, "keywords": source.keywords,
                         "implications": source.implications, "alternatives": [a.label for a in source.alternatives]}}
    joining = [source.principle, *source.merged_from]
    merged = list(target.merged_from)
    for principle in joining:
        if principle not in merged:
            merged.append(principle)
    rest = [part for part in _order(version) if part is not source]
    _delete_text(source)
    target.merged_from = sorted(merged, key=lambda p: p.key)
    db.session.flush()
    _renumber(version, rest)
    _audit(actor, "document_version.principles_merged", target, version,
           f"Version {version.number} av {version.document.key}: {before['source']['key']} sammanslagen med "
           f"{target.key}.", before=before, after={"target": target.key, "merged_from": [p.key for p in target.merged_from]})
