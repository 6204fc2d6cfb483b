"""The archive package of a finished consultation: one ZIP for the registry (diarium / e-arkiv).

What it holds, always in this order (and every name ASCII, so that any archive system keeps it):

    rapport/        the frozen consolidated report as PDF (internal and public, the latest version)
    svar/           every answer – the current submitted revision of each respondent – as PDF and JSON
    original/       the originals of answers registered on a respondent's behalf (e-mail, paper)
    beslut/         the steering group's proposals and decisions on this consultation, JSON and text
    handelselogg.csv  the consultation's audit trail (the audit area's CSV export)
    manifest.json, manifest.txt  what the package holds: consultation metadata, and every file
                    above with its size and SHA-256
    SHA256SUMS      the same checksums in the format `sha256sum -c` reads

The files are written in a fixed order with a fixed time stamp (the frozen report's), so two
packages of the same consultation list the same files in the same order. Built in Swedish, the
working language of the record, whatever the language of the person who downloads it.

Reads only: nothing is changed, nothing committed. Who may build it is the caller's question
(`may_download_archive`); when is asked of `states.report_is_final`.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import click
from flask import render_template
from flask.cli import with_appcontext
from flask_babel import force_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from remiss.auth.models import User
from remiss.consolidation import feedback, queries as consolidation_queries
from remiss.consolidation.models import ConsolidatedReport, Disposition, DispositionTarget
from remiss.consultations import states
from remiss.consultations.models import (
    Attachment,
    Consultation,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
)
from remiss.decisions.models import Proposal
from remiss.errors import UserError
from remiss.extensions import db
from remiss.i18n import babel_locale
from remiss.labels import RATINGS, label
from remiss.organisations.models import Organisation
from remiss.timeutil import local, utcnow

FORMAT = "remiss-arkivpaket/1"
LOCALE = "sv"
NAME_LENGTH = 60


class NotArchivable(UserError):
    """The consultation is not finished: its report is not final yet."""

    status = 409


# --- small helpers ------------------------------------------------------------------------------


def ascii_name(text: str, fallback: str = "fil") -> str:
    """A file name part of ASCII letters, digits and hyphens: "Sahlgrenska-Universitetssjukhuset"."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii")
    name = re.sub(r"[^A-Za-z0-9]+", "-", plain).strip("-")[:NAME_LENGTH].strip("-")
    return name or fallback


