"""The report's data: a fixed number of statements whatever the number of respondents, and
streaming rows in the same order as the whole report."""
from __future__ import annotations

import gc
import time
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text as sql_text
from sqlalchemy.exc import DBAPIError

from remiss.consultations.models import (
    Consultation,
    PrincipleAnswer,
    Respondent,
    Response,
    ResponseStatus,
    Stance,
)
from remiss.extensions import db
from remiss.organisations.models import Organisation
from remiss.reports import common, data, rendering
from remiss.timeutil import utcnow
from tests.reports.test_downloads import log_in


class Counter:
    def __init__(self, engine):
        self.engine = engine
        self.count = 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def statements(app, world) -> int:
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        with Counter(db.engine) as counter:
            report = data.build_report(consultation, public=False)
        assert report.principles
        return counter.count


def add_answering_organisations(app, world, n: int) -> None:
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        principle = world.principles[0]
        for i in range(n):
            organisation = Organisation(short_name=f"X{i}", name=f"Extra förvaltning {i}", kind="hospital")
            respondent = Respondent(consultation=consultation, organisation=organisation)
            response = Response(respondent=respondent, status=ResponseStatus.submitted,
                                submitted_at=utcnow() - timedelta(days=2))
            db.session.add_all([organisation, respondent, response,
                                PrincipleAnswer(response=response, principle_text_id=principle,
                                                stance=Stance.supports, comment=f"Synpunkt {i}")])
        db.session.commit()


def test_a_fixed_number_of_statements(app, world):
    before = statements(app, world)
    add_answering_organisations(app, world, 25)
    assert statements(app, world) == before
    # About a third of them are the consolidation statistics; one the comment groups. On PostgreSQL each
    # of the six streamed statements comes with two more: its join order set, and put back after.
    with app.app_context():
        postgresql = db.engine.dialect.name == "postgresql"
    assert before <= (28 + 2 * 6 if postgresql else 28), before


def test_streamed_rows_match_the_whole_report(app, world):
    add_answering_organisations(app, world, 3)
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        report = data.build_report(consultation, public=True)
        rows = list(data.answer_rows(consultation, True))
        outline = data.build_report(consultation, public=True, answers=False)
    assert [(r.principle_id, r.respondent.id, r.comment) for r in rows] == [
        (a.principle_id, a.respondent.id, a.comment) for p in report.principles for a in p.answers]
    assert len(rows) == 7 * 3  # seven respondents answered, three principles
    assert outline.respondents == [] and all(not p.answers for p in outline.principles)
    assert outline.principles[0].figures.stances == report.principles[0].figures.stances


def test_a_respondent_on_many_rows_is_the_same_when_few_are_remembered(app, world, monkeypatch):
    """The answer rows keep what they made of a respondent for its next principle, for the first
    respondents up to a bound: with room for only one, every row still names its own respondent."""
    add_answering_organisations(app, world, 3)
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        remembered = list(data.answer_rows(consultation, False))
        csv_remembered = rendering.render(consultation, "csv", public=False)
        monkeypatch.setattr(data, "REMEMBERED_RESPONDENTS", 1)
        starting_over = list(data.answer_rows(consultation, False))
        csv_starting_over = rendering.render(consultation, "csv", public=False)
    assert starting_over == remembered
    assert csv_starting_over == csv_remembered and csv_remembered.count(b"\r\n") > 7 * 3
    assert len({r.respondent.id for r in remembered}) == 7
    for row in remembered:
        assert row.respondent.submitted_at.tzinfo is not None  # a moment, as the column type gives it
        assert row.respondent.late == (row.respondent.submitted_at > consultation.deadline)


def test_current_answer_is_the_submitted_revision(app, world):
    """A reopened answer (superseded) is not reported; its draft successor is not an answer yet."""
    with app.app_context():
        su = db.session.execute(select(Response).join(Respondent).join(Organisation)
                                .where(Organisation.short_name == "SU")).scalar_one()
        su.status = ResponseStatus.superseded
        db.session.add(Response(respondent_id=su.respondent_id, revision=2, status=ResponseStatus.draft))
        db.session.commit()
        consultation = db.session.get(Consultation, world.consultation)
        report = data.build_report(consultation, public=True)
    names = [r.name for r in report.not_answered]
    assert "Sahlgrenska Universitetssjukhuset" in names
    assert all(a.respondent.name != "Sahlgrenska Universitetssjukhuset" for p in report.principles for a in p.answers)


