"""Stored and reflected XSS: a payload in every text field a user can fill shows as text on every
page, e-mail and export where it appears – never as a tag, an event handler or a javascript: link.

The world is the consolidation one (tests/consolidation/conftest.py); every user-written text in
it is replaced by a payload carrying a tag that names the field (XSSORG, XSSCOMMENT, …), a second
document is imported from a hostile Markdown file, and a few payloads go in through the forms
(organisation, network, invitation, registration on behalf with a file name). Each page is then
parsed: no script that is not one of ours, no on* attribute, no javascript:/data: address, no
frame/object/embed/base; and every field tag that appears is counted as payload × page checked.
The count is written to test-artifacts/xss-summary.txt.
"""
from __future__ import annotations

import io
import json
import zipfile
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

from remiss.auth.models import User
from remiss.consolidation.models import Disposition, DispositionKind, DispositionTarget, PrincipleSummary
from remiss.consultations.models import (
    AlternativeChoice, Attachment, Consultation, GeneralAnswer, GeneralQuestion, PrincipleAnswer, Response,
)
from remiss.documents.models import Alternative, Criterion, DocumentVersion, PrincipleText, Section
from remiss.extensions import db
from remiss.mail import OutboxMail, build_message
from remiss.organisations.models import Network, Organisation
from tests.conftest import csrf_token, post_form
from tests.consolidation.conftest import consolidating  # noqa: F401
from tests.responses.conftest import answering  # noqa: F401
from tests.test_route_permissions import world  # noqa: F401

SUMMARY = Path(__file__).resolve().parents[2] / "test-artifacts" / "xss-summary.txt"

# The attack forms, each carried by every payload below.
VARIANTS = [
    "<script>alert('{tag}')</script>",
    "\"><img src=x onerror=alert('{tag}')>",
    "'><svg onload=alert('{tag}')>",
    "[länk](javascript:alert('{tag}'))",
    "<a href=\"javascript:alert('{tag}')\">klick</a>",
    "<iframe src=\"data:text/html,<script>alert('{tag}')</script>\"></iframe>",
]


def payload(tag: str, limit: int | None = None) -> str:
    """The tag and as many attack forms as fit in `limit` characters (the column's length)."""
    parts = [tag]
    for variant in VARIANTS:
        piece = variant.format(tag=tag)
        if limit and len(" ".join([*parts, piece])) > limit:
            break
        parts.append(piece)
    return " ".join(parts)


def variants_in(text: str) -> int:
    return sum(1 for v in ("<script>", "onerror=", "onload=", "](javascript:", "href=\"javascript:", "<iframe") if v in text)


def short_payload(tag: str) -> str:
    """For columns of 32 or 64 characters (an organisation's short name, a reference number)."""
    return f'"><img src=x onerror=1>{tag}'

CHECKED: dict[str, int] = {"pairs": 0, "pages": 0, "fields": 0}


def browser_url(value: str | None) -> str:
    """An attribute's address as a browser's URL parser reads it (attribute entities are already
    decoded by the HTML parser): tabs and line breaks removed, leading and trailing controls and spaces dropped."""
    value = "".join(ch for ch in (value or "") if ch not in "\t\n\r")
    return value.strip("".join(chr(c) for c in range(0x21)))


def url_scheme(value: str | None) -> str | None:
    """The scheme a browser would see, or None for a relative address."""
    url = browser_url(value)
    head, colon, _rest = url.partition(":")
    if colon and head and head[0].isascii() and head[0].isalpha() \
            and all(ch.isascii() and (ch.isalnum() or ch in "+-.") for ch in head):
        return head.lower()
    return None


