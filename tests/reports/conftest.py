"""A closed consultation with answers of every kind, built directly with the models.

    Nätverk förvaltningsföreträdare: SU, NU, KK (KK never answers)
    Större grupp patientföreträdare: Pia (named: publish_name), Per (not named), Olle (never answers)

    SU   online, on time, submitted by Anna; a <script> comment, a proposed wording, dispositions
    NU   by e-mail, registered by Petra after the deadline (late), with the original attached
    Pia  online, consents to be named ("Pia Patient")
    Per  online, no consent: "Patientföreträdare 1" (Olle, the other unnamed individual, is 2)

Three principles (the first with two alternatives), four criteria, two general questions and a
section offering two definitions. Deadline yesterday; state closed (the report is a draft).
"""
from __future__ import annotations

import hashlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from remiss.auth.models import Role, User
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, PrincipleSummary
from remiss.consultations.models import (
    AlternativeChoice,
    Attachment,
    Consultation,
    ConsultationStatus,
    CriterionAnswer,
    GeneralAnswer,
    GeneralQuestion,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
    Stance,
)
from remiss.documents.models import Criterion, PrincipleText, Section
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow

SCRIPT = "<script>alert('x')</script>"
SU_COMMENT = f"Bra princip, men förtydliga ansvaret. {SCRIPT}"
SU_WORDING = "Vi samordnar vården kring invånaren."
NU_COMMENT = "NU-sjukvården saknar en koppling till journalen."
PIA_COMMENT = "Som patient vill jag se min plan."
PER_COMMENT = "Jag vill inte behöva upprepa min historia."
GENERAL_SU = "Tack för en bra remiss."
SUMMARY_1 = "Principen får brett stöd; ansvaret förtydligas."
ORIGINAL = b"%PDF-1.4 NU:s svar i original"


