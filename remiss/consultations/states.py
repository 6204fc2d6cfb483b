"""The consultation's life, in one place: draft → open → closed → consolidated → decided.

Views and templates ask these functions; nobody compares `status ==` elsewhere.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from remiss.labels import label
from remiss.consultations.models import Consultation, ConsultationStatus, Response, ResponseStatus
from remiss.timeutil import utcnow

S = ConsultationStatus

TRANSITIONS: dict[ConsultationStatus, set[ConsultationStatus]] = {
    S.draft: {S.open},
    S.open: {S.closed},
    S.closed: {S.open, S.consolidated},  # reopened when the deadline is extended after closing
    S.consolidated: {S.decided},
    S.decided: set(),
}


class IllegalTransition(ValueError):
    """Raised with a message a user can read."""


def check_transition(consultation: Consultation, target: ConsultationStatus) -> None:
    if target not in TRANSITIONS[consultation.status]:
        raise IllegalTransition(
            _l("Remissen kan inte gå från ”%(current)s” till ”%(target)s”.",
               current=label(consultation.status), target=label(target))
        )


def move(consultation: Consultation, target: ConsultationStatus) -> None:
    check_transition(consultation, target)
    consultation.status = target


def questions_editable(consultation: Consultation) -> bool:
    """Questions, respondents and texts can change only before opening."""
    return consultation.status == S.draft


def deadline_passed(consultation: Consultation, now=None) -> bool:
    return (now or utcnow()) >= consultation.deadline


def accepting_answers(consultation: Consultation, now=None) -> bool:
    """Open, started and before the deadline: compared on the server, to the second."""
    now = now or utcnow()
    return consultation.status == S.open and consultation.opens_at <= now < consultation.deadline


def deadline_extendable(consultation: Consultation) -> bool:
    return consultation.status in (S.open, S.closed)


def response_editable(response: Response, now=None) -> bool:
    return response.status == ResponseStatus.draft and accepting_answers(response.respondent.consultation, now)




# Questions the process owner's pages ask (added with the consultation management pages).

def openable(consultation: Consultation) -> bool:
    """A draft can be opened (invitations go out); a closed one reopens only by a new deadline."""
    return consultation.status == S.draft


def closable(consultation: Consultation) -> bool:
    return consultation.status == S.open


def respondents_addable(consultation: Consultation) -> bool:
    """A forgotten organisation can still be asked while the consultation is open: it is invited at once."""
    return consultation.status in (S.draft, S.open)


def respondents_removable(consultation: Consultation) -> bool:
    """Once invited, a respondent stays: its answer may already be under way."""
    return consultation.status == S.draft


def reminders_sendable(consultation: Consultation, now=None) -> bool:
    """Reminding makes sense only while answers are still accepted."""
    return consultation.status == S.open and not deadline_passed(consultation, now)


def is_draft(consultation: Consultation) -> bool:
    return consultation.status == S.draft


def has_been_opened(consultation: Consultation) -> bool:
    """Invitations have gone out: the dashboard has something to show."""
    return consultation.status != S.draft


# Questions the answering pages ask (added with the responses area).

def response_is_draft(response: Response) -> bool:
    return response.status == ResponseStatus.draft


def response_submitted(response: Response) -> bool:
    """Submitted and still the current answer (a reopened revision is superseded instead)."""
    return response.status == ResponseStatus.submitted


def response_reopenable(response: Response, now=None) -> bool:
    """A process owner may reopen a submitted answer on request, but only before the deadline."""
    return response.status == ResponseStatus.submitted and accepting_answers(response.respondent.consultation, now)


def registration_possible(consultation: Consultation) -> bool:
    """Answers that came by e-mail or on paper are registered while open and after closing,
    until the consultation is consolidated (the consolidation must see every answer)."""
    return consultation.status in (S.open, S.closed)


# Questions the consolidation pages ask (added with the consolidation area).

def consolidation_viewable(consultation: Consultation) -> bool:
    """Answers can be read side by side once invitations have gone out: while open as a
    read-only preview, after closing to work on, after consolidation as the record."""
    return consultation.status != S.draft


def consolidation_editable(consultation: Consultation) -> bool:
    """Dispositions and summaries are written while the consultation is closed: no answer can
    change any more (open), and nothing changes after it is consolidated."""
    return consultation.status == S.closed


def consolidation_preview(consultation: Consultation) -> bool:
    """Still open: the answers so far can be read, but not yet handled."""
    return consultation.status == S.open


def consolidation_completable(consultation: Consultation) -> bool:
    """Closed → consolidated; whether every comment has its disposition is the operation's question."""
    return consultation.status == S.closed and S.consolidated in TRANSITIONS[consultation.status]