class _Executable(HTMLParser):
    """Collects everything in a page that a browser would run or follow as script."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self.schemes: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.found.append(f"<script src={src!r}>")
        if tag in ("iframe", "object", "embed", "base", "frame"):
            self.found.append(f"<{tag}>")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.found.append("<meta http-equiv=refresh>")
        for name, value in attrs:
            if name in self.URL_ATTRIBUTES:
                self.schemes.append(url_scheme(value))
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            if name in self.URL_ATTRIBUTES and url_scheme(value) in ("javascript", "vbscript") \
                    or name in self.URL_ATTRIBUTES and browser_url(value).lower().startswith("data:text/html"):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def assert_inert(html: str, where: str, tags: dict[str, str]) -> int:
    """No executable markup in the page; returns how many payloads × page were checked."""
    parser = _Executable()
    parser.feed(html)
    assert not parser.found, f"{where}: executable markup {parser.found[:5]}"
    for raw in ("<script>alert", "<img src=x", "<svg onload", "<iframe"):
        assert raw not in html, f"{where}: unescaped {raw!r}"
    pairs = 0
    for tag, count in tags.items():
        if tag in html:
            pairs += count
            CHECKED["fields"] += 1
    CHECKED["pages"] += 1
    CHECKED["pairs"] += pairs
    return pairs


HOSTILE_DOCUMENT = """---
titel: XSSDOCTITLE <script>alert('XSSDOCTITLE')</script> "><img src=x onerror=alert(1)>
dokument: fientligt
version: 1
ägare: XSSDOCOWNER <img src=x onerror=alert(1)>
beslutas_av: XSSDOCBODY <svg onload=alert(1)>
---

## XSSSECTION <script>alert(1)</script> {{#bakgrund}}

{body}

## Hur säkras kvalitet i principerna? {{#kvalitet .kriterier}}

1. XSSCRITERION <img src=x onerror=alert(1)> Stöder principen våra mål?
2. Är principen tydlig?

## Princip 1. XSSPRINCIPLE <script>alert(1)</script> "><img src=x onerror=alert(1)> {{#forsta}}

{body}

Nyckelord: XSSKEYWORD <svg onload=alert(1)>, trygghet

### Vad innebär det för utförare och utvecklare?

