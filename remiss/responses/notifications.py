"""The mails of answering: the receipt (with the whole answer as text, in the body and attached)
and the notice that a submitted answer was reopened. Each in the recipient's language."""
from __future__ import annotations

import re

from flask import current_app
from flask_babel import force_locale, format_datetime, gettext as _

from remiss.consultations.models import Response
from remiss.labels import label
from remiss.mail import MailAttachment, MailError, absolute_url, send_mail
from remiss.responses import queries
from remiss.i18n import babel_locale


def _when(moment) -> str:
    return format_datetime(moment, _("d MMMM y 'kl.' HH:mm")) if moment else ""


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines()) or "    –"


def answer_as_text(response: Response, context: queries.AnswerContext | None = None,
                   stored: queries.StoredAnswers | None = None) -> str:
    """The whole answer as plain text: what the receipt says and attaches. User text stays as typed
    (plain text cannot carry markup, so `<script>` is just characters here)."""
    respondent = response.respondent
    consultation = respondent.consultation
    context = context or queries.answer_context(consultation.id)
    stored = stored or queries.stored_answers(response)
    names = queries.editor_names(stored)
    ratings = dict(context.ratings)
    lines = [consultation.title, "=" * min(len(consultation.title), 72)]
    if consultation.reference_number:
        lines.append(f"{_('Diarienummer')}: {consultation.reference_number}")
    lines.append(f"{_('Dokument')}: {consultation.version.title}, {_('version %(number)s', number=consultation.version.number)}")
    lines.append(f"{_('Remissinstans')}: {queries.respondent_name(respondent)}")
    lines.append(f"{_('Revision')}: {response.revision}")
    if response.submitted_at:
        if response.registered_by_id:
            lines.append(f"{_('Inkom')}: {_when(response.submitted_at)} ({label(response.channel)}), "
                         f"{_('registrerat av %(name)s', name=names.get(response.registered_by_id, ''))}")
        else:
            lines.append(f"{_('Inskickat')}: {_when(response.submitted_at)}, "
                         f"{_('av %(name)s', name=names.get(response.submitted_by_id, ''))}")
    lines.append(f"{_('Principer besvarade')}: {stored.answered_count(context)} {_('av')} {len(context.principles)}")
    for principle in context.principles:
        answer = stored.principles.get(principle.id)
        lines += ["", "", _("Princip %(number)s: %(title)s", number=principle.number, title=principle.title),
                  "-" * 40]
        if not stored.answered(principle):
            lines.append(_("Inte besvarad."))
            continue
        if consultation.ask_stance:
            lines.append(f"{_('Ställningstagande')}: {label(answer.stance) if answer and answer.stance else '–'}")
        criteria = {ca.criterion_id: ca for ca in answer.criterion_answers} if answer else {}
        for criterion in context.criteria:
            given = criteria.get(criterion.id)
            lines.append(f"{criterion.text} {ratings.get(given.rating, '–') if given and given.rating else '–'}")
            if given and given.comment:
                lines.append(_indent(given.comment))
        if consultation.ask_comment:
            lines += [f"{_('Kommentar')}:", _indent(answer.comment if answer else "")]
        if consultation.ask_proposed_wording:
            lines += [f"{_('Ändringsförslag')}:", _indent(answer.proposed_wording if answer else "")]
        if context.asks_alternatives(principle):
            lines += _choice_lines(stored.principle_choices.get(principle.id))
    if context.sections:
        lines += ["", "", _("Alternativ i dokumentet"), "-" * 40]
        for section in context.sections:
            lines.append(section.heading)
            lines += _choice_lines(stored.section_choices.get(section.id))
    if context.general_questions:
        lines += ["", "", _("Övergripande frågor"), "-" * 40]
        for question in context.general_questions:
            answer = stored.general.get(question.id)
            lines += [question.text, _indent(answer.text if answer else ""), ""]
    return "\n".join(lines).rstrip() + "\n"


def _choice_lines(choice) -> list[str]:
    chosen = choice.alternative.label if choice is not None and choice.alternative is not None else "–"
    lines = [f"{_('Föredraget alternativ')}: {chosen}"]
    if choice is not None and choice.reason:
        lines += [f"{_('Motivering')}:", _indent(choice.reason)]
    return lines


