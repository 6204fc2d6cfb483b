"""Bulk import of answers from CSV and XLSX: through the upload page and the command line."""
from __future__ import annotations

import csv
import html as html_module
import io
import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role
from remiss.consultations.models import (
    AlternativeChoice,
    Consultation,
    ConsultationStatus,
    CriteriaScale,
    CriterionAnswer,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseChannel,
    ResponseStatus,
    Stance,
)
from remiss.documents.models import Criterion, PrincipleText
from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.timeutil import STOCKHOLM, utcnow
from tests.conftest import post_form

HEADER = ["remissinstans", "princip", "ställningstagande", "kriterium 1", "kriterium 2", "kriterium 2 kommentar",
          "synpunkt", "ändringsförslag", "föredraget alternativ", "motivering", "inkom"]


@pytest.fixture
def setup(app, make_version, make_organisation, make_user):
    """An open consultation of a version with 3 principles (alternatives on the first), asked of
    SU, NU and one patient representative; a process owner and a representative of SU."""
    version = make_version(principles=3, alternatives=True)
    su = make_organisation("SU", "Sahlgrenska Universitetssjukhuset")
    nu = make_organisation("NU", "NU-sjukvården", "hospital")
    patient = make_user(Role.representative, email="Patient.Ett@example.se", name="Patient Ett")
    owner = make_user(Role.process_owner)
    representative = make_user(Role.representative, organisation=su)
    with app.app_context():
        criteria = db.session.execute(
            select(Criterion).where(Criterion.version_id == version.id).order_by(Criterion.position)
        ).scalars().all()
        consultation = Consultation(
            version_id=version.id, title="Remiss av styrande principer", reference_number="RS 2024-05699",
            opens_at=utcnow() - timedelta(days=10), deadline=utcnow() + timedelta(days=10),
            status=ConsultationStatus.open, criteria=criteria[:2],
        )
        db.session.add(consultation)
        db.session.flush()
        for organisation_id, user_id in ((su.id, None), (nu.id, None), (None, patient.id)):
            db.session.add(Respondent(consultation_id=consultation.id, organisation_id=organisation_id, user_id=user_id))
        db.session.commit()
        consultation_id = consultation.id
    return {"consultation_id": consultation_id, "owner": owner, "representative": representative,
            "url": f"/consultations/{consultation_id}/import"}


def csv_bytes(rows, header=HEADER, delimiter=",", bom=False, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + out.getvalue()).encode(encoding)


def upload(client, url, data: bytes, filename="svar.csv"):
    return post_form(client, url, {"file": (io.BytesIO(data), filename), "publish_name": "yes"},
                     content_type="multipart/form-data")


def stored(app, consultation_id):
    """What the database holds for the consultation: responses and their answers, by respondent name."""
    with app.app_context():
        responses = db.session.execute(
            select(Response).join(Respondent).where(Respondent.consultation_id == consultation_id)
        ).scalars().all()
        result = {}
        for response in responses:
            respondent = response.respondent
            name = respondent.organisation.short_name if respondent.organisation else respondent.user.email.lower()
            answers = {}
            for answer in response.principle_answers:
                answers[answer.principle_text.number] = {
                    "stance": answer.stance,
                    "comment": answer.comment,
                    "proposed_wording": answer.proposed_wording,
                    "criteria": {c.criterion.position: (c.rating, c.comment) for c in answer.criterion_answers},
                }
            choices = {c.principle_text_id: (c.alternative.label if c.alternative else None, c.reason)
                       for c in response.alternative_choices}
            result[name] = {
                "status": response.status, "channel": response.channel, "submitted_at": response.submitted_at,
                "registered_by_id": response.registered_by_id, "answers": answers, "choices": choices,
                "revision": response.revision,
            }
        return result


def counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Response, PrincipleAnswer, CriterionAnswer, AlternativeChoice, AuditEntry)}


GOOD_ROWS = [
    ["SU", "1", "Tillstyrker med ändringar", "ja", "delvis", "Otydligt vad ”samordning” betyder",
     "<script>alert('x')</script> Bra men oklart.", "Vi samordnar vården kring invånaren.", "Formulering B",
     "B är kortare.", "2026-01-15"],
    ["SU", "2", "tillstyrker", "JA", "ja", "", "", "", "", "", "2026-01-15"],
    ["NU", "1", "avstyrker", "nej", "", "", "Principen behövs inte.", "", "", "", ""],
    ["patient.ett@example.se", "3", "Inga synpunkter", "", "", "", "", "", "", "", ""],
]


