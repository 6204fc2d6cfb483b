"""Synthetic consultations for the benchmarks: R respondents × P principles, Swedish comments.

`generate(respondents=R, principles=P)` (inside an app context) builds, in the database the
app is bound to:

- a document with a published version 1 (the public document page) and version 2 on remiss
  with P principles, four quality criteria and one general question;
- R organisations, each a respondent in one of three networks; about 80 % have submitted an
  answer on every principle, 5 % have a draft, the rest have not answered;
- answers drawn from a fixed seed: a stance on every principle, a comment on about 40 % of
  them (lengths from a log-normal around 250 characters, up to 3 000), a proposed wording on
  15 %, ratings of the four criteria on 60 % (a criterion comment on 10 % of those), a general
  answer from a third of the respondents;
- `users` representatives of the first organisations that have not answered (password
  PASSWORD), who can open the answer form and autosave, and one process owner.

Rows are written like the bulk import writes them (remiss/responses/importing.py): Core
INSERTs, COPY on PostgreSQL, executemany on SQLite, in batches, so 100 000 respondents take
minutes rather than hours and memory stays bounded. Ids are reserved up front (nextval on
PostgreSQL, max(id) on SQLite) so that children can point at parents without reading back.

Command line: python -m benchmarks.generate --respondents 1000 --principles 8 [--database URL]
"""
from __future__ import annotations

import argparse
import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, insert, select, text as sql_text
from werkzeug.security import generate_password_hash

from remiss.auth.models import Role, User
from remiss.consultations.models import (
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
    consultation_criterion,
    respondent_network,
)
from remiss.documents.models import (
    Criterion,
    Document,
    DocumentVersion,
    Principle,
    PrincipleText,
    Section,
    SectionKind,
    VersionStatus,
)
from remiss.extensions import db
from remiss.organisations.models import Network, Organisation
from remiss.timeutil import utcnow

PASSWORD = "bänk-prestanda-2026"
BATCH = 2_000  # respondents written per round
SUBMITTED_SHARE, DRAFT_SHARE = 0.80, 0.05
COMMENT_SHARE, WORDING_SHARE, RATED_SHARE, CRITERION_COMMENT_SHARE = 0.40, 0.15, 0.60, 0.10
MARKDOWN_SHARE = 0.20

_WORDS = (
    "vi anser att principen är bra men behöver förtydligas när det gäller ansvar för invånarens "
    "information och samverkan mellan förvaltningarna region kommun vårdcentral sjukhus patient "
    "närstående digital kanal tillgänglighet språk delaktighet uppföljning journal samtycke "
    "behörighet personal arbetssätt resurser kostnader införande stöd utbildning lagstiftning "
    "dataskydd säkerhet likvärdig vård kontinuitet förtroende kommunikation tydlighet mål "
    "värderingar beteende praktiken vägleda exempel formulering ändras stryks läggas till "
    "dessutom därför också särskilt viktigt svårt enklare ofta alltid aldrig ibland mer mindre"
).split()
_STANCES = [Stance.supports] * 5 + [Stance.supports_with_changes] * 3 + [Stance.opposes, Stance.no_comments]
_RATINGS = ["yes", "yes", "partly", "no"]


@dataclass
class World:
    consultation_id: int
    document_key: str
    published_number: int
    respondents: int
    principles: int
    answers: int = 0
    owner_email: str = ""
    user_emails: list[str] = field(default_factory=list)
    principle_text_ids: list[int] = field(default_factory=list)
    criterion_ids: list[int] = field(default_factory=list)
    question_id: int = 0


def _sentence(rng: random.Random, length: int) -> str:
    words, size = [], 0
    while size < length:
        word = rng.choice(_WORDS)
        words.append(word)
        size += len(word) + 1
    text = " ".join(words)
    return text[0].upper() + text[1:length].rstrip() + "."


def text_pool(rng: random.Random, median: int, count: int = 400, longest: int = 3_000) -> list[str]:
    """Comments of realistic lengths: log-normal around `median` characters, capped; one in five ends
    in a Markdown list (what people write besides prose, and what the HTML report must convert)."""
    texts = []
    for _ in range(count):
        text = _sentence(rng, min(longest, max(12, int(rng.lognormvariate(math.log(median), 0.9)))))
        if rng.random() < MARKDOWN_SHARE:
            text += "\n\n" + "\n".join(f"- {_sentence(rng, 40)}" for _ in range(2))
        texts.append(text)
    return texts


def _unique(text: str, number: int) -> str:
    """A pooled text made one of a kind, as people's texts are: nothing a cache keeps is met twice."""
    return f"{text[:-1]} svar {number}."


def _reserve_ids(connection, table, count: int) -> list[int]:
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return connection.execute(
            sql_text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :count)"),
            {"table": table.name, "count": count},
        ).scalars().all()
    start = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    return list(range(start, start + count))


