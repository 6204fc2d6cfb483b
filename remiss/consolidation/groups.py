"""Groups of similar comments on one principle: suggesting them, adjusting them, and giving one
disposition to all members of a group.

The grouping itself is `grouping.suggest_groups` (pure). Here are the verbs around it, which, like
every operation, take the acting user, ask `states.py` whether the consultation allows it, write an
audit entry and never commit.

What is grouped: the submitted comments and proposed wordings on one principle, each a text of its
own (a respondent's comment and its proposed wording may land in different groups). A suggested
group of one is not stored: a single text gains nothing from a group, and the page lists it under
"not grouped", from where the process owner can move it into any group or a new one.

A group disposition is not a record of its own: it is `operations.set_disposition` once per member,
so every text keeps its own Disposition and audit entry. Each member is written against the
lock_version the page showed for it; a member someone else changed in the meantime is reported
and left as it is, the others are written.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from remiss.audit import record
from remiss.auth.models import User
from remiss.consolidation import grouping, operations, queries
from remiss.consolidation.models import (
    CommentGroup,
    CommentGroupMember,
    Disposition,
    DispositionKind,
    DispositionTarget,
)
from remiss.consultations import states
from remiss.consultations.models import Consultation, PrincipleAnswer, Respondent, Response, ResponseStatus
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.responses.operations import clean_text

MAX_LABEL_LENGTH = 200
LABEL_EXCERPT = 60
TARGETS = (DispositionTarget.comment, DispositionTarget.proposed_wording)


class GroupError(operations.ConsolidationError):
    """A refusal of a grouping step; field errors keyed "label", "kind", "reason" or "to"."""

    status = 422


# --- what is grouped ----------------------------------------------------------------------------


@dataclass
class Item:
    """One text on the principle: a comment or a proposed wording of one submitted answer."""

    answer: PrincipleAnswer
    target: DispositionTarget
    respondent: str

    @property
    def key(self) -> str:
        return item_key(self.answer.id, self.target)

    @property
    def text(self) -> str:
        return queries.target_text(self.answer, self.target)


def item_key(answer_id: int, target: DispositionTarget | str) -> str:
    """How a text is named in forms and anchors: "<principle answer id>-<target>"."""
    return f"{answer_id}-{DispositionTarget(target).value}"


def parse_item_key(value: str | None) -> tuple[int, DispositionTarget] | None:
    """(answer id, target) from item_key's form, or None for anything else."""
    answer, _sep, target = (value or "").partition("-")
    if not answer.isdigit() or len(answer) > 10 or int(answer) > 2**31 - 1:
        return None
    try:
        target = DispositionTarget(target)
    except ValueError:
        return None
    if target not in TARGETS:
        return None
    return int(answer), target


def items(consultation: Consultation, principle: PrincipleText) -> list[Item]:
    """The texts to group, in the consolidation's order (organisations by name, then individuals;
    a comment before its proposed wording): two statements."""
    answers = db.session.execute(
        queries.from_submitted(select(PrincipleAnswer), consultation.id)
        .join(PrincipleAnswer, PrincipleAnswer.response_id == Response.id)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .outerjoin(User, User.id == Respondent.user_id)
        .where(PrincipleAnswer.principle_text_id == principle.id)
        .options(selectinload(PrincipleAnswer.response).selectinload(Response.respondent)
                 .selectinload(Respondent.organisation),
                 selectinload(PrincipleAnswer.response).selectinload(Response.respondent).selectinload(Respondent.user))
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    ).scalars().all()
    found = []
    for answer in answers:
        name = queries.respondent_name(answer.response.respondent)
        for target in TARGETS:
            if queries.said(queries.target_text(answer, target)):
                found.append(Item(answer, target, name))
    return found


def groups_of(consultation: Consultation, principle: PrincipleText) -> list[CommentGroup]:
    """The principle's groups in order, with their members: two statements."""
    return list(db.session.execute(
        select(CommentGroup)
        .where(CommentGroup.consultation_id == consultation.id, CommentGroup.principle_text_id == principle.id)
        .options(selectinload(CommentGroup.members))
        .order_by(CommentGroup.position, CommentGroup.id)
    ).scalars())


