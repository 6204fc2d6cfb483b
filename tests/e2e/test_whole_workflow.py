"""The whole workflow, as its people do it, in one live server and one Chromium, through the real UI.

1. The administrator (created with `flask users create`, as on a new installation) adds two organisations
   and two networks, invites a process owner, a steering group member, two representatives of one
   organisation and a patient representative; the invitees accept through the links in their mail.
2. The process owner imports the principle document on the upload page and opens a remiss to the networks.
3. Two representatives of one organisation answer – one with the keyboard only, one with the mouse – and
   their answers are saved as they type; one of them submits the organisation's one answer. The patient
   representative answers through the personal link in the invitation mail, without an account.
4. The process owner registers a paper answer with its PDF original, closes the remiss, gives every
   comment a disposition, writes summaries, completes the consolidation and downloads the report in
   every format.
5. The process owner creates the next version, changes a principle, links the comment that led to the
   change, and sends the version to the steering group; a member comments and records the approval.
6. The public sees version 2 as the current one with its decision, version 1 superseded and readable in
   the history, and version 2 in the Atom feed.

Every page visited passes `check_page` (axe WCAG 2.1 A/AA at 1280 and 320 px, no sideways scrolling at
640 and 320 px, no script or CSP errors), in Swedish; the read-only pages again in English after each
person switches language with the button in the page header. A screenshot of each step is kept in
test-artifacts/e2e/whole-workflow/NN-step.png; the number of pages checked goes to
test-artifacts/e2e/axe-summary.txt.

The database is only read for what a person would see elsewhere (a mail in their mail client) and for
assertions about what was stored.
"""
from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from remiss.consultations.models import Respondent, Response, ResponseStatus
from remiss.decisions.operations import today_in_stockholm
from remiss.documents.models import DocumentVersion, VersionStatus
from remiss.extensions import db
from remiss.mail import OutboxMail
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS, DESKTOP, check_page

pytestmark = pytest.mark.e2e

STEPS = ARTIFACTS / "e2e" / "whole-workflow"
SUMMARY = ARTIFACTS / "e2e" / "axe-summary.txt"
DOCUMENT = Path(__file__).resolve().parents[2] / "principles" / "invanarinteraktion.md"
KEY = "invanarinteraktion"

ADMIN = ("Ada Administratör", "ada.admin@vgregion.example")
OWNER = ("Petra Processägare", "petra.process@vgregion.example")
STEERING = ("Stig Styrgrupp", "stig.styrgrupp@vgregion.example")
ANNA = ("Anna Andersson", "anna.andersson@su.example")  # SU, keyboard only
BERTIL = ("Bertil Berg", "bertil.berg@su.example")  # SU, mouse
PIA = ("Pia Patient", "pia.patient@example.se")  # patient representative, no account needed

ANNA_COMMENT = "Principen behöver säga att informationen ska finnas på lätt svenska."
BERTIL_COMMENT = "Egenvården måste kopplas till journalen, annars blir det dubbelarbete."
PIA_COMMENT = "Som patient vill jag se hela vårdresan på ett ställe."
PAPER_COMMENT = "NU-sjukvården saknar telefonkontakt i principen."
NEW_STATEMENT = "Vi kommunicerar hälsofrämjande, tydligt och på lätt svenska när det behövs."

FORMATS = {
    "html": "text/html",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "json": "application/json",
}


# --- the walk's own helpers ----------------------------------------------------------------------------


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _focused(page, predicate: str) -> bool:
    return page.evaluate(f"() => {{ const el = document.activeElement; return !!(el && ({predicate})); }}")


def tab_to(page, predicate: str, limit: int = 400):
    """Press Tab until the focused element matches the JavaScript predicate (on `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if _focused(page, predicate):
            return
    raise AssertionError(f"Tab never reached an element where {predicate} (on {page.url})")


def tab(page, name: str):
    """A tab of the consultation's pages."""
    return page.get_by_role("navigation", name="Remissens delar").get_by_role("link", name=name, exact=True)


def link_named(text: str) -> str:
    """A predicate for tab_to: a link whose text starts with `text`."""
    return f"el.tagName === 'A' && el.textContent.trim().startsWith({text!r})"


def button_named(text: str) -> str:
    return f"el.tagName === 'BUTTON' && el.textContent.trim().startsWith({text!r})"


def link_in_mail(body: str, marker: str) -> str:
    """The path of the first address in a mail that contains `marker` (the mail's host is PUBLIC_BASE_URL)."""
    match = re.search(r"https?://\S*" + re.escape(marker) + r"\S*", body)
    assert match, f"no link with {marker} in the mail:\n{body}"
    return _path(match.group(0))