def test_csv_import_registers_submitted_responses(app, client, auth, setup):
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], csv_bytes(GOOD_ROWS))
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Svaren är importerade" in html
    assert "3 svar med sammanlagt 4 principsvar" in html

    answers = stored(app, setup["consultation_id"])
    assert set(answers) == {"SU", "NU", "patient.ett@example.se"}
    for answer in answers.values():
        assert answer["status"] == ResponseStatus.submitted
        assert answer["channel"] == ResponseChannel.bulk_import
        assert answer["registered_by_id"] == setup["owner"].id
    su = answers["SU"]
    assert su["submitted_at"] == datetime(2026, 1, 15, tzinfo=STOCKHOLM)
    assert su["answers"][1]["stance"] == Stance.supports_with_changes
    assert su["answers"][1]["comment"] == "<script>alert('x')</script> Bra men oklart.", "stored as typed"
    assert su["answers"][1]["proposed_wording"] == "Vi samordnar vården kring invånaren."
    assert su["answers"][1]["criteria"] == {1: ("yes", ""), 2: ("partly", "Otydligt vad ”samordning” betyder")}
    assert list(su["choices"].values()) == [("Formulering B", "B är kortare.")]
    assert su["answers"][2]["stance"] == Stance.supports
    assert answers["NU"]["answers"][1]["criteria"] == {1: ("no", "")}
    assert answers["NU"]["submitted_at"] > utcnow() - timedelta(minutes=5), "no inkom: today"
    assert answers["patient.ett@example.se"]["answers"][3]["stance"] == Stance.no_comments

    with app.app_context():
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "response.imported")).scalars().all()
        assert len(entries) == 3
        assert all(entry.actor_id == setup["owner"].id for entry in entries)


def test_imported_answers_are_shown_as_submitted_in_the_app(app, client, auth, setup):
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], csv_bytes(GOOD_ROWS)).status_code == 200
    with app.app_context():
        su_response_id = db.session.execute(
            select(Response.id).join(Respondent).join(Organisation).where(Organisation.short_name == "SU")
        ).scalar_one()

    dashboard = client.get(f'/consultations/{setup["consultation_id"]}/dashboard').get_data(as_text=True)
    assert dashboard.count("Massimport") == 3, "the channel of each imported answer"

    page = client.get(f"/responses/{su_response_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Inskickat" in html
    assert "Vi samordnar vården kring invånaren." in html
    assert "&lt;script&gt;alert(" in html and "Bra men oklart." in html, "stored as typed, shown escaped"
    assert "<script>alert(" not in html

    auth.logout()
    auth.login(setup["representative"].email)
    assert client.get(f"/responses/{su_response_id}").status_code == 200, "SU's representative reads SU's answer"


def test_xlsx_import_with_numbers_and_dates_as_excel_stores_them(app, client, auth, setup):
    from openpyxl import Workbook

    with app.app_context():
        consultation = db.session.get(Consultation, setup["consultation_id"])
        consultation.criteria_scale = CriteriaScale.one_to_four
        db.session.commit()
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Respondent", "Principle", "Stance", "Criterion 1", "Criterion 2", "Comment", "Received"])
    sheet.append(["su", 1, "Supports", 4, 3, "Tydlig och bra.", date(2026, 2, 3)])
    sheet.append(["su", 2.0, "avstyrker", "1", None, "Saknar koppling till målen.", date(2026, 2, 3)])
    sheet.append([None, None, None, None, None, None, None])  # an empty row is skipped
    sheet.append(["Sahlgrenska Universitetssjukhuset", 3, None, None, None, "Full name works too.", None])
    data = io.BytesIO()
    workbook.save(data)

    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], data.getvalue(), "svar.xlsx")
    assert response.status_code == 200, response.get_data(as_text=True)

    su = stored(app, setup["consultation_id"])["SU"]
    assert su["status"] == ResponseStatus.submitted
    assert su["submitted_at"] == datetime(2026, 2, 3, tzinfo=STOCKHOLM)
    assert su["answers"][1]["criteria"] == {1: ("4", ""), 2: ("3", "")}
    assert su["answers"][2]["stance"] == Stance.opposes
    assert su["answers"][3]["comment"] == "Full name works too."