def group_in(consultation: Consultation, principle: PrincipleText, group_id: int) -> CommentGroup | None:
    """A group of this principle, or None: ids from a form are not trusted."""
    if not 0 < group_id <= 2**31 - 1:
        return None
    group = db.session.get(CommentGroup, group_id)
    if group is None or group.consultation_id != consultation.id or group.principle_text_id != principle.id:
        return None
    return group


@dataclass
class GroupView:
    group: CommentGroup
    items: list[Item]


@dataclass
class Overview:
    """What the groups page shows: the groups with their texts, the texts in no group, and the
    dispositions of all of them ((answer id, target value) → Disposition). Five or six statements."""

    groups: list[GroupView]
    ungrouped: list[Item]
    dispositions: dict[tuple[int, str], Disposition] = field(default_factory=dict)
    editors: dict[int, str] = field(default_factory=dict)

    def disposition(self, item: Item) -> Disposition | None:
        return self.dispositions.get((item.answer.id, item.target.value))

    @property
    def total(self) -> int:
        return sum(len(g.items) for g in self.groups) + len(self.ungrouped)


def overview(consultation: Consultation, principle: PrincipleText) -> Overview:
    every = items(consultation, principle)
    by_key = {item.key: item for item in every}
    placed: set[str] = set()
    views = []
    for group in groups_of(consultation, principle):
        members = []
        for member in group.members:
            # A member whose answer is no longer the current submitted one (or whose text is empty) is not shown.
            item = by_key.get(item_key(member.principle_answer_id, member.target))
            if item is not None and item.key not in placed:
                members.append(item)
                placed.add(item.key)
        views.append(GroupView(group, members))
    result = Overview(groups=views, ungrouped=[item for item in every if item.key not in placed])
    answer_ids = sorted({item.answer.id for item in every})
    if answer_ids:
        for disposition in db.session.execute(
            select(Disposition).where(Disposition.principle_answer_id.in_(answer_ids))
        ).scalars():
            result.dispositions[(disposition.principle_answer_id, disposition.target.value)] = disposition
        editor_ids = {d.updated_by_id for d in result.dispositions.values() if d.updated_by_id}
        if editor_ids:
            result.editors = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(editor_ids))).all())
    return result


# --- helpers ------------------------------------------------------------------------------------


def _require_editable(consultation: Consultation) -> None:
    if not states.consolidation_editable(consultation):
        raise operations.NotEditable(operations.not_editable_message(consultation))


def _check_principle(consultation: Consultation, principle: PrincipleText) -> None:
    if principle.version_id != consultation.version_id:
        raise GroupError(_("Principen hör inte till den här remissen."))


def _audit(actor, action: str, obj, consultation: Consultation, summary: str, before=None, after=None) -> None:
    record(actor, action, obj, summary=summary, before=before, after=after,
           document_id=consultation.version.document_id, consultation_id=consultation.id)


def default_label(text: str) -> str:
    """A suggested group's name until the process owner gives it one: the start of its first text."""
    return queries.excerpt(text, LABEL_EXCERPT)[:MAX_LABEL_LENGTH]


def group_name(group: CommentGroup) -> str:
    """"Grupp 2: Telefontider" – how pages and the audit trail name a group."""
    if group.label:
        return _("Grupp %(number)s: %(label)s", number=group.position, label=group.label)
    return _("Grupp %(number)s", number=group.position)


def _next_position(consultation: Consultation, principle: PrincipleText) -> int:
    positions = [g.position for g in groups_of(consultation, principle)]
    return max(positions, default=0) + 1


def _delete_if_empty(group: CommentGroup) -> bool:
    db.session.flush()
    db.session.refresh(group)
    if not group.members:
        db.session.delete(group)
        db.session.flush()
        return True
    return False


# --- suggesting ---------------------------------------------------------------------------------