def pdf_bytes() -> bytes:
    """A small PDF, the scanned paper answer."""
    from weasyprint import HTML

    return HTML(string="<h1>Remissvar från NU-sjukvården</h1><p>Princip 4: " + PAPER_COMMENT + "</p>").write_pdf()


class Walk:
    """The people of the walk, each in their own browser context, and the bookkeeping of the checks."""

    def __init__(self, browser, live_server):
        self.browser = browser
        self.server = live_server
        self.pages: dict[str, object] = {}
        self.readonly: dict[str, list[tuple[str, str]]] = {}
        self.step_number = 0
        self.checked = 0  # pages that passed check_page (each is two axe runs: 1280 and 320 px)
        self.checked_by_language = {"sv": 0, "en": 0}
        self.language = "sv"

    def person(self, who: str):
        context = self.browser.new_context(viewport=DESKTOP, locale="sv-SE", reduced_motion="reduce",
                                           accept_downloads=True)
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
        page.on("console", lambda message: errors.append(message.text)
                if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
        page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
                if response.status >= 400 and response.request.resource_type != "document" else None)
        page.browser_errors = errors
        self.pages[who] = page
        return page

    def url(self, path: str) -> str:
        return self.server.url(path)

    def check(self, who: str, name: str, readonly: bool = True):
        """The shared page checks, counted; read-only pages are remembered for the English round."""
        page = self.pages[who]
        page.wait_for_load_state("networkidle")
        check_page(page, f"walk-{self.language}-{who}-{name}")
        self.checked += 1
        self.checked_by_language[self.language] += 1
        if readonly and self.language == "sv":
            self.readonly.setdefault(who, []).append((name, _path(page.url)))

    def go(self, who: str, path: str, name: str, readonly: bool = True, status: int = 200):
        page = self.pages[who]
        response = page.goto(self.url(path))
        assert response is not None and response.status == status, f"{path}: {response and response.status}"
        self.check(who, name, readonly)
        return page

    def click(self, who: str, locator, name: str | None = None, readonly: bool = True):
        """Click something that loads a page, wait for it, and check the page it leads to."""
        page = self.pages[who]
        with page.expect_navigation():
            locator.click()
        # Every page visited is checked, also those that a loop shows again after each action.
        self.check(who, name or re.sub(r"[^a-z0-9]+", "-", _path(page.url).lower()).strip("-"), readonly)
        return page

    def step(self, who: str, name: str):
        """The step's screenshot, numbered in the order of the walk."""
        self.step_number += 1
        STEPS.mkdir(parents=True, exist_ok=True)
        self.pages[who].screenshot(path=str(STEPS / f"{self.step_number:02d}-{name}.png"), full_page=True)

    def close(self):
        for page in self.pages.values():
            page.context.close()


@pytest.fixture
def walk(browser, live_server, request):
    for old in STEPS.glob("*.png") if STEPS.exists() else []:
        old.unlink()
    walk = Walk(browser, live_server)
    yield walk
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        STEPS.mkdir(parents=True, exist_ok=True)
        for who, page in walk.pages.items():
            try:
                page.screenshot(path=str(STEPS / f"FAILED-{who}.png"), full_page=True)
            except Exception:  # noqa: BLE001 – a closed page has nothing to show
                pass
    walk.close()


def _mail_to(app, email: str, marker: str) -> str:
    """The newest mail to `email` holding a link with `marker`, as the person's mail client shows it."""
    with app.app_context():
        bodies = db.session.execute(
            select(OutboxMail.body).where(OutboxMail.recipient == email).order_by(OutboxMail.id.desc())
        ).scalars().all()
    for body in bodies:
        if marker in body:
            return link_in_mail(body, marker)
    raise AssertionError(f"no mail to {email} with {marker}")


# --- the walk ------------------------------------------------------------------------------------------


