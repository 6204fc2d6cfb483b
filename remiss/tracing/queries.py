"""Read side of tracing: the comments on a principle's earlier texts with what was done with them, the
comments that were accepted but led to no linked change ("flagged"), and per comment the changes it
led to. Each function runs a fixed number of SQL statements however many respondents answered.

Which comments belong to a principle of version N: the comments and proposed wordings given in a
consultation on an earlier version (number < N) of the same document, on a text of the same
principle identity – or of a principle merged into it (PrincipleText.merged_from, in version N or an
earlier one, followed through merges of merges). Only the current answers count: a respondent's
submitted revision (a reopened one is superseded), as in the consolidation.

What the public may see (`full=False`) is what the public consolidated report shows: only
consultations whose report is final, respondents named by organisation, an individual by name only
with consent, otherwise "Patientföreträdare N" numbered as in the report, an organisation whose answer
may not be published with its name as "Remissinstans N", and redacted passages as "[maskerat: skäl]";
nobody's name as the one who linked or handled a comment.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from remiss.auth.models import User
from remiss.consolidation.models import ChangeLink, Disposition, DispositionKind, DispositionTarget
from remiss.consolidation.queries import said
from remiss.consultations import states as consultation_states
from remiss.consultations.models import (
    Consultation,
    GeneralAnswer,
    GeneralQuestion,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
    Stance,
)
from remiss.documents.models import Document, DocumentVersion, Principle, PrincipleText, principle_merge
from remiss.extensions import db
from remiss.organisations.models import Organisation

# The dispositions that promise a change: such a comment without a linked change is flagged.
PROMISES_CHANGE = (DispositionKind.accepted, DispositionKind.partly_accepted)


# --- plain results ------------------------------------------------------------------------------


@dataclass
class Change:
    """A change a comment led to: a principle's text in a later version."""

    link_id: int
    principle_text_id: int
    principle_id: int
    principle_key: str
    principle_number: int
    principle_title: str
    version: DocumentVersion  # for the reader's permission and the address
    document_key: str

    @property
    def version_number(self) -> int:
        return self.version.number


@dataclass
class TracedComment:
    """One comment, proposed wording or general answer, with its disposition and the changes it led to."""

    answer_id: int
    target: DispositionTarget
    consultation_id: int
    consultation_title: str
    reference_number: str
    version_number: int  # the version that was on remiss
    respondent_id: int
    name: str  # what the internal pages say: the organisation or the person
    public_name: str  # what the public report says
    text: str
    stance: Stance | None = None
    disposition: DispositionKind | None = None
    reason: str = ""
    # Principle answers: the text commented on. General answers: the question.
    principle_text_id: int | None = None
    principle_id: int | None = None
    principle_key: str = ""
    principle_number: int | None = None
    principle_title: str = ""
    question: str = ""
    changes: list[Change] = field(default_factory=list)
    # The text as the public reads it, redacted passages replaced (filled for public pages only).
    public_text: str | None = None

    @property
    def general(self) -> bool:
        return self.target == DispositionTarget.general

    @property
    def ref(self) -> str:
        """The comment in a form: "p12-comment", "p12-proposed_wording", "g3-general"."""
        return f"{'g' if self.general else 'p'}{self.answer_id}-{self.target.value}"

    @property
    def flagged(self) -> bool:
        """Accepted (or partly) but no change is linked to it."""
        return self.disposition in PROMISES_CHANGE and not self.changes

    def linked_to(self, principle_text_id: int) -> Change | None:
        return next((c for c in self.changes if c.principle_text_id == principle_text_id), None)


@dataclass
class ConsultationComments:
    """The comments of one consultation, for pages that group by consultation."""

    consultation: Consultation
    comments: list[TracedComment]


@dataclass
class PrincipleTrace:
    """Everything about one principle of a version: the comments on its earlier texts, and the
    general answers (linked to it, or – on the linking page – every one)."""

    principle_text: PrincipleText
    principle_ids: set[int]
    consultations: list[Consultation]  # those shown, in version order
    comments: list[TracedComment]
    general: list[TracedComment]

    def groups(self) -> list[ConsultationComments]:
        """Per consultation, its comments on the principle and then its general answers."""
        out = []
        for consultation in self.consultations:
            items = [c for c in self.comments if c.consultation_id == consultation.id]
            items += [c for c in self.general if c.consultation_id == consultation.id]
            out.append(ConsultationComments(consultation, items))
        return out

    @property
    def flagged(self) -> list[TracedComment]:
        return [c for c in self.comments if c.flagged]

    @property
    def linked(self) -> list[TracedComment]:
        return [c for c in [*self.comments, *self.general] if c.linked_to(self.principle_text.id)]