def _attachment_name(response: Response) -> str:
    consultation = response.respondent.consultation
    base = consultation.reference_number or f"remiss-{consultation.id}"
    who = queries.respondent_name(response.respondent)
    name = re.sub(r"[^\w-]+", "-", f"remissvar-{base}-{who}-rev{response.revision}", flags=re.UNICODE)
    return name.strip("-")[:120] + ".txt"


def send_receipts(response: Response) -> tuple[int, list[str]]:
    """Mail the receipt to everyone behind the respondent; returns (sent, addresses that failed).

    A failing mail server does not undo the submission: the failure is logged and reported.
    """
    respondent = response.respondent
    consultation = respondent.consultation
    context = queries.answer_context(consultation.id)
    stored = queries.stored_answers(response)
    names = queries.editor_names(stored)
    sent, failed = 0, []
    for person in queries.people_answering_for(respondent):
        with force_locale(babel_locale(person.locale)):
            text = answer_as_text(response, context, stored)
            subject = _("Kvitto: svar på remissen ”%(title)s”", title=consultation.title)
            try:
                send_mail(
                    person.email,
                    subject.replace("\n", " ").replace("\r", " "),
                    "response_receipt",
                    attachments=[MailAttachment(_attachment_name(response), "text/plain", text.encode("utf-8"))],
                    person=person,
                    response=response,
                    consultation=consultation,
                    respondent_name=queries.respondent_name(respondent),
                    submitted_by=names.get(response.submitted_by_id, ""),
                    registered_by=names.get(response.registered_by_id, ""),
                    answer_text=text,
                    link=absolute_url("responses.receipt", consultation_id=consultation.id),
                )
                sent += 1
            except MailError:
                current_app.logger.warning("receipt for response %s to %s failed", response.id, person.email)
                failed.append(person.email)
    return sent, failed


def send_reopened(draft: Response, reason: str) -> tuple[int, list[str]]:
    """Tell everyone behind the respondent that their answer is open again, and why."""
    respondent = draft.respondent
    consultation = respondent.consultation
    sent, failed = 0, []
    for person in queries.people_answering_for(respondent):
        with force_locale(babel_locale(person.locale)):
            subject = _("Ert svar på remissen ”%(title)s” är öppnat igen", title=consultation.title)
            try:
                send_mail(
                    person.email,
                    subject.replace("\n", " ").replace("\r", " "),
                    "response_reopened",
                    person=person,
                    consultation=consultation,
                    respondent_name=queries.respondent_name(respondent),
                    reason=reason,
                    link=absolute_url("responses.respond", consultation_id=consultation.id),
                )
                sent += 1
            except MailError:
                current_app.logger.warning("reopen notice for response %s to %s failed", draft.id, person.email)
                failed.append(person.email)
    return sent, failed


def _mail_each(people, response: Response, template: str, subject_text, **context) -> tuple[int, list[str]]:
    """One mail per person in their language; a failing mail server does not undo the change."""
    respondent = response.respondent
    consultation = respondent.consultation
    sent, failed = 0, []
    for person in people:
        with force_locale(babel_locale(person.locale)):
            subject = subject_text(consultation)
            try:
                send_mail(person.email, subject.replace("\n", " ").replace("\r", " "), template, person=person,
                          consultation=consultation, respondent_name=queries.respondent_name(respondent), **context)
                sent += 1
            except MailError:
                current_app.logger.warning("%s for response %s to %s failed", template, response.id, person.email)
                failed.append(person.email)
    return sent, failed


def send_ready_for_signing(response: Response, marked_by) -> tuple[int, list[str]]:
    """Tell the organisation's signatories that its answer waits for their signature."""
    signatories = [p for p in queries.people_answering_for(response.respondent) if p.signatory]
    return _mail_each(
        signatories, response, "response_ready_for_signing",
        lambda consultation: _("Svar att underteckna: remissen ”%(title)s”", title=consultation.title),
        marked_by=getattr(marked_by, "name", ""),
        link=absolute_url("signoff.review", consultation_id=response.respondent.consultation_id),
    )


def send_returned(response: Response, returned_by, note: str) -> tuple[int, list[str]]:
    """Tell the representatives that the signatory sent the answer back, and why."""
    return _mail_each(
        queries.people_answering_for(response.respondent), response, "response_returned",
        lambda consultation: _("Svaret på remissen ”%(title)s” har skickats tillbaka", title=consultation.title),
        returned_by=getattr(returned_by, "name", ""), note=note,
        link=absolute_url("responses.respond", consultation_id=response.respondent.consultation_id),
    )