def test_pseudonyms_are_stable_and_numbered_by_respondent(app, world):
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        first = [r.name for r in data.build_report(consultation, public=True).respondents if r.kind == "individual"]
        again = [r.name for r in data.respondent_rows(consultation, True)]
    assert first == ["Pia Patient", "Patientföreträdare 1", "Patientföreträdare 2"]
    assert [n for n in again if n.startswith("Patient") or n.startswith("Pia")] == first


def test_table_only_outline_reads_less_and_keeps_what_the_table_shows(app, world):
    """The CSV is the answer table alone: its outline skips the document, figures and counts, and
    says the heading, criteria and dissents as the whole outline does."""
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        with Counter(db.engine) as full:
            outline = data.build_report(consultation, public=False, answers=False)
        with Counter(db.engine) as lean:
            table = data.build_report(consultation, public=False, answers=False, table_only=True)
    assert lean.count < full.count
    assert outline.principles and outline.principles[0].figures is not None and outline.answered_count
    assert table.principles == [] and table.answered_count is None
    assert (table.reference_number, table.criteria, table.dissents) == (
        outline.reference_number, outline.criteria, outline.dissents)


def test_respondent_kind_in_words(app, world):
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        kinds = {r.name: r.kind_label for r in data.respondent_rows(consultation, False)}
        answers = {row.respondent.name: row.respondent.kind_label for row in data.answer_rows(consultation, False)}
    assert kinds["Sahlgrenska Universitetssjukhuset"] == answers["Sahlgrenska Universitetssjukhuset"] == "sjukhus"
    assert kinds["Pia Patient"] == answers["Pia Patient"] == "Enskild person"


# A streamed download starts its answer rows' statement before the outline, on a connection of its
# own (data._Ahead, fetched by a thread). That connection goes back to the pool however the download ends.

def _connections_in_use(app) -> int:
    with app.app_context():
        return db.engine.pool.checkedout()


def _soon(condition, seconds: float = 10) -> bool:
    """Whether `condition` holds within `seconds` (the thread notices within a fraction of one)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.mark.parametrize("fmt", ["csv", "json", "xlsx", "html"])
def test_a_download_read_whole_in_part_or_not_at_all_gives_its_connections_back(app, client, auth, world, fmt,
                                                                                monkeypatch):
    add_answering_organisations(app, world, 3)
    monkeypatch.setattr(data, "YIELD_PER", 1)  # more rows than the thread fetches before they are read
    log_in(auth, world, "process_owner")
    whole = client.get(f"{world.report_url}.{fmt}")
    assert whole.status_code == 200 and len(whole.get_data()) > 1000
    assert _soon(lambda: _connections_in_use(app) == 0)

    # Started, then never read: the browser went away while the outline was being built.
    with app.test_request_context():
        chunks = rendering.stream(db.session.get(Consultation, world.consultation), fmt, public=False)
        del chunks
        db.session.remove()
    assert _soon(lambda: _connections_in_use(app) == 0)

    # Read in part, then closed: the browser went away half-way. A template's generators are then
    # left in reference cycles that only the garbage collector frees (held off here, as it may be
    # in a worker for a long while): the connection must not wait for it.
    monkeypatch.setattr(common, "CHUNK", 500)
    gc.disable()
    try:
        part = client.get(f"{world.report_url}.{fmt}", buffered=False)
        assert part.status_code == 200
        chunks = iter(part.response)
        for _ in range(4):
            next(chunks, None)
        part.close()
        del part, chunks
        assert _soon(lambda: _connections_in_use(app) == 0)
    finally:
        gc.enable()


def test_an_error_in_rows_read_ahead_reaches_the_reader(app):
    with app.app_context():
        rows = data._Ahead(db.engine, sql_text("SELECT * FROM no_such_table").columns())
        with pytest.raises(DBAPIError):
            list(rows)
        db.session.remove()
    assert _soon(lambda: _connections_in_use(app) == 0)
