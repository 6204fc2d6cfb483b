"""The verbs of tracing: link a comment to the change it led to, and take the link away.

Who may call them: those who prepare versions (`permissions.may_link_changes`, the process owners
and administrators) – linking is part of preparing the next version; the caller checks. When: only
while the new version is a draft (`documents/states.editable`): once it is on remiss or proposed,
the steering group and the respondents read the links as they are. Every change writes an audit
entry; nothing here commits.
"""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from remiss.audit import record
from remiss.consolidation.models import ChangeLink, DispositionTarget
from remiss.consolidation.queries import said, target_text
from remiss.consultations import states as consultation_states
from remiss.consultations.models import GeneralAnswer, PrincipleAnswer
from remiss.documents import states
from remiss.documents.models import PrincipleText
from remiss.errors import UserError
from remiss.extensions import db
from remiss.tracing import queries


class TracingError(UserError):
    """A refused link or unlink, with a message the user reads."""


class NotDraft(TracingError):
    """The version the change is in is no longer a draft."""

    status = 409


class AlreadyLinked(TracingError):
    """Someone else saved the same link at the same moment."""

    status = 409


class NotLinkable(TracingError):
    """The comment cannot have led to this change: another principle, document or version."""

    status = 422


def not_draft_message(version) -> str:
    return _("Version %(number)s är inte ett utkast längre. Kopplingar mellan synpunkter och ändringar kan bara "
             "ändras medan versionen är ett utkast.", number=version.number)


def _subject(principle_text: PrincipleText, answer, target: DispositionTarget) -> str:
    return (f"version {principle_text.version.number}, {principle_text.key} ← "
            f"{'general' if isinstance(answer, GeneralAnswer) else 'principle'} answer {answer.id} ({target.value})")


def check_linkable(principle_text: PrincipleText, answer, target: DispositionTarget) -> None:
    """Refuse (NotDraft, NotLinkable) unless this answer's text may be linked to this principle's text."""
    version = principle_text.version
    if not states.editable(version):
        raise NotDraft(not_draft_message(version))
    expected = (DispositionTarget.general,) if isinstance(answer, GeneralAnswer) else (
        DispositionTarget.comment, DispositionTarget.proposed_wording)
    if target not in expected or not said(target_text(answer, target)):
        raise NotLinkable(_("Svaret har ingen sådan text att koppla."))
    response = answer.response
    if not consultation_states.response_submitted(response):
        raise NotLinkable(_("Bara inskickade svar som gäller kan kopplas till en ändring."))
    on_remiss = response.respondent.consultation.version
    if on_remiss.document_id != version.document_id or on_remiss.number >= version.number:
        raise NotLinkable(_("Synpunkten gavs inte på en tidigare version av det här dokumentet."))
    if isinstance(answer, PrincipleAnswer) and answer.principle_text.principle_id not in queries.identities(principle_text):
        raise NotLinkable(_("Synpunkten gäller en annan princip. Den kan bara kopplas till samma princip i den nya "
                            "versionen, eller till den princip den har slagits ihop med."))


def link_change(principle_text: PrincipleText, answer, target: DispositionTarget | str, actor) -> ChangeLink:
    """Record that this comment (proposed wording, general answer) led to the change in this text.

    Linking again what is already linked changes nothing and returns the link. Process owners and
    administrators (the caller checks `may_link_changes`).
    """
    target = DispositionTarget(target)
    check_linkable(principle_text, answer, target)
    existing = queries.link_of(principle_text, answer, target)
    if existing is not None:
        return existing
    link = ChangeLink(principle_text_id=principle_text.id, target=target, created_by_id=getattr(actor, "id", None))
    if isinstance(answer, GeneralAnswer):
        link.general_answer_id = answer.id
    else:
        link.principle_answer_id = answer.id
    # No savepoint: on SQLite (pysqlite) a SAVEPOINT opened before any write commits on release, and a
    # refusal later in the same save must undo this link too. Two saves of the same link at once: the
    # second is refused and the caller rolls back; its user saves again and finds the link there.
    db.session.add(link)
    try:
        db.session.flush()
    except IntegrityError:
        raise AlreadyLinked(_("Någon annan sparade samma koppling samtidigt. Ladda om sidan och spara igen.")) from None
    consultation = answer.response.respondent.consultation
    record(actor, "tracing.change_linked", link, summary=_subject(principle_text, answer, target),
           after=_values(link), document_id=principle_text.version.document_id, consultation_id=consultation.id)
    return link


def unlink_change(link: ChangeLink, actor) -> None:
    """Take away a link: the comment no longer counts as having led to this change. Process owners and
    administrators (the caller checks `may_link_changes`), while the version is a draft."""
    principle_text = link.principle_text
    if not states.editable(principle_text.version):
        raise NotDraft(not_draft_message(principle_text.version))
    answer = link.general_answer if link.general_answer_id is not None else link.principle_answer
    consultation = answer.response.respondent.consultation
    record(actor, "tracing.change_unlinked", link, summary=_subject(principle_text, answer, link.target),
           before=_values(link), document_id=principle_text.version.document_id, consultation_id=consultation.id)
    db.session.delete(link)
    db.session.flush()


def _values(link: ChangeLink) -> dict:
    return {"principle_text_id": link.principle_text_id, "principle_answer_id": link.principle_answer_id,
            "general_answer_id": link.general_answer_id, "target": link.target.value}