# --- the consolidated report ---------------------------------------------------------------


def report_is_final(consultation: Consultation) -> bool:
    """The consolidation is marked complete: the report is no longer a draft (no "UTKAST"),
    and its public version is a public document."""
    return consultation.status in (S.consolidated, S.decided)


def report_freezable(consultation: Consultation) -> bool:
    """A (new) frozen version can be made while the consultation is consolidated; once the
    steering group has decided, the report it decided on stays the last version."""
    return consultation.status == S.consolidated


def answers_redactable(consultation: Consultation) -> bool:
    """Passages are hidden from the public report while the answers are final and the report can
    still change: closed (before the public report) or consolidated (then frozen again)."""
    return consultation.status in (S.closed, S.consolidated)


# --- declining and sign-off inside the organisation (issue 9) -------------------------------


def respondent_declined(respondent) -> bool:
    """"Avstår från att yttra sig": said so, and has not answered since (an answer counts first)."""
    return respondent.declined_at is not None


def may_be_declined(respondent, response: Response | None, now=None) -> bool:
    """The people behind a respondent may decline while answers are accepted, unless the answer
    is already submitted (it must be reopened first)."""
    return (accepting_answers(respondent.consultation, now) and not respondent_declined(respondent)
            and (response is None or response.status == ResponseStatus.draft))


def declining_withdrawable(respondent, now=None) -> bool:
    """Changed their mind: the declining can be withdrawn while answers are accepted."""
    return respondent_declined(respondent) and accepting_answers(respondent.consultation, now)


def declining_registrable(respondent, response: Response | None) -> bool:
    """The process owner registers a declining that came by e-mail or on paper, as with answers:
    while open or closed, for a respondent without a submitted answer."""
    return (registration_possible(respondent.consultation) and not respondent_declined(respondent)
            and (response is None or response.status == ResponseStatus.draft))


def signoff_required(respondent) -> bool:
    """The organisation's answer must be signed by a signatory (firmatecknare, förvaltningschef)."""
    organisation = respondent.organisation
    return bool(organisation is not None and organisation.requires_signoff)


def response_ready(response: Response | None) -> bool:
    """A draft marked ready for signing: read-only for all but the signatories."""
    return bool(response is not None and response.status == ResponseStatus.draft and response.ready_at is not None)


def response_markable_ready(response: Response | None, now=None) -> bool:
    return bool(response is not None and response.status == ResponseStatus.draft and response.ready_at is None
                and signoff_required(response.respondent) and not respondent_declined(response.respondent)
                and accepting_answers(response.respondent.consultation, now))


def response_signable(response: Response | None, now=None) -> bool:
    """The signatory can send a draft back or sign and submit it while answers are accepted."""
    return bool(response is not None and response.status == ResponseStatus.draft
                and not respondent_declined(response.respondent)
                and accepting_answers(response.respondent.consultation, now))


def response_returnable(response: Response | None, now=None) -> bool:
    return response_ready(response) and response_signable(response, now)


def answer_writable_by(respondent, response: Response | None, user, now=None) -> bool:
    """May this person change the answer's text now? Not while declined; not while it waits for
    signing unless the person is a signatory."""
    if respondent_declined(respondent):
        return False
    if response_ready(response) and not getattr(user, "signatory", False):
        return False
    return True


def dissent_possible(response: Response | None, now=None) -> bool:
    """A representative may record a dissent on the organisation's answer – before and after its
    submission – while the consultation accepts answers."""
    return bool(response is not None and response.respondent.organisation_id is not None
                and response.status in (ResponseStatus.draft, ResponseStatus.submitted)
                and accepting_answers(response.respondent.consultation, now))
