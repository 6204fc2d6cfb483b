"""Demo data: the seed organisations, the three networks of the first remiss, one
account per role, and the invånarinteraktion document as version 1.

Idempotent: running it again creates only what is missing. Refuses to run in
production, where the demo password would be a known password.
"""
from __future__ import annotations

import csv
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from remiss.auth.models import Role, User
from remiss.documents.models import Document
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation

SEED = Path(__file__).parent / "seed"
PRINCIPLES = Path(__file__).parent.parent / "principles"
DEMO_PASSWORD = "remiss-demo-2026"
DOMAIN = "example.org"

FIRST_NAMES = [
    "Anna", "Erik", "Maria", "Lars", "Karin", "Anders", "Eva", "Johan", "Sara", "Per",
    "Lena", "Mikael", "Helena", "Fredrik", "Sofia", "Jonas", "Emma", "Henrik", "Ingrid", "Oskar",
    "Elin", "Gustav", "Maja", "Nils", "Ida", "Viktor", "Linnea", "Axel", "Hanna", "Olof",
]
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson", "Lindberg",
    "Lindqvist", "Berg", "Holm", "Sandberg", "Forsberg", "Lund", "Ek", "Nyström", "Björk",
]

NETWORKS = {
    "representatives": (
        "Nätverk förvaltningsföreträdare",
        "Utveckling, kommunikation och administration: förvaltningarnas företrädare.",
    ),
    "communications": ("Grupp för kommunikationschefer", "Förvaltningarnas kommunikationschefer."),
    "patients": (
        "Större grupp patientföreträdare",
        "Patientföreträdare som svarar var för sig, ofta utan konto i regionens system.",
    ),
}

ROLE_ACCOUNTS = [
    ("admin", "Alva Administratör", Role.administrator, None),
    ("processansvarig", "Petra Processansvarig", Role.process_owner, "KK"),
    ("styrgrupp", "Stig Styrgrupp", Role.steering_member, "KK"),
]
# The first representative of SU in the network, with an easy address for the demo.
DEMO_REPRESENTATIVE = ("representant", "Rut Representant", "SU")


def _names():
    """An endless, repeatable supply of fictional names."""
    n = 0
    while True:
        yield FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n * 7) % len(LAST_NAMES)]
        n += 1


def _user(email, name, role, organisation, password):
    from remiss.auth.operations import create_user, find_user_by_email

    existing = find_user_by_email(email)
    if existing:
        return existing, False
    return create_user(email, name, role, organisation=organisation, password=password), True


def _network(key) -> Network:
    from remiss.organisations.operations import create_network

    name, description = NETWORKS[key]
    network = db.session.execute(select(Network).where(Network.name == name)).scalar_one_or_none()
    return network or create_network(None, name, description)


def _join(network: Network, user: User) -> None:
    from remiss.organisations.operations import add_member_to_network

    if user not in network.members:
        add_member_to_network(None, network, user)


def load_demo() -> list[tuple[str, str, str]]:
    """Create what is missing; returns the role accounts as (role label, e-mail, password)."""
    from remiss.documents.operations import import_document
    from remiss.organisations.operations import import_organisations_csv

    csv_text = (SEED / "organisations.csv").read_text(encoding="utf-8")
    import_organisations_csv(csv_text)
    db.session.flush()
    organisations = {o.short_name: o for o in db.session.execute(select(Organisation)).scalars()}

    logins = []
    for local, name, role, short_name in ROLE_ACCOUNTS:
        email = f"{local}@{DOMAIN}"
        _user(email, name, role, organisations.get(short_name), DEMO_PASSWORD)
        logins.append((role, email, DEMO_PASSWORD))

    names = _names()
    representatives = _network("representatives")
    communications = _network("communications")
    patients = _network("patients")
    for row in csv.DictReader(csv_text.splitlines()):
        organisation = organisations[row["short_name"]]
        prefix = organisation.short_name.lower().replace("ä", "a")
        for i in range(1, int(row["representatives_in_network"]) + 1):
            first, last = next(names)
            email, name = f"{prefix}.representant{i}@{DOMAIN}", f"{first} {last}"
            if (organisation.short_name, i) == (DEMO_REPRESENTATIVE[2], 1):
                email, name = f"{DEMO_REPRESENTATIVE[0]}@{DOMAIN}", DEMO_REPRESENTATIVE[1]
                logins.append((Role.representative, email, DEMO_PASSWORD))
            user, _ = _user(email, name, Role.representative, organisation, DEMO_PASSWORD)
            _join(representatives, user)
        first, last = next(names)
        user, _ = _user(f"{prefix}.kommunikationschef@{DOMAIN}", f"{first} {last}", Role.representative,
                        organisation, DEMO_PASSWORD)
        _join(communications, user)
    for i in range(1, 7):
        first, last = next(names)
        # Patient representatives have no password: they answer through their personal link.
        user, _ = _user(f"patientforetradare{i}@{DOMAIN}", f"{first} {last}", Role.representative, None, None)
        _join(patients, user)

    seed_document = PRINCIPLES / "invanarinteraktion.md"
    if db.session.execute(select(Document).where(Document.key == "invanarinteraktion")).scalar_one_or_none() is None:
        import_document(seed_document.read_text(encoding="utf-8"))
    _demo_consultation([representatives, communications, patients], organisations)
    return logins


