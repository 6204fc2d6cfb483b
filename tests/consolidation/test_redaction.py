"""Redaction: a process owner hides passages of answers from the public report and pages, each with
a reason; the stored answer never changes and the internal report shows everything.

Builds on `consolidating` (closed; SU's comment on principle 1 "Bra princip.", on principle 2
"<script>alert(1)</script> Otydlig.", Pia's general answer "Tack för att jag fick svara.")."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import select

from remiss.audit.models import AuditEntry
from remiss.consolidation import redaction
from remiss.consolidation.models import DispositionTarget, Redaction
from remiss.consultations.models import Consultation, ConsultationStatus, GeneralAnswer, PrincipleAnswer
from remiss.extensions import db
from tests.consolidation.conftest import SCRIPT, set_status
from tests.conftest import csrf_token
from tests.reports.conftest import docx_text
from tests.tracing.conftest import tracing  # noqa: F401  (the public trace page's world)


def page(response) -> str:
    return response.get_data(as_text=True)


def new_url(w, ref: str) -> str:
    return f"/consultations/{w.consultation}/redactions/new/{ref}"


def redact(client, w, ref, passage, reason, **extra):
    return client.post(new_url(w, ref), data={"csrf_token": csrf_token(client), "passage": passage,
                                              "reason": reason, **extra})


def report(client, w, format: str, public: bool, locale: str = "sv"):
    query = "?public=1" if public else "?public=0"
    return client.get(f"/consultations/{w.consultation}/report.{format}{query}&locale={locale}")


def visible(html: str) -> str:
    """The page's text without tags (a marker must not depend on how the HTML is split)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# --- the rendering --------------------------------------------------------------------------------


def test_public_text_replaces_each_passage_and_keeps_the_rest(app):
    class R:
        def __init__(self, start, end, passage, reason):
            self.start_offset, self.end_offset, self.passage, self.reason = start, end, passage, reason

    text = "Jag heter Per och har diabetes."
    with app.test_request_context():
        assert redaction.public_text(text, [R(10, 13, "Per", "namn"), R(22, 30, "diabetes", "hälsa")]) == \
            "Jag heter [maskerat: namn] och har [maskerat: hälsa]."
        assert redaction.public_text(text, []) == text
        # A range that no longer points at its passage: the passage is found and hidden anyway.
        assert redaction.public_text(text, [R(0, 3, "diabetes", "hälsa")]) == "Jag heter Per och har [maskerat: hälsa]."


# --- redacting through the page -------------------------------------------------------------------


def test_a_redaction_is_shown_in_every_public_format_and_the_original_stays(app, client, auth, consolidating):
    w = consolidating
    auth.login(w.owner.email)
    # The consolidation page offers "Maskera" for each comment.
    respondent_page = page(client.get(w.respondent_url(w.su_respondent)))
    assert new_url(w, f"p{w.su_p1}-comment") in respondent_page and "Maskera" in respondent_page
    form = page(client.get(new_url(w, f"p{w.su_p1}-comment")))
    assert "Bra princip." in form and "Inget är maskerat i den här texten." in form

    response = redact(client, w, f"p{w.su_p1}-comment", "princip", "Uppgift om en person")
    assert response.status_code == 303
    after = page(client.get(response.headers["Location"]))
    assert "Bra [maskerat: Uppgift om en person]." in visible(after)
    with app.app_context():
        stored = db.session.get(PrincipleAnswer, w.su_p1)
        assert stored.comment == "Bra princip."  # the original never changes
        made = db.session.execute(select(Redaction)).scalar_one()
        assert (made.start_offset, made.end_offset, made.passage) == (4, 11, "princip")
        entry = db.session.execute(select(AuditEntry).where(AuditEntry.action == "redaction.created")).scalar_one()
        assert entry.summary == "Uppgift om en person" and "princip" not in json.dumps(entry.after)

    marker = "[maskerat: Uppgift om en person]"
    html = page(report(client, w, "html", True))
    assert f"Bra {marker}." in visible(html) and "Bra princip." not in html
    csv_text = report(client, w, "csv", True).get_data().decode("utf-8-sig")
    comments = [row for row in csv.reader(io.StringIO(csv_text), delimiter=";") if any("Bra " in cell for cell in row)]
    assert comments and all(f"Bra {marker}." in row for row in comments)
    assert "Bra princip." not in csv_text
    data = json.loads(report(client, w, "json", True).get_data())
    assert f"Bra {marker}." in json.dumps(data, ensure_ascii=False) and "Bra princip." not in json.dumps(data)
    docx = docx_text(report(client, w, "docx", True).get_data())
    assert f"Bra {marker}." in docx and "Bra princip." not in docx
    view = page(client.get(f"/consultations/{w.consultation}/report/view?public=1&principle=1"))  # the answers page
    assert f"Bra {marker}." in visible(view)
    # The English rendering hides it too (as "[redacted: …]" once the translations are merged).
    english = visible(page(report(client, w, "html", True, locale="en")))
    assert "Bra princip." not in english and "Uppgift om en person]." in english

    # The internal report shows everything and says what the public version hides.
    internal = visible(page(report(client, w, "html", False)))
    assert "Bra princip." in internal and marker not in internal
    assert "Maskeras i den offentliga versionen: ”princip” – skäl: Uppgift om en person" in internal
    internal_docx = docx_text(report(client, w, "docx", False).get_data())
    assert "Bra princip." in internal_docx and "Maskeras i den offentliga versionen" in internal_docx
    assert "Bra princip." in report(client, w, "csv", False).get_data().decode("utf-8-sig")


