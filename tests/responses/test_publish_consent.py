"""Every respondent – organisations too – states at submission whether its answer may be published
with its name; the public report and pages honour it ("Remissinstans N", "Patientföreträdare N"),
the internal report names everyone. Registered answers: the process owner states it."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from remiss.consultations.models import Consultation, ConsultationStatus, Response, ResponseStatus
from remiss.extensions import db
from tests.conftest import csrf_token
from tests.responses.test_import import setup  # noqa: F401  (the import's world)
from tests.responses.test_registration import PDF, register


def page(response) -> str:
    return response.get_data(as_text=True)


def post(client, url, data):
    return client.post(url, data={"csrf_token": csrf_token(client), **data})


def close(app, w):
    with app.app_context():
        db.session.get(Consultation, w.consultation).status = ConsultationStatus.closed
        db.session.commit()


def stored(app, respondent_id):
    with app.app_context():
        return db.session.execute(select(Response).where(Response.respondent_id == respondent_id)).scalar_one_or_none()


def test_an_organisation_is_asked_and_must_answer(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    summary = page(client.get(w.respond_url + "/summary"))
    assert "Får svaret publiceras med namn i den offentliga remissammanställningen?" in summary
    assert "Remissinstans 2" in summary  # the hint says how it would read
    assert 'value="yes"' in summary and 'value="no"' in summary and " checked" not in summary.split("submit-heading")[1]
    refused = post(client, w.respond_url + "/submit", {})
    assert refused.status_code == 422
    assert "Svara på om svaret får publiceras med namn" in page(refused)
    assert stored(app, w.su_respondent) is None  # nothing submitted
    nonsense = post(client, w.respond_url + "/submit", {"publish_name": "kanske"})
    assert nonsense.status_code == 422
    assert post(client, w.respond_url + "/submit", {"publish_name": "no"}).status_code == 303
    response = stored(app, w.su_respondent)
    assert response.status == ResponseStatus.submitted and response.publish_name is False
    assert "Svaret redovisas utan organisationens namn" in page(client.get(w.respond_url + "/receipt"))


def test_the_public_report_leaves_out_the_names_of_those_who_said_no(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    post(client, w.respond_url + "/submit", {"publish_name": "no"})
    auth.logout()
    auth.login(w.nils.email)
    post(client, w.respond_url + "/submit", {"publish_name": "yes"})
    auth.logout()
    client.get(f"/r/{w.pia_token}")
    post(client, w.respond_url + "/submit", {"publish_name": "no"})
    client.get("/logout")
    close(app, w)
    auth.login(w.owner.email)
    base = f"/consultations/{w.consultation}/report"
    public = page(client.get(base + ".html?public=1"))
    assert "Sahlgrenska" not in public and "Remissinstans 1" in public
    assert "NU-sjukvården" in public  # said yes
    assert "Pia Patient" not in public and "Patientföreträdare 1" in public
    # The named ones first, then the unnamed: SU's place in the alphabet is not given away.
    assert public.index("NU-sjukvården") < public.index("Remissinstans 1")
    data = json.loads(client.get(base + ".json?public=1").get_data())
    dumped = json.dumps(data, ensure_ascii=False)
    assert "Sahlgrenska" not in dumped and "Remissinstans 1" in dumped
    csv_text = client.get(base + ".csv?public=1").get_data().decode("utf-8-sig")
    assert "Sahlgrenska" not in csv_text and "Remissinstans 1" in csv_text
    # The internal report names everyone.
    internal = page(client.get(base + ".html"))
    assert "Sahlgrenska Universitetssjukhuset" in internal and "Remissinstans 1" not in internal


def test_the_process_owner_states_it_when_registering(app, client, auth, answering):
    w = answering
    auth.login(w.owner.email)
    form = page(client.get(f"/consultations/{w.consultation}/respondents/{w.nu_respondent}/register"))
    assert "Får svaret publiceras med remissinstansens namn" in form
    refused = register(client, w, PDF, respondent_id=w.nu_respondent, publish_name="")
    assert refused.status_code == 422 and "Svara på om svaret får publiceras med namn" in page(refused)
    assert register(client, w, PDF, respondent_id=w.nu_respondent, publish_name="no").status_code == 303
    assert stored(app, w.nu_respondent).publish_name is False
    assert register(client, w, PDF, respondent_id=w.pia_respondent, publish_name="yes").status_code == 303
    assert stored(app, w.pia_respondent).publish_name is True


def test_the_operation_refuses_a_submission_without_consent(app, answering):
    import pytest

    from remiss.responses import operations

    w = answering
    with app.test_request_context():
        from remiss.consultations.models import Respondent

        respondent = db.session.get(Respondent, w.su_respondent)
        response = operations.current_response(respondent, create=True)
        with pytest.raises(operations.ConsentMissing) as refused:
            operations.submit(response, db.session.merge(w.anna))
        assert refused.value.status == 422
        db.session.rollback()


def test_an_unnamed_organisation_is_not_given_away_by_who_signed(app, client, auth, answering):
    from remiss.timeutil import utcnow

    w = answering
    with app.app_context():
        db.session.add(Response(respondent_id=w.su_respondent, status=ResponseStatus.submitted, submitted_at=utcnow(),
                                publish_name=False, signed_by_id=w.anna.id, signed_at=utcnow()))
        db.session.commit()
    close(app, w)
    auth.login(w.owner.email)
    base = f"/consultations/{w.consultation}/report"
    public = page(client.get(base + ".html?public=1"))
    assert "Remissinstans 1" in public and "Anna SU" not in public and "Sahlgrenska" not in public
    assert "sjukhus" not in public.lower().split("remissinstans 1")[1][:200]  # nor by its kind
    assert "Undertecknat av Anna SU" in page(client.get(base + ".html"))


def test_an_import_says_whether_the_answers_may_be_published_with_names(app, client, auth, setup):
    from tests.responses.test_import import GOOD_ROWS, csv_bytes

    auth.login(setup["owner"].email)
    data = csv_bytes(GOOD_ROWS)
    refused = client.post(setup["url"], data={"csrf_token": csrf_token(client), "file": (io.BytesIO(data), "svar.csv")},
                          content_type="multipart/form-data")
    assert refused.status_code == 422 and "Svara på om svaret får publiceras med namn" in page(refused)
    with app.app_context():
        assert db.session.execute(select(Response)).first() is None
    accepted = client.post(setup["url"], data={"csrf_token": csrf_token(client), "publish_name": "no",
                                               "file": (io.BytesIO(data), "svar.csv")},
                           content_type="multipart/form-data")
    assert accepted.status_code == 200
    with app.app_context():
        assert {r.publish_name for r in db.session.execute(select(Response)).scalars()} == {False}