def test_semicolon_csv_with_bom_as_swedish_excel_writes_it(app, client, auth, setup):
    data = csv_bytes([["SU", "1", "TILLSTYRKER MED ÄNDRINGAR", "Delvis", "", "", "Åtgärda ordet ”vård”.", "", "", "", ""]],
                     delimiter=";", bom=True)
    assert data.startswith(b"\xef\xbb\xbf")
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], data)
    assert response.status_code == 200, response.get_data(as_text=True)
    answer = stored(app, setup["consultation_id"])["SU"]["answers"][1]
    assert answer["stance"] == Stance.supports_with_changes
    assert answer["comment"] == "Åtgärda ordet ”vård”."


def test_windows_1252_csv_keeps_its_swedish_letters(app, client, auth, setup):
    data = csv_bytes([["NU", "2", "avstyrker", "", "", "", "Följ upp på vårdcentralerna.", "", "", "", ""]],
                     delimiter=";", encoding="cp1252")
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], data).status_code == 200
    assert stored(app, setup["consultation_id"])["NU"]["answers"][2]["comment"] == "Följ upp på vårdcentralerna."


def test_excel_unicode_text_utf16_with_tabs_is_read(app, client, auth, setup):
    data = csv_bytes([["SU", "3", "avstyrker", "", "", "", "Önskar ändring.", "", "", "", ""]],
                     delimiter="\t", encoding="utf-16")
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], data, "svar.txt").status_code == 200
    assert stored(app, setup["consultation_id"])["SU"]["answers"][3]["comment"] == "Önskar ändring."


def test_bad_rows_are_all_listed_and_nothing_is_written(app, client, auth, setup):
    long_text = "x" * 10_001
    rows = [
        ["SU", "1", "tillstyrker", "", "", "", "", "", "", "", ""],                      # row 2: fine
        ["XYZ", "1", "", "", "", "", "", "", "", "", ""],                                 # row 3
        ["SU", "9", "", "", "", "", "", "", "", "", ""],                                  # row 4
        ["SU", "2", "kanske", "", "", "", "", "", "", "", ""],                            # row 5
        ["SU", "1", "avstyrker", "", "", "", "", "", "", "", ""],                         # row 6: duplicate of row 2
        ["NU", "1", "", "kanske", "", "", "", "", "", "", ""],                            # row 7
        ["NU", "2", "", "", "", "", "med\x00nul", "", "", "", ""],                        # row 8
        ["NU", "3", "", "", "", "", long_text, "", "", "", ""],                           # row 9
        ["NU", "1", "", "", "", "", "", "", "Formulering C", "", ""],                     # row 10 (and duplicate)
        ["patient.ett@example.se", "2", "", "", "", "", "", "", "Formulering A", "", ""],  # row 11: no alternatives
        ["patient.ett@example.se", "3", "", "", "", "", "", "", "", "", "i går"],         # row 12
        ["", "", "", "", "", "", "", "", "", "", ""],                                     # row 13: empty, skipped
        ["", "3", "", "", "", "", "", "", "", "", ""],                                    # row 14
    ]
    before = counts(app)
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], csv_bytes(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Filen importerades inte" in html and "Inget har sparats" in html
    expected = [
        "Rad 3: okänd remissinstans ”XYZ”",
        "Rad 4: princip ”9” finns inte",
        "Rad 5: ställningstagande ”kanske” finns inte – välj tillstyrker, tillstyrker med ändringar, avstyrker eller inga synpunkter",
        "Rad 6: ”SU” och princip 1 finns redan på rad 2",
        "Rad 7: kriterium 1 ”kanske” går inte att tolka – välj ja, delvis eller nej",
        "Rad 8: kolumnen ”synpunkt” innehåller ett otillåtet tecken (NUL)",
        "Rad 9: kolumnen ”synpunkt” har 10\u00a0001 tecken; högst 10\u00a0000 får plats",
        "Rad 10: alternativet ”Formulering C” finns inte för princip 1",
        "Rad 10: ”NU” och princip 1 finns redan på rad 7",
        "Rad 11: princip 2 har inga alternativ",
        "Rad 12: inkom ”i går” är inget datum",
        "Rad 14: remissinstans saknas",
    ]
    text = html_module.unescape(html)
    for message in expected:
        assert message in text, message
    assert "Rad 2:" not in text and "Rad 13:" not in text
    assert counts(app) == before, "nothing is written when any row is wrong"


def test_a_respondent_with_a_submitted_response_is_refused(app, client, auth, setup):
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], csv_bytes(GOOD_ROWS[2:3])).status_code == 200
    response = upload(client, setup["url"], csv_bytes([GOOD_ROWS[2], GOOD_ROWS[3]]))
    assert response.status_code == 422
    assert "Rad 2: ”NU” har redan ett inskickat svar" in response.get_data(as_text=True)
    assert "patient.ett@example.se" not in stored(app, setup["consultation_id"]), "the valid row waits for the fix"


