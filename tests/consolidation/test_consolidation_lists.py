"""The matrix and the per-principle, per-question and alternatives lists: paged, filtered, searched."""
from __future__ import annotations

import re

from remiss.consultations.models import PrincipleAnswer, Respondent, Response
from remiss.extensions import db
from remiss.organisations.models import Organisation
from tests.consolidation.conftest import add_respondents, page_of


def rows_of(html: str) -> list[str]:
    """The respondents listed in the matrix, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<th scope="row" class="matrix-respondent"><div class="matrix-who"><a href="[^"]+">([^<]+)</a>', body)


def test_matrix_shows_every_submitted_answer_with_stance_and_excerpt(owner_client, consolidating):
    w = consolidating
    html = page_of(owner_client.get(w.matrix_url))
    assert rows_of(html) == ["NU-sjukvården", "Sahlgrenska Universitetssjukhuset", "Pia Patient"]
    assert "Koncernkontoret" not in html  # a draft is not consolidated
    assert "Tillstyrker med ändringar" in html and "Bra princip." in html
    assert f'href="/responses/{w.su_response}#answer-principle-1"' in html
    assert f'href="/consultations/{w.consultation}/consolidation/principles/{w.principles[0]}"' in html
    assert f'href="/consultations/{w.consultation}/consolidation/respondents/{w.su_respondent}"' in html
    assert "0 av 6 synpunkter har ställningstagande" in html


def test_matrix_excerpt_is_the_first_80_characters(app, owner_client, consolidating):
    w = consolidating
    long = "Ord " * 60
    with app.app_context():
        db.session.get(PrincipleAnswer, w.su_p1).comment = long
        db.session.commit()
    html = page_of(owner_client.get(w.matrix_url))
    excerpt = re.search(r'<p class="excerpt">(Ord[^<]*)</p>', html).group(1)
    assert excerpt.endswith("…") and len(excerpt) <= 81
    assert long.strip() not in html


def test_matrix_pages_300_respondents_25_at_a_time(app, owner_client, consolidating):
    w = consolidating
    add_respondents(app, w, 297)
    html = page_of(owner_client.get(w.matrix_url))
    assert len(rows_of(html)) == 25
    assert "300 remissinstanser har skickat in svar." in html
    assert "Sida 1 av 12" in html
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "page=2" in next_link
    second = page_of(owner_client.get(next_link))
    assert len(rows_of(second)) == 25 and not set(rows_of(second)) & set(rows_of(html))
    last = page_of(owner_client.get(w.matrix_url + "?page=12"))
    assert rows_of(last)[-1] == "Pia Patient"  # individuals after the organisations
    assert owner_client.get(w.matrix_url + "?page=99").status_code == 200
    # The per-principle list pages the same way.
    assert page_of(owner_client.get(w.principle_url(0))).count('class="answer-item"') == 25


def test_filter_by_network_and_kind(app, owner_client, consolidating):
    w = consolidating
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?network={w.patients}"))) == ["Pia Patient"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?network={w.network}"))) == [
        "NU-sjukvården", "Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?kind=individual"))) == ["Pia Patient"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?kind=hospital"))) == [
        "NU-sjukvården", "Sahlgrenska Universitetssjukhuset"]
    html = page_of(owner_client.get(w.matrix_url))
    # The choices offered: the kinds among the respondents, in Swedish.
    assert '<option value="hospital">sjukhus</option>' in html
    assert '<option value="individual">Enskilda personer</option>' in html
    assert "central förvaltning" in html  # KK has no submitted answer, but was asked
    assert "primärvård" not in html  # nobody of that kind was asked
    assert "matchar filtren" not in html


def test_filter_by_stance_on_any_principle_or_on_one(owner_client, consolidating):
    w = consolidating
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?stance=opposes"))) == [
        "NU-sjukvården", "Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?stance=no_comments"))) == ["NU-sjukvården"]
    html = page_of(owner_client.get(f"{w.principle_url(0)}?stance=supports"))
    assert "2 remissinstanser matchar filtren." in html
    assert "NU-sjukvården</a></h4>" not in html


def test_search_finds_words_in_comments_and_wordings(owner_client, consolidating):
    w = consolidating
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=BRA+princip"))) == ["Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=skriv+så"))) == ["NU-sjukvården"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=Tack+för"))) == ["Pia Patient"]  # a general answer
    html = page_of(owner_client.get(f"{w.matrix_url}?q=finns+inte"))
    assert "Inga svar matchar filtren." in html and "0 remissinstanser matchar filtren." in html
    # Per principle: only that principle's texts.
    assert "0 remissinstanser" in page_of(owner_client.get(f"{w.principle_url(1)}?q=Bra+princip"))


def test_search_treats_percent_and_underscore_literally(app, owner_client, consolidating):
    w = consolidating
    with app.app_context():
        db.session.get(PrincipleAnswer, w.su_p1).comment = "Minst 50% av tiden, se fil_namn."
        db.session.commit()
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=50%25"))) == ["Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=fil_namn"))) == ["Sahlgrenska Universitetssjukhuset"]
    # % and _ are not wildcards: these would match everything (or "filXnamn") if they were.
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=%25"))) == ["Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=_"))) == ["Sahlgrenska Universitetssjukhuset"]
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=fil%25namn"))) == []
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?q=%5C"))) == []  # the escape character itself
    # A NUL never reaches the database (PostgreSQL would refuse it): the one input rule answers 400.
    assert owner_client.get(f"{w.matrix_url}?q=%00").status_code == 400


def test_filter_to_what_still_needs_a_disposition(app, owner_client, consolidating):
    from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget

    w = consolidating
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?pending=y"))) == [
        "NU-sjukvården", "Sahlgrenska Universitetssjukhuset", "Pia Patient"]
    with app.app_context():
        db.session.add(Disposition(principle_answer_id=w.nu_p1, target=DispositionTarget.proposed_wording,
                                   kind=DispositionKind.noted))
        db.session.commit()
    assert rows_of(page_of(owner_client.get(f"{w.matrix_url}?pending=y"))) == [
        "Sahlgrenska Universitetssjukhuset", "Pia Patient"]
    assert "1 remissinstans matchar filtren." in page_of(owner_client.get(f"{w.principle_url(0)}?pending=y"))


def test_filters_keep_their_values_and_paging_keeps_the_filters(app, owner_client, consolidating):
    w = consolidating
    add_respondents(app, w, 40, comment="Gemensam text {n}.")
    html = page_of(owner_client.get(f"{w.matrix_url}?q=Gemensam&kind=hospital"))
    assert 'value="Gemensam"' in html and '<option selected value="hospital">' in html
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html).group(1).replace("&amp;", "&")
    assert "q=Gemensam" in next_link and "kind=hospital" in next_link and "page=2" in next_link


def test_bad_filter_values_are_told_and_not_applied(owner_client, consolidating):
    w = consolidating
    for query in ("network=abc", "network=99999", "stance=maybe", "kind=planet", "q=" + "x" * 201):
        response = owner_client.get(f"{w.matrix_url}?{query}")
        assert response.status_code == 400, query
        html = page_of(response)
        assert 'class="error-message"' in html, query
        assert len(rows_of(html)) == 3, query  # shown unfiltered


def test_question_page_lists_only_those_who_answered(owner_client, consolidating):
    w = consolidating
    html = page_of(owner_client.get(w.question_url(0)))
    assert "Allmänt bra." in html and "Tack för att jag fick svara." in html
    assert "NU-sjukvården" not in html.split('class="answer-list"', 1)[1]
    assert "0 remissinstanser har skickat in svar." in page_of(owner_client.get(w.question_url(1)))


def test_alternatives_outcome_and_who_prefers_it(owner_client, consolidating):
    w = consolidating
    html = page_of(owner_client.get(f"/consultations/{w.consultation}/consolidation/alternatives"))
    assert "Formulering A" in html and "A är tydligast." in html and "Kortare." in html
    a = w.alternatives[0]
    chosen = page_of(owner_client.get(f"/consultations/{w.consultation}/consolidation/alternatives?alternative={a}"))
    table = chosen.split('class="data-table preferences"', 1)[1]
    assert "Sahlgrenska Universitetssjukhuset" in table and "Pia Patient" in table and "NU-sjukvården" not in table
    assert "Vilka föredrar" in chosen


def test_respondent_without_a_submitted_answer(owner_client, consolidating):
    w = consolidating
    html = page_of(owner_client.get(w.respondent_url(w.kk_respondent)))
    assert "Remissinstansen har inget inskickat svar." in html
    assert "Utkast" not in html.split("<main", 1)[1]


def test_unknown_or_foreign_subjects_are_404(app, owner_client, consolidating, make_version):
    w = consolidating
    other = make_version(key="annat", principles=1)
    with app.app_context():
        from remiss.documents.models import PrincipleText
        foreign = db.session.execute(db.select(PrincipleText.id).where(PrincipleText.version_id == other.id)).scalar_one()
    assert owner_client.get(f"{w.overview_url}/principles/{foreign}").status_code == 404
    assert owner_client.get(f"{w.overview_url}/principles/99999").status_code == 404
    assert owner_client.get(f"{w.overview_url}/respondents/99999").status_code == 404
    assert owner_client.get(f"{w.overview_url}/general/99999").status_code == 404
    assert owner_client.get("/consultations/99999/consolidation").status_code == 404
    # Numbers beyond any id (PostgreSQL would refuse them in a query) are not found either.
    huge = "99999999999999999999"
    assert owner_client.get(f"/consultations/{huge}/consolidation").status_code == 404
    assert owner_client.get(f"{w.overview_url}/principles/{huge}").status_code == 404
    assert owner_client.get(f"{w.overview_url}/respondents/{huge}").status_code == 404
    assert owner_client.get(f"{w.overview_url}/general/{huge}").status_code == 404
    assert owner_client.get(f"{w.matrix_url}?page={huge}").status_code == 200