def suggest(consultation: Consultation, principle: PrincipleText, actor) -> list[CommentGroup]:
    """Group the principle's submitted comments and proposed wordings by similarity, replacing the
    groups it had (suggested or adjusted by hand – the confirmation page says so).

    Called by process owners and administrators (`may_consolidate`) while the consultation is
    closed (`states.consolidation_editable`). Dispositions are not touched. Groups of one are not
    stored (see the module's docstring). Returns the new groups in order.
    """
    _require_editable(consultation)
    _check_principle(consultation, principle)
    old = groups_of(consultation, principle)
    replaced = len(old)
    for group in old:
        db.session.delete(group)
    db.session.flush()
    texts = items(consultation, principle)
    labels = grouping.suggest_groups([item.text for item in texts]) if texts else []
    clusters: dict[int, list[Item]] = {}
    for item, label in zip(texts, labels):
        clusters.setdefault(label, []).append(item)
    created = []
    for members in clusters.values():  # in order of first appearance
        if len(members) < 2:
            continue
        group = CommentGroup(consultation_id=consultation.id, principle_text_id=principle.id,
                             position=len(created) + 1, label=default_label(members[0].text))
        group.members = [CommentGroupMember(principle_answer_id=m.answer.id, target=m.target) for m in members]
        db.session.add(group)
        created.append(group)
    db.session.flush()
    grouped = sum(len(g.members) for g in created)
    _audit(actor, "consolidation.groups_suggested", principle, consultation,
           summary=_("Grupper föreslagna för princip %(number)s: %(groups)s grupper med %(grouped)s av %(texts)s "
                     "synpunkter", number=principle.number, groups=len(created), grouped=grouped, texts=len(texts)),
           before={"groups": replaced} if replaced else None,
           after={"groups": len(created), "grouped": grouped, "texts": len(texts)})
    return created


# --- adjusting ----------------------------------------------------------------------------------


def relabel(group: CommentGroup, label: str | None, actor) -> bool:
    """Give a group a name the process owner chooses (empty: "Grupp N" only). Returns whether it changed.

    Called by process owners and administrators (`may_consolidate`) while the consultation is closed.
    """
    consultation = db.session.get(Consultation, group.consultation_id)
    _require_editable(consultation)
    label = " ".join(clean_text(label).split())
    if len(label) > MAX_LABEL_LENGTH:
        raise GroupError(_("Namnet får ha högst %(max)s tecken.", max=MAX_LABEL_LENGTH),
                         {"label": _("Namnet får ha högst %(max)s tecken.", max=MAX_LABEL_LENGTH)})
    if label == group.label:
        return False
    before = group.label
    group.label = label
    db.session.flush()
    _audit(actor, "consolidation.group_relabelled", group, consultation, summary=group_name(group),
           before={"label": before}, after={"label": label})
    return True


NEW_GROUP = "new"
NO_GROUP = "none"