def test_general_answers_and_proposed_wordings_can_be_redacted(app, client, auth, consolidating):
    w = consolidating
    auth.login(w.owner.email)
    assert redact(client, w, f"g{w.pia_g1}-general", "jag fick svara", "Hälsouppgift").status_code == 303
    assert redact(client, w, f"p{w.su_p2}-proposed_wording", "lydelse", "Namn").status_code == 303
    text = visible(page(report(client, w, "html", True)))
    assert "Tack för att [maskerat: Hälsouppgift]." in text and "Ny [maskerat: Namn]." in text
    listing = page(client.get(f"/consultations/{w.consultation}/redactions"))
    assert "Hälsouppgift" in listing and "Namn" in listing and "Pia Patient" in listing


def test_a_passage_found_several_times_asks_which_occurrence(app, client, auth, consolidating):
    w = consolidating
    ref = f"p{w.su_p2}-comment"  # "<script>alert(1)</script> Otydlig."
    auth.login(w.owner.email)
    response = redact(client, w, ref, "script", "Test")
    assert response.status_code == 422
    html = page(response)
    assert "förekommer 2 gånger" in html and 'name="occurrence"' in html
    assert "script</textarea>" in html  # what was typed is kept
    # Each occurrence with the words around it (escaped: the answer's text is never markup).
    assert "Förekomst 1: &lt;»script«&gt;alert(1)" in html and "Förekomst 2: &lt;script&gt;alert(1)&lt;/»script«&gt; Otydlig." in html
    assert redact(client, w, ref, "script", "Test", occurrence="2").status_code == 303
    with app.app_context():
        made = db.session.execute(select(Redaction)).scalar_one()
        assert SCRIPT[made.start_offset:made.end_offset] == "script" and made.start_offset == SCRIPT.rindex("script")


def test_refusals_keep_what_was_typed_and_say_why(app, client, auth, consolidating):
    w = consolidating
    ref = f"p{w.su_p1}-comment"
    auth.login(w.owner.email)
    missing = redact(client, w, ref, "finns inte", "Skäl")
    assert missing.status_code == 422 and "Texten finns inte i svaret" in page(missing)
    assert "finns inte</textarea>" in page(missing)
    no_reason = redact(client, w, ref, "princip", "  ")
    assert no_reason.status_code == 422 and "Skriv skälet till maskeringen." in page(no_reason)
    too_long = redact(client, w, ref, "princip", "x" * 301)
    assert too_long.status_code == 422 and "högst 300 tecken" in page(too_long)
    assert redact(client, w, ref, "Bra princip", "Skäl").status_code == 303
    overlapping = redact(client, w, ref, "princip.", "Annat skäl")
    assert overlapping.status_code == 422 and "överlappar" in page(overlapping)
    with app.app_context():
        assert len(db.session.execute(select(Redaction)).scalars().all()) == 1


def test_the_operation_checks_the_range_against_the_stored_text(app, consolidating):
    w = consolidating
    with app.test_request_context():
        answer = db.session.get(PrincipleAnswer, w.su_p1)  # "Bra princip."
        owner = db.session.merge(w.owner)
        for start, end, passage in ((0, 99, None), (5, 3, None), (-1, 2, None), (0, 3, "Dåligt")):
            with pytest.raises(redaction.RedactionError) as refused:
                redaction.redact(answer, DispositionTarget.comment, start, end, "Skäl", owner, passage=passage)
            assert refused.value.status == 422
        with pytest.raises(redaction.RedactionError):  # a principle answer has no general text
            redaction.redact(answer, DispositionTarget.general, 0, 3, "Skäl", owner)
        redaction.redact(answer, DispositionTarget.comment, 0, 3, "Skäl", owner, passage="Bra")
        with pytest.raises(redaction.RedactionError) as refused:
            redaction.redact(answer, DispositionTarget.comment, 2, 6, "Skäl", owner)
        assert refused.value.status == 422
        # Touching is not overlapping.
        redaction.redact(answer, DispositionTarget.comment, 3, 4, "Skäl", owner)
        db.session.rollback()


