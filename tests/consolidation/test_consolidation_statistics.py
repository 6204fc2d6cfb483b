"""statistics(): the figures of a hand-made case, and a fixed number of statements however many answer."""
from __future__ import annotations

from remiss.consolidation import queries
from remiss.consultations.models import Consultation
from remiss.extensions import db
from tests.consolidation.conftest import StatementCounter, add_respondents


def _stats(app, world, **kwargs):
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        return queries.statistics(consultation, **kwargs)


def counts(items) -> dict:
    return {item.key: item.count for item in items}


def test_stances_criteria_and_texts_per_principle(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    assert stats.responses == 3  # KK's draft is no answer
    p1, p2, p3 = stats.principles
    assert [p.number for p in stats.principles] == [1, 2, 3]
    assert counts(p1.stances) == {"supports": 2, "supports_with_changes": 1, "opposes": 0, "no_comments": 0, "": 0}
    assert counts(p2.stances) == {"supports": 0, "supports_with_changes": 0, "opposes": 2, "no_comments": 0, "": 1}
    assert counts(p3.stances) == {"supports": 0, "supports_with_changes": 0, "opposes": 0, "no_comments": 1, "": 2}
    assert [c.label for c in p1.stances] == ["Tillstyrker", "Tillstyrker med ändringar", "Avstyrker", "Inga synpunkter",
                                             "Ej besvarat"]
    assert [counts(c.counts) for c in p1.criteria] == [
        {"yes": 2, "partly": 0, "no": 1, "": 0},
        {"yes": 1, "partly": 1, "no": 1, "": 0},
        {"yes": 1, "partly": 0, "no": 1, "": 1},
        {"yes": 2, "partly": 1, "no": 0, "": 0},
    ]
    assert [c.position for c in p1.criteria] == [1, 2, 3, 4]
    assert all(counts(c.counts) == {"yes": 0, "partly": 0, "no": 0, "": 3} for c in p2.criteria)
    assert (p1.comments, p1.proposed_wordings) == (1, 1)
    assert (p2.comments, p2.proposed_wordings) == (1, 1)
    assert (p3.comments, p3.proposed_wordings) == (0, 0)
    assert (p1.progress.done, p1.progress.needed) == (0, 2)
    assert (p3.progress.done, p3.progress.needed) == (0, 0)


def test_a_text_of_only_spaces_says_nothing(app, consolidating):
    """A comment of spaces is no comment (nothing to take a position on); one that begins with spaces is."""
    from sqlalchemy import select

    from remiss.consultations.models import PrincipleAnswer

    w = consolidating
    with app.app_context():
        nu_p3 = db.session.execute(select(PrincipleAnswer).where(
            PrincipleAnswer.response_id == w.nu_response, PrincipleAnswer.principle_text_id == w.principles[2])
        ).scalar_one()
        nu_p3.comment, nu_p3.proposed_wording = "   ", "  Inledande mellanslag."
        db.session.commit()
    p3 = _stats(app, w).principles[2]
    assert (p3.comments, p3.proposed_wordings) == (0, 1)
    assert (p3.progress.done, p3.progress.needed) == (0, 1)


def test_general_questions_and_overall_progress(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    assert [(g.question_id, g.answers) for g in stats.general] == [(w.questions[0], 2), (w.questions[1], 0)]
    assert (stats.progress.done, stats.progress.needed) == (0, 6)
    with app.app_context():
        progress = queries.progress(db.session.get(Consultation, w.consultation))
    assert (progress.done, progress.needed) == (0, 6)


def test_alternatives_who_prefers_which_and_why(app, consolidating):
    w = consolidating
    stats = _stats(app, w)
    section, principle = stats.choices
    assert section.section_id == w.section and principle.principle_text_id == w.principles[0]
    assert [(a.label, a.count) for a in principle.alternatives] == [
        ("Formulering A", 2), ("Formulering B", 1), ("Inget alternativ valt", 0)]
    a, b, none = principle.alternatives
    assert [(p.name, p.reason) for p in a.preferences] == [("Sahlgrenska Universitetssjukhuset", "A är tydligast."),
                                                           ("Pia Patient", "")]
    assert [p.name for p in b.preferences] == ["NU-sjukvården"]
    assert a.preferences[1].individual and not a.preferences[0].individual
    assert none.preferences == []
    assert [(a.label, a.count) for a in section.alternatives] == [
        ("Definition 1", 1), ("Definition 2", 0), ("Inget alternativ valt", 2)]
    assert [(p.name, p.reason) for p in section.alternatives[0].preferences] == [
        ("Sahlgrenska Universitetssjukhuset", "Kortare.")]
    # Without preferences: the counts only.
    lean = _stats(app, w, preferences=False)
    assert [a.count for a in lean.choices[1].alternatives] == [2, 1, 0]
    assert all(not a.preferences for choice in lean.choices for a in choice.alternatives)


def test_dispositions_count_in_the_progress(app, owner_client, consolidating):
    from remiss.consolidation import operations
    from remiss.consultations.models import GeneralAnswer, PrincipleAnswer
    from remiss.auth.models import User

    w = consolidating
    with app.app_context():
        owner = db.session.get(User, w.owner.id)
        operations.set_disposition(db.session.get(PrincipleAnswer, w.su_p1), "comment", "accepted", "Ja.", 0, owner)
        operations.set_disposition(db.session.get(GeneralAnswer, w.pia_g1), "general", "noted", "", 0, owner)
        # A reason alone is a note, not a disposition.
        operations.set_disposition(db.session.get(PrincipleAnswer, w.su_p2), "comment", None, "Funderar.", 0, owner)
        db.session.commit()
    stats = _stats(app, w)
    assert (stats.principles[0].progress.done, stats.principles[0].progress.needed) == (1, 2)
    assert (stats.principles[1].progress.done, stats.principles[1].progress.needed) == (0, 2)
    assert (stats.general[0].progress.done, stats.general[0].progress.needed) == (1, 2)
    assert (stats.progress.done, stats.progress.needed) == (2, 6)


def _statements(app, world, **kwargs) -> int:
    with app.app_context():
        consultation = db.session.get(Consultation, world.consultation)
        consultation.criteria, consultation.general_questions  # loaded like the pages have them
        with StatementCounter(app) as counter:
            queries.statistics(consultation, **kwargs)
        return len(counter)


def test_statistics_take_the_same_number_of_statements_for_3_and_30_respondents(app, consolidating):
    w = consolidating
    few = _statements(app, w)
    few_lean = _statements(app, w, preferences=False)
    add_respondents(app, w, 27)
    assert _stats(app, w).responses == 30
    assert _statements(app, w) == few
    assert _statements(app, w, preferences=False) == few_lean
    assert few <= 12


def test_pages_take_the_same_number_of_statements_for_3_and_30_respondents(app, owner_client, consolidating):
    w = consolidating
    urls = [w.overview_url, w.matrix_url, w.matrix_url + "?q=bra&pending=y", w.principle_url(0),
            w.respondent_url(w.su_respondent), f"{w.overview_url}/general", w.question_url(0),
            f"{w.overview_url}/alternatives", f"{w.overview_url}/complete"]

    def measure():
        result = []
        for url in urls:
            with StatementCounter(app) as counter:
                assert owner_client.get(url).status_code == 200, url
            result.append(len(counter))
        return result

    owner_client.get(w.overview_url)
    few = measure()
    # Organisations and individuals both on the first page, as with three (an individual's name
    # is loaded by its own statement, which runs only when the page has one).
    add_respondents(app, w, 14)
    add_respondents(app, w, 13, prefix="Patientföreträdare", individuals=True)
    assert measure() == few