{body}
"""


@pytest.fixture
def hostile(app, client, auth, consolidating):
    """Every user-written text in the consolidation world replaced by a payload naming its field."""
    w = consolidating
    tags: dict[str, int] = {}
    texts: dict[str, str] = {}

    def p(tag, limit=None):
        text = texts[tag] = payload(tag, limit)
        tags[tag] = variants_in(text)
        return text

    with app.app_context():
        for organisation in db.session.execute(select(Organisation)).scalars():
            if organisation.short_name == "SU":
                organisation.name = p("XSSORG", 200)
                organisation.short_name = short_payload("XSSSHORT")
                tags["XSSSHORT"] = 1
        network = db.session.get(Network, w.network)
        network.name = p("XSSNETWORK", 200)
        for user in (db.session.get(User, w.anna.id), db.session.get(User, w.pia.id)):
            user.name = p("XSSPERSON", 200)
        consultation = db.session.get(Consultation, w.consultation)
        consultation.title = p("XSSCTITLE", 300)
        consultation.purpose = p("XSSPURPOSE")
        consultation.reference_number = short_payload("XSSREF")
        tags["XSSREF"] = 1
        version = db.session.get(DocumentVersion, consultation.version_id)
        version.title = p("XSSVTITLE", 300)
        for text in db.session.execute(select(PrincipleText).where(PrincipleText.version_id == version.id)).scalars():
            text.title = p("XSSPTITLE", 300)
            text.statement = p("XSSSTATEMENT")
        for section in db.session.execute(select(Section).where(Section.version_id == version.id)).scalars():
            section.heading = p("XSSHEADING", 300)
        for alternative in db.session.execute(select(Alternative).where(Alternative.version_id == version.id)).scalars():
            alternative.label = p("XSSALTLABEL", 200)
            alternative.body = p("XSSALTBODY")
        for criterion in db.session.execute(select(Criterion).where(Criterion.version_id == version.id)).scalars():
            criterion.text = p("XSSCRITERIA", 500)
        for question in db.session.execute(select(GeneralQuestion)).scalars():
            question.text = p("XSSQUESTION", 500)
        for answer in db.session.execute(select(PrincipleAnswer)).scalars():
            answer.comment = p("XSSCOMMENT")
            answer.proposed_wording = p("XSSWORDING")
        for answer in db.session.execute(select(GeneralAnswer)).scalars():
            answer.text = p("XSSGENERAL")
        for choice in db.session.execute(select(AlternativeChoice)).scalars():
            choice.reason = p("XSSCHOICE")
        db.session.add_all([
            Disposition(principle_answer_id=w.su_p2, target=DispositionTarget.comment, kind=DispositionKind.partly_accepted,
                        reason=p("XSSREASON")),
            Disposition(general_answer_id=w.su_g1, target=DispositionTarget.general, kind=DispositionKind.noted,
                        reason=p("XSSREASON")),
            PrincipleSummary(consultation_id=w.consultation, principle_text_id=w.principles[1], text=p("XSSSUMMARY")),
        ])
        data = b"%PDF-1.4 original"
        su = db.session.get(Response, w.su_response)
        su.attachments.append(Attachment(filename=p("XSSFILE", 250) + ".pdf", content_type="application/pdf",
                                         size=len(data), sha256="0" * 64, data=data))
        db.session.commit()
        w.attachment = su.attachments[0].id
        w.version_key = version.document.key
        w.version_number = version.number

        from remiss.documents.operations import import_document
        body = payload("XSSDOCBODYTEXT")
        tags.update(XSSDOCTITLE=2, XSSDOCOWNER=1, XSSSECTION=1, XSSCRITERION=1, XSSPRINCIPLE=2, XSSKEYWORD=1,
                    XSSDOCBODYTEXT=len(VARIANTS))
        hostile_version = import_document(HOSTILE_DOCUMENT.format(body=body))
        db.session.commit()
        w.hostile_key = hostile_version.document.key

    # Through the forms, as the administrator would type them.
    auth.login(w.administrator.email)
    response = post_form(client, "/admin/organisations/new",
                         {"short_name": "FORM", "name": p("XSSFORMORG", 200), "kind": "hospital"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    response = post_form(client, "/admin/networks/new", {"name": p("XSSFORMNET", 200)})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    response = post_form(client, "/admin/people/invite", {"name": p("XSSINVITED", 200), "email": "ny@example.se",
                                                          "role": "representative", "organisation": "None"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    auth.logout()
    w.tags, w.texts = tags, texts
    return w


def pages_for(w) -> dict[str, list[str]]:
    c = w.consultation
    consolidation = f"/consultations/{c}/consolidation"
    doc = f"/documents/{w.version_key}"
    hostile = f"/documents/{w.hostile_key}"
    return {
        "owner": [
            "/", "/consultations/", f"/consultations/{c}", f"/consultations/{c}/dashboard",
            f"/consultations/{c}/respondents", f"/consultations/{c}/questions",
            consolidation, f"{consolidation}/matrix", f"{consolidation}/general", f"{consolidation}/alternatives",
            f"{consolidation}/complete", f"{consolidation}/matrix?q=XSSCOMMENT",
            *[f"{consolidation}/principles/{p}" for p in w.principles],
            *[f"{consolidation}/respondents/{r}" for r in (w.su_respondent, w.nu_respondent, w.pia_respondent)],
            *[f"{consolidation}/general/{q}" for q in w.questions],
            f"/consultations/{c}/report", f"/consultations/{c}/report/view", f"/consultations/{c}/report.html",
            f"/responses/{w.su_response}", f"/responses/{w.nu_response}", f"/responses/{w.pia_response}",
            f"{doc}/versions", f"{doc}/versions/{w.version_number}", f"{doc}/history",
            f"{hostile}/versions", f"{hostile}/versions/1",
        ],
        "admin": [
            "/admin/organisations", "/admin/networks", f"/admin/networks/{w.network}", "/admin/people",
            f"/admin/people/{w.anna.id}", "/admin/mailbox", *[f"/admin/organisations/{o}" for o in (w.su.id,)],
        ],
        "representative": [
            "/my", f"/consultations/{c}/respond/receipt", f"/responses/{w.su_response}",
        ],
        "anonymous": ["/", "/login"],
    }


def login_as(client, auth, w, role):
    auth.logout()
    if role != "anonymous":
        user = {"owner": w.owner, "admin": w.administrator, "representative": w.anna}[role]
        auth.login(user.email)


def reopen_for_answering(app, w):
    """The consultation open again and SU's answer a draft: the answer pages show the payloads in the form."""
    from remiss.consultations.models import ConsultationStatus, ResponseStatus
    with app.app_context():
        db.session.get(Consultation, w.consultation).status = ConsultationStatus.open
        response = db.session.get(Response, w.su_response)
        response.status, response.submitted_at = ResponseStatus.draft, None
        db.session.commit()


ANSWER_PAGES = ["/consultations/{c}/respond", "/consultations/{c}/respond/general", "/consultations/{c}/respond/summary"]