def test_a_draft_begun_online_is_continued_and_submitted(app, client, auth, setup):
    with app.app_context():
        nu = db.session.execute(select(Respondent).join(Organisation).where(Organisation.short_name == "NU")).scalar_one()
        texts = {t.number: t for t in db.session.execute(select(PrincipleText)).scalars()}
        draft = Response(respondent_id=nu.id, status=ResponseStatus.draft)
        draft.principle_answers = [PrincipleAnswer(principle_text_id=texts[1].id, comment="Utkast om 1"),
                                   PrincipleAnswer(principle_text_id=texts[2].id, comment="Utkast om 2")]
        db.session.add(draft)
        db.session.commit()
    auth.login(setup["owner"].email)
    assert upload(client, setup["url"], csv_bytes(GOOD_ROWS[2:3])).status_code == 200
    nu_answer = stored(app, setup["consultation_id"])["NU"]
    assert nu_answer["status"] == ResponseStatus.submitted and nu_answer["revision"] == 1
    assert nu_answer["answers"][1]["comment"] == "Principen behövs inte.", "the file replaces the draft's principle 1"
    assert nu_answer["answers"][2]["comment"] == "Utkast om 2", "the rest of the draft stays"


@pytest.mark.parametrize("filename, data, message", [
    ("svar.pdf", b"%PDF-1.7 not a spreadsheet", "Filtypen ”.pdf” kan inte importeras"),
    ("svar.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "gamla Excel-formatet (.xls)"),
    ("svar.xlsx", b"remissinstans,princip\nSU,1\n", "är inget Excel-kalkylark"),
    ("svar.xlsx", b"PK\x03\x04 broken zip", "kunde inte läsas som ett Excel-kalkylark"),
    ("svar.csv", b"", "Filen är tom"),
    ("svar.csv", "remissinstans;princip\n".encode(), "Filen har inga rader med svar"),
    ("svar.csv", "remissinstans;synpunkter;färg\nSU;bra;blå\n".encode(),
     "Rad 1: kolumnen ”färg” känns inte igen"),
    ("svar.csv", "remissinstans;synpunkt\nSU;bra\n".encode(), "Rad 1: kolumnen ”princip” saknas"),
    ("svar.csv", "remissinstans;princip;kriterium 4\nSU;1;ja\n".encode(),
     "Rad 1: kolumnen ”kriterium 4” hör till ett kriterium som remissen inte frågar efter"),
])
def test_a_file_that_cannot_be_read_gets_a_clear_message(app, client, auth, setup, filename, data, message):
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], data, filename)
    assert response.status_code == 422
    assert message in html_module.unescape(response.get_data(as_text=True))
    assert counts(app)["Response"] == 0


def test_a_file_over_the_size_cap_is_refused(app, client, auth, setup):
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], csv_bytes(GOOD_ROWS * 5000))
    assert response.status_code == 422
    assert re.search(r"Filen är 1,\d MB; högst 1 MB tas emot", response.get_data(as_text=True))
    assert counts(app)["Response"] == 0


def test_no_file_chosen_is_an_error_tied_to_the_field(client, auth, setup):
    auth.login(setup["owner"].email)
    response = post_form(client, setup["url"], {}, content_type="multipart/form-data")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Välj en fil att importera." in html
    assert 'aria-invalid="true"' in html


def test_a_draft_consultation_takes_no_imports(app, client, auth, setup):
    with app.app_context():
        db.session.get(Consultation, setup["consultation_id"]).status = ConsultationStatus.draft
        db.session.commit()
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], csv_bytes(GOOD_ROWS))
    assert response.status_code == 422
    assert "Svar kan importeras när remissen är öppen eller stängd" in response.get_data(as_text=True)
    assert counts(app)["Response"] == 0


