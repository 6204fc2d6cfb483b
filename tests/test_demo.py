"""`flask demo` loads the first remiss's world, and loading it twice changes nothing."""
from sqlalchemy import func, select

from remiss.auth.models import Role, User
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation


def _counts():
    return {
        "users": db.session.scalar(select(func.count(User.id))),
        "organisations": db.session.scalar(select(func.count(Organisation.id))),
        "networks": db.session.scalar(select(func.count(Network.id))),
        "principles": db.session.scalar(select(func.count(PrincipleText.id))),
    }


def test_demo_loads_seed_and_is_idempotent(app, runner, client, auth):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@example.org" in result.output and "remiss-demo-2026" in result.output

    with app.app_context():
        first = _counts()
        networks = {n.name: n for n in db.session.execute(select(Network)).scalars()}
        representatives = networks["Nätverk förvaltningsföreträdare"]
        assert len(representatives.organisations) == 9
        assert len(representatives.members) == 21
        patients = networks["Större grupp patientföreträdare"]
        assert patients.individual_members and not patients.organisations
        roles = set(db.session.execute(select(User.role)).scalars())
        assert roles == set(Role)
    assert first["organisations"] == 9 and first["principles"] == 8

    assert runner.invoke(args=["demo"]).exit_code == 0
    with app.app_context():
        assert _counts() == first

    # An open remiss of version 1 to the three networks: 9 organisations and 6 individuals.
    with app.app_context():
        from remiss.consultations.models import Consultation, ConsultationStatus, Respondent

        consultation = db.session.execute(select(Consultation)).scalar_one()
        assert consultation.status == ConsultationStatus.open
        assert db.session.scalar(select(func.count(Respondent.id))) == 15

    # The printed log-ins work, and the seed document is readable by the process owner.
    auth.login("processansvarig@example.org", "remiss-demo-2026")
    page = client.get("/documents/invanarinteraktion/versions/1")
    assert page.status_code == 200
    assert "Hälsofrämjande kommunikation och information" in page.get_data(as_text=True)
    auth.logout()
    auth.login("representant@example.org", "remiss-demo-2026")
    mine = client.get("/my").get_data(as_text=True)
    assert "Remiss: Styrande principer för invånarinteraktion" in mine


def test_demo_refuses_to_run_in_production(app, runner):
    app.config["REMISS_ENV"] = "production"
    result = runner.invoke(args=["demo"])
    assert result.exit_code != 0
    assert "produktion" in result.output
