"""A version's life, in one place. Every operation that changes a version's status calls move();
views and templates ask the questions below, never `status ==`.

    draft ──open remiss──▶ on_remiss ──close──▶ consolidation ──▶ superseded (a later version approved)
      │  ▲                                           │
      │  └──returned for revision──┐                 │ (proposed unchanged)
      ├──send to steering group──▶ proposed ◀────────┘
      │                              ├──approved──▶ published ──next approved──▶ superseded
      └──withdraw──▶ withdrawn ◀─────┘ rejected / withdrawn
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.errors import UserError
from remiss.labels import label

V = VersionStatus

TRANSITIONS: dict[VersionStatus, set[VersionStatus]] = {
    V.draft: {V.on_remiss, V.proposed, V.withdrawn},
    # Never back to draft: answers were given on this text.
    V.on_remiss: {V.consolidation},
    # Back on remiss when a closed consultation's deadline is extended.
    V.consolidation: {V.on_remiss, V.proposed, V.superseded, V.withdrawn},
    V.proposed: {V.published, V.draft, V.withdrawn},
    V.published: {V.superseded},
    V.superseded: set(),
    V.withdrawn: set(),
}


class IllegalVersionTransition(UserError):
    """A status change the state machine does not allow, with a message a user can read."""

    status = 409


def check_transition(version: DocumentVersion, target: VersionStatus) -> None:
    if target not in TRANSITIONS[version.status]:
        raise IllegalVersionTransition(
            _l("Version %(number)s kan inte gå från ”%(current)s” till ”%(target)s”.",
               number=version.number, current=label(version.status), target=label(target))
        )


def move(version: DocumentVersion, target: VersionStatus) -> None:
    check_transition(version, target)
    version.status = target


def editable(version: DocumentVersion) -> bool:
    """Only a draft's text changes; once on remiss or proposed, answers and decisions rest on it."""
    return version.status == V.draft


def remiss_possible(version: DocumentVersion) -> bool:
    """A draft goes on remiss; a version already on remiss may get a further consultation."""
    return version.status in (V.draft, V.on_remiss)


def proposable(version: DocumentVersion) -> bool:
    return V.proposed in TRANSITIONS[version.status]


def awaiting_decision(version: DocumentVersion) -> bool:
    return version.status == V.proposed


def withdrawable(version: DocumentVersion) -> bool:
    return V.withdrawn in TRANSITIONS[version.status]


def is_public(version: DocumentVersion) -> bool:
    """Approved versions, current or superseded, are public documents forever."""
    return version.status in (V.published, V.superseded)