def test_script_in_a_value_is_shown_escaped_on_the_error_page(client, auth, setup):
    rows = [["<script>alert(1)</script>", "1", "", "", "", "", "<script>alert(2)</script>", "", "", "", ""]]
    auth.login(setup["owner"].email)
    response = upload(client, setup["url"], csv_bytes(rows))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "okänd remissinstans ”&lt;script&gt;alert(1)&lt;/script&gt;”" in html
    assert "<script>alert" not in html


@pytest.mark.parametrize("path", ["/consultations/{id}/import", "/consultations/{id}/import/template.csv"])
@pytest.mark.parametrize("who, status", [
    (None, 302), ("representative", 403), (Role.steering_member, 403), ("owner", 200), (Role.administrator, 200),
])
def test_only_process_owners_and_administrators_import(client, auth, make_user, setup, path, who, status):
    if who in ("representative", "owner"):
        auth.login(setup[who].email)
    elif who is not None:
        auth.login(make_user(who).email)
    response = client.get(path.format(id=setup["consultation_id"]))
    assert response.status_code == status
    if who is None:
        assert "/login" in response.headers["Location"]


def test_upload_is_refused_to_a_representative(app, client, auth, setup):
    auth.login(setup["representative"].email)
    assert upload(client, setup["url"], csv_bytes(GOOD_ROWS)).status_code == 403
    assert counts(app)["Response"] == 0


def test_unknown_consultation_is_not_found(client, auth, setup):
    auth.login(setup["owner"].email)
    assert client.get("/consultations/9999/import").status_code == 404
    assert client.get("/consultations/9999/import/template.csv").status_code == 404


def test_import_page_explains_the_columns_of_this_consultation(client, auth, setup):
    auth.login(setup["owner"].email)
    html = client.get(setup["url"]).get_data(as_text=True)
    assert "<code>kriterium 2</code>" in html and "<code>kriterium 3</code>" not in html
    assert "Är principen tydlig och lätt att förstå?" in html
    assert 'enctype="multipart/form-data"' in html
    assert f'/consultations/{setup["consultation_id"]}/import/template.csv' in html


def test_template_has_a_row_per_respondent_and_principle_and_imports_when_filled(app, client, auth, setup):
    auth.login(setup["owner"].email)
    response = client.get(f'/consultations/{setup["consultation_id"]}/import/template.csv')
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel shows å, ä and ö"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == HEADER[:3] + ["kriterium 1", "kriterium 1 kommentar", "kriterium 2", "kriterium 2 kommentar",
                                    "synpunkt", "ändringsförslag", "föredraget alternativ", "motivering", "inkom"]
    assert [[row[0].lower(), row[1]] for row in rows[1:]] == [[name.lower(), str(n)] for name in ("NU", "patient.ett@example.se", "SU")
                                             for n in (1, 2, 3)]
    for row in rows[1:]:
        row[2] = "tillstyrker"
    filled = io.StringIO()
    csv.writer(filled, delimiter=";").writerows(rows)
    response = upload(client, setup["url"], filled.getvalue().encode("utf-8-sig"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert counts(app)["PrincipleAnswer"] == 9


def test_cli_import_reports_counts(app, runner, setup, tmp_path):
    path = tmp_path / "svar.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    result = runner.invoke(args=["responses", "import", str(setup["consultation_id"]), str(path),
                                 "--registered-by", setup["owner"].email])
    assert result.exit_code == 0, result.output
    assert "Importerade 3 svar med 4 principsvar" in result.output
    answers = stored(app, setup["consultation_id"])
    assert answers["SU"]["registered_by_id"] == setup["owner"].id
    assert answers["SU"]["channel"] == ResponseChannel.bulk_import


def test_cli_import_with_a_bad_row_exits_1_and_writes_nothing(app, runner, setup, tmp_path):
    path = tmp_path / "svar.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS + [["SU", "2", "kanske", "", "", "", "", "", "", "", ""]]))
    result = runner.invoke(args=["responses", "import", str(setup["consultation_id"]), str(path)])
    assert result.exit_code == 1
    assert "Rad 6: ”SU” och princip 2 finns redan på rad 3" in result.output
    assert "Rad 6: ställningstagande ”kanske” finns inte" in result.output
    assert "Inget har sparats" in result.output
    assert counts(app)["Response"] == 0