@pytest.fixture
def world(app, make_user, make_organisation, make_version):
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset", "hospital")
    nu = make_organisation("NU", "NU-sjukvården", "hospital")
    kk = make_organisation("KK", "Koncernkontoret", "central administration")
    w = SimpleNamespace(
        su=su, nu=nu, kk=kk,
        owner=make_user(Role.process_owner, email="petra@example.se", name="Petra Processansvarig"),
        admin=make_user(Role.administrator, email="alva@example.se", name="Alva Administratör"),
        steering=make_user(Role.steering_member, email="stig@example.se", name="Stig Styrgrupp"),
        anna=make_user(Role.representative, email="anna@su.example.se", name="Anna Andersson", organisation=su),
        nils=make_user(Role.representative, email="nils@nu.example.se", name="Nils Nilsson", organisation=nu),
        pia=make_user(Role.representative, email="pia@example.se", name="Pia Patient", password=None),
        per=make_user(Role.representative, email="per.persson@example.se", name="Per Persson", password=None),
        olle=make_user(Role.representative, email="olle@example.se", name="Olle Olsson", password=None),
    )
    version = make_version(principles=3, alternatives=True)
    now = utcnow()
    with app.app_context():
        organisations = {o.short_name: o for o in db.session.execute(select(Organisation)).scalars()}
        users = {u.email: u for u in db.session.execute(select(User)).scalars()}
        representatives = Network(name="Nätverk förvaltningsföreträdare")
        patients = Network(name="Större grupp patientföreträdare")
        db.session.add_all([representatives, patients])
        representatives.organisations = [organisations["SU"], organisations["NU"], organisations["KK"]]
        patients.members = [users["pia@example.se"], users["per.persson@example.se"], users["olle@example.se"]]
        consultation = Consultation(
            version_id=version.id, title="Remiss av styrande principer för invånarinteraktion",
            reference_number="RS 2024-05699", purpose="Vi vill veta om principerna är **tydliga**.",
            opens_at=now - timedelta(days=30), deadline=now - timedelta(days=1),
            status=ConsultationStatus.closed, opened_at=now - timedelta(days=30), closed_at=now - timedelta(days=1),
        )
        consultation.networks = [representatives, patients]
        criteria = list(db.session.execute(
            select(Criterion).where(Criterion.version_id == version.id).order_by(Criterion.position)).scalars())
        consultation.criteria = criteria
        consultation.general_questions = [GeneralQuestion(position=1, text="Övriga synpunkter?"),
                                          GeneralQuestion(position=2, text="Tankar om spridning och genomförande?")]
        respondents = {
            "SU": Respondent(organisation=organisations["SU"], networks=[representatives]),
            "NU": Respondent(organisation=organisations["NU"], networks=[representatives]),
            "KK": Respondent(organisation=organisations["KK"], networks=[representatives]),
            "Pia": Respondent(user=users["pia@example.se"], networks=[patients]),
            "Per": Respondent(user=users["per.persson@example.se"], networks=[patients]),
            "Olle": Respondent(user=users["olle@example.se"], networks=[patients]),
        }
        consultation.respondents = list(respondents.values())
        db.session.add_all([representatives, patients, consultation])
        db.session.flush()
        texts = list(db.session.execute(
            select(PrincipleText).where(PrincipleText.version_id == version.id).order_by(PrincipleText.position)).scalars())
        intro = db.session.execute(select(Section).where(Section.version_id == version.id,
                                                         Section.key == "bakgrund")).scalar_one()
        p1, p2, p3 = texts
        questions = consultation.general_questions

        def response(key, *, channel=ResponseChannel.online, submitted_by=None, registered_by=None,
                     submitted_at=now - timedelta(days=3), publish_name=None):
            if publish_name is None:  # organisations consent to be named, individuals not unless told
                publish_name = respondents[key].organisation is not None
            r = Response(respondent=respondents[key], status=ResponseStatus.submitted, channel=channel,
                         submitted_at=submitted_at, publish_name=publish_name,
                         submitted_by_id=submitted_by, registered_by_id=registered_by)
            db.session.add(r)
            return r

        def answer(resp, text, stance, comment="", wording="", ratings=()):
            a = PrincipleAnswer(response=resp, principle_text_id=text.id, stance=stance, comment=comment,
                                proposed_wording=wording)
            for criterion, rating in zip(criteria, ratings):
                a.criterion_answers.append(CriterionAnswer(criterion_id=criterion.id, rating=rating))
            db.session.add(a)
            return a

        owner_id = users["petra@example.se"].id
        su_response = response("SU", submitted_by=users["anna@su.example.se"].id)
        su_p1 = answer(su_response, p1, Stance.supports_with_changes, SU_COMMENT, SU_WORDING, ("yes", "partly", "no", "yes"))
        answer(su_response, p2, Stance.supports, "", "", ("yes", "yes", "yes", "yes"))
        db.session.add(AlternativeChoice(response=su_response, principle_text_id=p1.id,
                                         alternative_id=p1.alternatives[0].id, reason="A är tydligare."))
        db.session.add(AlternativeChoice(response=su_response, section_id=intro.id,
                                         alternative_id=intro.alternatives[1].id, reason="Bredare definition."))
        su_general = GeneralAnswer(response=su_response, general_question_id=questions[0].id, text=GENERAL_SU)
        db.session.add(su_general)

        nu_response = response("NU", channel=ResponseChannel.email, registered_by=owner_id,
                               submitted_at=now - timedelta(hours=2))
        nu_p1 = answer(nu_response, p1, Stance.opposes, NU_COMMENT, "", ("no", "no", "partly", "no"))
        db.session.add(AlternativeChoice(response=nu_response, principle_text_id=p1.id,
                                         alternative_id=p1.alternatives[1].id, reason="B passar oss."))
        db.session.add(Attachment(response=nu_response, filename="NU svar.pdf", content_type="application/pdf",
                                  size=len(ORIGINAL), sha256=hashlib.sha256(ORIGINAL).hexdigest(), data=ORIGINAL,
                                  uploaded_by_id=owner_id))

        pia_response = response("Pia", submitted_by=users["pia@example.se"].id, publish_name=True)
        answer(pia_response, p1, Stance.supports, PIA_COMMENT)
        per_response = response("Per", submitted_by=users["per.persson@example.se"].id)
        answer(per_response, p3, Stance.no_comments, PER_COMMENT)
        db.session.flush()

        db.session.add_all([
            Disposition(principle_answer_id=su_p1.id, target=DispositionTarget.comment,
                        kind=DispositionKind.accepted, reason="Ansvaret förtydligas i version 2."),
            Disposition(principle_answer_id=su_p1.id, target=DispositionTarget.proposed_wording,
                        kind=DispositionKind.partly_accepted, reason="Delar av formuleringen tas in."),
            Disposition(principle_answer_id=nu_p1.id, target=DispositionTarget.comment,
                        kind=DispositionKind.not_accepted, reason="Journalen ligger utanför principernas område."),
            Disposition(general_answer_id=su_general.id, target=DispositionTarget.general,
                        kind=DispositionKind.noted, reason="Tack."),
            PrincipleSummary(consultation_id=consultation.id, principle_text_id=p1.id, text=SUMMARY_1),
        ])
        db.session.commit()
        w.consultation = consultation.id
        w.principles = [p1.id, p2.id, p3.id]
    w.report_url = f"/consultations/{w.consultation}/report"
    return w


def set_status(app, world, status: ConsultationStatus) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        consultation.status = status
        db.session.commit()


# --- reading every format back ----------------------------------------------------------------


def pdf_text(content: bytes) -> str:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(content)
        file.flush()
        return subprocess.run(["pdftotext", "-enc", "UTF-8", file.name, "-"], check=True, capture_output=True,
                              text=True).stdout


def docx_text(content: bytes) -> str:
    import io

    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts += [cell.text for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs]
    return "\n".join(parts)


def xlsx_workbook(content: bytes):
    import io

    from openpyxl import load_workbook

    return load_workbook(io.BytesIO(content))


def xlsx_text(content: bytes) -> str:
    workbook = xlsx_workbook(content)
    return "\n".join(str(cell.value) for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
                     if cell.value is not None)


def csv_rows(content: bytes) -> list[dict]:
    import csv
    import io

    assert content.startswith(b"\xef\xbb\xbf"), "Excel needs the byte-order mark"
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def html_text(content: bytes) -> str:
    import html
    import re

    return html.unescape(re.sub(r"<[^>]+>", " ", content.decode("utf-8")))


def text_of(format: str, content: bytes) -> str:
    """What a reader of the file sees, as one text with whitespace collapsed."""
    import json
    import re

    if format == "pdf":
        text = pdf_text(content)
    elif format == "docx":
        text = docx_text(content)
    elif format == "xlsx":
        text = xlsx_text(content)
    elif format == "csv":
        text = "\n".join(";".join(row.values()) for row in csv_rows(content))
    elif format == "json":
        text = json.dumps(json.loads(content), ensure_ascii=False)
    else:
        text = html_text(content)
    return re.sub(r"\s+", " ", text)