def test_every_page_shows_every_payload_as_text(app, client, auth, hostile):
    w = hostile
    total = 0
    seen: set[str] = set()
    not_shown = []
    for role, urls in pages_for(w).items():
        login_as(client, auth, w, role)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                not_shown.append(f"{role} {url}: {response.status_code}")
                continue
            html = response.get_data(as_text=True)
            total += assert_inert(html, f"{role} {url}", w.tags)
            seen |= {tag for tag in w.tags if tag in html}
    reopen_for_answering(app, w)
    login_as(client, auth, w, "representative")
    for url in ANSWER_PAGES:
        response = client.get(url.format(c=w.consultation))
        if response.status_code != 200:
            not_shown.append(f"representative {url}: {response.status_code}")
            continue
        html = response.get_data(as_text=True)
        total += assert_inert(html, f"representative {url}", w.tags)
        seen |= {tag for tag in w.tags if tag in html}
    assert not not_shown, "pages that did not open: " + "; ".join(not_shown)
    # Every field's payload was seen on at least one page (so each was really checked).
    assert set(w.tags) - seen == set(), f"payloads never shown: {sorted(set(w.tags) - seen)}"
    assert total > 100


@pytest.mark.parametrize("url, field", [
    ("/admin/people?q={p}", "q"),
    ("/consultations/{c}/consolidation/matrix?q={p}", "q"),
    ("/consultations/{c}/consolidation/principles/{p1}?q={p}", "q"),
    ("/audit?q={p}", "q"),
])
def test_search_boxes_reflect_the_payload_as_text(client, auth, hostile, url, field):
    w = hostile
    auth.login(w.administrator.email)
    from urllib.parse import quote
    response = client.get(url.format(p=quote(payload("XSSSEARCH", 200)), c=w.consultation, p1=w.principles[0]))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert_inert(html, url, {"XSSSEARCH": variants_in(payload("XSSSEARCH", 200))})
    assert "XSSSEARCH" in html  # echoed in the search box, escaped