def test_cli_refuses_an_unknown_consultation_and_a_registrar_who_may_not(runner, setup, tmp_path):
    path = tmp_path / "svar.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS))
    result = runner.invoke(args=["responses", "import", "9999", str(path)])
    assert result.exit_code != 0 and "Remiss 9999 finns inte" in result.output
    result = runner.invoke(args=["responses", "import", str(setup["consultation_id"]), str(path),
                                 "--registered-by", setup["representative"].email])
    assert result.exit_code != 0 and "får inte registrera svar" in result.output



@pytest.fixture
def large(app, setup):
    """The setup's consultation with 1 000 more organisations asked: a file of every respondent ×
    principle has 3 009 rows, more than one batch of importing.BATCH_ROWS."""
    with app.app_context():
        for n in range(1000):
            organisation = Organisation(short_name=f"ORG{n}", name=f"Organisation nummer {n}", kind="municipality")
            db.session.add(organisation)
            db.session.flush()
            db.session.add(Respondent(consultation_id=setup["consultation_id"], organisation_id=organisation.id))
        db.session.commit()
    names = ["SU", "NU", "patient.ett@example.se"] + [f"ORG{n}" for n in range(1000)]
    # Principle by principle: each respondent's rows lie far apart, in different batches.
    rows = [[name, str(principle), "tillstyrker", "ja", "nej", "", f"Synpunkt {principle} från {name}", "", "", "", ""]
            for principle in (1, 2, 3) for name in names]
    return {**setup, "names": names, "rows": rows}


def test_a_bad_row_late_in_a_large_file_writes_nothing(app, runner, large, tmp_path):
    from remiss.responses import importing

    rows = large["rows"] + [["ORG999", "2", "kanske", "", "", "", "", "", "", "", ""]]
    assert len(rows) > importing.BATCH_ROWS
    path = tmp_path / "svar.csv"
    path.write_bytes(csv_bytes(rows))
    before = counts(app)
    result = runner.invoke(args=["responses", "import", str(large["consultation_id"]), str(path)])
    assert result.exit_code == 1
    last = len(rows) + 1
    assert f"Rad {last}: ”ORG999” och princip 2 finns redan på rad {2 + 1003 + 1002}" in result.output
    assert f"Rad {last}: ställningstagande ”kanske” finns inte" in result.output
    assert "Inget har sparats" in result.output
    assert counts(app) == before, "the rows before the bad one were not written either"


def test_a_large_file_is_written_in_batches_each_respondent_in_one_response(app, runner, large, tmp_path):
    with app.app_context():
        nu = db.session.execute(select(Respondent).join(Organisation).where(Organisation.short_name == "NU")).scalar_one()
        texts = {t.number: t for t in db.session.execute(select(PrincipleText)).scalars()}
        draft = Response(respondent_id=nu.id, status=ResponseStatus.draft)
        draft.principle_answers = [PrincipleAnswer(principle_text_id=texts[2].id, comment="Utkast om 2")]
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    path = tmp_path / "svar.csv"
    path.write_bytes(csv_bytes(large["rows"]))
    result = runner.invoke(args=["responses", "import", str(large["consultation_id"]), str(path)])
    assert result.exit_code == 0, result.output
    assert "Importerade 1003 svar med 3009 principsvar" in result.output

    assert counts(app)["PrincipleAnswer"] == 3009
    assert counts(app)["CriterionAnswer"] == 2 * 3009
    answers = stored(app, large["consultation_id"])
    assert len(answers) == 1003
    assert all(answer["status"] == ResponseStatus.submitted for answer in answers.values())
    last = answers["ORG999"]["answers"]
    assert {n: a["comment"] for n, a in last.items()} == {n: f"Synpunkt {n} från ORG999" for n in (1, 2, 3)}
    assert last[3]["criteria"] == {1: ("yes", ""), 2: ("no", "")}
    assert answers["NU"]["answers"][2]["comment"] == "Synpunkt 2 från NU", "the file replaces the draft's principle 2"
    with app.app_context():
        assert db.session.get(Response, draft_id).status == ResponseStatus.submitted, "the draft was continued"
        entries = db.session.execute(select(AuditEntry).where(AuditEntry.action == "response.imported")).scalars().all()
        assert len(entries) == 1003
        org999 = next(entry for entry in entries if entry.summary == "ORG999: svar.csv")
        assert org999.after["answers"] == 3 and org999.after["rows"] == [2 + 1002, 2 + 2 * 1003 + 1002]
        assert next(entry for entry in entries if entry.summary == "NU: svar.csv").after["continued_draft"] is True