def test_the_whole_workflow_in_a_browser(app, runner, walk):
    w = walk
    # Each date is the day in Stockholm when it is typed, not when the walk began: a walk across
    # midnight gave a decision dated the day before the proposal it decides was sent.

    # 1. The administrator ---------------------------------------------------------------------------
    result = runner.invoke(args=["users", "create", ADMIN[1], "--name", ADMIN[0], "--role", "administrator",
                                 "--password", PASSWORD])
    assert result.exit_code == 0, result.output

    admin = w.person("admin")
    w.go("admin", "/login", "login")
    admin.get_by_label("E-postadress").fill(ADMIN[1])
    admin.get_by_label("Lösenord").fill(PASSWORD)
    w.click("admin", admin.locator("main form").get_by_role("button", name="Logga in"))
    assert "/login" not in admin.url

    # Two organisations: SU answers online, NU-sjukvården will send its answer on paper.
    for short, name in (("SU", "Sahlgrenska Universitetssjukhuset"), ("NU", "NU-sjukvården")):
        w.go("admin", "/admin/organisations", "organisations")
        w.click("admin", admin.get_by_role("link", name="Lägg till organisation").first, "organisation-new")
        admin.get_by_label("Kortnamn").fill(short)
        admin.get_by_label("Namn", exact=True).fill(name)
        admin.get_by_label("Typ av organisation").select_option(index=1)
        w.click("admin", admin.locator("main form").get_by_role("button", name="Lägg till organisation"))
        assert name in admin.locator("main").inner_text()
    w.check("admin", "organisations-after")

    # People: invited one by one, each with their role and organisation.
    invitees = [(OWNER, "Processansvarig", None), (STEERING, "Ledamot i styrgruppen", None),
                (ANNA, "Nätverksrepresentant", "Sahlgrenska"), (BERTIL, "Nätverksrepresentant", "Sahlgrenska"),
                (PIA, "Nätverksrepresentant", None)]
    for (name, email), role, organisation in invitees:
        w.go("admin", "/admin/people", "people")
        w.click("admin", admin.get_by_role("link", name="Bjud in en person").first, "people-invite")
        admin.get_by_label("Namn").fill(name)
        admin.get_by_label("E-postadress").fill(email)
        admin.get_by_label("Roll").select_option(label=role)
        organisations = admin.get_by_label("Organisation")
        if organisation:
            option = organisations.locator("option", has_text=organisation).first.get_attribute("value")
            organisations.select_option(value=option)
        else:
            organisations.select_option(index=0)
        w.click("admin", admin.get_by_role("button", name="Skicka inbjudan"))
        assert name in admin.locator("main").inner_text()
    w.check("admin", "people-after")
    w.step("admin", "admin-invited-people")

    # Networks: the representatives' network (SU with two people, NU without anyone), the patients'.
    w.go("admin", "/admin/networks", "networks")
    w.click("admin", admin.get_by_role("link", name="Skapa nätverk").first, "network-new")
    admin.get_by_label("Namn").fill("Nätverk förvaltningsföreträdare")
    w.click("admin", admin.locator("main form").get_by_role("button", name="Skapa nätverk"), "network-1")
    for who in (ANNA, BERTIL):
        _choose(admin, "Person att lägga till", who[0])
        w.click("admin", admin.get_by_role("button", name="Lägg till personen"))
    _choose(admin, "Organisation att lägga till", "NU-sjukvården")
    w.click("admin", admin.get_by_role("button", name="Lägg till organisationen"), "network-1-filled")
    text = admin.locator("main").inner_text()
    assert ANNA[0] in text and BERTIL[0] in text and "NU-sjukvården" in text

    w.go("admin", "/admin/networks", "networks")
    w.click("admin", admin.get_by_role("link", name="Skapa nätverk").first)
    admin.get_by_label("Namn").fill("Större grupp patientföreträdare")
    w.click("admin", admin.locator("main form").get_by_role("button", name="Skapa nätverk"))
    _choose(admin, "Person att lägga till", PIA[0])
    w.click("admin", admin.get_by_role("button", name="Lägg till personen"), "network-2-filled")
    assert PIA[0] in admin.get_by_role("region", name="Enskilda medlemmar").inner_text()
    w.step("admin", "admin-networks")

    # The invitations, as the outbox shows them (the console mail backend's mailbox).
    w.go("admin", "/admin/mailbox", "mailbox")
    links = {}
    for name, email in (OWNER, STEERING, ANNA, BERTIL):
        mail = admin.locator("article.mail").filter(has_text=email).first
        links[email] = link_in_mail(mail.locator(".mail-body").inner_text(), "/invitation/")

    # The process owner, the steering member and Bertil accept with the mouse.
    for who, (name, email) in (("owner", OWNER), ("steering", STEERING), ("bertil", BERTIL)):
        page = w.person(who)
        w.go(who, links[email], "accept-invitation", readonly=False)
        page.get_by_label("Nytt lösenord").fill(PASSWORD)
        page.get_by_label("Upprepa lösenordet").fill(PASSWORD)
        w.click(who, page.get_by_role("button", name="Spara lösenordet och logga in"))
        assert "/invitation/" not in page.url and "/login" not in page.url, page.url
    w.step("bertil", "invitation-accepted")

    # Anna accepts with the keyboard: her link typed into the address bar, then Tab and typing.
    anna = w.person("anna")
    w.go("anna", links[ANNA[1]], "accept-invitation-keyboard", readonly=False)
    tab_to(anna, "el.id === 'password'")
    anna.keyboard.type(PASSWORD)
    tab_to(anna, "el.id === 'confirm'")
    anna.keyboard.type(PASSWORD)
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    assert "/invitation/" not in anna.url
    w.check("anna", "after-accepting")

    # 2. The process owner imports the document and opens a remiss ------------------------------------
    owner = w.pages["owner"]
    # No page links to the upload page while there is no document yet (reported): the address is typed.
    w.go("owner", "/documents/upload", "upload")
    owner.get_by_label("Markdown-fil (.md)").set_input_files(str(DOCUMENT))
    w.click("owner", owner.get_by_role("button", name="Läs in som ny version"), "editor-v1", readonly=False)
    assert "Filen är inläst som version 1" in owner.locator(".flashes").inner_text()
    w.step("owner", "document-imported")

    w.click("owner", owner.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Remisser", exact=True),
            "consultations", readonly=True)
    w.click("owner", owner.get_by_role("link", name="Ny remiss"), "consultation-new")
    _choose(owner, "Dokumentversion", "Styrande principer för invånarinteraktion")
    owner.get_by_label("Rubrik").fill("Remiss: Styrande principer för invånarinteraktion")
    owner.get_by_label("Diarienummer").fill("RS 2026-01234")
    owner.get_by_label("Syfte").fill("Vi vill veta om principerna är **tydliga** och går att följa i vardagen.")
    owner.get_by_label("Öppningsdatum").fill(today_in_stockholm().isoformat())
    owner.get_by_label("Svarsdatum", exact=True).fill((today_in_stockholm() + timedelta(days=21)).isoformat())
    owner.get_by_label("Nätverk förvaltningsföreträdare").check()
    owner.get_by_label("Större grupp patientföreträdare").check()
    w.click("owner", owner.get_by_role("button", name="Skapa remiss"), "consultation-draft")
    consultation_path = _path(owner.url)
    assert re.fullmatch(r"/consultations/\d+", consultation_path), consultation_path
    consultation_id = int(consultation_path.rsplit("/", 1)[1])
    for label, name in (("Frågor", "questions"), ("Remissinstanser", "respondents")):
        w.click("owner", tab(owner, label), name)
    assert "NU-sjukvården" in owner.locator("main").inner_text()
    w.click("owner", tab(owner, "Översikt"))
    w.click("owner", owner.get_by_role("link", name="Öppna remissen och skicka inbjudningar"), "open-confirm",
            readonly=False)
    assert "NU-sjukvården" in owner.get_by_role("note").inner_text()  # nobody to mail: registered on its behalf
    w.click("owner", owner.get_by_role("button", name=re.compile("Öppna remissen och skicka")), "consultation-open")
    assert "Öppen för svar" in owner.locator(".meta").inner_text()
    w.step("owner", "remiss-opened")

    # 3. Answers ----------------------------------------------------------------------------------------
    # Anna, keyboard only: Tab, arrows, Space, Enter and typing; no clicks.
    tab_to(anna, link_named("Mina remisser"))
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    w.check("anna", "my-consultations")
    tab_to(anna, link_named("Remiss: Styrande principer"))
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    w.check("anna", "answer-overview")
    tab_to(anna, link_named("Svara en princip i taget"))
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    w.check("anna", "answer-principle-1")
    tab_to(anna, r"el.type === 'radio' && /^p\d+\.stance$/.test(el.name)")
    anna.keyboard.press("ArrowDown")  # from "Inget ställningstagande valt" round to the first stance
    anna.keyboard.press("ArrowDown")
    stance = anna.evaluate("() => document.activeElement.labels[0].textContent.trim()")
    assert stance == "Tillstyrker med ändringar", stance
    tab_to(anna, r"el.type === 'radio' && /^p\d+\.c\d+\.rating$/.test(el.name)")
    anna.keyboard.press("ArrowDown")
    anna.keyboard.press("Space")
    tab_to(anna, r"el.tagName === 'TEXTAREA' && /^p\d+\.comment$/.test(el.name)")
    anna.keyboard.type(ANNA_COMMENT)
    anna.locator("#save-status").filter(has_text=re.compile(r"Sparat \d\d:\d\d")).wait_for()
    w.step("anna", "keyboard-answer-autosaved")
    tab_to(anna, button_named("Spara och gå vidare"))
    with anna.expect_navigation():
        anna.keyboard.press("Enter")
    assert "principle=2" in anna.url
    w.check("anna", "answer-principle-2")

    # Bertil, with the mouse: his own principle in the same answer, then he submits it for SU.
    bertil = w.pages["bertil"]
    w.click("bertil", bertil.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Mina remisser"),
            "my-consultations")
    w.click("bertil", bertil.get_by_role("link", name="Remiss: Styrande principer för invånarinteraktion"),
            "answer-overview")
    assert "besvarad" in bertil.locator(".principle-list li").first.inner_text()  # Anna's principle 1
    w.click("bertil", bertil.locator(".principle-list").get_by_role("link", name=re.compile("^Princip 2:")),
            "answer-principle-2")
    bertil.get_by_role("group", name="Ställningstagande").get_by_label("Avstyrker").check()
    bertil.get_by_label("Synpunkter på principen").click()
    bertil.keyboard.type(BERTIL_COMMENT)
    bertil.locator("#save-status").filter(has_text=re.compile(r"Sparat \d\d:\d\d")).wait_for()
    w.step("bertil", "mouse-answer-autosaved")
    w.click("bertil", bertil.get_by_role("button", name="Spara och visa sammanfattningen"), "answer-summary")
    summary = bertil.locator("main").inner_text()
    assert ANNA_COMMENT in summary and BERTIL_COMMENT in summary
    _consent_to_name(bertil)
    w.click("bertil", bertil.get_by_role("button", name="Skicka in svaret"), "answer-receipt")
    assert "Svaret är inskickat" in bertil.locator("h1").inner_text()
    w.step("bertil", "su-answer-submitted")

    # Anna sees the organisation's answer as submitted, once.
    w.go("anna", "/my", "my-consultations-after")
    with app.app_context():
        su = db.session.execute(select(Respondent).where(Respondent.consultation_id == consultation_id,
                                                         Respondent.organisation_id.is_not(None))
                                .order_by(Respondent.id)).scalars().all()
        su_id = next(r.id for r in su if r.organisation.short_name == "SU")
        responses = db.session.execute(select(Response).where(Response.respondent_id == su_id)).scalars().all()
        assert [r.status for r in responses] == [ResponseStatus.submitted]

    # Pia, the patient representative, through the personal link in her mail; no password needed.
    pia = w.person("pia")
    magic = _mail_to(app, PIA[1], "/r/")
    response = pia.goto(w.url(magic))
    assert response.status == 200
    w.check("pia", "magic-link-landing", readonly=False)
    w.click("pia", pia.locator(".principle-list").get_by_role("link", name=re.compile("^Princip 3:")),
            "answer-principle-3", readonly=False)
    pia.get_by_role("group", name="Ställningstagande").get_by_label("Tillstyrker", exact=True).check()
    pia.get_by_label("Synpunkter på principen").fill(PIA_COMMENT)
    w.click("pia", pia.get_by_role("button", name="Spara och visa sammanfattningen"), "answer-summary",
            readonly=False)
    # Her personal link ends with the submission: her pages in English now, then back to Swedish.
    for language, button in (("en", "English"), ("sv", "Svenska")):
        w.language = language
        w.click("pia", pia.locator(".language-switch").get_by_role("button", name=button))
        assert pia.locator("html").get_attribute("lang") == language
        if language == "en":
            base = f"/consultations/{consultation_id}/respond"
            for name, path in (("answer-overview", base), ("answer-principle-3", base + "?principle=3"),
                               ("answer-summary", base + "/summary")):
                w.go("pia", path, name)
    w.go("pia", f"/consultations/{consultation_id}/respond/summary", "answer-summary", readonly=False)
    _consent_to_name(pia)
    w.click("pia", pia.get_by_role("button", name="Skicka in svaret"), "answer-receipt", readonly=False)
    assert "Svaret är inskickat" in pia.locator("h1").inner_text()
    w.step("pia", "patient-answer-submitted")

    # 4. Paper answer, closing, consolidation, report ---------------------------------------------------
    w.go("owner", consultation_path, "consultation-open-overview")
    w.click("owner", tab(owner, "Uppföljning"),
            "dashboard")
    w.click("owner", owner.get_by_role("link", name=re.compile("Registrera svar – NU-sjukvården")), "register",
            readonly=False)
    owner.get_by_label("På papper").check()
    owner.get_by_label("Datum då svaret kom in").fill(today_in_stockholm().isoformat())
    original = STEPS.parent / "nu-sjukvarden-remissvar.pdf"
    original.parent.mkdir(parents=True, exist_ok=True)
    original.write_bytes(pdf_bytes())
    owner.get_by_label(re.compile("^Originalet")).set_input_files(str(original))
    owner.locator("#principle-4").get_by_label("Synpunkter på principen").fill(PAPER_COMMENT)
    _consent_to_name(owner)
    w.click("owner", owner.get_by_role("button", name="Registrera svaret"), "registered")
    assert not owner.locator(".error-summary").count(), owner.locator(".error-summary").first.inner_text()
    w.step("owner", "paper-answer-registered")
    with app.app_context():
        nu = db.session.execute(select(Respondent).join(Respondent.organisation)
                                .where(Respondent.consultation_id == consultation_id,
                                       Respondent.organisation.has(short_name="NU"))).scalar_one()
        paper = db.session.execute(select(Response).where(Response.respondent_id == nu.id)).scalar_one()
        assert paper.status == ResponseStatus.submitted and paper.attachments, "the paper answer and its original"

    w.go("owner", consultation_path, "consultation-before-closing")
    w.click("owner", owner.get_by_role("link", name="Stäng remissen"), "close-confirm", readonly=False)
    w.click("owner", owner.locator("main form").get_by_role("button", name="Stäng remissen"), "consultation-closed")
    assert "Stängd" in owner.locator(".meta").inner_text()

    # Every comment gets a disposition with a reason; every principle with comments gets a summary.
    w.click("owner", tab(owner, "Sammanställning"),
            "consolidation")
    overview = _path(owner.url)
    dispositions = {1: ("Beaktad", "Lätt svenska läggs till i principen."),
                    2: ("Ej beaktad", "Journalkopplingen hör till en annan princip."),
                    3: ("Delvis beaktad", "Vårdresan beskrivs tydligare i nästa version."),
                    4: ("Noterad", "Telefonkontakten ingår i princip 4 redan.")}
    for number, (kind, reason) in dispositions.items():
        w.go("owner", overview, "consolidation")
        w.click("owner", owner.get_by_role("link", name=f"Läs svaren på princip {number}"),
                f"consolidation-principle-{number}")
        while owner.locator(".disposition:not(.disposition-done) form").count():
            form = owner.locator(".disposition:not(.disposition-done) form").first
            form.get_by_label(kind, exact=True).check()
            form.get_by_label(re.compile("^Motivering")).fill(reason)
            w.click("owner", form.get_by_role("button", name=re.compile("^Spara ställningstagandet")))
        w.check("owner", f"consolidation-principle-{number}-disposed")
        owner.get_by_label(f"Sammanfattning för princip {number}").fill(
            f"Remissinstanserna om princip {number}: {reason}")
        w.click("owner", owner.get_by_role("button", name="Spara sammanfattningen"),
                f"consolidation-principle-{number}-summarised")
    w.step("owner", "dispositions-and-summaries")
    for name in ("Matris",):
        w.click("owner", owner.get_by_role("navigation", name="Sammanställningens vyer").get_by_role("link", name=name),
                "consolidation-matrix")
    w.go("owner", overview, "consolidation-done")
    assert "4 av 4" in owner.locator("#overall-progress").inner_text()
    w.click("owner", owner.get_by_role("link", name="Markera sammanställningen som klar"), "complete-confirm",
            readonly=False)
    w.click("owner", owner.get_by_role("button", name="Ja, markera sammanställningen som klar"), "consolidated")
    assert "Sammanställd" in owner.locator(".meta").inner_text()
    w.step("owner", "consolidation-complete")

    w.click("owner", tab(owner, "Remissammanställning"), "report")
    downloads = {}
    for format, content_type in FORMATS.items():
        link = owner.locator(f"a[href$='/report.{format}']").first
        href = link.get_attribute("href")
        with owner.expect_download() as download:
            link.click()
        data = Path(download.value.path()).read_bytes()
        assert data, f"the {format} report is empty"
        downloads[format] = data
        served = owner.context.request.get(w.url(href))
        assert served.status == 200 and served.headers["content-type"].startswith(content_type), \
            (format, served.status, served.headers.get("content-type"))
        assert "attachment" in served.headers.get("content-disposition", ""), format
    assert downloads["pdf"].startswith(b"%PDF")
    for format in ("docx", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(downloads[format])) as archive:
            assert archive.testzip() is None
            assert any(name.startswith("word/" if format == "docx" else "xl/") for name in archive.namelist())
    assert ANNA_COMMENT.encode() in downloads["json"] and PAPER_COMMENT.encode() in downloads["csv"]
    assert b"<html" in downloads["html"].lower()
    json.loads(downloads["json"])
    w.click("owner", owner.get_by_role("link", name="Läs den interna sammanställningen här"), "report-view")
    assert "Lätt svenska läggs till i principen." in owner.locator("main").inner_text()
    w.step("owner", "report")

    # 5. The next version, traced, and the steering group's decision -----------------------------------
    w.go("owner", f"/documents/{KEY}/versions/1", "version-1")
    w.click("owner", owner.get_by_role("link", name="Skapa nästa version från den här"), "next-version-confirm",
            readonly=False)
    w.click("owner", owner.locator("main form").get_by_role("button", name="Skapa nästa version"), "editor-v2",
            readonly=False)
    assert f"/documents/{KEY}/versions/2/edit" in owner.url, owner.url
    principle_1 = owner.get_by_role("region", name=re.compile(r"^Princip 1\."))
    principle_1.get_by_label("Principtext", exact=True).fill(NEW_STATEMENT)
    owner.get_by_label("Ändringar i den här versionen", exact=True).fill(
        "Princip 1 säger nu att vi skriver på lätt svenska.")
    w.click("owner", owner.locator("#editor-form").get_by_role("button", name="Spara", exact=True), "editor-v2-saved",
            readonly=False)
    assert not owner.locator(".error-summary").count(), owner.locator(".error-summary").first.inner_text()
    w.step("owner", "version-2-edited")
    w.click("owner", owner.get_by_role("link", name="Visa versionen som läsare ser den"), "version-2-draft")
    assert NEW_STATEMENT in owner.locator("main").inner_text()

    w.click("owner", owner.get_by_role("link", name="Koppla synpunkter till ändringar"), "version-2-links")
    w.click("owner", owner.get_by_role("link", name=re.compile(r"^Princip 1\.")), "principle-1-links")
    anna_comment = owner.locator("li, article, div").filter(has_text=ANNA_COMMENT).last
    assert anna_comment.count()
    owner.get_by_role("checkbox", name=re.compile("Ledde till ändringen i den här principen")).first.check()
    w.click("owner", owner.get_by_role("button", name="Spara kopplingarna"), "principle-1-linked")
    assert not owner.locator(".error-summary").count(), owner.locator(".error-summary").first.inner_text()
    w.go("owner", f"/documents/{KEY}/versions/2/links", "version-2-links-after")
    row = owner.get_by_role("row", name=re.compile(r"Princip 1\."))
    assert row.get_by_role("cell").nth(1).inner_text().strip() == "1", row.inner_text()  # linked here
    w.go("owner", f"/documents/{KEY}/versions/2", "version-2-draft")
    w.click("owner", owner.get_by_role("link", name="Synpunkter och vad som gjordes – princip 1", exact=True),
            "principle-1-trace")
    assert ANNA_COMMENT in owner.locator("main").inner_text()
    w.step("owner", "comment-linked-to-change")

    w.go("owner", f"/documents/{KEY}/versions/2", "version-2-draft")
    w.click("owner", owner.get_by_role("link", name="Skicka till styrgruppen"), "propose", readonly=False)
    _choose(owner, "Remissammanställning som följer med", "Remiss: Styrande principer")
    owner.get_by_label("Styrgruppens möte").fill((today_in_stockholm() + timedelta(days=7)).isoformat())
    owner.get_by_label("Meddelande till styrgruppen").fill("Version 2 efter remissen. Princip 1 är **ändrad**.")
    w.click("owner", owner.locator("main form").get_by_role("button", name="Skicka till styrgruppen"), "proposed")
    assert not owner.locator(".error-summary").count(), owner.locator(".error-summary").first.inner_text()
    w.step("owner", "sent-to-steering-group")

    steering = w.pages["steering"]
    w.click("steering", steering.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Beslut"),
            "decisions")
    w.click("steering", steering.get_by_role("link", name="Styrande principer för invånarinteraktion, version 2").first,
            "decision-case")
    steering.get_by_label("Kommentar", exact=True).fill("Ändringen i princip 1 följer remissvaren. Jag tillstyrker.")
    w.click("steering", steering.get_by_role("button", name="Spara kommentaren"), "decision-commented")
    assert "Jag tillstyrker." in steering.locator("main").inner_text()
    steering.get_by_role("group", name="Beslut").get_by_role("radio", name="Fastställd").check()
    steering.get_by_label("Beslutsdatum").fill(today_in_stockholm().isoformat())
    steering.get_by_label("Protokoll").fill("Protokoll 2026-11-20")
    steering.get_by_label("Paragraf").fill("§ 7")
    steering.get_by_label("Närvarande").fill("Stig Styrgrupp\nSara Styrgrupp\nOlle Ordförande")
    w.click("steering", steering.get_by_role("button", name="Fortsätt"), "decision-confirm", readonly=False)
    assert "Stämmer beslutet?" in steering.locator("main").inner_text()
    w.click("steering", steering.locator("button[value=record]"), "decision-recorded")
    assert "Beslutet är registrerat" in steering.locator("main").inner_text()
    w.step("steering", "decision-recorded")
    with app.app_context():
        versions = {v.number: v.status for v in db.session.execute(select(DocumentVersion)).scalars()}
    assert versions[2] == VersionStatus.published, versions

    # 6. The public ---------------------------------------------------------------------------------------
    public = w.person("public")
    w.go("public", "/", "start")
    w.click("public", public.get_by_role("link", name="Styrande principer för invånarinteraktion").first,
            "current-version")
    w.go("public", f"/documents/{KEY}", "document")
    text = public.locator("main").inner_text()
    assert "Version 2" in text or "version 2" in text, text[:500]
    assert NEW_STATEMENT in text and "Protokoll 2026-11-20" in text and "§ 7" in text, text[:2000]
    w.step("public", "public-current-version")
    w.click("public", public.get_by_role("link", name=re.compile("^Historik")).first, "history")
    history = public.locator("main").inner_text()
    # The history lists what the steering group approved: version 2 with its decision. Version 1 was
    # never approved (it went on remiss), so it is not listed, but it stays readable as superseded.
    assert "Protokoll 2026-11-20" in history, history[:2000]
    w.step("public", "public-history")
    w.go("public", f"/documents/{KEY}/versions/1", "version-1-public")
    assert "Ersatt" in public.locator("main").inner_text()
    assert NEW_STATEMENT not in public.locator("main").inner_text()
    w.step("public", "public-version-1-superseded")
    feed = public.context.request.get(w.url(f"/documents/{KEY}/feed.atom"))
    assert feed.status == 200 and "atom" in feed.headers["content-type"], feed.headers
    atom = feed.text()
    entries = re.findall(r"<entry>.*?</entry>", atom, re.S)
    assert entries and f"/documents/{KEY}/versions/2</id>" in entries[0], atom  # the newest approval first
    assert "Protokoll 2026-11-20" in entries[0]
    site_feed = public.context.request.get(w.url("/documents/feed.atom")).text()
    assert f"/documents/{KEY}/versions/2" in site_feed

    # The read-only pages again, in English: each person switches with the button in the header.
    w.language = "en"
    for who in ("public", "admin", "owner", "steering", "anna", "bertil"):
        page = w.pages[who]
        page.goto(w.url("/"))
        with page.expect_navigation():
            page.locator(".language-switch").get_by_role("button", name="English").click()
        assert page.locator("html").get_attribute("lang") == "en"
        seen = set()
        for name, path in w.readonly.get(who, []):
            if path in seen:
                continue
            seen.add(path)
            response = page.goto(w.url(path))
            assert response.status == 200, f"{who} {path} in English: {response.status}"
            assert page.locator("html").get_attribute("lang") == "en", path
            w.check(who, name)
    w.step("owner", "english-round")

    total_axe_runs = 2 * w.checked
    line = (f"whole workflow: {w.checked} pages checked by axe (WCAG 2.1 A/AA, each at 1280 and 320 px: "
            f"{total_axe_runs} axe runs), {w.checked_by_language['sv']} in Swedish and "
            f"{w.checked_by_language['en']} in English; 0 violations")
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(line + "\n", encoding="utf-8")
    print(line)


def _consent_to_name(page):
    """Answer yes to publishing the answer with the respondent's name (a checkbox or a yes/no choice)."""
    box = page.locator("main")
    yes = box.get_by_role("radio", name="Ja, med namn")
    if yes.count():
        yes.first.check()
    elif page.locator(".submit-box").get_by_role("checkbox").count():
        page.locator(".submit-box").get_by_role("checkbox").first.check()


def _choose(page, label: str, text: str):
    """Choose the option whose text contains `text` in the drop-down list named `label`."""
    select = page.get_by_role("combobox", name=label)
    value = select.locator("option", has_text=text).first.get_attribute("value")
    assert value, f"no option {text!r} in {label!r}"
    select.select_option(value)
