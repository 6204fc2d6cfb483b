"""flask users create / list."""
from __future__ import annotations

import re

from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.auth.models import Role, User
from remiss.extensions import db
from tests.conftest import AuthActions


def test_create_with_password_can_log_in(app, runner, client, make_organisation):
    make_organisation()
    result = runner.invoke(args=["users", "create", "Petra@Example.se", "--name", "Petra Processansvarig",
                                 "--role", "process_owner", "--organisation", "SU", "--password", "ett-bra-lösenord"])
    assert result.exit_code == 0, result.output
    assert "Kontot för Petra Processansvarig <petra@example.se> är skapat" in result.output
    assert "ett-bra-lösenord" not in result.output
    with app.app_context():
        user = db.session.execute(select(User).where(User.email == "petra@example.se")).scalar_one()
        assert user.role == Role.process_owner and user.organisation.short_name == "SU"
        entry = db.session.execute(select(AuditEntry)).scalar_one()
        assert entry.action == "user.created" and entry.actor_id is None
    assert AuthActions(client).login("petra@example.se", "ett-bra-lösenord").status_code == 302


def test_create_without_password_prints_a_generated_one_once(runner, client):
    result = runner.invoke(args=["users", "create", "alva@example.se", "--name", "Alva", "--role", "administrator"])
    assert result.exit_code == 0, result.output
    password = re.search(r"Lösenord \(visas bara nu\): (\S+)", result.output).group(1)
    assert len(password) >= 12
    assert AuthActions(client).login("alva@example.se", password).status_code == 302
    listed = runner.invoke(args=["users", "list"])
    assert password not in listed.output


def test_clear_errors_and_non_zero_exit(runner, make_user):
    make_user(Role.representative, email="finns@example.se")
    cases = [
        (["finns@EXAMPLE.se", "--name", "X", "--role", "representative"], "Det finns redan ett konto med e-postadressen finns@example.se"),
        (["ny@example.se", "--name", "X", "--role", "kung"], "Okänd roll: kung"),
        (["ny@example.se", "--name", "X", "--role", "representative", "--organisation", "XYZ"], "Det finns ingen organisation med förkortningen XYZ"),
        (["ny@example.se", "--name", "X", "--role", "representative", "--password", "kort"], "minst 12 tecken"),
        (["inte-en-adress", "--name", "X", "--role", "representative"], "Skriv en giltig e-postadress"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["users", "create", *args])
        assert result.exit_code != 0, args
        assert message in result.output, result.output


def test_list_shows_everyone(runner, make_user, make_organisation):
    make_user(Role.representative, email="rut@example.se", name="Rut Representant", organisation=make_organisation())
    make_user(Role.representative, email="patient@example.se", name="Pia Patient", password=None)
    make_user(Role.steering_member, email="stig@example.se", name="Stig", active=False)
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert [line.split()[0] for line in lines] == ["patient@example.se", "rut@example.se", "stig@example.se"]
    assert "SU" in lines[1] and "utan lösenord" in lines[0] and "inaktiverad" in lines[2]
