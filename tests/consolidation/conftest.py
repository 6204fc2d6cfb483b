"""A consultation to consolidate, built directly with the models.

`consolidating` builds on the answering world (tests/responses/conftest.py): SU, NU and Pia
Patient asked, three principles (the first with two alternatives), the four criteria, two general
questions and a section offering two definitions. Here the consultation is closed and the three
have submitted known answers; a fourth respondent (KK) has only a draft, which must not count:

    principle 1  SU  tillstyrker              ja ja ja ja          comment "Bra princip."        alternative A
                 NU  tillstyrker med ändr.    ja delvis nej delvis wording "Skriv så här."       alternative B
                 Pia tillstyrker              nej nej – ja         –                             alternative A
    principle 2  SU  avstyrker                –                    comment "<script>alert(1)</script> Otydlig."
                                                                   wording "Ny lydelse."
                 NU  avstyrker                –                    –
                 Pia –                        –                    –
    principle 3  NU  inga synpunkter
    general 1    SU "Allmänt bra."   Pia "Tack för att jag fick svara."
    section      SU Definition 1 "Kortare."

So 4 texts on the principles need a disposition (SU's two comments, SU's and NU's proposed wordings)
and 2 general answers: 6 in all.
"""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import event, select

from remiss.auth.models import Role
from remiss.consultations.models import (
    AlternativeChoice,
    Consultation,
    ConsultationStatus,
    CriterionAnswer,
    GeneralAnswer,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
    Stance,
)
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow
from tests.responses.conftest import answering  # noqa: F401  (the world below builds on it)

SCRIPT = "<script>alert(1)</script> Otydlig."


def add_answer(consultation_id: int, respondent_id: int, *, principles=None, general=None, choices=None,
               status=ResponseStatus.submitted, revision=1, publish_name: bool | None = None) -> Response:
    """A response built with the models (call inside an app context; the caller commits).

    principles: {principle_text_id: {"stance": Stance|None, "comment": str, "proposed_wording": str,
                                     "ratings": {criterion_id: rating}}}
    general: {question_id: text};  choices: {("p"|"s", subject_id): (alternative_id|None, reason)}
    publish_name: whether the answer may be published with the name; by default organisations yes,
    individuals no.
    """
    if publish_name is None:
        publish_name = db.session.get(Respondent, respondent_id).organisation_id is not None
    response = Response(respondent_id=respondent_id, revision=revision, status=status, publish_name=publish_name,
                        submitted_at=utcnow() if status != ResponseStatus.draft else None)
    for principle_text_id, values in (principles or {}).items():
        answer = PrincipleAnswer(principle_text_id=principle_text_id, stance=values.get("stance"),
                                 comment=values.get("comment", ""), proposed_wording=values.get("proposed_wording", ""))
        for criterion_id, rating in values.get("ratings", {}).items():
            answer.criterion_answers.append(CriterionAnswer(criterion_id=criterion_id, rating=rating, comment=""))
        response.principle_answers.append(answer)
    for question_id, text in (general or {}).items():
        response.general_answers.append(GeneralAnswer(general_question_id=question_id, text=text))
    for (kind, subject_id), (alternative_id, reason) in (choices or {}).items():
        choice = AlternativeChoice(alternative_id=alternative_id, reason=reason)
        if kind == "s":
            choice.section_id = subject_id
        else:
            choice.principle_text_id = subject_id
        response.alternative_choices.append(choice)
    db.session.add(response)
    return response


def set_status(app, consultation_id: int, status: ConsultationStatus) -> None:
    with app.app_context():
        db.session.get(Consultation, consultation_id).status = status
        db.session.commit()