def test_exports_carry_the_payload_as_data(client, auth, hostile):
    w = hostile
    auth.login(w.owner.email)
    base = f"/consultations/{w.consultation}/report"
    pairs = 0

    csv = client.get(base + ".csv")
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert csv.headers["Content-Disposition"].startswith("attachment")
    text = csv.get_data(as_text=True)
    for tag in ("XSSCOMMENT", "XSSWORDING", "XSSREASON", "XSSORG"):
        assert w.texts[tag].replace('"', '""') in text, tag
        pairs += w.tags[tag]

    report = client.get(base + ".json")
    assert report.status_code == 200 and report.headers["Content-Type"].startswith("application/json")
    assert report.headers["X-Content-Type-Options"] == "nosniff"
    flat = json.dumps(report.get_json(), ensure_ascii=False)
    for tag in ("XSSCOMMENT", "XSSWORDING", "XSSREASON", "XSSGENERAL"):
        assert json.dumps(w.texts[tag], ensure_ascii=False)[1:-1] in flat, tag
        pairs += w.tags[tag]
    assert "<script>" not in report.get_data(as_text=True) or report.headers["Content-Type"].startswith("application/json")

    docx = client.get(base + ".docx")
    assert docx.status_code == 200 and docx.headers["Content-Disposition"].startswith("attachment")
    with zipfile.ZipFile(io.BytesIO(docx.data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "<img " not in xml  # text runs, escaped by the XML writer
    for tag in ("XSSCOMMENT", "XSSWORDING", "XSSREASON"):
        assert tag in xml and "&lt;script&gt;alert(&apos;" + tag in xml.replace("'", "&apos;"), tag
        pairs += w.tags[tag]

    # The version as Word: titles of up to 300 characters, payloads as text runs.
    version_docx = client.get(f"/documents/{w.version_key}/versions/{w.version_number}.docx")
    assert version_docx.status_code == 200, version_docx.status_code
    with zipfile.ZipFile(io.BytesIO(version_docx.data)) as archive:
        xml = archive.read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "XSSPTITLE" in xml
    pairs += w.tags["XSSPTITLE"]

    html = client.get(base + ".html")
    pairs += assert_inert(html.get_data(as_text=True), "report.html", w.tags)
    markdown = client.get(f"/documents/{w.hostile_key}/versions/1.md")
    assert markdown.status_code == 200 and markdown.headers["Content-Type"].startswith("text/markdown") \
        or markdown.headers["Content-Type"].startswith("text/plain")
    assert "XSSPRINCIPLE" in markdown.get_data(as_text=True)
    CHECKED["pairs"] += pairs


def test_mails_are_plain_text_and_the_mailbox_escapes_them(app, client, auth, hostile):
    w = hostile
    with app.app_context():
        mails = db.session.execute(select(OutboxMail).where(OutboxMail.body.contains("XSSINVITED"))).scalars().all()
        assert mails, "the invitation to the person with a payload name was not sent"
        assert payload("XSSINVITED", 200) in mails[0].body  # as typed: a plain-text mail shows it as text
        with app.test_request_context():
            message = build_message("ny@example.se", payload("XSSSUBJECT"), payload("XSSBODY"))
        assert message.get_content_type() == "text/plain"
        assert not message.is_multipart()
    auth.login(w.administrator.email)
    html = client.get("/admin/mailbox").get_data(as_text=True)
    assert_inert(html, "/admin/mailbox", {"XSSINVITED": 3})
    assert "XSSINVITED" in html


def test_every_get_route_of_the_permission_table_is_inert(app, client, auth, world):
    """Pages added later are covered too: the permission table's world with payloads in its names,
    titles and texts, every GET route of the table as every role – whatever the page, no payload runs."""
    from tests.test_route_permissions import ROLES, TABLE

    tags: dict[str, int] = {}

    def p(tag, limit):
        text = payload(tag, limit)
        tags[tag] = variants_in(text)
        return text

    with app.app_context():
        for organisation in db.session.execute(select(Organisation)).scalars():
            organisation.name = p(f"XSSO{organisation.id}", 200)
        for network in db.session.execute(select(Network)).scalars():
            network.name = p("XSSNET", 200)
        for user in db.session.execute(select(User)).scalars():
            user.name = p(f"XSSU{user.id}", 200)
        for consultation in db.session.execute(select(Consultation)).scalars():
            consultation.title, consultation.purpose = p("XSSTITLE", 300), p("XSSPURP", None)
        for version in db.session.execute(select(DocumentVersion)).scalars():
            version.title = p("XSSVERSION", 300)
        for text in db.session.execute(select(PrincipleText)).scalars():
            text.title, text.statement = p("XSSPRIN", 300), p("XSSSTATE", None)
        for question in db.session.execute(select(GeneralQuestion)).scalars():
            question.text = p("XSSGQ", 500)
        for attachment in db.session.execute(select(Attachment)).scalars():
            attachment.filename = p("XSSATT", 250) + ".pdf"
        db.session.commit()
    pages = 0
    for role in ROLES:
        auth.logout()
        if role != "anonymous":
            auth.login(world.users[role].email)
        for endpoint, (pattern, method, _expected) in TABLE.items():
            if method != "GET":
                continue
            response = client.get(pattern.format(**world.ids))
            if response.mimetype == "text/html":
                assert_inert(response.get_data(as_text=True), f"{role} {endpoint}", tags)
                pages += 1
    assert pages > len(TABLE)


def test_summary(hostile):
    """Written last in the module: the figures for docs/security.md."""
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(
        f"payload variants per field: {len(VARIANTS)}\n"
        f"fields with a payload: {len(hostile.tags)}\n"
        f"pages and exports parsed: {CHECKED['pages']}\n"
        f"payload x page combinations checked: {CHECKED['pairs']}\n"
    )
    print(SUMMARY.read_text())


def test_a_line_break_in_a_subject_adds_no_header(app):
    """Header injection: titles end up in subjects; every line break becomes a space."""
    with app.test_request_context():
        message = build_message("ny@example.se", "Remiss\r\nBcc: evil@example.com\u2028X", "Hej")
    assert message["Bcc"] is None
    assert message["Subject"] == "Remiss Bcc: evil@example.com X"
    assert "\nBcc:" not in message.as_string()


@pytest.mark.parametrize("bad", [
    "<script>alert(1)</script>", "<script src=https://evil.example/x.js></script>", "<img src=x onerror=alert(1)>",
    "<a href=\" java\tscript:alert(1)\">x</a>", "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<iframe src=//evil.example>", "<form action=\"javascript:alert(1)\">", "<svg><a xlink:href=\"javascript:x\">",
    "<meta http-equiv=refresh content=\"0;url=https://evil.example\">", "<object data=\"data:text/html,x\">",
])
def test_the_checker_finds_what_a_browser_would_run(bad):
    """The page check above is only as good as its parser: each of these must be caught."""
    parser = _Executable()
    parser.feed(f"<p>{bad}</p>")
    assert parser.found, bad