@dataclass
class PrincipleCounts:
    principle_text: PrincipleText
    comments: int  # comments and proposed wordings on its earlier texts
    linked: int  # of those and of general answers, linked to this text
    flagged: int


# --- lineage ------------------------------------------------------------------------------------


def _merges(version: DocumentVersion) -> dict[int, set[int]]:
    """principle id → the principles merged into it, in this version or an earlier one: one statement."""
    into: dict[int, set[int]] = {}
    for principle_id, merged_id in db.session.execute(
        select(PrincipleText.principle_id, principle_merge.c.principle_id)
        .select_from(principle_merge)
        .join(PrincipleText, PrincipleText.id == principle_merge.c.principle_text_id)
        .join(DocumentVersion, DocumentVersion.id == PrincipleText.version_id)
        .where(DocumentVersion.document_id == version.document_id, DocumentVersion.number <= version.number)
    ):
        into.setdefault(principle_id, set()).add(merged_id)
    return into


def _closure(principle_id: int, merges: dict[int, set[int]]) -> set[int]:
    found = {principle_id}
    todo = [principle_id]
    while todo:
        for merged in merges.get(todo.pop(), ()):
            if merged not in found:
                found.add(merged)
                todo.append(merged)
    return found


def identities(principle_text: PrincipleText) -> set[int]:
    """The principle and every principle merged into it up to this version: one statement."""
    return _closure(principle_text.principle_id, _merges(principle_text.version))


def earlier_consultations(version: DocumentVersion) -> list[Consultation]:
    """Consultations on earlier versions of the same document, oldest version first: one statement
    (two with their versions)."""
    return list(db.session.execute(
        select(Consultation)
        .join(DocumentVersion, DocumentVersion.id == Consultation.version_id)
        .where(DocumentVersion.document_id == version.document_id, DocumentVersion.number < version.number)
        .options(selectinload(Consultation.version))
        .order_by(DocumentVersion.number, Consultation.id)
    ).scalars())


def visible_consultations(consultations: list[Consultation], full: bool) -> list[Consultation]:
    """Staff see every consultation that has answers; the public only those whose report is final."""
    if full:
        return [c for c in consultations if consultation_states.consolidation_viewable(c)]
    return [c for c in consultations if consultation_states.report_is_final(c)]


# --- the statements -----------------------------------------------------------------------------


def _pseudonyms(consultation_ids: list[int]):
    """"Patientföreträdare N" as in the public report (remiss/reports/data.py): individuals without
    consent to be named, numbered by respondent id within each consultation."""
    consent = exists().where(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted,
                             Response.publish_name.is_(True))
    return (
        select(Respondent.id.label("respondent_id"),
               func.row_number().over(partition_by=Respondent.consultation_id, order_by=Respondent.id).label("number"))
        .where(Respondent.consultation_id.in_(consultation_ids), Respondent.user_id.is_not(None), ~consent)
        .subquery("pseudonym")
    )


def _organisation_pseudonyms(consultation_ids: list[int]):
    """"Remissinstans N" as in the public report: organisations whose submitted answer may not be
    published with their name, numbered by respondent id within each consultation."""
    return (
        select(Respondent.id.label("respondent_id"),
               func.row_number().over(partition_by=Respondent.consultation_id, order_by=Respondent.id).label("number"))
        .join(Response, and_(Response.respondent_id == Respondent.id, Response.status == ResponseStatus.submitted))
        .where(Respondent.consultation_id.in_(consultation_ids), Respondent.organisation_id.is_not(None),
               Response.publish_name.is_(False))
        .subquery("organisation_pseudonym")
    )


