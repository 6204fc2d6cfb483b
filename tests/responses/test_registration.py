"""Answers that came by e-mail or on paper, registered by the process owner with the original attached."""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from remiss.consultations.models import Attachment, Response, ResponseChannel, ResponseStatus
from remiss.extensions import db
from remiss.responses.operations import MAX_ATTACHMENT_SIZE
from remiss.timeutil import STOCKHOLM
from tests.conftest import csrf_token
from tests.responses.conftest import autosave

ARRIVED = date.today() - timedelta(days=3)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def register(client, world, data: bytes | None, filename="Svar från SU.pdf", respondent_id=None, **fields):
    form = {"csrf_token": csrf_token(client), "channel": "paper", "received_on": ARRIVED.isoformat(),
            "publish_name": "yes"}
    form.update(fields)
    if data is not None:
        form["original"] = (io.BytesIO(data), filename)
    return client.post(f"/consultations/{world.consultation}/respondents/{respondent_id or world.su_respondent}/register",
                       data=form, content_type="multipart/form-data")


def test_register_an_answer_that_came_on_paper_with_its_pdf(app, client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    page = client.get(f"/consultations/{w.consultation}/respondents/{w.su_respondent}/register")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Registrera svar från Sahlgrenska Universitetssjukhuset" in html and 'enctype="multipart/form-data"' in html
    key = f"p{w.principles[0]}"
    response = register(client, w, PDF, received_time="09:30", **{
        f"{key}.lock_version": "0", f"{key}.stance": "opposes", f"{key}.comment": "Från pappersbrevet"})
    assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        answer = db.session.execute(select(Response)).scalar_one()
        assert answer.status == ResponseStatus.submitted and answer.channel == ResponseChannel.paper
        assert answer.registered_by_id == w.owner.id and answer.submitted_by_id is None
        assert answer.submitted_at == datetime.combine(ARRIVED, datetime.min.time().replace(hour=9, minute=30), tzinfo=STOCKHOLM).astimezone(timezone.utc)
        assert answer.principle_answers[0].comment == "Från pappersbrevet"
        attachment = db.session.execute(select(Attachment)).scalar_one()
        assert (attachment.filename, attachment.content_type, attachment.size) == ("Svar från SU.pdf", "application/pdf", len(PDF))
        attachment_id = attachment.id
    show = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Registrerat av" in show and "Petra Processansvarig" in show and "Papper" in show
    assert "Från pappersbrevet" in show and "Svar från SU.pdf" in show

    download = client.get(f"/attachments/{attachment_id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    auth.logout()

    # The organisation's representatives can read their own answer and its original, and got a receipt.
    auth.login(w.bengt.email)
    assert client.get(f"/attachments/{attachment_id}").status_code == 200
    receipt = client.get(w.respond_url + "/receipt").get_data(as_text=True)
    assert "registrerades av Petra Processansvarig" in receipt


def test_a_docx_original_is_accepted_by_content_and_named_safely(app, client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    response = register(client, w, docx_bytes(), filename="../../etc/Svar\x07 från NU.doc", respondent_id=w.nu_respondent,
                        channel="email")
    assert response.status_code == 303
    with app.app_context():
        attachment = db.session.execute(select(Attachment)).scalar_one()
        assert attachment.filename == "Svar från NU.docx"
        assert attachment.content_type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        assert db.session.execute(select(Response)).scalar_one().channel == ResponseChannel.email


def test_a_text_file_renamed_to_pdf_is_refused_with_a_message(app, client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    key = f"p{w.principles[0]}"
    response = register(client, w, b"Det har ar bara text.\n", filename="svar.pdf",
                        **{f"{key}.lock_version": "0", f"{key}.comment": "Avskrivet svar"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Filen är varken en PDF eller ett Word-dokument" in html
    assert "Avskrivet svar" in html, "what the process owner typed is still in the form"
    assert "Välj filen med originalet igen" in html
    with app.app_context():
        assert db.session.execute(select(Response)).scalar_one_or_none() is None
        assert db.session.execute(select(Attachment)).scalar_one_or_none() is None


def test_a_zip_that_is_not_a_word_document_is_refused(client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("something.txt", "hej")
    assert register(client, w, buffer.getvalue(), filename="svar.docx").status_code == 422


def test_a_file_over_ten_megabytes_is_refused(app, client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    response = register(client, w, PDF + b"0" * (MAX_ATTACHMENT_SIZE - len(PDF) + 1))
    assert response.status_code == 422
    assert "Filen är för stor: högst 10 MB" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(select(Attachment)).scalar_one_or_none() is None


def test_missing_file_date_or_channel_are_named_at_their_fields(client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    response = register(client, w, None, channel="", received_on="")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj om svaret kom med e-post eller på papper." in html
    assert "Skriv datumet då svaret kom in." in html
    future = register(client, w, PDF, received_on=date(2099, 1, 1).isoformat())
    assert future.status_code == 422 and "Datumet ligger i framtiden" in future.get_data(as_text=True)
    no_file = register(client, w, None)
    assert no_file.status_code == 422 and "Bifoga originalet" in no_file.get_data(as_text=True)


def test_registration_fills_a_draft_begun_online(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    key = f"p{w.principles[1]}"
    autosave(client, w, {f"{key}.lock_version": "0", f"{key}.comment": "Påbörjat på webben"})
    auth.logout()
    auth.login(w.owner.email)
    form = client.get(f"/consultations/{w.consultation}/respondents/{w.su_respondent}/register").get_data(as_text=True)
    assert "Påbörjat på webben" in form
    assert register(client, w, PDF).status_code == 303
    with app.app_context():
        [answer] = db.session.execute(select(Response)).scalars().all()
        assert answer.status == ResponseStatus.submitted
        assert [a.comment for a in answer.principle_answers] == ["Påbörjat på webben"]


def test_a_submitted_answer_is_not_registered_over(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    client.post(w.respond_url + "/submit", data={"csrf_token": csrf_token(client), "publish_name": "yes"})
    auth.logout()
    auth.login(w.owner.email)
    response = register(client, w, PDF)
    assert response.status_code == 409
    assert "Det finns redan ett inskickat svar" in response.get_data(as_text=True)
