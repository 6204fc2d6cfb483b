"""Real-browser tests: the app served on a free port, driven by Debian's Chromium through Playwright.

Fixtures:
  live_server   the `app` fixture (same test database as every other test) served by werkzeug in a thread;
                `live_server.url("/path")` gives the address.
  browser       one Chromium for the whole session (/usr/bin/chromium, or REMISS_CHROMIUM).
  page          a fresh browser context and tab per test, 1280×900, Swedish; a screenshot is kept when
                the test fails.
Helpers (import them: `from tests.e2e.conftest import check_page, login`):
  check_accessibility(page)      axe with the WCAG 2.0/2.1 A and AA rules; fails listing every violation.
  assert_no_horizontal_scroll(page)
  check_page(page, name)         screenshots at 1280 and 320 px, axe at both widths, no sideways scrolling at
                                 640 (200 % zoom) and 320 px,
                                 no script errors or CSP violations.
  screenshot(page, name)         test-artifacts/screenshots/<name>.png
  login(page, live_server, email, password=PASSWORD)

Without Chromium or Playwright the tests are skipped locally with the reason, and FAIL in CI (CI=true).
"""
from __future__ import annotations

import os
import re
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.conftest import PASSWORD

CHROMIUM = os.environ.get("REMISS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1280, "height": 900}
NARROW = {"width": 320, "height": 800}
ZOOMED = {"width": 640, "height": 450}  # 1280×900 at 200 % zoom


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def _unavailable(reason: str):
    """No browser: a failure in CI, where the browser tests must run; a skip with the reason elsewhere."""
    if _in_ci():
        pytest.fail(f"{reason} – CI must run the browser tests (apt-get install -y chromium)", pytrace=False)
    pytest.skip(reason)


# --- the app on a real port ------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # the access log would bury the test output
        pass


class LiveServer:
    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self):
        self._thread.start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not os.path.exists(CHROMIUM):
        _unavailable(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(_playwright):
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)  # only this run's pictures
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome on the test, so that `page` can tell whether the test failed."""
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"_report_{report.when}", report)


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport=DESKTOP, locale="sv-SE", reduced_motion="reduce")
    context.set_default_timeout(15_000)
    page = context.new_page()
    # Script errors, CSP violations (console errors) and failed loads of styles, scripts and images.
    # A page's own status (a 404 page, a 422 form) is the test's business, not a browser error.
    errors = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" and not message.text.startswith("Failed to load resource") else None)
    page.on("response", lambda response: errors.append(f"{response.status} {response.url}")
            if response.status >= 400 and response.request.resource_type != "document" else None)
    page.browser_errors = errors
    yield page
    report = getattr(request.node, "_report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()


# --- helpers -----------------------------------------------------------------------------------------


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "page"


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{_slug(name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _settle(page):
    """Two animation frames: layout, resize observers and their DOM changes are done."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def _describe(violations) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} – {violation['helpUrl']}")
        for node in violation["nodes"][:10]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            lines.append(f"    {target}: {node.get('html', '')[:160]}  {summary[:300]}")
        if len(violation["nodes"]) > 10:
            lines.append(f"    … and {len(violation['nodes']) - 10} more")
    return "\n".join(lines)


def check_accessibility(page, name: str | None = None):
    """Run axe-core on the page with the WCAG 2.0 and 2.1 A/AA rules; fail with every violation listed."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]})
    violations = results.response["violations"]
    if violations:
        where = name or page.url
        pytest.fail(f"axe found {len(violations)} WCAG violation(s) on {where} ({page.url}):\n{_describe(violations)}",
                    pytrace=False)


def assert_no_horizontal_scroll(page, name: str | None = None):
    width, client = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if width > client:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('body *')]
                .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
                .slice(0, 8).map(el => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''))"""
        )
        pytest.fail(f"{name or page.url}: the page scrolls sideways at {client}px ({width}px wide); too wide: {wide}",
                    pytrace=False)


def assert_no_browser_errors(page, name: str | None = None):
    """No script error, no Content-Security-Policy violation (an inline style or script would be one),
    no style, script or image that failed to load."""
    errors = getattr(page, "browser_errors", [])
    if errors:
        pytest.fail(f"{name or page.url}: the browser reported errors: {errors}", pytrace=False)


def check_page(page, name: str):
    """The shared checks of every page: axe at 1280 px and at 320 px (400 % zoom), no sideways scrolling
    at 640 px (200 % zoom) and 320 px, screenshots at 1280 and 320 px. The viewport is left at 1280 px."""
    assert_no_browser_errors(page, name)
    page.set_viewport_size(DESKTOP)
    _settle(page)
    screenshot(page, f"{name}-1280")
    check_accessibility(page, f"{name} at 1280px")
    page.set_viewport_size(ZOOMED)
    _settle(page)
    assert_no_horizontal_scroll(page, f"{name} at 200% zoom (640px)")
    page.set_viewport_size(NARROW)
    _settle(page)
    screenshot(page, f"{name}-320")
    assert_no_horizontal_scroll(page, f"{name} at 320px")
    check_accessibility(page, f"{name} at 320px")
    page.set_viewport_size(DESKTOP)
    _settle(page)


def login(page, live_server, email: str, password: str = PASSWORD):
    page.goto(live_server.url("/login"))
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/login" not in page.url, f"log-in as {email} failed: still on {page.url}"