def _file_name(filename: str) -> str:
    """An uploaded file's name made safe: no folders, ASCII, its extension kept."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10].lower()
    return ascii_name(stem, "original") + (f".{extension}" if extension else "")


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return local(value).isoformat(timespec="seconds")
    return value.isoformat()


def _json_bytes(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


def _name(user: User | None) -> str | None:
    return user.name if user is not None else None


@dataclass
class Entry:
    path: str
    data: bytes
    description: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


# --- what goes in ------------------------------------------------------------------------------


def _responses(consultation: Consultation) -> list[Response]:
    """The current submitted answer of each respondent, organisations by name then individuals, with
    everything the files show loaded: a fixed number of statements."""
    return list(db.session.execute(
        consolidation_queries.from_submitted(select(Response), consultation.id)
        .outerjoin(Organisation, Organisation.id == Respondent.organisation_id)
        .outerjoin(User, User.id == Respondent.user_id)
        .options(selectinload(Response.respondent).selectinload(Respondent.organisation),
                 selectinload(Response.respondent).selectinload(Respondent.user),
                 selectinload(Response.principle_answers).selectinload(PrincipleAnswer.criterion_answers),
                 selectinload(Response.general_answers),
                 selectinload(Response.alternative_choices),
                 selectinload(Response.dissents),
                 selectinload(Response.submitted_by), selectinload(Response.registered_by),
                 selectinload(Response.signed_by))
        .order_by(Organisation.name.is_(None), Organisation.name, User.name, Respondent.id)
    ).scalars())


def _dispositions(responses: list[Response]) -> tuple[dict, dict]:
    principle_ids = [a.id for r in responses for a in r.principle_answers]
    general_ids = [a.id for r in responses for a in r.general_answers]
    on_principles, on_general = {}, {}
    if principle_ids:
        for d in db.session.execute(select(Disposition).where(Disposition.principle_answer_id.in_(principle_ids))
                                    ).scalars():
            on_principles[(d.principle_answer_id, d.target)] = d
    if general_ids:
        for d in db.session.execute(select(Disposition).where(Disposition.general_answer_id.in_(general_ids))
                                    ).scalars():
            on_general[d.general_answer_id] = d
    return on_principles, on_general


def _disposition_data(disposition: Disposition | None) -> dict | None:
    if disposition is None or (disposition.kind is None and not disposition.reason):
        return None
    return {"kind": disposition.kind.value if disposition.kind else None,
            "label": label(disposition.kind) if disposition.kind else None, "reason": disposition.reason}


def answer_data(consultation: Consultation, response: Response, principles, dispositions, originals) -> dict:
    """One answer as the JSON file has it (and the PDF shows it)."""
    on_principles, on_general = dispositions
    respondent = response.respondent
    ratings = dict(RATINGS[consultation.criteria_scale])
    criteria = {c.id: c for c in consultation.criteria}
    questions = {q.id: q for q in consultation.general_questions}
    by_principle = {a.principle_text_id: a for a in response.principle_answers}
    choices = {(c.section_id, c.principle_text_id): c for c in response.alternative_choices}
    alternatives = {a.id: a for p in principles for a in p.alternatives}
    principle_entries = []
    for principle in principles:
        answer = by_principle.get(principle.id)
        if answer is None:
            continue
        choice = choices.get((None, principle.id))
        principle_entries.append({
            "number": principle.number,
            "title": principle.title,
            "stance": answer.stance.value if answer.stance else None,
            "stance_label": label(answer.stance) if answer.stance else None,
            "criteria": [{"criterion": criteria[ca.criterion_id].text if ca.criterion_id in criteria else None,
                          "rating": ca.rating, "rating_label": str(ratings.get(ca.rating, "")) if ca.rating else None,
                          "comment": ca.comment}
                         for ca in sorted(answer.criterion_answers,
                                          key=lambda ca: criteria[ca.criterion_id].position
                                          if ca.criterion_id in criteria else 0)],
            "comment": answer.comment,
            "comment_disposition": _disposition_data(on_principles.get((answer.id, DispositionTarget.comment))),
            "proposed_wording": answer.proposed_wording,
            "proposed_wording_disposition": _disposition_data(
                on_principles.get((answer.id, DispositionTarget.proposed_wording))),
            "alternative": ({"label": alternatives[choice.alternative_id].label
                             if choice.alternative_id in alternatives else None, "reason": choice.reason}
                            if choice is not None else None),
        })
    section_choices = [{"section_id": c.section_id, "alternative_id": c.alternative_id, "reason": c.reason}
                       for c in sorted(response.alternative_choices, key=lambda c: c.id) if c.section_id is not None]
    general_entries = [
        {"question": questions[a.general_question_id].text if a.general_question_id in questions else None,
         "text": a.text, "disposition": _disposition_data(on_general.get(a.id))}
        for a in sorted(response.general_answers,
                        key=lambda a: questions[a.general_question_id].position
                        if a.general_question_id in questions else 0)
        if consolidation_queries.said(a.text)
    ]
    return {
        "consultation": {"id": consultation.id, "title": consultation.title,
                         "reference_number": consultation.reference_number},
        "respondent": {
            "id": respondent.id,
            "name": consolidation_queries.respondent_name(respondent),
            "kind": "organisation" if respondent.organisation is not None else "individual",
            "organisation_short_name": respondent.organisation.short_name if respondent.organisation else None,
        },
        "response": {
            "id": response.id, "revision": response.revision, "channel": response.channel.value,
            "channel_label": label(response.channel), "submitted_at": _iso(response.submitted_at),
            "submitted_by": _name(response.submitted_by), "registered_by": _name(response.registered_by),
            "signed_by": _name(response.signed_by), "signed_at": _iso(response.signed_at),
            "publish_name": response.publish_name,
        },
        "principles": principle_entries,
        "section_choices": section_choices,
        "general": general_entries,
        "dissents": [{"author": _name(d.author), "text": d.text, "created_at": _iso(d.created_at)}
                     for d in sorted(response.dissents, key=lambda d: (d.created_at, d.id))],
        "originals": originals,
    }


def _answer_pdf(answer: dict) -> bytes:
    from weasyprint import HTML

    html = render_template("archive/answer.html", answer=answer)
    # Fonts: DejaVu from the system (fonts-dejavu-core), as the report's PDF; no external resources.
    return HTML(string=html, base_url=None).write_pdf()


def _originals(consultation: Consultation) -> list[Attachment]:
    """The originals of registered answers, every revision that was submitted (a replaced revision's
    original is a record too), in the answers' order."""
    return list(db.session.execute(
        select(Attachment)
        .join(Response, Response.id == Attachment.response_id)
        .join(Respondent, Respondent.id == Response.respondent_id)
        .where(Respondent.consultation_id == consultation.id, Response.status != ResponseStatus.draft)
        .options(selectinload(Attachment.response))
        .order_by(Respondent.id, Response.revision, Attachment.id)
    ).scalars())