def test_only_while_closed_or_consolidated(app, client, auth, consolidating):
    w = consolidating
    ref = f"p{w.su_p1}-comment"
    auth.login(w.owner.email)
    set_status(app, w.consultation, ConsultationStatus.open)
    assert redact(client, w, ref, "princip", "Skäl").status_code == 409
    assert "Maskera" not in page(client.get(w.respondent_url(w.su_respondent))).replace("Maskeringar", "")
    set_status(app, w.consultation, ConsultationStatus.consolidated)
    assert redact(client, w, ref, "princip", "Skäl").status_code == 303
    set_status(app, w.consultation, ConsultationStatus.decided)
    with app.app_context():
        made = db.session.execute(select(Redaction.id)).scalar_one()
    assert client.get(f"/consultations/{w.consultation}/redactions/{made}/remove").status_code == 409
    assert redact(client, w, ref, "Bra", "Skäl").status_code == 409


def test_unredact_through_a_confirmation_page(app, client, auth, consolidating):
    w = consolidating
    auth.login(w.owner.email)
    redact(client, w, f"p{w.su_p1}-comment", "princip", "Skäl")
    with app.app_context():
        made = db.session.execute(select(Redaction.id)).scalar_one()
    url = f"/consultations/{w.consultation}/redactions/{made}/remove"
    confirm = page(client.get(url))
    assert "Visa passagen offentligt igen?" in confirm and "princip" in confirm
    assert client.post(url, data={"csrf_token": csrf_token(client)}).status_code == 303
    assert "Bra princip." in page(report(client, w, "html", True))
    with app.app_context():
        assert db.session.execute(select(Redaction)).first() is None
        assert db.session.execute(select(AuditEntry).where(AuditEntry.action == "redaction.removed")).scalar_one()


def test_a_text_of_another_consultation_or_unknown_is_not_found(app, client, auth, consolidating):
    w = consolidating
    auth.login(w.owner.email)
    assert client.get(new_url(w, "p999999-comment")).status_code == 404
    assert client.get(new_url(w, f"g{w.su_p1}-comment")).status_code in (404,)
    assert client.get(new_url(w, "rubbish")).status_code == 404
    assert client.get(f"/consultations/{w.consultation + 1}/redactions/new/p{w.su_p1}-comment").status_code == 404
    assert client.get(f"/consultations/{w.consultation}/redactions/999999/remove").status_code == 404


def test_a_redaction_after_freezing_asks_for_a_new_version_of_the_report(app, client, auth, consolidating):
    w = consolidating
    set_status(app, w.consultation, ConsultationStatus.consolidated)
    auth.login(w.owner.email)
    new_version = f"/consultations/{w.consultation}/report/new-version"
    assert client.post(new_version, data={"csrf_token": csrf_token(client)}).status_code == 302
    report_page = f"/consultations/{w.consultation}/report"
    assert "Maskeringar har ändrats" not in page(client.get(report_page))
    redact(client, w, f"p{w.su_p1}-comment", "princip", "Skäl")
    html = page(client.get(report_page))
    assert "Maskeringar har ändrats efter att version 1 fastställdes." in html
    assert new_version in html
    # The frozen version 1 is served as it was; version 2 has the redaction.
    assert "Bra princip." in page(client.get(f"/consultations/{w.consultation}/report.html?public=1"))
    assert client.post(new_version, data={"csrf_token": csrf_token(client)}).status_code == 302
    assert "Maskeringar har ändrats" not in page(client.get(report_page))
    frozen = page(client.get(f"/consultations/{w.consultation}/report.html?public=1"))
    assert "Bra [maskerat: Skäl]." in visible(frozen)
    internal = page(client.get(f"/consultations/{w.consultation}/report.html"))
    assert "Bra princip." in internal


def test_the_public_trace_page_shows_the_marker(app, client, auth, tracing):
    from remiss.documents.models import VersionStatus
    from tests.tracing.conftest import set_version_status

    w = tracing  # consolidated, with a version 2
    auth.login(w.owner.email)
    assert redact(client, w, f"p{w.su_p1}-comment", "princip", "Namn på en person").status_code == 303
    staff = page(client.get(w.trace_url(w.keys[0])))
    assert "Bra princip." in staff  # staff read the full trace
    auth.logout()
    set_version_status(app, w.v2, VersionStatus.published)
    public = visible(page(client.get(w.trace_url(w.keys[0]))))
    assert "Bra [maskerat: Namn på en person]." in public and "Bra princip." not in public
    with app.app_context():
        assert db.session.get(PrincipleAnswer, w.su_p1).comment == "Bra princip."
        assert db.session.get(Consultation, w.consultation).status == ConsultationStatus.consolidated
        assert db.session.get(GeneralAnswer, w.su_g1).text == "Allmänt bra."
