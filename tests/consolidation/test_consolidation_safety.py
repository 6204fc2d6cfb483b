"""What people typed is shown as text on every consolidation page: a <script> in a comment, a name,
a principle title, a reason or a summary never becomes markup (and the charts stay safe to embed)."""
from __future__ import annotations

from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, PrincipleSummary
from remiss.consultations.models import ConsultationStatus, GeneralAnswer
from remiss.documents.models import PrincipleText
from remiss.extensions import db
from remiss.organisations.models import Organisation
from tests.consolidation.conftest import page_of, set_status

NAME = '<script>alert("name")</script> NU'
TITLE = '<img src=x onerror=alert(1)>Princip <script>alert("title")</script>'
REASON = '<script>alert("reason")</script> skäl'


def _pages(w):
    return [w.overview_url, w.matrix_url, w.principle_url(0), w.principle_url(1), w.principle_url(2),
            w.respondent_url(w.su_respondent), w.respondent_url(w.nu_respondent), f"{w.overview_url}/general",
            w.question_url(0), f"{w.overview_url}/alternatives", f"{w.overview_url}/complete",
            w.matrix_url + "?q=%3Cscript%3E", w.principle_url(1) + "?q=%3Cscript%3E"]


def test_script_is_shown_escaped_on_every_page(app, owner_client, consolidating):
    w = consolidating
    with app.app_context():
        db.session.get(Organisation, w.nu.id).name = NAME
        db.session.get(PrincipleText, w.principles[2]).title = TITLE
        db.session.get(GeneralAnswer, w.su_g1).text = '<script>alert("general")</script> allmänt'
        db.session.add(Disposition(principle_answer_id=w.su_p2, target=DispositionTarget.comment,
                                   kind=DispositionKind.accepted, reason=REASON))
        db.session.add(PrincipleSummary(consultation_id=w.consultation, principle_text_id=w.principles[1],
                                        text='<script>alert("summary")</script> sammanfattat'))
        db.session.commit()
    for status in (ConsultationStatus.closed, ConsultationStatus.consolidated):
        set_status(app, w.consultation, status)
        for url in _pages(w):
            response = owner_client.get(url)
            assert response.status_code in (200, 409), url  # 409: the completion page once consolidated
            html = page_of(response)
            assert "<script>alert" not in html, url
            assert "<img src=x" not in html, url
            assert "onerror=alert" not in html or "&lt;img src=x onerror=alert(1)&gt;" in html, url
    set_status(app, w.consultation, ConsultationStatus.closed)
    # Where the texts are shown, they are shown as typed.
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Otydlig." in page_of(owner_client.get(w.principle_url(1)))
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Otydlig." in page_of(owner_client.get(w.matrix_url))
    assert "&lt;script&gt;alert(&#34;reason&#34;)&lt;/script&gt; skäl</textarea>" in page_of(
        owner_client.get(w.principle_url(1)))
    assert "&lt;script&gt;alert(&#34;name&#34;)&lt;/script&gt; NU" in page_of(owner_client.get(w.matrix_url))
    set_status(app, w.consultation, ConsultationStatus.consolidated)
    readonly = page_of(owner_client.get(w.principle_url(1)))
    assert '&lt;script&gt;alert("reason")&lt;/script&gt; skäl' in readonly  # through remiss.markdown
    assert '&lt;script&gt;alert("summary")&lt;/script&gt; sammanfattat' in readonly