def decision_data(proposal: Proposal) -> dict:
    decision = proposal.decision
    return {
        "proposal": {
            "id": proposal.id, "document": proposal.version.title, "version": proposal.version.number,
            "sent_at": _iso(proposal.sent_at), "sent_by": _name(proposal.sent_by),
            "meeting_on": _iso(proposal.meeting_on), "message": proposal.message,
        },
        "decision": None if decision is None else {
            "outcome": decision.outcome.value, "outcome_label": label(decision.outcome),
            "decided_on": _iso(decision.decided_on), "body": decision.body,
            "minutes_reference": decision.minutes_reference, "paragraph": decision.paragraph,
            "present": decision.present_list, "motivation": decision.motivation,
            "recorded_by": _name(decision.recorded_by), "recorded_at": _iso(decision.recorded_at),
        },
        # Återkoppling: the respondents' objections to dispositions, which the steering group had before it.
        "objections": feedback.objection_data(proposal.consultation),
    }


def decision_text(data: dict) -> str:
    proposal, decision = data["proposal"], data["decision"]
    lines = [_("Förslag till styrgruppen"), "",
             f"{_('Dokument')}: {proposal['document']}, {_('version %(number)s', number=proposal['version'])}",
             f"{_('Skickat')}: {proposal['sent_at'] or '–'} ({proposal['sent_by'] or '–'})",
             f"{_('Sammanträde')}: {proposal['meeting_on'] or '–'}"]
    if proposal["message"]:
        lines += ["", proposal["message"]]
    lines += ["", _("Beslut"), ""]
    if decision is None:
        lines.append(_("Inget beslut är registrerat."))
    else:
        lines += [f"{_('Beslut')}: {decision['outcome_label']}",
                  f"{_('Beslutsdatum')}: {decision['decided_on']}",
                  f"{_('Beslutande organ')}: {decision['body'] or '–'}",
                  f"{_('Protokoll')}: {decision['minutes_reference'] or '–'} {decision['paragraph']}".rstrip(),
                  f"{_('Närvarande')}: {', '.join(decision['present']) or '–'}"]
        if decision["motivation"]:
            lines += ["", decision["motivation"]]
        lines += ["", f"{_('Registrerat')}: {decision['recorded_at']} ({decision['recorded_by'] or '–'})"]
    lines += ["", _("Invändningar från remissinstanser"), ""]
    if not data.get("objections"):
        lines.append(_("Inga invändningar."))
    for objection in data.get("objections", []):
        subject = (_("Princip %(number)s. %(title)s", number=objection["principle"]["number"],
                     title=objection["principle"]["title"]) if objection["principle"]
                   else _("Allmän fråga: %(text)s", text=objection["question"]))
        lines += [f"{subject} – {objection['respondent']}",
                  f"{_('Synpunkt')}: {objection['comment']}",
                  f"{_('Ställningstagande')}: {objection['disposition_label'] or '–'}",
                  f"{_('Motivering')}: {objection['reason'] or '–'}",
                  f"{_('Invändning')} ({objection['created_at']}, {objection['author'] or '–'}): {objection['objection']}",
                  ""]
    return "\n".join(lines) + "\n"


def _audit_csv(consultation: Consultation) -> bytes:
    from remiss.audit import export, queries as audit_queries

    entries = audit_queries.stream(audit_queries.scope_of_consultation(consultation), audit_queries.Filters())
    return b"".join(export.stream(entries, _("system")))


