"""What changed between two versions of a document, word by word. Pure functions: no database,
no request – they read the versions' loaded attributes, so pages, the steering group's decision
page, exports and tests share one answer.

Parts are matched by identity, not by place: a principle by its key (Principle.key, kept across
versions when its title or number changes), a section by its key. Within a part each text field is
compared word by word with difflib; whitespace and punctuation are tokens of their own, so joining
the segments gives back exactly the old text (equal + delete) and the new text (equal + insert).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

EQUAL, INSERT, DELETE = "equal", "insert", "delete"

# Statuses of a part. A part present in both versions can be moved, renamed and changed at once.
UNCHANGED = "unchanged"
CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"
MOVED = "moved"
RENAMED = "renamed"
MERGED = "merged"

PRINCIPLE_FIELDS = ("title", "statement", "keywords", "implications", "alternatives")
SECTION_FIELDS = ("heading", "body", "alternatives")

# A word (letters, digits, underscore, across Unicode), a run of whitespace, or one other character.
_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")


@dataclass(frozen=True)
class Segment:
    kind: str  # EQUAL, INSERT or DELETE
    text: str

    @property
    def is_equal(self) -> bool:
        return self.kind == EQUAL

    @property
    def is_insert(self) -> bool:
        return self.kind == INSERT

    @property
    def is_delete(self) -> bool:
        return self.kind == DELETE


@dataclass(frozen=True)
class FieldDiff:
    name: str  # one of PRINCIPLE_FIELDS / SECTION_FIELDS, or "title" / "change_summary" of the version
    old: str
    new: str
    segments: tuple[Segment, ...]

    @property
    def changed(self) -> bool:
        return self.old != self.new

    @property
    def empty(self) -> bool:
        return not self.old and not self.new


@dataclass
class PartDiff:
    """One principle or section across the two versions."""

    kind: str  # "principle" or "section"
    key: str
    old: object | None
    new: object | None
    statuses: tuple[str, ...]
    fields: tuple[FieldDiff, ...]
    # For a principle merged away: the key, number and title of the text it was merged into.
    merged_into: object | None = None
    # Keys of principles merged into this one in the new version that were not merged into it before.
    merged_from: tuple[str, ...] = ()

    @property
    def status(self) -> str:
        return self.statuses[0]

    @property
    def is_principle(self) -> bool:
        return self.kind == "principle"

    @property
    def unchanged(self) -> bool:
        return self.statuses == (UNCHANGED,)

    @property
    def old_number(self) -> int | None:
        return getattr(self.old, "number", None)

    @property
    def new_number(self) -> int | None:
        return getattr(self.new, "number", None)

    @property
    def number(self) -> int | None:
        return self.new_number if self.new is not None else self.old_number

    @property
    def label(self) -> str:
        """The title (principle) or heading (section) as it reads now, or last read."""
        part = self.new if self.new is not None else self.old
        return part.title if self.is_principle else part.heading

    def field(self, name: str) -> FieldDiff | None:
        return next((f for f in self.fields if f.name == name), None)

    @property
    def changed_fields(self) -> tuple[FieldDiff, ...]:
        return tuple(f for f in self.fields if f.changed)


@dataclass
class VersionDiff:
    old: object
    new: object
    title: FieldDiff
    change_summary: FieldDiff
    parts: list[PartDiff] = field(default_factory=list)

    @property
    def principles(self) -> list[PartDiff]:
        return [p for p in self.parts if p.is_principle]

    @property
    def sections(self) -> list[PartDiff]:
        return [p for p in self.parts if not p.is_principle]

    @property
    def changed_parts(self) -> list[PartDiff]:
        return [p for p in self.parts if not p.unchanged]

    @property
    def unchanged(self) -> bool:
        """Nothing differs: no part, not the title (the change summary is about the change, not the text)."""
        return not self.title.changed and not self.changed_parts

    def part(self, key: str) -> PartDiff | None:
        return next((p for p in self.parts if p.key == key), None)

    def count(self, status: str) -> int:
        return sum(1 for p in self.parts if status in p.statuses)


# --- words -------------------------------------------------------------------------------------------


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


def diff_text(old: str, new: str) -> tuple[Segment, ...]:
    """The word-level difference between two texts as equal/insert/delete segments.

    A change that spans several words separated only by spaces reads as one deletion followed
    by one insertion ("[-a b-][+c d+]"), not as word-by-word alternation around each space.
    """
    old, new = old or "", new or ""
    if old == new:
        return (Segment(EQUAL, old),) if old else ()
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    chunks: list[tuple[str, str, str]] = []  # (EQUAL or "change", deleted/equal text, inserted text)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "equal":
            chunks.append((EQUAL, removed, removed))
        else:
            chunks.append(("change", removed, added))
    # Whitespace alone between two changes belongs to the change on both sides.
    merged: list[tuple[str, str, str]] = []
    for index, chunk in enumerate(chunks):
        kind, removed, added = chunk
        between_changes = (
            kind == EQUAL and not removed.strip() and 0 < index < len(chunks) - 1
            and chunks[index - 1][0] != EQUAL and chunks[index + 1][0] != EQUAL
        )
        if between_changes:
            kind = "change"
        if kind != EQUAL and merged and merged[-1][0] != EQUAL:
            _, old_removed, old_added = merged.pop()
            removed, added = old_removed + removed, old_added + added
        merged.append((kind, removed, added))
    segments: list[Segment] = []
    for kind, removed, added in merged:
        if kind == EQUAL:
            segments.append(Segment(EQUAL, removed))
            continue
        if removed:
            segments.append(Segment(DELETE, removed))
        if added:
            segments.append(Segment(INSERT, added))
    return tuple(segments)


def diff_field(name: str, old: str, new: str) -> FieldDiff:
    old, new = old or "", new or ""
    return FieldDiff(name=name, old=old, new=new, segments=diff_text(old, new))


# --- parts -------------------------------------------------------------------------------------------


def _is_principle(part) -> bool:
    return hasattr(part, "statement")


def _alternatives_text(part) -> str:
    """The candidate wordings of a part as one text: a label line, then its body."""
    if part is None:
        return ""
    return "\n\n".join(f"{alt.label}\n{alt.body}".rstrip() for alt in getattr(part, "alternatives", None) or [])


def _field_value(part, name: str) -> str:
    if part is None:
        return ""
    if name == "alternatives":
        return _alternatives_text(part)
    return getattr(part, name) or ""


def _parts(version) -> list:
    return sorted([*version.sections, *version.principle_texts], key=lambda part: part.position)


def _merged_keys(text) -> set[str]:
    return {principle.key for principle in getattr(text, "merged_from", None) or []}


def diff_versions(old, new) -> VersionDiff:
    """Compare two versions part by part, in the new version's order; parts that are gone come
    where they stood in the old version."""
    old_parts, new_parts = _parts(old), _parts(new)
    old_by_key = {(_is_principle(p), p.key): p for p in old_parts}
    new_by_key = {(_is_principle(p), p.key): p for p in new_parts}
    common = [k for k in ((_is_principle(p), p.key) for p in new_parts) if k in old_by_key]
    old_rank = {k: i for i, k in enumerate(k for k in ((_is_principle(p), p.key) for p in old_parts) if k in new_by_key)}
    new_rank = {k: i for i, k in enumerate(common)}
    # Which new text each principle was merged into (only merges new in this version count).
    merged_into: dict[str, object] = {}
    for text in new.principle_texts:
        for key in _merged_keys(text):
            merged_into.setdefault(key, text)

    def part_diff(identity, before, after) -> PartDiff:
        principle, key = identity
        names = PRINCIPLE_FIELDS if principle else SECTION_FIELDS
        fields = tuple(diff_field(n, _field_value(before, n), _field_value(after, n)) for n in names)
        kind = "principle" if principle else "section"
        if before is None:
            return PartDiff(kind, key, None, after, (ADDED,), fields,
                            merged_from=tuple(sorted(_merged_keys(after))))
        if after is None:
            target = merged_into.get(key) if principle else None
            status = MERGED if target is not None else REMOVED
            return PartDiff(kind, key, before, None, (status,), fields, merged_into=target)
        statuses = []
        number_changed = principle and before.number != after.number
        if number_changed or old_rank[identity] != new_rank[identity]:
            statuses.append(MOVED)
        if principle and before.title != after.title:
            statuses.append(RENAMED)
        newly_merged = tuple(sorted(_merged_keys(after) - _merged_keys(before))) if principle else ()
        title_field = "title" if principle else None
        if newly_merged or any(f.changed for f in fields if f.name != title_field):
            statuses.append(CHANGED)
        return PartDiff(kind, key, before, after, tuple(statuses) or (UNCHANGED,), fields, merged_from=newly_merged)

    parts: list[PartDiff] = []
    for identity, after in ((k, new_by_key[k]) for k in ((_is_principle(p), p.key) for p in new_parts)):
        parts.append(part_diff(identity, old_by_key.get(identity), after))
    # Parts that are gone go right after the part that preceded them in the old version.
    for index, before in enumerate(old_parts):
        identity = (_is_principle(before), before.key)
        if identity in new_by_key:
            continue
        gone = part_diff(identity, before, None)
        at = 0
        for previous in reversed(old_parts[:index]):
            previous_identity = (_is_principle(previous), previous.key)
            found = next((i for i, p in enumerate(parts)
                          if (p.is_principle, p.key) == previous_identity), None)
            if found is not None:
                at = found + 1
                break
        parts.insert(at, gone)
    return VersionDiff(
        old=old,
        new=new,
        title=diff_field("title", old.title, new.title),
        change_summary=diff_field("change_summary", old.change_summary, new.change_summary),
        parts=parts,
    )