def bulk_insert(connection, table, rows: list[dict]) -> None:
    """COPY on PostgreSQL (as the bulk import does), executemany elsewhere."""
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    dialect = connection.dialect
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    cursor = connection.connection.driver_connection.cursor()
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    with cursor.copy(f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([process(row[name]) if process else row[name] for name, process in zip(names, processors)])


def _document(tag: str, principles: int) -> tuple[Document, DocumentVersion, DocumentVersion, list[Criterion]]:
    document = Document(key=f"bank-{tag}")
    db.session.add(document)
    versions = []
    for number, status in ((1, VersionStatus.published), (2, VersionStatus.on_remiss)):
        version = DocumentVersion(document=document, number=number, status=status,
                                  title=f"Styrande principer för invånarinteraktion ({tag})",
                                  owner="Regional process invånarinteraktion", decision_body="Styrgruppen",
                                  published_at=utcnow() if status == VersionStatus.published else None)
        db.session.add(version)
        db.session.add(Section(version=version, position=0, key="bakgrund", heading="Bakgrund",
                               body="Principerna ska bidra till ett gemensamt arbetssätt."))
        db.session.add(Section(version=version, position=1, key="kvalitet", kind=SectionKind.criteria,
                               heading="Hur säkras kvalitet i principerna?", body=""))
        versions.append(version)
    criteria = []
    for version in versions:
        for i, question in enumerate(["Stöder principen våra mål och värderingar?", "Är principen tydlig?",
                                      "Är principen specifik nog?", "Vägleder principen oss praktiskt?"], 1):
            criterion = Criterion(version=version, position=i, text=question)
            db.session.add(criterion)
            if version.number == 2:
                criteria.append(criterion)
    for n in range(1, principles + 1):
        principle = Principle(document=document, key=f"princip-{n}")
        for version in versions:
            db.session.add(PrincipleText(
                version=version, principle=principle, position=1 + n, number=n, title=f"Princip nummer {n}",
                statement=f"Vi gör det som princip {n} säger, för invånarens skull.",
                keywords="Samordning, personcentrering", implications="Arbetssätt och stöd behöver ses över."))
    db.session.flush()
    return document, versions[0], versions[1], criteria


def generate(respondents: int, principles: int, *, users: int = 1, seed: int = 1, tag: str | None = None,
             answered: bool = True) -> World:
    """Build one consultation of `respondents` × `principles`; commits as it goes. See the module doc.
    `answered=False`: nobody has answered yet (what a bulk import starts from)."""
    rng = random.Random(seed)
    # Names unique per run (the content stays the seed's): several consultations can share a database.
    tag = tag or f"r{respondents}-p{principles}-{secrets.token_hex(4)}"
    now = utcnow()
    document, published, version, criteria = _document(tag, principles)
    networks = [Network(name=f"Nätverk {n} ({tag})") for n in ("Primärvård", "Sjukhus", "Kommun")]
    db.session.add_all(networks)
    consultation = Consultation(
        version_id=version.id, title=f"Remiss om invånarinteraktion ({tag})", reference_number="RS 2026-00001",
        purpose="Vi vill veta vad ni tycker om principerna.", opens_at=now - timedelta(days=7),
        deadline=now + timedelta(days=21), status=ConsultationStatus.open, opened_at=now - timedelta(days=7),
        reminder_days_before=None, networks=networks, criteria=criteria,
    )
    consultation.general_questions = [GeneralQuestion(position=1, text="Övriga synpunkter?")]
    owner = User(email=f"agare-{tag}@bank.example.se", name="Petra Processansvarig", role=Role.process_owner,
                 password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"))
    db.session.add_all([consultation, owner])
    db.session.flush()
    principle_text_ids = list(db.session.execute(
        select(PrincipleText.id).where(PrincipleText.version_id == version.id).order_by(PrincipleText.position)
    ).scalars())
    criterion_ids = [c.id for c in criteria]
    question_id = consultation.general_questions[0].id
    network_ids = [n.id for n in networks]
    world = World(consultation.id, document.key, published.number, respondents, principles,
                  owner_email=owner.email, principle_text_ids=principle_text_ids, criterion_ids=criterion_ids,
                  question_id=question_id)
    db.session.commit()

    comments = text_pool(rng, 250)
    wordings = text_pool(rng, 160)
    short = text_pool(rng, 80, longest=600)
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    kinds = ["vårdcentral", "sjukhus", "kommun", "förvaltning", "patientförening"]
    tables = {m: m.__table__ for m in (Organisation, Respondent, Response, PrincipleAnswer, CriterionAnswer,
                                       GeneralAnswer, User)}
    users_left = users
    for start in range(0, respondents, BATCH):
        count = min(BATCH, respondents - start)
        connection = db.session.connection()
        org_ids = _reserve_ids(connection, tables[Organisation], count)
        respondent_ids = _reserve_ids(connection, tables[Respondent], count)
        organisations, respondent_rows, membership = [], [], []
        fates = []
        for i, (org_id, respondent_id) in enumerate(zip(org_ids, respondent_ids)):
            number = start + i + 1
            organisations.append({"id": org_id, "short_name": f"B{org_id}", "name": f"Organisation {number} ({tag})",
                                  "kind": kinds[number % len(kinds)], "requires_signoff": False, "created_at": now})
            respondent_rows.append({"id": respondent_id, "consultation_id": consultation.id,
                                    "organisation_id": org_id, "user_id": None, "added_manually": False,
                                    "created_at": now})
            membership.append({"respondent_id": respondent_id, "network_id": network_ids[number % 3]})
            draw = rng.random() if answered else 1.0
            if number <= users:  # the representatives who log in belong to organisations yet to answer
                draw = 1.0
            fates.append("submitted" if draw < SUBMITTED_SHARE else "draft" if draw < SUBMITTED_SHARE + DRAFT_SHARE
                         else "none")
        bulk_insert(connection, tables[Organisation], organisations)
        bulk_insert(connection, tables[Respondent], respondent_rows)
        bulk_insert(connection, respondent_network, membership)

        # Representatives who can log in: on organisations that have not answered yet.
        user_rows = []
        for org_id, fate in zip(org_ids, fates):
            if users_left and fate == "none":
                users_left -= 1
                user_rows.append({"email": f"rep{len(world.user_emails)}-{tag}@bank.example.se",
                                  "name": f"Representant {len(world.user_emails)}", "role": Role.representative,
                                  "organisation_id": org_id, "password_hash": password_hash, "active": True,
                                  "signatory": False, "created_at": now})
                world.user_emails.append(user_rows[-1]["email"])
        if user_rows:
            connection.execute(insert(tables[User]), user_rows)

        answering = [(rid, fate) for rid, fate in zip(respondent_ids, fates) if fate != "none"]
        response_ids = _reserve_ids(connection, tables[Response], len(answering))
        responses, answers, ratings, general = [], [], [], []
        answer_ids = _reserve_ids(connection, tables[PrincipleAnswer], len(answering) * principles)
        next_answer = iter(answer_ids)
        for (respondent_id, fate), response_id in zip(answering, response_ids):
            submitted = fate == "submitted"
            responses.append({"id": response_id, "respondent_id": respondent_id, "revision": 1,
                              "status": ResponseStatus.submitted if submitted else ResponseStatus.draft,
                              "channel": ResponseChannel.online, "publish_name": False, "created_at": now,
                              "updated_at": now, "submitted_at": now if submitted else None, "reopen_reason": ""})
            for principle_text_id in principle_text_ids:
                answer_id = next(next_answer)
                answers.append({
                    "id": answer_id, "response_id": response_id, "principle_text_id": principle_text_id,
                    "stance": rng.choice(_STANCES),
                    "comment": _unique(rng.choice(comments), answer_id) if rng.random() < COMMENT_SHARE else "",
                    "proposed_wording": _unique(rng.choice(wordings), answer_id) if rng.random() < WORDING_SHARE else "",
                    "lock_version": 1, "updated_at": now,
                })
                if rng.random() < RATED_SHARE:
                    for criterion_id in criterion_ids:
                        ratings.append({"principle_answer_id": answer_id, "criterion_id": criterion_id,
                                        "rating": rng.choice(_RATINGS),
                                        "comment": (_unique(rng.choice(short), answer_id)
                                                    if rng.random() < CRITERION_COMMENT_SHARE else "")})
            if rng.random() < 1 / 3:
                general.append({"response_id": response_id, "general_question_id": question_id,
                                "text": _unique(rng.choice(comments), response_id), "lock_version": 1,
                                "updated_at": now})
        bulk_insert(connection, tables[Response], responses)
        bulk_insert(connection, tables[PrincipleAnswer], answers)
        bulk_insert(connection, tables[CriterionAnswer], ratings)
        bulk_insert(connection, tables[GeneralAnswer], general)
        world.answers += len(answers)
        db.session.commit()
    _analyse()
    db.session.commit()
    return world


def _analyse() -> None:
    """Fresh planner statistics after a bulk load, as a production import would get from autovacuum."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        db.session.commit()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as autocommit:
            autocommit.execute(sql_text("ANALYZE"))
    else:
        connection.execute(sql_text("ANALYZE"))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--respondents", type=int, default=1000)
    parser.add_argument("--principles", type=int, default=8)
    parser.add_argument("--users", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", help="SQLAlchemy URL (default: DATABASE_URL or the development SQLite)")
    args = parser.parse_args(argv)
    from benchmarks.common import bench_app
    app = bench_app(args.database)
    with app.app_context():
        world = generate(args.respondents, args.principles, users=args.users, seed=args.seed)
        print(world)


if __name__ == "__main__":
    main()