class _Who:
    """The columns and joins that name a respondent of a current answer (Response is in the query)."""

    def __init__(self, consultation_ids: list[int], public: bool = False):
        self.public = public
        self.individual = aliased(User, name="individual")
        self.pseudonym = _pseudonyms(consultation_ids)
        self.organisation_pseudonym = _organisation_pseudonyms(consultation_ids)

    def columns(self):
        return [Respondent.id.label("r_id"), Organisation.name.label("r_org"), self.individual.name.label("r_person"),
                Response.publish_name.label("r_consent"), self.pseudonym.c.number.label("r_pseudonym"),
                self.organisation_pseudonym.c.number.label("r_org_pseudonym")]

    def joins(self, statement):
        return (statement
                .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
                .outerjoin(self.individual, self.individual.id == Respondent.user_id)
                .outerjoin(self.pseudonym, self.pseudonym.c.respondent_id == Respondent.id)
                .outerjoin(self.organisation_pseudonym, self.organisation_pseudonym.c.respondent_id == Respondent.id))

    def order(self):
        """Organisations by name, then individuals by respondent id (a name order would give pseudonyms away);
        on public pages organisations without their name after the named ones, by number, as in the public report."""
        if not self.public:
            return [Organisation.name.is_(None), Organisation.name, Respondent.id]
        number = self.organisation_pseudonym.c.number
        return [Organisation.name.is_(None), number.is_not(None), number, Organisation.name, Respondent.id]

    @staticmethod
    def names(m) -> tuple[str, str]:
        if m["r_org"] is not None:
            if m["r_org_pseudonym"] is not None and not m["r_consent"]:
                return m["r_org"], _("Remissinstans %(number)s", number=m["r_org_pseudonym"])
            return m["r_org"], m["r_org"]
        person = m["r_person"] or ""
        if m["r_pseudonym"] is not None and not m["r_consent"]:
            return person, _("Patientföreträdare %(number)s", number=m["r_pseudonym"])
        return person, person


def _current_answers(statement, answer_response_id):
    """Joins a principle or general answer to its current (submitted) response, respondent and consultation."""
    return (statement
            .join(Response, and_(Response.id == answer_response_id, Response.status == ResponseStatus.submitted))
            .join(Respondent, Respondent.id == Response.respondent_id)
            .join(Consultation, Consultation.id == Respondent.consultation_id)
            .join(DocumentVersion, DocumentVersion.id == Consultation.version_id))


def _consultation_columns():
    return [Consultation.id.label("c_id"), Consultation.title.label("c_title"),
            Consultation.reference_number.label("c_ref"), DocumentVersion.number.label("v_number")]


def _answer_fields(m, who) -> dict:
    """A TracedComment's fields every row has: the answer, its consultation (_consultation_columns) and
    who gave it (_Who.columns)."""
    name, public_name = who.names(m)
    return dict(answer_id=m["a_id"], consultation_id=m["c_id"], consultation_title=m["c_title"],
                reference_number=m["c_ref"] or "", version_number=m["v_number"], respondent_id=m["r_id"], name=name,
                public_name=public_name)


def principle_comments(consultation_ids: list[int], principle_ids: set[int] | None = None, *,
                       public: bool = False) -> list[TracedComment]:
    """The comments and proposed wordings that say something, in these consultations (on texts of these
    principle identities), with their dispositions, in consultation then report order: one statement."""
    if not consultation_ids:
        return []
    who = _Who(consultation_ids, public)
    on_comment = aliased(Disposition, name="comment_disposition")
    on_wording = aliased(Disposition, name="wording_disposition")
    statement = select(
        PrincipleAnswer.id.label("a_id"), PrincipleAnswer.stance, PrincipleAnswer.comment,
        PrincipleAnswer.proposed_wording, PrincipleText.id.label("t_id"), PrincipleText.number.label("t_number"),
        PrincipleText.title.label("t_title"), Principle.id.label("p_id"), Principle.key.label("p_key"),
        on_comment.kind.label("comment_kind"), on_comment.reason.label("comment_reason"),
        on_wording.kind.label("wording_kind"), on_wording.reason.label("wording_reason"),
        *_consultation_columns(), *who.columns(),
    ).select_from(PrincipleAnswer)
    statement = who.joins(_current_answers(statement, PrincipleAnswer.response_id))
    statement = (
        statement
        .join(PrincipleText, PrincipleText.id == PrincipleAnswer.principle_text_id)
        .join(Principle, Principle.id == PrincipleText.principle_id)
        .outerjoin(on_comment, and_(on_comment.principle_answer_id == PrincipleAnswer.id,
                                    on_comment.target == DispositionTarget.comment))
        .outerjoin(on_wording, and_(on_wording.principle_answer_id == PrincipleAnswer.id,
                                    on_wording.target == DispositionTarget.proposed_wording))
        .where(Consultation.id.in_(consultation_ids))
        .order_by(DocumentVersion.number, Consultation.id, PrincipleText.position, *who.order())
    )
    if principle_ids is not None:
        statement = statement.where(Principle.id.in_(principle_ids))
    out = []
    for row in db.session.execute(statement):
        m = row._mapping
        common = dict(
            **_answer_fields(m, who), stance=m["stance"], principle_text_id=m["t_id"], principle_id=m["p_id"],
            principle_key=m["p_key"], principle_number=m["t_number"], principle_title=m["t_title"],
        )
        if said(m["comment"]):
            out.append(TracedComment(target=DispositionTarget.comment, text=m["comment"], disposition=m["comment_kind"],
                                     reason=m["comment_reason"] or "", **common))
        if said(m["proposed_wording"]):
            out.append(TracedComment(target=DispositionTarget.proposed_wording, text=m["proposed_wording"],
                                     disposition=m["wording_kind"], reason=m["wording_reason"] or "", **common))
    return out