@pytest.fixture
def consolidating(app, answering, make_user, make_organisation):
    w = answering
    w.administrator = make_user(Role.administrator, email="admin@example.se", name="Alva Administratör")
    w.other_owner = make_user(Role.process_owner, email="olle@example.se", name="Olle Processansvarig")
    w.steering = make_user(Role.steering_member, email="stig@example.se", name="Stig Styrgrupp")
    w.kk = make_organisation("KK", "Koncernkontoret", "central administration")
    p1, p2, p3 = w.principles
    c1, c2, c3, c4 = w.criteria
    a, b = w.alternatives
    with app.app_context():
        network = Network(name="Nätverk förvaltningsföreträdare")
        patients = Network(name="Större grupp patientföreträdare")
        db.session.add_all([network, patients])
        consultation = db.session.get(Consultation, w.consultation)
        consultation.networks = [network, patients]
        consultation.status = ConsultationStatus.closed
        consultation.closed_at = utcnow()
        for respondent_id in (w.su_respondent, w.nu_respondent):
            db.session.get(Respondent, respondent_id).networks = [network]
        db.session.get(Respondent, w.pia_respondent).networks = [patients]
        kk_respondent = Respondent(consultation_id=w.consultation, organisation_id=w.kk.id, networks=[network])
        db.session.add(kk_respondent)
        db.session.flush()
        su = add_answer(w.consultation, w.su_respondent, principles={
            p1: {"stance": Stance.supports, "comment": "Bra princip.", "ratings": {c1: "yes", c2: "yes", c3: "yes", c4: "yes"}},
            p2: {"stance": Stance.opposes, "comment": SCRIPT, "proposed_wording": "Ny lydelse."},
        }, general={w.questions[0]: "Allmänt bra.", w.questions[1]: ""},
            choices={("p", p1): (a, "A är tydligast."), ("s", w.section): (w.section_alternatives[0], "Kortare.")})
        nu = add_answer(w.consultation, w.nu_respondent, principles={
            p1: {"stance": Stance.supports_with_changes, "proposed_wording": "Skriv så här.",
                 "ratings": {c1: "yes", c2: "partly", c3: "no", c4: "partly"}},
            p2: {"stance": Stance.opposes},
            p3: {"stance": Stance.no_comments},
        }, choices={("p", p1): (b, "")})
        pia = add_answer(w.consultation, w.pia_respondent, principles={
            p1: {"stance": Stance.supports, "ratings": {c1: "no", c2: "no", c4: "yes"}},
        }, general={w.questions[0]: "Tack för att jag fick svara."}, choices={("p", p1): (a, "")})
        # A draft says a lot, but is no answer: it must not be counted anywhere.
        add_answer(w.consultation, kk_respondent.id, status=ResponseStatus.draft, principles={
            p1: {"stance": Stance.opposes, "comment": "Utkast", "ratings": {c1: "no"}},
        }, general={w.questions[0]: "Utkast"}, choices={("p", p1): (b, "Utkast")})
        db.session.commit()
        w.kk_respondent = kk_respondent.id
        w.network = network.id
        w.patients = patients.id
        w.su_response, w.nu_response, w.pia_response = su.id, nu.id, pia.id
        answers = {(r.response_id, r.principle_text_id): r.id for r in db.session.execute(select(PrincipleAnswer)).scalars()}
        w.su_p1 = answers[(su.id, p1)]
        w.su_p2 = answers[(su.id, p2)]
        w.nu_p1 = answers[(nu.id, p1)]
        general = {(g.response_id, g.general_question_id): g.id for g in db.session.execute(select(GeneralAnswer)).scalars()}
        w.su_g1 = general[(su.id, w.questions[0])]
        w.pia_g1 = general[(pia.id, w.questions[0])]
    w.overview_url = f"/consultations/{w.consultation}/consolidation"
    w.matrix_url = f"{w.overview_url}/matrix"
    w.principle_url = lambda index: f"{w.overview_url}/principles/{w.principles[index]}"
    w.respondent_url = lambda respondent_id: f"{w.overview_url}/respondents/{respondent_id}"
    w.question_url = lambda index: f"{w.overview_url}/general/{w.questions[index]}"
    return w


def add_respondents(app, world, count: int, *, prefix="Org", kind="hospital", comment="Synpunkt nummer {n}.",
                    individuals=False) -> None:
    """`count` more respondents with submitted answers to every principle (stance, ratings, comment), a
    general answer and a preferred alternative: organisations, or individuals (patient representatives)."""
    from remiss.auth.models import User

    stances = list(Stance)
    ratings = ["yes", "partly", "no"]
    with app.app_context():
        existing = db.session.query(Organisation).count() + db.session.query(User).count()
        for n in range(count):
            name = f"{prefix} {existing + n:04d}"
            if individuals:
                user = User(email=f"person{existing + n}@example.se", name=name, role=Role.representative)
                db.session.add(user)
                db.session.flush()
                respondent = Respondent(consultation_id=world.consultation, user_id=user.id)
            else:
                organisation = Organisation(short_name=f"{prefix[:20]}{existing + n}", name=name, kind=kind)
                db.session.add(organisation)
                db.session.flush()
                respondent = Respondent(consultation_id=world.consultation, organisation_id=organisation.id)
            db.session.add(respondent)
            db.session.flush()
            add_answer(world.consultation, respondent.id, principles={
                principle: {"stance": stances[(n + i) % 4], "comment": comment.format(n=n),
                            "ratings": {c: ratings[(n + j) % 3] for j, c in enumerate(world.criteria)}}
                for i, principle in enumerate(world.principles)
            }, general={world.questions[0]: f"Allmänt {n}."},
                choices={("p", world.principles[0]): (world.alternatives[n % 2], f"Skäl {n}.")})
        db.session.commit()


class StatementCounter:
    """Counts the SQL statements run while it is active (before_cursor_execute)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def _count(self, conn, cursor, statement, *args):
        self.statements.append(statement)

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def __len__(self):
        return len(self.statements)


def login(client, auth, user):
    auth.login(user.email)
    return client


@pytest.fixture
def owner_client(client, auth, consolidating):
    auth.login(consolidating.owner.email)
    return client


def page_of(response) -> str:
    return response.get_data(as_text=True)


def ns(**kwargs):
    return SimpleNamespace(**kwargs)