def _report_pdfs(consultation: Consultation) -> list[Entry]:
    number = db.session.execute(
        select(ConsolidatedReport.number).where(ConsolidatedReport.consultation_id == consultation.id,
                                                ConsolidatedReport.format == "pdf")
        .order_by(ConsolidatedReport.number.desc()).limit(1)
    ).scalar_one_or_none()
    entries = []
    if number is not None:
        for public in (False, True):
            report = db.session.execute(select(ConsolidatedReport).where(
                ConsolidatedReport.consultation_id == consultation.id, ConsolidatedReport.number == number,
                ConsolidatedReport.format == "pdf", ConsolidatedReport.public.is_(public))).scalar_one_or_none()
            if report is None:
                continue
            kind = "offentlig" if public else "intern"
            entries.append(Entry(
                f"rapport/remissammanstallning-v{number}-{kind}.pdf", report.data,
                _("Remissammanställningen version %(number)s, %(kind)s, fastställd %(at)s", number=number,
                  kind=_("offentlig") if public else _("intern"), at=_iso(report.created_at))))
    return entries


def _stamp(consultation: Consultation) -> tuple[int, int, int, int, int, int]:
    """The time stamp of every file in the ZIP: when the latest report was frozen (Stockholm time)."""
    frozen = db.session.execute(
        select(ConsolidatedReport.created_at).where(ConsolidatedReport.consultation_id == consultation.id)
        .order_by(ConsolidatedReport.created_at.desc()).limit(1)
    ).scalar_one_or_none()
    moment = local(frozen or consultation.closed_at or consultation.deadline)
    return (max(moment.year, 1980), moment.month, moment.day, moment.hour, moment.minute, moment.second)


# --- the package -------------------------------------------------------------------------------


def metadata(consultation: Consultation, answers: int) -> dict:
    version = consultation.version
    return {
        "id": consultation.id,
        "title": consultation.title,
        "reference_number": consultation.reference_number,
        "document": version.title,
        "document_key": version.document.key,
        "version": version.number,
        "status": consultation.status.value,
        "status_label": label(consultation.status),
        "opens_at": _iso(consultation.opens_at),
        "deadline": _iso(consultation.deadline),
        "opened_at": _iso(consultation.opened_at),
        "closed_at": _iso(consultation.closed_at),
        "respondents": len(consultation.respondents),
        "answers": answers,
    }


def entries(consultation: Consultation) -> tuple[list[Entry], dict]:
    """Every file of the package but the manifests, in order, and the consultation's metadata."""
    entries = _report_pdfs(consultation)
    principles = consolidation_queries.principle_texts(consultation)
    responses = _responses(consultation)
    dispositions = _dispositions(responses)
    originals = _originals(consultation)
    names = {}
    for n, response in enumerate(responses, 1):
        names[response.respondent_id] = f"{n:03d}-{ascii_name(consolidation_queries.respondent_name(response.respondent), 'svar')}"
    original_entries, originals_of = [], {}
    for attachment in originals:
        response = attachment.response
        folder = names.get(response.respondent_id) or f"remissinstans-{response.respondent_id}"
        path = f"original/{folder}/rev{response.revision}-{attachment.id}-{_file_name(attachment.filename)}"
        original_entries.append(Entry(path, attachment.data, _("Original till registrerat svar: %(file)s",
                                                                file=attachment.filename)))
        originals_of.setdefault(response.respondent_id, []).append(
            {"path": path, "filename": attachment.filename, "revision": response.revision,
             "sha256": attachment.sha256, "size": attachment.size})
    for response in responses:
        data = answer_data(consultation, response, principles, dispositions, originals_of.get(response.respondent_id, []))
        name = names[response.respondent_id]
        who = data["respondent"]["name"]
        entries.append(Entry(f"svar/{name}.pdf", _answer_pdf(data), _("Remissvar från %(who)s (PDF)", who=who)))
        entries.append(Entry(f"svar/{name}.json", _json_bytes(data), _("Remissvar från %(who)s (JSON)", who=who)))
    entries.extend(original_entries)
    proposals = db.session.execute(
        select(Proposal).where(Proposal.consultation_id == consultation.id)
        .options(selectinload(Proposal.decision), selectinload(Proposal.version), selectinload(Proposal.sent_by))
        .order_by(Proposal.sent_at, Proposal.id)
    ).scalars().all()
    for proposal in proposals:
        data = decision_data(proposal)
        entries.append(Entry(f"beslut/forslag-{proposal.id}.json", _json_bytes(data),
                             _("Förslag till styrgruppen och beslut (JSON)")))
        entries.append(Entry(f"beslut/forslag-{proposal.id}.txt", decision_text(data).encode("utf-8"),
                             _("Förslag till styrgruppen och beslut (text)")))
    entries.append(Entry("handelselogg.csv", _audit_csv(consultation), _("Remissens händelselogg (CSV)")))
    return entries, metadata(consultation, len(responses))