def move(consultation: Consultation, principle: PrincipleText, answer: PrincipleAnswer, target: DispositionTarget,
         to: CommentGroup | str, actor) -> CommentGroup | None:
    """Move one text to another group (`to` a group of this principle), into a new group (NEW_GROUP)
    or out of every group (NO_GROUP). A group left empty is removed. Returns the text's group now.

    Called by process owners and administrators (`may_consolidate`) while the consultation is
    closed; `answer` must be a submitted answer on this principle (the caller found it with
    `queries.principle_answer_in`).
    """
    _require_editable(consultation)
    _check_principle(consultation, principle)
    if answer.principle_text_id != principle.id or not queries.said(queries.target_text(answer, target)):
        raise GroupError(_("Det finns ingen sådan synpunkt på principen."))
    member = db.session.execute(
        select(CommentGroupMember).where(CommentGroupMember.principle_answer_id == answer.id,
                                         CommentGroupMember.target == target)
    ).scalar_one_or_none()
    source = member.group if member is not None else None
    if isinstance(to, CommentGroup) and source is not None and to.id == source.id:
        return source
    if to == NO_GROUP and source is None:
        return None
    if to == NEW_GROUP:
        destination = CommentGroup(consultation_id=consultation.id, principle_text_id=principle.id,
                                   position=_next_position(consultation, principle),
                                   label=default_label(queries.target_text(answer, target)))
        db.session.add(destination)
        db.session.flush()
    elif isinstance(to, CommentGroup):
        destination = to
    else:
        destination = None
    if member is not None:
        db.session.delete(member)
        db.session.flush()
    if destination is not None:
        db.session.add(CommentGroupMember(group_id=destination.id, principle_answer_id=answer.id, target=target))
    removed = _delete_if_empty(source) if source is not None else False
    if destination is not None:
        db.session.flush()
    who = queries.respondent_name(answer.response.respondent)
    what = _("ändringsförslag") if target == DispositionTarget.proposed_wording else _("synpunkt")
    _audit(actor, "consolidation.group_member_moved", destination or principle, consultation,
           summary=_("%(respondent)s, princip %(number)s (%(what)s): till %(group)s", respondent=who,
                     number=principle.number, what=what,
                     group=group_name(destination) if destination is not None else _("ingen grupp")),
           before={"group": source.id if source is not None and not removed else None,
                   "group_removed": removed or None},
           after={"group": destination.id if destination is not None else None,
                  "answer": item_key(answer.id, target)})
    return destination


# --- one disposition for the whole group --------------------------------------------------------


@dataclass
class MemberOutcome:
    item: Item
    conflict: operations.Conflict | None = None
    message: str = ""


@dataclass
class GroupResult:
    saved: list[Item] = field(default_factory=list)  # written now
    unchanged: list[Item] = field(default_factory=list)  # already had this disposition and reason
    conflicts: list[MemberOutcome] = field(default_factory=list)  # someone else changed it meanwhile: left as is
    skipped: list[MemberOutcome] = field(default_factory=list)  # joined the group after the page was shown, or refused

    @property
    def complete(self) -> bool:
        return not self.conflicts and not self.skipped


def dispose(consultation: Consultation, principle: PrincipleText, group: CommentGroup, kind: str | None,
            reason: str | None, bases: dict[str, int], actor) -> GroupResult:
    """Give every member of the group the same disposition kind and reason, through
    `operations.set_disposition` (each member its own Disposition record and audit entry).

    `bases` maps item_key → the lock_version of that member's disposition as the page showed it (0:
    none yet). A member absent from `bases` joined the group after the page was shown and is skipped;
    a member whose disposition changed since is reported as a conflict and not overwritten.

    Called by process owners and administrators (`may_consolidate`) while the consultation is closed.
    Raises GroupError when the kind is missing or the reason is too long (then nothing is written).
    """
    _require_editable(consultation)
    _check_principle(consultation, principle)
    errors: dict[str, str] = {}
    try:
        kind = DispositionKind(kind or "")
    except ValueError:
        errors["kind"] = _("Välj vilket ställningstagande alla i gruppen ska få.")
    reason = clean_text(reason)
    if len(reason) > operations.MAX_REASON_LENGTH:
        errors["reason"] = operations.too_long_message(len(reason), operations.MAX_REASON_LENGTH)
    if errors:
        raise GroupError(_("Ställningstagandet gavs inte till gruppen: rätta det som är markerat. Det du skrev finns "
                           "kvar."), errors)
    members = {item.key: item for view in overview(consultation, principle).groups
               if view.group.id == group.id for item in view.items}
    result = GroupResult()
    for key, item in members.items():
        if key not in bases:
            result.skipped.append(MemberOutcome(item, message=_("Kom med i gruppen efter att du öppnade sidan.")))
            continue
        try:
            saved = operations.set_disposition(item.answer, item.target, kind, reason, bases[key], actor)
        except operations.ConsolidationError as refused:
            result.skipped.append(MemberOutcome(item, message=refused.message))
            continue
        if saved.conflict is not None:
            result.conflicts.append(MemberOutcome(item, conflict=saved.conflict))
        elif saved.changed:
            result.saved.append(item)
        else:
            result.unchanged.append(item)
    return result
