"""From a principle back to every comment on its earlier texts: staff see everything, the public what
the public report shows; and a fixed number of statements however many answered."""
from __future__ import annotations

from remiss.consultations.models import ConsultationStatus
from remiss.documents.models import VersionStatus
from tests.consolidation.conftest import StatementCounter, add_respondents, set_status
from tests.conftest import csrf_token
from tests.tracing.conftest import set_version_status


def page(response) -> str:
    return response.get_data(as_text=True)


def _link(client, w, key, refs):
    url = w.links_url(key)
    import re

    html = page(client.get(url))
    shown = re.findall(r'name="shown" value="([^"]+)"', html)
    assert client.post(url, data={"csrf_token": csrf_token(client), "shown": shown, "link": refs}).status_code == 303


def test_staff_see_every_comment_with_names_disposition_and_change(client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    _link(client, w, w.keys[0], [f"p{w.su_p1}-comment", f"g{w.su_g1}-general"])
    html = page(client.get(w.trace_url(w.keys[0])))
    assert "Bra princip." in html and "Skriv så här." in html and "Svårt att förstå för mig som patient." in html
    assert "Pia Patient" in html and "Sahlgrenska Universitetssjukhuset" in html
    assert "Vi förtydligar." in html and "Beaktad" in html
    assert "Ledde till ändring i version 2, princip 1" in html
    assert "Allmänt bra." in html  # the general answer linked to this principle
    assert "Tack för att jag fick svara." not in html  # not linked here
    assert "Beaktad men inte kopplad till någon ändring" in html  # NU's wording, Pia's comment
    # The steering group reads the internal report, so the full trace too.
    auth.logout()
    auth.login(w.steering.email)
    assert "Pia Patient" in page(client.get(w.trace_url(w.keys[0])))


def test_the_public_see_what_the_public_report_shows(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    _link(client, w, w.keys[0], [f"p{w.su_p1}-comment"])
    auth.logout()
    # A draft v2 is not for the public.
    response = client.get(w.trace_url(w.keys[0]))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    set_version_status(app, w.v2, VersionStatus.published)
    html = page(client.get(w.trace_url(w.keys[0])))
    assert "Bra princip." in html and "Svårt att förstå för mig som patient." in html
    assert "Pia Patient" not in html and "Patientföreträdare 1" in html
    assert "Sahlgrenska Universitetssjukhuset" in html  # organisations are named
    assert "Ledde till ändring i version 2, princip 1" in html
    assert "Beaktad men inte kopplad" not in html  # the staff's work list, not the public's
    assert "Petra" not in html  # nobody's name as who handled or linked
    # A representative sees the same.
    auth.login(w.anna.email)
    rep = page(client.get(w.trace_url(w.keys[0])))
    assert "Pia Patient" not in rep and "Patientföreträdare 1" in rep
    auth.logout()
    # While the consolidation is not complete, its comments are not public yet.
    set_status(app, w.consultation, ConsultationStatus.closed)
    html = page(client.get(w.trace_url(w.keys[0])))
    assert "Bra princip." not in html and "Det finns inga synpunkter" in html
    auth.login(w.owner.email)
    assert "Bra princip." in page(client.get(w.trace_url(w.keys[0])))


def test_a_named_individual_is_named_in_public(app, client, tracing):
    from remiss.consultations.models import Response
    from remiss.extensions import db

    w = tracing
    with app.app_context():
        db.session.get(Response, w.pia_response).publish_name = True
        db.session.commit()
    set_version_status(app, w.v2, VersionStatus.published)
    html = page(client.get(w.trace_url(w.keys[0])))
    assert "Pia Patient" in html and "Patientföreträdare" not in html


def test_a_link_into_a_draft_is_not_shown_to_the_public(app, client, auth, tracing):
    """v1 published: its trace is empty (nothing before it); the link from v1's comment into the v2 draft
    is not shown to the public on v2's public successor either."""
    w = tracing
    auth.login(w.owner.email)
    _link(client, w, w.keys[0], [f"p{w.su_p1}-comment"])
    auth.logout()
    set_version_status(app, w.v1, VersionStatus.published)
    html = page(client.get(f"/documents/{w.document_key}/versions/1/principles/{w.keys[0]}/trace"))
    assert "Det finns inga synpunkter" in html


def test_the_trace_link_partial(app, client, auth, tracing):
    """templates/tracing/_principle_trace_link.html, as the version page includes it."""
    from flask import render_template_string

    from remiss.documents.queries import get_version

    w = tracing
    with app.test_request_context():
        version = get_version(w.document_key, 2)
        html = render_template_string('{% for part in version.principle_texts %}{% include "tracing/_principle_trace_link.html" %}{% endfor %}',
                                      version=version, document=version.document)
        assert html.count("Synpunkter och vad som gjordes") == 2
        assert w.trace_url(w.keys[0]) in html
        first = get_version(w.document_key, 1)
        assert "Synpunkter" not in render_template_string(
            '{% for part in version.principle_texts %}{% include "tracing/_principle_trace_link.html" %}{% endfor %}',
            version=first, document=first.document)


def test_pages_take_the_same_number_of_statements_for_3_and_30_respondents(app, client, auth, tracing):
    w = tracing
    auth.login(w.owner.email)
    _link(client, w, w.keys[0], [f"p{w.su_p1}-comment", f"g{w.su_g1}-general"])
    set_version_status(app, w.v2, VersionStatus.published)  # readable by the public too
    urls = [w.links_url(w.keys[0]), w.links_url(w.keys[1]), w.trace_url(w.keys[0]), w.trace_url(w.keys[1]),
            w.version_links_url, w.flagged_url, w.principle_url(0), w.respondent_url(w.su_respondent),
            w.question_url(0)]

    def measure(urls):
        result = []
        for url in urls:
            with StatementCounter(app) as counter:
                assert client.get(url).status_code == 200, url
            result.append(len(counter))
        return result

    def public_measure():
        auth.logout()
        result = measure([w.trace_url(w.keys[0]), w.trace_url(w.keys[1])])
        auth.login(w.owner.email)
        return result

    client.get(w.overview_url)
    few, few_public = measure(urls), public_measure()
    add_respondents(app, w, 14)
    add_respondents(app, w, 13, prefix="Patientföreträdare", individuals=True)
    html = page(client.get(w.links_url(w.keys[0])))
    assert "Synpunkt nummer 12." in html
    assert measure(urls) == few
    assert public_measure() == few_public