# Answers that show what the consolidation will work with: one submitted, one draft.
DEMO_ANSWERS = {
    "NU": [
        ("supports", "Bra att hälsofrämjande arbete lyfts fram tidigt i vårdkedjan."),
        ("supports_with_changes", "Förtydliga vad *egenvård* betyder för den som inte kan använda digitala verktyg."),
        ("supports", ""),
        ("opposes", "Principen säger för lite om vem som ansvarar för kontakten mellan vårdgivare."),
    ],
    "SU": [
        ("supports_with_changes", "Lägg till närstående som en självklar del av kommunikationen."),
    ],
}


def _demo_consultation(networks, organisations) -> None:
    """An open remiss of version 1 with a deadline a month ahead; NU has answered, SU has begun."""
    from datetime import timedelta

    from remiss.consultations.models import Consultation
    from remiss.consultations.operations import create_consultation, open_consultation
    from remiss.documents.models import DocumentVersion
    from remiss.responses.operations import apply_answers, current_response, submit
    from remiss.timeutil import utcnow

    if db.session.execute(select(Consultation.id).limit(1)).first():
        return
    owner = db.session.execute(select(User).where(User.email == f"processansvarig@{DOMAIN}")).scalar_one()
    version = db.session.execute(
        select(DocumentVersion).join(Document).where(Document.key == "invanarinteraktion", DocumentVersion.number == 1)
    ).scalar_one()
    now = utcnow()
    consultation = create_consultation(
        version,
        "Remiss: Styrande principer för invånarinteraktion",
        "Vi vill veta om principerna stöder ert arbete och vad de innebär för er som utför och utvecklar "
        "tjänster. Svara per princip, för hela organisationen.",
        "RS 2024-05699",
        now - timedelta(minutes=1),
        (now + timedelta(days=30)).replace(hour=15, minute=0, second=0, microsecond=0),
        networks,
        owner,
    )
    open_consultation(consultation, owner)
    texts = sorted(version.principle_texts, key=lambda text: text.position)
    for respondent in consultation.respondents:
        organisation = respondent.organisation
        answers = DEMO_ANSWERS.get(organisation.short_name if organisation else "")
        if not answers:
            continue
        author = next(u for u in organisations[organisation.short_name].users if u.role == Role.representative)
        response = current_response(respondent)
        apply_answers(response, [
            {"principle_text_id": text.id, "stance": stance, "comment": comment}
            for text, (stance, comment) in zip(texts, answers)
        ], author)
        if organisation.short_name == "NU":
            submit(response, author, publish_name=True)  # NU allows its answer to be published with its name


@click.command("demo")
@with_appcontext
def demo():
    """Load the demo data (idempotent) and print the demo log-ins."""
    if current_app.config["REMISS_ENV"] == "production":
        raise click.ClickException("Demodata laddas inte i produktion (REMISS_ENV=production).")
    logins = load_demo()
    db.session.commit()
    from remiss.labels import label

    click.echo("Demodata finns. Logga in på http://127.0.0.1:5000/login med:")
    for role, email, password in logins:
        click.echo(f"  {label(role):<24} {email:<32} lösenord: {password}")
    click.echo(f"  (alla nätverksrepresentanter har lösenordet {DEMO_PASSWORD}; patientföreträdare svarar via personlig länk)")