def manifest_text(meta: dict, files: list[dict], generated_at: str) -> str:
    lines = [
        _("Arkivpaket för remiss"),
        "",
        f"{_('Remiss')}: {meta['title']}",
        f"{_('Diarienummer')}: {meta['reference_number'] or '–'}",
        f"{_('Dokument')}: {meta['document']}, {_('version %(number)s', number=meta['version'])}",
        f"{_('Status')}: {meta['status_label']}",
        f"{_('Öppnades')}: {meta['opened_at'] or meta['opens_at']}",
        f"{_('Svarsdatum')}: {meta['deadline']}",
        f"{_('Stängdes')}: {meta['closed_at'] or '–'}",
        f"{_('Remissinstanser')}: {meta['respondents']}, {_('svar')}: {meta['answers']}",
        f"{_('Paketet skapat')}: {generated_at}",
        "",
        _("Filer (SHA-256, storlek i byte, sökväg):"),
        "",
    ]
    lines += [f"{f['sha256']}  {f['size']:>10}  {f['path']}" for f in files]
    return "\n".join(lines) + "\n"


def build_archive(consultation: Consultation, now: datetime | None = None) -> bytes:
    """The archive package (ZIP) of a finished consultation. Raises NotArchivable while the report is
    not final (`states.report_is_final`). Reads only; who may ask is the caller's question."""
    if not states.report_is_final(consultation):
        raise NotArchivable(_("Arkivpaketet kan skapas först när remissen är sammanställd och "
                              "remissammanställningen är fastställd."))
    now = now or utcnow()
    with force_locale(babel_locale(LOCALE)):
        files, meta = entries(consultation)
        listed = [{"path": e.path, "size": len(e.data), "sha256": e.sha256, "description": e.description}
                  for e in files]
        generated_at = _iso(now)
        manifest = {"format": FORMAT, "generated_at": generated_at, "consultation": meta, "files": listed}
        files.append(Entry("manifest.json", _json_bytes(manifest), ""))
        files.append(Entry("manifest.txt", manifest_text(meta, listed, generated_at).encode("utf-8"), ""))
        files.append(Entry("SHA256SUMS", "".join(f"{f['sha256']}  {f['path']}\n" for f in listed).encode("utf-8"),
                           ""))
        stamp = _stamp(consultation)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for entry in files:
            info = zipfile.ZipInfo(entry.path, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, entry.data)
    return buffer.getvalue()


def file_name(consultation: Consultation) -> str:
    reference = ascii_name(consultation.reference_number, "") if consultation.reference_number else ""
    return f"arkivpaket-{reference or f'remiss-{consultation.id}'}.zip"


# --- flask archive ---------------------------------------------------------------------------


@click.command("archive")
@click.argument("consultation_id", metavar="CONSULTATION", type=int)
@click.option("--output", "output", type=click.Path(dir_okay=False, writable=True, path_type=Path), required=True,
              metavar="FILE", help="Where to write the ZIP.")
@with_appcontext
def archive_command(consultation_id: int, output: Path):
    """Write the archive package of CONSULTATION (its id) for the registry: the frozen report, every
    answer as PDF and JSON, originals, the decision, the audit trail and a manifest with SHA-256."""
    with force_locale(babel_locale(LOCALE)):
        consultation = db.session.get(Consultation, consultation_id) if 0 < consultation_id <= 2**31 - 1 else None
        if consultation is None:
            raise click.ClickException(_("Remiss %(id)s finns inte.", id=consultation_id))
        try:
            content = build_archive(consultation)
        except NotArchivable as refused:
            raise click.ClickException(refused.message) from None
        output.write_bytes(content)
        click.echo(_("Skrev %(file)s (%(size)s byte, SHA-256 %(sha)s).", file=str(output), size=len(content),
                     sha=hashlib.sha256(content).hexdigest()))