def general_comments(consultation_ids: list[int], answer_ids: set[int] | None = None, *,
                     public: bool = False) -> list[TracedComment]:
    """The answers to general questions that say something, in these consultations (only these
    answers if given), with their dispositions: one statement."""
    if not consultation_ids or answer_ids is not None and not answer_ids:
        return []
    who = _Who(consultation_ids, public)
    statement = select(
        GeneralAnswer.id.label("a_id"), GeneralAnswer.text, GeneralQuestion.text.label("question"),
        Disposition.kind.label("kind"), Disposition.reason.label("reason"), *_consultation_columns(), *who.columns(),
    ).select_from(GeneralAnswer)
    statement = who.joins(_current_answers(statement, GeneralAnswer.response_id))
    statement = (
        statement
        .join(GeneralQuestion, GeneralQuestion.id == GeneralAnswer.general_question_id)
        .outerjoin(Disposition, and_(Disposition.general_answer_id == GeneralAnswer.id,
                                     Disposition.target == DispositionTarget.general))
        .where(Consultation.id.in_(consultation_ids))
        .order_by(DocumentVersion.number, Consultation.id, GeneralQuestion.position, *who.order())
    )
    if answer_ids is not None:
        statement = statement.where(GeneralAnswer.id.in_(answer_ids))
    out = []
    for row in db.session.execute(statement):
        m = row._mapping
        if not said(m["text"]):
            continue
        out.append(TracedComment(
            **_answer_fields(m, who), target=DispositionTarget.general, text=m["text"], disposition=m["kind"],
            reason=m["reason"] or "", question=m["question"],
        ))
    return out


def _link_statement():
    return (select(ChangeLink, PrincipleText, DocumentVersion, Principle.key, Document.key)
            .join(PrincipleText, PrincipleText.id == ChangeLink.principle_text_id)
            .join(DocumentVersion, DocumentVersion.id == PrincipleText.version_id)
            .join(Principle, Principle.id == PrincipleText.principle_id)
            .join(Document, Document.id == DocumentVersion.document_id))


def changes_for(principle_answer_ids, general_answer_ids) -> dict[tuple[str, int, str], list[Change]]:
    """The changes these answers led to, keyed ("p" or "g", answer id, target), in version then
    principle order: one statement (none without ids)."""
    principle_answer_ids, general_answer_ids = list(principle_answer_ids), list(general_answer_ids)
    conditions = []
    if principle_answer_ids:
        conditions.append(ChangeLink.principle_answer_id.in_(principle_answer_ids))
    if general_answer_ids:
        conditions.append(ChangeLink.general_answer_id.in_(general_answer_ids))
    if not conditions:
        return {}
    out: dict[tuple[str, int, str], list[Change]] = {}
    for link, text, version, principle_key, document_key in db.session.execute(
        _link_statement().where(or_(*conditions)).order_by(DocumentVersion.number, PrincipleText.position, ChangeLink.id)
    ):
        key = ("p", link.principle_answer_id, link.target.value) if link.principle_answer_id is not None \
            else ("g", link.general_answer_id, link.target.value)
        out.setdefault(key, []).append(Change(
            link_id=link.id, principle_text_id=text.id, principle_id=text.principle_id, principle_key=principle_key,
            principle_number=text.number, principle_title=text.title, version=version, document_key=document_key,
        ))
    return out


def attach_changes(comments: list[TracedComment], readable=None) -> list[TracedComment]:
    """Fill in each comment's changes (one statement); with `readable(version)`, only changes in
    versions the reader may read."""
    found = changes_for({c.answer_id for c in comments if not c.general}, {c.answer_id for c in comments if c.general})
    for comment in comments:
        changes = found.get(("g" if comment.general else "p", comment.answer_id, comment.target.value), [])
        comment.changes = [c for c in changes if readable is None or readable(c.version)]
    return comments


