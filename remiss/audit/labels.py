"""What the audit pages call each action, object and field, in the reader's language.

An action missing here is shown as its code (e.g. "tracing.link_added"): add its label
when a new operation starts recording it.
"""
from flask_babel import lazy_gettext as _l

ACTIONS = {
    # people and log-in
    "user.created": _l("Person skapad"),
    "user.invited": _l("Person inbjuden"),
    "user.invitation_accepted": _l("Inbjudan accepterad"),
    "user.updated": _l("Personuppgifter ändrade"),
    "user.role_changed": _l("Roll ändrad"),
    "user.deactivated": _l("Konto avaktiverat"),
    "user.reactivated": _l("Konto aktiverat igen"),
    "user.password_changed": _l("Lösenord bytt"),
    "user.password_reset_requested": _l("Nytt lösenord begärt"),
    "user.password_reset": _l("Lösenord återställt"),
    "user.personal_data_exported": _l("Personuppgifter utlämnade"),
    "user.erased": _l("Personuppgifter raderade"),
    # organisations and networks
    "organisation.created": _l("Organisation skapad"),
    "organisation.updated": _l("Organisation ändrad"),
    "organisation.deleted": _l("Organisation borttagen"),
    "network.created": _l("Nätverk skapat"),
    "network.updated": _l("Nätverk ändrat"),
    "network.deleted": _l("Nätverk borttaget"),
    "network.organisation_added": _l("Organisation tillagd i nätverk"),
    "network.organisation_removed": _l("Organisation borttagen ur nätverk"),
    "network.member_added": _l("Person tillagd i nätverk"),
    "network.member_removed": _l("Person borttagen ur nätverk"),
    # documents and versions
    "document_version.imported": _l("Version importerad"),
    "document_version.status_changed": _l("Versionens status ändrad"),
    "document_version.withdrawn": _l("Version återkallad"),
    "document_version.created_from": _l("Ny version skapad"),
    "document_version.part_saved": _l("Text i versionen ändrad"),
    "document_version.part_moved": _l("Del av versionen flyttad"),
    "document_version.principle_added": _l("Princip tillagd"),
    "document_version.principle_removed": _l("Princip borttagen"),
    "document_version.principles_merged": _l("Principer sammanslagna"),
    "tracing.change_linked": _l("Synpunkt kopplad till ändring"),
    "tracing.change_unlinked": _l("Koppling till ändring borttagen"),
    # consultations
    "consultation.created": _l("Remiss skapad"),
    "consultation.updated": _l("Remissens uppgifter ändrade"),
    "consultation.questions_updated": _l("Remissens frågor ändrade"),
    "consultation.general_question_added": _l("Allmän fråga tillagd"),
    "consultation.general_question_edited": _l("Allmän fråga ändrad"),
    "consultation.general_question_removed": _l("Allmän fråga borttagen"),
    "consultation.general_question_moved": _l("Allmän fråga flyttad"),
    "consultation.respondent_added": _l("Remissinstans tillagd"),
    "consultation.respondent_removed": _l("Remissinstans borttagen"),
    "consultation.opened": _l("Remiss öppnad"),
    "consultation.deadline_extended": _l("Svarsdatum förlängt"),
    "consultation.reminded": _l("Påminnelse skickad"),
    "consultation.reminded_automatically": _l("Automatisk påminnelse skickad"),
    "consultation.closed": _l("Remiss stängd"),
    "consultation.consolidated": _l("Sammanställning klar"),
    "consultation.decided": _l("Remiss beslutad"),
    "consultation.feedback_sent": _l("Återkoppling skickad till remissinstanserna"),
    "objection.created": _l("Invändning mot ställningstagande"),
    "objection.changed": _l("Invändning mot ställningstagande ändrad"),
    # answers
    "response.principle_saved": _l("Svar på princip sparat"),
    "response.general_saved": _l("Svar på allmän fråga sparat"),
    "response.alternative_saved": _l("Val av alternativ sparat"),
    "response.late_save": _l("Ändring efter svarstiden"),
    "response.submitted": _l("Remissvar inskickat"),
    "response.reopened": _l("Remissvar öppnat igen"),
    "response.registered": _l("Remissvar registrerat för remissinstansen"),
    "response.answers_applied": _l("Principsvar skrivna på en gång"),
    "response.imported": _l("Remissvar importerat från fil"),
    "response.ready": _l("Remissvar klart för undertecknande"),
    "response.returned": _l("Remissvar skickat tillbaka av firmatecknaren"),
    "response.signed": _l("Remissvar undertecknat"),
    "response.dissent": _l("Avvikande mening"),
    "respondent.declined": _l("Remissinstansen avstår"),
    "respondent.declining_registered": _l("Registrerat att remissinstansen avstår"),
    "respondent.declining_withdrawn": _l("Remissinstansen avstår inte längre"),
    # consolidation and report
    "consolidation.disposition_set": _l("Ställningstagande till synpunkt ändrat"),
    "consolidation.summary_set": _l("Sammanfattning ändrad"),
    "consolidation.groups_suggested": _l("Grupper av liknande synpunkter föreslagna"),
    "consolidation.group_relabelled": _l("Grupp av synpunkter omdöpt"),
    "consolidation.group_member_moved": _l("Synpunkt flyttad till annan grupp"),
    "report.frozen": _l("Remissammanställning fastställd"),
    "redaction.created": _l("Passage maskerad i den offentliga sammanställningen"),
    "redaction.removed": _l("Maskering borttagen"),
    # the steering group
    "proposal.sent": _l("Version skickad till styrgruppen"),
    "proposal.commented": _l("Kommentar till styrgruppen"),
    "decision.recorded": _l("Beslut registrerat"),
}

