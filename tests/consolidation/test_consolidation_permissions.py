"""Every consolidation route: the anonymous are sent to log in, representatives and steering group
members are refused, process owners and administrators get in. A draft has nothing to consolidate."""
from __future__ import annotations

import pytest

from remiss.consultations.models import ConsultationStatus
from tests.conftest import post_form
from tests.consolidation.conftest import set_status


def routes(w):
    base = w.overview_url
    return [
        ("GET", base), ("GET", w.matrix_url), ("GET", w.principle_url(0)), ("POST", w.principle_url(0)),
        ("GET", w.respondent_url(w.su_respondent)), ("POST", w.respondent_url(w.su_respondent)),
        ("GET", f"{base}/general"), ("GET", w.question_url(0)), ("POST", w.question_url(0)),
        ("GET", f"{base}/alternatives"), ("GET", f"{base}/complete"), ("POST", f"{base}/complete"),
        ("GET", f"{w.principle_url(0)}/groups"), ("POST", f"{w.principle_url(0)}/groups"),
        ("GET", f"{w.principle_url(0)}/groups/suggest"),
    ]


def request(client, method, url):
    if method == "GET":
        return client.get(url)
    return post_form(client, url, {"form": "disposition", "answer": "p1", "target": "comment", "kind": "accepted"})


def test_every_route_is_in_this_table(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("consolidation.")}
    assert endpoints == {"consolidation.overview", "consolidation.matrix", "consolidation.principle",
                         "consolidation.respondent", "consolidation.general", "consolidation.question",
                         "consolidation.alternatives", "consolidation.complete", "consolidation.groups",
                         "consolidation.suggest_groups"}


def test_anonymous_are_sent_to_log_in(client, consolidating):
    for method, url in routes(consolidating):
        response = request(client, method, url)
        if method == "POST" and not url.endswith("/complete"):
            # A save whose log-in has ended: 401, the text given back and a link to log in (nothing else shown).
            html = response.get_data(as_text=True)
            assert response.status_code == 401 and "/login?next=" in html, (method, url)
            assert "Sahlgrenska" not in html and "Bra princip." not in html
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, url)


@pytest.mark.parametrize("who", ["anna", "steering"])
def test_representatives_and_steering_members_are_refused(client, auth, consolidating, who):
    auth.login(getattr(consolidating, who).email)
    for method, url in routes(consolidating):
        assert request(client, method, url).status_code == 403, (method, url)


@pytest.mark.parametrize("who", ["owner", "administrator"])
def test_process_owners_and_administrators_get_in(client, auth, consolidating, who):
    auth.login(getattr(consolidating, who).email)
    for method, url in routes(consolidating):
        if method == "GET":
            assert client.get(url).status_code == 200, url


def test_a_draft_has_nothing_to_consolidate(app, client, auth, consolidating):
    set_status(app, consolidating.consultation, ConsultationStatus.draft)
    auth.login(consolidating.owner.email)
    for method, url in routes(consolidating):
        response = request(client, method, url)
        assert response.status_code == 409, (method, url)
        assert "inga svar att sammanställa" in response.get_data(as_text=True)


def test_the_consultation_pages_link_to_the_consolidation(client, auth, consolidating):
    auth.login(consolidating.owner.email)
    html = client.get(f"/consultations/{consolidating.consultation}").get_data(as_text=True)
    assert f'href="{consolidating.overview_url}">Sammanställning</a>' in html
