"""The verbs of consultations: create, configure, open, extend, close, remind.

Every operation takes the acting user (None for a command-line job), validates, changes state
through `states.py`, writes an audit entry, and never commits: the request or the command does.
Permission is the caller's to check (`permissions.may_manage_consultations`).
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy import null, select, update

from remiss.audit import record
from remiss.auth.models import Role, User
from remiss.auth.operations import token_hash
from remiss.consultations import queries, states
from remiss.consultations.models import (
    Consultation,
    ConsultationStatus,
    CriteriaScale,
    GeneralQuestion,
    MagicLink,
    Reminder,
    ReminderKind,
    Respondent,
)
from remiss.documents import states as version_states
from remiss.documents.models import Criterion, DocumentVersion, VersionStatus
from remiss.extensions import db
from remiss.labels import label
from remiss.mail import send_mail
from remiss.markdown import MAX_LENGTH as MARKDOWN_MAX_LENGTH
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow
from remiss.i18n import babel_locale

# The general questions every consultation starts with; the process owner may change them.
DEFAULT_GENERAL_QUESTIONS = (
    "Synpunkter?",
    "Tankar om remissförfarande/förankring?",
    "Tankar om spridning och genomförande?",
)

TITLE_MAX = 300
REFERENCE_MAX = 64
QUESTION_MAX = 500
REMINDER_DAYS_MAX = 60


class ConsultationError(ValueError):
    """A refusal a user can read. `field` names the form field the message belongs to, if any."""

    def __init__(self, message, field: str | None = None):
        super().__init__(message)
        # Kept lazy: turned into text in the language of whoever reads it.
        self.message = message
        self.field = field

    def __str__(self) -> str:
        return str(self.message)


# --- validation ----------------------------------------------------------------------------

def _text(value, *, field: str, max_length: int, required: bool = False, label=None) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ConsultationError(_l("Texten innehåller ett otillåtet tecken (NUL). Ta bort det och försök igen."), field)
    if required and not value:
        raise ConsultationError(_l("Fyll i %(label)s.", label=label or field), field)
    if len(value) > max_length:
        raise ConsultationError(
            _l("Högst %(max)d tecken (nu %(length)d).", max=max_length, length=len(value)), field
        )
    return value


def _check_dates(opens_at: datetime, deadline: datetime, now: datetime) -> None:
    if deadline <= now:
        raise ConsultationError(_l("Svarsdatumet har redan passerat. Välj en tidpunkt i framtiden."), "deadline_date")
    if deadline <= opens_at:
        raise ConsultationError(_l("Svarsdatumet måste ligga efter öppningsdatumet."), "deadline_date")


def _check_reminder_days(days) -> int | None:
    if days is None:
        return None
    if not 0 <= days <= REMINDER_DAYS_MAX:
        raise ConsultationError(
            _l("Ange ett antal dagar mellan 0 och %(max)d, eller lämna fältet tomt.", max=REMINDER_DAYS_MAX),
            "reminder_days_before",
        )
    return days


def _check_networks(networks) -> list[Network]:
    networks = list(networks or [])
    if not networks:
        raise ConsultationError(_l("Välj minst ett nätverk som remissen ska skickas till."), "networks")
    return networks


def _snapshot(consultation: Consultation) -> dict:
    return {
        "title": consultation.title,
        "reference_number": consultation.reference_number,
        "opens_at": consultation.opens_at.isoformat() if consultation.opens_at else None,
        "deadline": consultation.deadline.isoformat() if consultation.deadline else None,
        "status": consultation.status.value if consultation.status else None,
        "networks": sorted(n.id for n in consultation.networks),
        "reminder_days_before": consultation.reminder_days_before,
    }


def _question_snapshot(consultation: Consultation) -> dict:
    return {
        "ask_stance": consultation.ask_stance,
        "ask_comment": consultation.ask_comment,
        "ask_proposed_wording": consultation.ask_proposed_wording,
        "ask_alternatives": consultation.ask_alternatives,
        "criteria": [c.id for c in consultation.criteria],
        "criteria_scale": consultation.criteria_scale.value,
        "general_questions": [q.text for q in consultation.general_questions],
    }


def _audit(actor, action: str, consultation: Consultation, **kwargs):
    return record(actor, action, consultation, document_id=consultation.version.document_id,
                  consultation_id=consultation.id, **kwargs)


def _version_follows(consultation: Consultation, actor) -> None:
    """The version's status follows its remiss: on remiss while one of its consultations is open,
    under consolidation once none is."""
    version = consultation.version
    before = version.status
    if consultation.status == ConsultationStatus.open and version.status != VersionStatus.on_remiss:
        version_states.move(version, VersionStatus.on_remiss)
    elif consultation.status == ConsultationStatus.closed and version.status == VersionStatus.on_remiss:
        still_open = db.session.execute(
            select(Consultation.id).where(
                Consultation.version_id == version.id, Consultation.status == ConsultationStatus.open
            ).limit(1)
        ).first()
        if still_open is None:
            version_states.move(version, VersionStatus.consolidation)
    if version.status != before:
        record(actor, "document_version.status_changed", version, document_id=version.document_id,
               consultation_id=consultation.id, summary=f"Version {version.number}: {before.value} → {version.status.value}",
               before={"status": before.value}, after={"status": version.status.value})


def _require_draft(consultation: Consultation) -> None:
    if not states.questions_editable(consultation):
        raise states.IllegalTransition(
            _l("Remissen är redan öppnad: frågor, uppgifter och remissinstanser kan inte längre ändras.")
        )


# --- respondents ---------------------------------------------------------------------------

def derive_respondents(networks: list[Network]) -> tuple[dict[int, set[int]], dict[int, set[int]]]:
    """Who a set of networks asks: {organisation id: network ids}, {individual user id: network ids}.

    An organisation is asked when it belongs to the network or one of its active representatives
    is a member; in two networks it is still one respondent, linked to both. An active
    representative without an organisation is asked as an individual.
    """
    organisations: dict[int, set[int]] = {}
    individuals: dict[int, set[int]] = {}
    for network in queries.networks_with_members([n.id for n in networks]):
        for organisation in network.organisations:
            organisations.setdefault(organisation.id, set()).add(network.id)
        for member in network.members:
            if not member.active or member.role != Role.representative:
                continue
            if member.organisation_id is not None:
                organisations.setdefault(member.organisation_id, set()).add(network.id)
            else:
                individuals.setdefault(member.id, set()).add(network.id)
    return organisations, individuals


def _sync_respondents(consultation: Consultation) -> None:
    """Make the network-derived respondents match the networks; hand-added ones stay."""
    organisations, individuals = derive_respondents(consultation.networks)
    networks = {n.id: n for n in consultation.networks}
    existing = queries.all_respondents(consultation) if consultation.id else []
    seen: set[tuple[str, int]] = set()
    for respondent in existing:
        if respondent.organisation_id is not None:
            key, wanted = ("o", respondent.organisation_id), organisations.get(respondent.organisation_id)
        else:
            key, wanted = ("u", respondent.user_id), individuals.get(respondent.user_id)
        seen.add(key)
        if wanted is None and not respondent.added_manually:
            db.session.delete(respondent)
            continue
        respondent.networks = [networks[i] for i in sorted(wanted or ())]
    for organisation_id, network_ids in sorted(organisations.items()):
        if ("o", organisation_id) not in seen:
            db.session.add(Respondent(consultation=consultation, organisation_id=organisation_id,
                                      networks=[networks[i] for i in sorted(network_ids)]))
    for user_id, network_ids in sorted(individuals.items()):
        if ("u", user_id) not in seen:
            db.session.add(Respondent(consultation=consultation, user_id=user_id,
                                      networks=[networks[i] for i in sorted(network_ids)]))
    db.session.flush()
    db.session.expire(consultation, ["respondents"])


def add_respondent(consultation: Consultation, actor, *, organisation: Organisation | None = None,
                   user: User | None = None, now: datetime | None = None) -> Respondent:
    """Process owners: ask one more organisation or individual. Allowed while draft or open;
    while open the new respondent is invited at once."""
    if not states.respondents_addable(consultation):
        raise states.IllegalTransition(_l("Remissinstanser kan inte läggas till när remissen är stängd."))
    if (organisation is None) == (user is None):
        raise ConsultationError(_l("Välj en organisation eller en person."))
    if user is not None:
        if user.organisation_id is not None:
            raise ConsultationError(
                _l("%(name)s företräder en organisation. Lägg till organisationen i stället.", name=user.name), "user_id"
            )
        if not user.active or user.role != Role.representative:
            raise ConsultationError(_l("Personen kan inte svara på remisser (inaktiv eller annan roll)."), "user_id")
    taken = db.session.execute(
        select(Respondent.id).where(
            Respondent.consultation_id == consultation.id,
            (Respondent.organisation_id == organisation.id) if organisation is not None else (Respondent.user_id == user.id),
        )
    ).scalar_one_or_none()
    if taken is not None:
        name = organisation.name if organisation is not None else user.name
        raise ConsultationError(_l("%(name)s är redan remissinstans.", name=name),
                                "organisation_id" if organisation is not None else "user_id")
    respondent = Respondent(
        consultation=consultation,
        organisation_id=organisation.id if organisation is not None else None,
        user_id=user.id if user is not None else None,
        added_manually=True,
    )
    db.session.add(respondent)
    db.session.flush()
    _audit(actor, "consultation.respondent_added", consultation,
           summary=organisation.name if organisation is not None else user.name,
           after={"respondent_id": respondent.id, "organisation_id": respondent.organisation_id,
                  "user_id": respondent.user_id})
    if consultation.status == ConsultationStatus.open:
        _mail_respondents(consultation, [respondent], ReminderKind.invitation, actor, now or utcnow())
    return respondent


def remove_respondent(respondent: Respondent, actor) -> None:
    """Process owners: stop asking a respondent. Only before opening."""
    consultation = respondent.consultation
    if not states.respondents_removable(consultation):
        raise states.IllegalTransition(
            _l("Remissen är redan öppnad: en inbjuden remissinstans kan inte tas bort.")
        )
    name = respondent.organisation.name if respondent.organisation else respondent.user.name
    _audit(actor, "consultation.respondent_removed", consultation, summary=name,
           before={"respondent_id": respondent.id, "organisation_id": respondent.organisation_id,
                   "user_id": respondent.user_id})
    db.session.delete(respondent)
    db.session.flush()
    db.session.expire(consultation, ["respondents"])


# --- creating and configuring --------------------------------------------------------------

def create_consultation(version: DocumentVersion, title, purpose, reference_number, opens_at: datetime,
                        deadline: datetime, networks, actor, *, reminder_days_before: int | None = 3,
                        now: datetime | None = None) -> Consultation:
    """Process owners: a draft consultation of a version, asking all its criteria and the three
    general questions, with the respondents its networks give."""
    now = now or utcnow()
    if version is None or version.status not in queries.VERSIONS_FOR_REMISS:
        raise ConsultationError(_l("Välj en version som är ett utkast eller redan på remiss."), "version_id")
    title = _text(title, field="title", max_length=TITLE_MAX, required=True, label=_l("en rubrik"))
    purpose = _text(purpose, field="purpose", max_length=MARKDOWN_MAX_LENGTH)
    reference_number = _text(reference_number, field="reference_number", max_length=REFERENCE_MAX)
    _check_dates(opens_at, deadline, now)
    networks = _check_networks(networks)
    consultation = Consultation(
        version=version,
        title=title,
        purpose=purpose,
        reference_number=reference_number,
        opens_at=opens_at,
        deadline=deadline,
        status=ConsultationStatus.draft,
        # null(): None would let the column's default (3 days) fill in instead of "no reminder".
        reminder_days_before=null() if reminder_days_before is None else _check_reminder_days(reminder_days_before),
        created_by_id=getattr(actor, "id", None),
        created_at=now,
        networks=networks,
        criteria=list(version.criteria),
        general_questions=[GeneralQuestion(position=i, text=text) for i, text in enumerate(DEFAULT_GENERAL_QUESTIONS, 1)],
    )
    db.session.add(consultation)
    db.session.flush()
    _sync_respondents(consultation)
    _audit(actor, "consultation.created", consultation, summary=title, after=_snapshot(consultation))
    return consultation


def update_details(consultation: Consultation, actor, *, title, purpose, reference_number, opens_at: datetime,
                   deadline: datetime, networks, reminder_days_before: int | None,
                   now: datetime | None = None) -> Consultation:
    """Process owners, before opening. Changing the networks re-derives the respondents from them
    (hand-added respondents stay)."""
    _require_draft(consultation)
    now = now or utcnow()
    title = _text(title, field="title", max_length=TITLE_MAX, required=True, label=_l("en rubrik"))
    purpose = _text(purpose, field="purpose", max_length=MARKDOWN_MAX_LENGTH)
    reference_number = _text(reference_number, field="reference_number", max_length=REFERENCE_MAX)
    _check_dates(opens_at, deadline, now)
    networks = _check_networks(networks)
    reminder_days_before = _check_reminder_days(reminder_days_before)
    before = _snapshot(consultation)
    networks_changed = {n.id for n in networks} != {n.id for n in consultation.networks}
    consultation.title = title
    consultation.purpose = purpose
    consultation.reference_number = reference_number
    consultation.opens_at = opens_at
    consultation.deadline = deadline
    consultation.reminder_days_before = reminder_days_before
    consultation.networks = networks
    db.session.flush()
    if networks_changed:
        _sync_respondents(consultation)
    _audit(actor, "consultation.updated", consultation, summary=title, before=before, after=_snapshot(consultation))
    return consultation


def _asks_anything(consultation: Consultation, **changes) -> bool:
    """Would the consultation ask at least one question, with `changes` applied?"""
    asked = {
        "ask_stance": consultation.ask_stance,
        "ask_comment": consultation.ask_comment,
        "ask_proposed_wording": consultation.ask_proposed_wording,
        "ask_alternatives": consultation.ask_alternatives and bool(consultation.version.alternatives),
        "criteria": bool(consultation.criteria),
        "general_questions": bool(consultation.general_questions),
    }
    asked.update(changes)
    return any(asked.values())


def update_questions(consultation: Consultation, actor, *, ask_stance: bool, ask_comment: bool,
                     ask_proposed_wording: bool, ask_alternatives: bool, criteria: list[Criterion],
                     criteria_scale: CriteriaScale) -> Consultation:
    """Process owners, before opening: which per-principle questions are asked, and on which scale."""
    _require_draft(consultation)
    own = {c.id for c in consultation.version.criteria}
    if any(c.id not in own for c in criteria):
        raise ConsultationError(_l("Kvalitetskriterierna måste höra till den version som är på remiss."), "criteria")
    if not isinstance(criteria_scale, CriteriaScale):
        raise ConsultationError(_l("Välj en skala för kvalitetskriterierna."), "criteria_scale")
    if not _asks_anything(consultation, ask_stance=ask_stance, ask_comment=ask_comment,
                          ask_proposed_wording=ask_proposed_wording,
                          ask_alternatives=ask_alternatives and bool(consultation.version.alternatives),
                          criteria=bool(criteria)):
        raise ConsultationError(_l("Remissen måste ställa minst en fråga."), "ask_stance")
    before = _question_snapshot(consultation)
    consultation.ask_stance = bool(ask_stance)
    consultation.ask_comment = bool(ask_comment)
    consultation.ask_proposed_wording = bool(ask_proposed_wording)
    consultation.ask_alternatives = bool(ask_alternatives)
    consultation.criteria = sorted(criteria, key=lambda c: c.position)
    consultation.criteria_scale = criteria_scale
    db.session.flush()
    _audit(actor, "consultation.questions_updated", consultation, before=before, after=_question_snapshot(consultation))
    return consultation


def add_general_question(consultation: Consultation, actor, text) -> GeneralQuestion:
    _require_draft(consultation)
    text = _text(text, field="text", max_length=QUESTION_MAX, required=True, label=_l("frågan"))
    position = max((q.position for q in consultation.general_questions), default=0) + 1
    question = GeneralQuestion(consultation=consultation, position=position, text=text)
    db.session.add(question)
    db.session.flush()
    _audit(actor, "consultation.general_question_added", consultation, summary=text)
    return question


def edit_general_question(question: GeneralQuestion, actor, text) -> GeneralQuestion:
    consultation = question.consultation
    _require_draft(consultation)
    text = _text(text, field="text", max_length=QUESTION_MAX, required=True, label=_l("frågan"))
    before = question.text
    question.text = text
    db.session.flush()
    _audit(actor, "consultation.general_question_edited", consultation, summary=text,
           before={"text": before}, after={"text": text})
    return question


def remove_general_question(question: GeneralQuestion, actor) -> None:
    consultation = question.consultation
    _require_draft(consultation)
    if not _asks_anything(consultation, general_questions=len(consultation.general_questions) > 1):
        raise ConsultationError(_l("Det här är den enda frågan som ställs. Remissen måste ställa minst en fråga."))
    _audit(actor, "consultation.general_question_removed", consultation, summary=question.text,
           before={"text": question.text, "position": question.position})
    consultation.general_questions.remove(question)
    db.session.flush()


def move_general_question(question: GeneralQuestion, actor, direction: int) -> None:
    """Swap with the neighbour above (direction -1) or below (+1); at the edge nothing moves."""
    consultation = question.consultation
    _require_draft(consultation)
    ordered = sorted(consultation.general_questions, key=lambda q: q.position)
    index = ordered.index(question)
    other_index = index + (1 if direction > 0 else -1)
    if not 0 <= other_index < len(ordered):
        return
    other = ordered[other_index]
    mine, theirs = question.position, other.position
    # (consultation, position) is unique and checked per statement: go through a free position.
    question.position = min(q.position for q in ordered) - 1
    db.session.flush()
    other.position = mine
    db.session.flush()
    question.position = theirs
    db.session.flush()
    db.session.expire(consultation, ["general_questions"])
    _audit(actor, "consultation.general_question_moved", consultation, summary=question.text,
           before={"position": mine}, after={"position": theirs})


# --- mail ----------------------------------------------------------------------------------

def issue_magic_link(respondent: Respondent, user: User, now: datetime | None = None) -> str:
    """A personal link for an individual: the raw token goes into the mail, only its hash is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(MagicLink(respondent_id=respondent.id, user_id=user.id, token_hash=token_hash(token),
                             created_at=now or utcnow()))
    return token