OBJECTS = {
    "User": _l("Person %(id)s"),
    "Organisation": _l("Organisation %(id)s"),
    "Network": _l("Nätverk %(id)s"),
    "Document": _l("Dokument %(id)s"),
    "DocumentVersion": _l("Version %(id)s"),
    "Consultation": _l("Remiss %(id)s"),
    "Respondent": _l("Remissinstans %(id)s"),
    "Response": _l("Remissvar %(id)s"),
    "PrincipleAnswer": _l("Svar på princip %(id)s"),
    "GeneralAnswer": _l("Svar på allmän fråga %(id)s"),
    "AlternativeChoice": _l("Val av alternativ %(id)s"),
    "LateSave": _l("Sen ändring %(id)s"),
    "Disposition": _l("Ställningstagande %(id)s"),
    "PrincipleSummary": _l("Sammanfattning %(id)s"),
    "Proposal": _l("Förslag till styrgruppen %(id)s"),
    "Decision": _l("Beslut %(id)s"),
    "ProposalComment": _l("Kommentar %(id)s"),
    "ConsolidatedReport": _l("Remissammanställning %(id)s"),
    "ChangeLink": _l("Koppling %(id)s"),
    "Redaction": _l("Maskering %(id)s"),
    "CommentGroup": _l("Grupp av synpunkter %(id)s"),
    "PrincipleText": _l("Princip %(id)s"),
    "Section": _l("Avsnitt %(id)s"),
    "Dissent": _l("Avvikande mening %(id)s"),
    "Objection": _l("Invändning %(id)s"),
}

# The keys of before/after that readers meet most; the rest are shown as stored.
FIELDS = {
    "status": _l("Status"),
    "revision": _l("Revision"),
    "reason": _l("Motivering"),
    "text": _l("Text"),
    "title": _l("Titel"),
    "name": _l("Namn"),
    "role": _l("Roll"),
    "active": _l("Aktiv"),
    "deadline": _l("Svarsdatum"),
    "opens_at": _l("Öppnar"),
    "reference_number": _l("Diarienummer"),
    "networks": _l("Nätverk"),
    "channel": _l("Kanal"),
    "submitted_at": _l("Inskickat"),
    "publish_name": _l("Namnet publiceras"),
    "lock_version": _l("Sparad version"),
    "email": _l("E-postadress"),
    "organisation": _l("Organisation"),
    "short_name": _l("Kortnamn"),
    "response_id": _l("Remissvarets id"),
    "answers_copied": _l("Kopierade principsvar"),
    "invitations": _l("Inbjudningar"),
    "respondents": _l("Remissinstanser"),
    "attachment": _l("Bilaga"),
    "number": _l("Nummer"),
    "files": _l("Filer"),
    "at": _l("Tidpunkt"),
    "dispositions": _l("Synpunkter med ställningstagande"),
    "principles": _l("Principer"),
    "answers": _l("Principsvar"),
    "signatory": _l("Firmatecknare"),
    "requires_signoff": _l("Kräver undertecknande"),
    "declined_at": _l("Avstår sedan"),
    "ready_at": _l("Klart för undertecknande"),
    "signed_at": _l("Undertecknat"),
    "signed_by": _l("Undertecknat av"),
    "note": _l("Kommentar"),
    "objections_until": _l("Invändningar tas emot till"),
    "mails": _l("E-postmeddelanden"),
}

# Keys whose meaning depends on the object.
FIELDS_BY_OBJECT = {
    "Disposition": {"kind": _l("Hantering")},
    "Organisation": {"kind": _l("Typ av organisation")},
}


def action_label(action: str) -> str:
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def object_label(object_type: str, object_id: int | None) -> str:
    """"Remissvar 12": what the action was done to."""
    shown = "–" if object_id is None else object_id
    label = OBJECTS.get(object_type)
    return str(label) % {"id": shown} if label is not None else f"{object_type} {shown}"


def field_label(key: str, object_type: str = "") -> str:
    label = FIELDS_BY_OBJECT.get(object_type, {}).get(key) or FIELDS.get(key)
    return str(label) if label is not None else key
