"""The answer pages load what they show in a fixed number of statements, however much is answered."""
from __future__ import annotations

from datetime import timedelta

from remiss.consultations.models import Consultation, ConsultationStatus, Respondent
from remiss.extensions import db
from remiss.timeutil import utcnow
from tests.conftest import statements_for
from tests.responses.conftest import autosave


def answer_principle(client, world, index):
    key = f"p{world.principles[index]}"
    fields = {f"{key}.lock_version": "0", f"{key}.stance": "supports", f"{key}.comment": "Text"}
    for criterion in world.criteria:
        fields[f"{key}.c{criterion}.rating"] = "yes"
        fields[f"{key}.c{criterion}.comment"] = "Kriteriekommentar"
    assert autosave(client, world, fields).status_code == 200


def test_pages_take_the_same_number_of_statements_however_much_is_answered(app, client, auth, answering):
    w = answering
    auth.login(w.anna.email)
    # One of each kind of part answered (a kind never loaded costs no statement), the form opened once.
    answer_principle(client, w, 0)
    autosave(client, w, {f"g{w.questions[0]}.lock_version": "0", f"g{w.questions[0]}.text": "Svar"})
    assert autosave(client, w, {f"ap{w.principles[0]}.lock_version": "0",
                                f"ap{w.principles[0]}.alternative": str(w.alternatives[0])}).status_code == 200
    urls = [w.respond_url + "?all=1", w.respond_url + "/summary", w.respond_url, w.respond_url + "/general"]
    client.get(w.respond_url)
    few = [statements_for(app, client, url) for url in urls]
    answer_principle(client, w, 1)
    answer_principle(client, w, 2)
    autosave(client, w, {f"g{w.questions[1]}.lock_version": "0", f"g{w.questions[1]}.text": "Svar"})
    autosave(client, w, {f"as{w.section}.lock_version": "0", f"as{w.section}.alternative": str(w.section_alternatives[0])})
    assert [statements_for(app, client, url) for url in urls] == few


def test_my_consultations_takes_the_same_number_of_statements_for_more_consultations(app, client, auth, answering,
                                                                                      make_version):
    w = answering
    auth.login(w.anna.email)
    few = statements_for(app, client, "/my")
    for n in range(3):
        version = make_version(key=f"dokument-{n}", principles=2)
        with app.app_context():
            consultation = Consultation(version_id=version.id, title=f"Remiss {n}", opens_at=utcnow() - timedelta(days=1),
                                        deadline=utcnow() + timedelta(days=n + 1), status=ConsultationStatus.open)
            consultation.respondents = [Respondent(organisation_id=w.su.id)]
            db.session.add(consultation)
            db.session.commit()
    assert statements_for(app, client, "/my") == few


def test_autosave_counts_progress_as_the_pages_do(app, client, auth, answering):
    """Autosave counts progress in SQL (queries.progress), the pages from the loaded answer: the same rule."""
    w = answering
    auth.login(w.anna.email)
    first, second = f"p{w.principles[0]}", f"p{w.principles[1]}"

    def progress(fields):
        response = autosave(client, w, fields)
        assert response.status_code == 200
        return response.get_json()

    # A rating alone answers a principle; a comment emptied again does not; choosing an alternative for a
    # principle already answered adds nothing.
    rated = progress({f"{first}.lock_version": "0", f"{first}.c{w.criteria[0]}.rating": "yes"})
    assert rated["progress"]["answered"] == 1
    body = progress({f"{second}.lock_version": "0", f"{second}.comment": "Text"})
    assert body["progress"]["answered"] == 2
    lock = body["parts"][second]["lock_version"]
    assert progress({f"{second}.lock_version": str(lock), f"{second}.comment": ""})["progress"]["answered"] == 1
    choice = f"ap{w.principles[0]}"
    body = progress({f"{choice}.lock_version": "0", f"{choice}.alternative": str(w.alternatives[0])})
    assert body["progress"] == {"answered": 1, "total": 3, "text": "1 av 3 principer besvarade"}
    assert body["progress"]["text"] in client.get(w.respond_url + "/summary").get_data(as_text=True)