def apply_redactions(comments: list[TracedComment]) -> list[TracedComment]:
    """Fill in each comment's public text, redacted passages replaced by "[maskerat: skäl]": one
    statement (none without comments)."""
    from remiss.consolidation import redaction

    found = redaction.for_answers({c.answer_id for c in comments if not c.general},
                                  {c.answer_id for c in comments if c.general})
    for comment in comments:
        hidden = found.get(("g" if comment.general else "p", comment.answer_id, comment.target.value))
        comment.public_text = redaction.public_text(comment.text, hidden) if hidden else comment.text
    return comments


def _general_linked_to(principle_ids: set[int], version: DocumentVersion) -> set[int]:
    """General answers linked to a text of these principles in this version or an earlier one: one statement."""
    return set(db.session.execute(
        select(ChangeLink.general_answer_id)
        .join(PrincipleText, PrincipleText.id == ChangeLink.principle_text_id)
        .join(DocumentVersion, DocumentVersion.id == PrincipleText.version_id)
        .where(ChangeLink.general_answer_id.is_not(None), PrincipleText.principle_id.in_(principle_ids),
               DocumentVersion.document_id == version.document_id, DocumentVersion.number <= version.number)
    ).scalars())


# --- what the pages ask -------------------------------------------------------------------------


def principle_trace(principle_text: PrincipleText, *, full: bool, readable=None, all_general: bool = False) -> PrincipleTrace:
    """The comments on a principle's earlier texts, with dispositions and linked changes.

    `full`: staff (every consultation with answers, real names); otherwise what the public report
    shows. `all_general`: every general answer of those consultations (the linking page), not only
    those linked to this principle. A fixed number of statements (at most seven).
    """
    version = principle_text.version
    principle_ids = identities(principle_text)
    consultations = visible_consultations(earlier_consultations(version), full)
    ids = [c.id for c in consultations]
    comments = principle_comments(ids, principle_ids, public=not full)
    if all_general:
        general = general_comments(ids, public=not full)
    else:
        general = general_comments(ids, _general_linked_to(principle_ids, version), public=not full) if ids else []
    attach_changes([*comments, *general], readable)
    if not full:
        apply_redactions([*comments, *general])
    return PrincipleTrace(principle_text=principle_text, principle_ids=principle_ids, consultations=consultations,
                          comments=comments, general=general)


def flagged(consultation: Consultation) -> list[TracedComment]:
    """The consultation's comments accepted or partly accepted that no change is linked to: three statements."""
    comments = [c for c in principle_comments([consultation.id]) if c.disposition in PROMISES_CHANGE]
    comments += [c for c in general_comments([consultation.id]) if c.disposition in PROMISES_CHANGE]
    return [c for c in attach_changes(comments) if c.flagged]


def version_counts(version: DocumentVersion) -> list[PrincipleCounts]:
    """Per principle of the version: comments on its earlier texts, how many are linked to it, how many
    are flagged. A fixed number of statements (at most six)."""
    merges = _merges(version)
    texts = list(version.principle_texts)
    owner: dict[int, int] = {}  # principle identity → the text of this version its comments belong to
    for text in texts:
        for principle_id in _closure(text.principle_id, merges):
            owner.setdefault(principle_id, text.id)
    ids = [c.id for c in visible_consultations(earlier_consultations(version), True)]
    comments = principle_comments(ids, set(owner))
    general = general_comments(ids)
    attach_changes([*comments, *general])
    out = []
    for text in texts:
        mine = [c for c in comments if owner.get(c.principle_id) == text.id]
        out.append(PrincipleCounts(
            principle_text=text, comments=len(mine),
            linked=sum(1 for c in [*mine, *general] if c.linked_to(text.id)),
            flagged=sum(1 for c in mine if c.flagged),
        ))
    return out


def principle_text_in(version: DocumentVersion, principle_key: str) -> PrincipleText | None:
    """The text of the principle with this key in this version: one statement."""
    return db.session.execute(
        select(PrincipleText).join(Principle, Principle.id == PrincipleText.principle_id)
        .where(PrincipleText.version_id == version.id, Principle.key == principle_key)
        .options(selectinload(PrincipleText.merged_from))
    ).scalar_one_or_none()


def link_of(principle_text: PrincipleText, answer, target: DispositionTarget) -> ChangeLink | None:
    """The link between this text and this answer's text, if there is one."""
    column = ChangeLink.general_answer_id if isinstance(answer, GeneralAnswer) else ChangeLink.principle_answer_id
    return db.session.execute(
        select(ChangeLink).where(ChangeLink.principle_text_id == principle_text.id, column == answer.id,
                                 ChangeLink.target == target)
    ).scalar_one_or_none()