def answer_url(consultation: Consultation) -> str:
    """The answer page for account holders (the responses area's `responses.respond`)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/consultations/{consultation.id}/respond"


def magic_link_url(token: str) -> str:
    """The personal entry (the responses area's `responses.magic_link`)."""
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/r/{token}"


MAIL_SUBJECTS = {
    ReminderKind.invitation: _l("Inbjudan att svara på remiss: %(title)s"),
    ReminderKind.manual: _l("Påminnelse om remiss: %(title)s"),
    ReminderKind.automatic: _l("Påminnelse om remiss: %(title)s"),
    ReminderKind.deadline_extended: _l("Nytt svarsdatum för remiss: %(title)s"),
}
MAIL_TEMPLATES = {
    ReminderKind.invitation: "consultation_invitation",
    ReminderKind.manual: "consultation_reminder",
    ReminderKind.automatic: "consultation_reminder",
    ReminderKind.deadline_extended: "consultation_deadline_extended",
}


def _mail_respondents(consultation: Consultation, respondents: list[Respondent], kind: ReminderKind, actor,
                      now: datetime, *, old_deadline: datetime | None = None,
                      people: dict[int, list[User]] | None = None) -> int:
    """Mail every person behind each respondent, each in their own language; one Reminder row per
    respondent. Individuals get a fresh personal link. Returns the number of mails."""
    if people is None:
        people = queries.people_by_respondent(respondents)
    sent = 0
    for respondent in respondents:
        recipients = people.get(respondent.id, [])
        for person in recipients:
            if respondent.user_id is not None:
                link = magic_link_url(issue_magic_link(respondent, person, now))
            else:
                link = answer_url(consultation)
            with force_locale(babel_locale(person.locale)):
                subject = str(MAIL_SUBJECTS[kind]) % {"title": consultation.title}
                send_mail(
                    person.email,
                    subject.replace("\n", " ").replace("\r", " "),
                    MAIL_TEMPLATES[kind],
                    consultation=consultation,
                    respondent=respondent,
                    person=person,
                    link=link,
                    personal_link=respondent.user_id is not None,
                    kind=kind.value,
                    old_deadline=old_deadline,
                    now=now,
                )
            sent += 1
        db.session.add(Reminder(respondent_id=respondent.id, kind=kind, sent_at=now,
                                sent_by_id=getattr(actor, "id", None), recipients=len(recipients)))
    return sent


# --- the life of a consultation ------------------------------------------------------------

def open_consultation(consultation: Consultation, actor, now: datetime | None = None) -> int:
    """Process owners: open a draft for answers and invite every person behind every respondent.
    Returns the number of invitations sent."""
    now = now or utcnow()
    if consultation.status == ConsultationStatus.closed:
        raise states.IllegalTransition(
            _l("En stängd remiss öppnas inte på nytt härifrån: förläng svarsdatumet så öppnas den igen.")
        )
    states.check_transition(consultation, ConsultationStatus.open)
    if states.deadline_passed(consultation, now):
        raise ConsultationError(_l("Svarsdatumet har redan passerat. Ändra svarsdatumet innan remissen öppnas."))
    if not _asks_anything(consultation):
        raise ConsultationError(_l("Remissen måste ställa minst en fråga."))
    respondents = queries.all_respondents(consultation)
    if not respondents:
        raise ConsultationError(_l("Remissen har inga remissinstanser. Välj nätverk eller lägg till remissinstanser."))
    # The gate against a double click or two process owners at once: only one request turns this
    # draft into an open consultation, so the invitations go out once.
    claimed = db.session.execute(
        update(Consultation)
        .where(Consultation.id == consultation.id, Consultation.status == ConsultationStatus.draft)
        .values(status=ConsultationStatus.open, opened_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        raise states.IllegalTransition(_l("Remissen har redan öppnats."))
    states.move(consultation, ConsultationStatus.open)
    consultation.opened_at = now
    _version_follows(consultation, actor)
    sent = _mail_respondents(consultation, respondents, ReminderKind.invitation, actor, now)
    _audit(actor, "consultation.opened", consultation, summary=f"{sent} inbjudningar skickade",
           before={"status": ConsultationStatus.draft.value},
           after={"status": consultation.status.value, "invitations": sent, "respondents": len(respondents)})
    return sent


def extend_deadline(consultation: Consultation, actor, new_deadline: datetime, now: datetime | None = None) -> int:
    """Process owners: a later deadline, told to everyone asked. Reopens a closed consultation.
    Returns the number of mails sent."""
    now = now or utcnow()
    if not states.deadline_extendable(consultation):
        raise states.IllegalTransition(
            _l("Svarsdatumet kan bara förlängas för en remiss som är öppen eller stängd (inte ”%(status)s”).",
               status=label(consultation.status))
        )
    if new_deadline <= now:
        raise ConsultationError(_l("Det nya svarsdatumet måste ligga i framtiden."), "deadline_date")
    if new_deadline <= consultation.deadline:
        raise ConsultationError(_l("Det nya svarsdatumet måste vara senare än det nuvarande."), "deadline_date")
    old_deadline = consultation.deadline
    before = _snapshot(consultation)
    if consultation.status == ConsultationStatus.closed:
        states.move(consultation, ConsultationStatus.open)
        consultation.closed_at = None
        _version_follows(consultation, actor)
    consultation.deadline = new_deadline
    days = consultation.reminder_days_before
    if days is not None and new_deadline - timedelta(days=days) > now:
        # A new deadline deserves its own automatic reminder, unless that moment has already come.
        db.session.execute(
            update(Respondent).where(Respondent.consultation_id == consultation.id).values(automatic_reminder_at=None)
        )
    db.session.flush()
    sent = _mail_respondents(consultation, queries.all_respondents(consultation), ReminderKind.deadline_extended,
                             actor, now, old_deadline=old_deadline)
    _audit(actor, "consultation.deadline_extended", consultation, before=before, after=_snapshot(consultation),
           summary=f"{sent} personer underrättade om nytt svarsdatum")
    return sent


def close_consultation(consultation: Consultation, actor, now: datetime | None = None) -> None:
    """Process owners (or the daily job, actor None): no more answers are accepted."""
    before = consultation.status
    states.move(consultation, ConsultationStatus.closed)
    consultation.closed_at = now or utcnow()
    db.session.flush()
    _version_follows(consultation, actor)
    _audit(actor, "consultation.closed", consultation, before={"status": before.value},
           after={"status": consultation.status.value})


def close_due(now: datetime | None = None) -> list[Consultation]:
    """The daily job: close every open consultation whose deadline has passed."""
    now = now or utcnow()
    due = db.session.execute(
        select(Consultation).where(Consultation.status == ConsultationStatus.open, Consultation.deadline <= now)
    ).scalars().all()
    for consultation in due:
        close_consultation(consultation, None, now)
    return list(due)


def send_reminders(consultation: Consultation, actor, now: datetime | None = None) -> tuple[int, int]:
    """Process owners: remind every respondent that has not submitted. Returns (respondents, mails)."""
    now = now or utcnow()
    if not states.reminders_sendable(consultation, now):
        raise states.IllegalTransition(_l("Påminnelser kan bara skickas medan remissen är öppen för svar."))
    respondents = queries.unsubmitted_respondents(consultation)
    if not respondents:
        raise ConsultationError(_l("Alla remissinstanser har redan svarat eller avstått. Ingen påminnelse skickades."))
    sent = _mail_respondents(consultation, respondents, ReminderKind.manual, actor, now)
    _audit(actor, "consultation.reminded", consultation,
           summary=f"{sent} påminnelser skickade",
           after={"respondents": len(respondents), "mails": sent})
    return len(respondents), sent


def remind_due(now: datetime | None = None) -> int:
    """The daily job: for open consultations whose deadline is within their `reminder_days_before`
    days, remind each respondent without a submitted answer – once. The conditional UPDATE on
    `automatic_reminder_at IS NULL` is the gate: two instances running at once never both send.
    Returns the number of respondents reminded."""
    now = now or utcnow()
    candidates = db.session.execute(
        select(Consultation).where(
            Consultation.status == ConsultationStatus.open,
            Consultation.reminder_days_before.is_not(None),
            Consultation.deadline > now,
        ).order_by(Consultation.id)
    ).scalars().all()
    reminded = 0
    for consultation in candidates:
        if consultation.deadline - timedelta(days=consultation.reminder_days_before) > now:
            continue
        respondents = queries.unsubmitted_respondents(consultation, without_automatic_reminder=True)
        people = queries.people_by_respondent(respondents)
        claimed = []
        for respondent in respondents:
            result = db.session.execute(
                update(Respondent)
                .where(Respondent.id == respondent.id, Respondent.automatic_reminder_at.is_(None),
                       Respondent.declined_at.is_(None))  # declined since the list was read: no reminder
                .values(automatic_reminder_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                claimed.append(respondent)
        if not claimed:
            continue
        sent = _mail_respondents(consultation, claimed, ReminderKind.automatic, None, now, people=people)
        _audit(None, "consultation.reminded_automatically", consultation,
               summary=f"{sent} påminnelser skickade",
               after={"respondents": len(claimed), "mails": sent})
        reminded += len(claimed)
    return reminded

