"""Fuzzing: random form data, query strings, JSON bodies and ids against every route in the URL
map, as an anonymous visitor, a process owner and a representative – zero 500 responses.

Each route gets its own test with a fresh world (tests/test_route_permissions.py's), so what one
route's fuzzing changes does not hide the next route. POSTs carry a valid CSRF token so they reach
the views. Field names and the values the application itself offers (hidden fields, options) are
read from the pages, so the random requests look like real ones often enough to get past the
first validation. Examples per route and identity: FUZZ_EXAMPLES (default 6); in CI (CI=true)
the examples are derandomised so a run can be repeated.

The number of requests sent is printed and written to test-artifacts/fuzz-summary.txt.
"""
from __future__ import annotations

import os
import re
import string
from collections import defaultdict
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from remiss import create_app
from tests.conftest import PASSWORD, csrf_token
from tests.responses.conftest import answering  # noqa: F401  (the world builds on it)
from tests.test_route_permissions import TABLE, world  # noqa: F401

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "6"))
IDENTITIES = ["anonymous", "process_owner", "representative"]
SUMMARY = Path(__file__).resolve().parents[2] / "test-artifacts" / "fuzz-summary.txt"


def _rules():
    app = create_app({"TESTING": True, "SECRET_KEY": "collect-only", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        methods = sorted((rule.methods or set()) & {"GET", "POST"})
        rules.append((rule.endpoint, rule.rule, methods,
                      {name: isinstance(conv, IntegerConverter) for name, conv in rule._converters.items()}))
    return sorted(rules)


RULES = _rules()
COUNTS = defaultdict(int)  # (endpoint) → requests sent
STATUSES = defaultdict(int)


# --- reading the forms of the pages -------------------------------------------------------------

class _Forms(HTMLParser):
    """Every form on a page: its action, method, field names and the values the page offers."""

    def __init__(self):
        super().__init__()
        self.forms = []
        self._form = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "method": (a.get("method") or "get").upper(),
                          "fields": defaultdict(set)}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and a.get("name"):
            self._form["fields"][a["name"]].add(a.get("value") or "")
            self._select = a["name"] if tag == "select" else None
        elif self._form is not None and tag == "option" and getattr(self, "_select", None):
            self._form["fields"][self._select].add(a.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def harvest(app, client, urls):
    """Field names and offered values per endpoint that a form on these pages posts or gets to."""
    adapter = app.url_map.bind("localhost")
    fields: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or "html" not in (response.content_type or ""):
            continue
        parser = _Forms()
        parser.feed(response.get_data(as_text=True))
        for form in parser.forms:
            action = urlsplit(form["action"]).path or urlsplit(url).path
            try:
                endpoint, _ = adapter.match(action, method=form["method"])
            except HTTPException:
                continue
            for name, values in form["fields"].items():
                fields[endpoint][name] |= values
    return fields


# --- what is sent --------------------------------------------------------------------------------

ODD = ["", " ", "0", "-1", "1", "2", "3", "2147483648", "99999999999999999999999", "-99999999999999999999",
       "1e309", "NaN", "None", "null", "true", "on", "off", "2026-02-30", "2026-13-45T25:61", "9999-12-31",
       "0001-01-01", "åäö ÅÄÖ – “citat”", "😀" * 3, "\u202eomvänd", "%00", "../../etc/passwd", "<script>x</script>",
       "' OR 1=1 --", "a" * 5000, "\n" * 50]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=40)
NUMBERS = st.integers(min_value=-(2**70), max_value=2**70).map(str)
LONG = st.builds(lambda c, n: c * n, st.sampled_from(["x", "å", "[", "*", "\x00", "😀"]), st.integers(0, 30000))
VALUE = st.one_of(st.sampled_from(ODD), TEXT, NUMBERS, LONG)


def value_for(offered: set) -> st.SearchStrategy:
    offered = sorted(v for v in offered if v)
    if not offered:
        return VALUE
    return st.one_of(st.sampled_from(offered), st.sampled_from(offered), VALUE)


def params(fields: dict[str, set]) -> st.SearchStrategy:
    """Some of the page's own fields (with values it offers or random ones) and some random names."""
    known = st.fixed_dictionaries({}, optional={name: value_for(values) for name, values in fields.items()
                                                if name != "csrf_token"})
    extra = st.dictionaries(st.text(string.ascii_lowercase + "._-[]0123456789", min_size=1, max_size=12),
                            VALUE, max_size=3)
    return st.builds(lambda a, b: {**b, **a}, known, extra)


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False), TEXT,
              st.text(alphabet=st.characters(codec=None), max_size=5)),  # lone surrogates too
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def json_body(fields: dict[str, set]) -> st.SearchStrategy:
    return st.one_of(JSON_VALUE, params(fields).map(lambda f: {"fields": f}), params(fields))


def path_value(valid, is_int: bool) -> st.SearchStrategy:
    fuzz = (st.one_of(st.integers(0, 50), st.integers(2**31 - 2, 2**64), st.integers(-(2**40), -1)).map(str)
            if is_int else st.one_of(TEXT.filter(bool), LONG.filter(bool), st.sampled_from(ODD[1:])))
    # Mostly the real id, so the other parts of the request reach the view; now and then an odd one.
    return st.one_of(st.just(str(valid)), st.just(str(valid)), st.just(str(valid)), fuzz) if valid is not None else fuzz


def build_path(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: quote(values[m.group(1)], safe=""), rule)


# --- the test -----------------------------------------------------------------------------------

_HARVEST: dict = {}


def _login(client, user):
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client)})


@pytest.fixture(scope="module", autouse=True)
def _summary():
    yield
    total = sum(COUNTS.values())
    lines = [f"fuzz requests sent: {total}", f"routes fuzzed: {len(COUNTS)}",
             f"examples per route, identity and method: {EXAMPLES}",
             "status codes: " + ", ".join(f"{code}: {n}" for code, n in sorted(STATUSES.items()))]
    lines += [f"  {endpoint}: {n}" for endpoint, n in sorted(COUNTS.items())]
    SUMMARY.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text("\n".join(lines) + "\n")
    print("\n" + "\n".join(lines[:4]))


@pytest.mark.parametrize("endpoint, rule, methods, converters", RULES, ids=[r[0] for r in RULES])
def test_no_route_answers_500(app, client, world, endpoint, rule, methods, converters):
    users = {"process_owner": world.users["process_owner"], "representative": world.users["representative"]}
    if not _HARVEST:
        urls = [pattern.format(**world.ids) for pattern, method, _ in TABLE.values() if method == "GET"]
        urls += ["/consultations/{c}/respond".format(**world.ids), "/consultations/{c}/respond/general".format(**world.ids)]
        merged: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
        for identity in ("process_owner", "representative", "administrator"):
            c = app.test_client()
            _login(c, world.users[identity])
            for ep, fields in harvest(app, c, urls).items():
                for name, values in fields.items():
                    merged[ep][name] |= values
        _HARVEST.update(merged)
    fields = _HARVEST.get(endpoint, {})

    # Valid path values from the permission table's address for this route, where it has one.
    valid = {}
    if endpoint in TABLE:
        url = TABLE[endpoint][0].format(**world.ids)
        try:
            _, valid = app.url_map.bind("localhost").match(url, method=TABLE[endpoint][1])
        except HTTPException:
            valid = {}
    path = st.fixed_dictionaries({name: path_value(valid.get(name), is_int) for name, is_int in converters.items()})
    server_errors = []

    for identity in IDENTITIES:
        fuzz_client = app.test_client()
        if identity != "anonymous":
            _login(fuzz_client, users[identity])
        session = {"token": csrf_token(fuzz_client)}

        for method in methods:
            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=bool(os.environ.get("CI")),
                      suppress_health_check=list(HealthCheck))
            @given(path_values=path, query=params(fields), form=params(fields), body=json_body(fields),
                   as_json=st.booleans(), accept=st.sampled_from(["text/html", "application/json", "*/*"]))
            def one_request(path_values, query, form, body, as_json, accept):
                url = build_path(rule, {k: str(v) for k, v in path_values.items()})
                token = session["token"]
                headers = {"Accept": accept, "X-CSRFToken": token}
                if method == "GET":
                    response = fuzz_client.get(url, query_string=query, headers=headers)
                elif as_json:
                    response = fuzz_client.post(url, query_string=query, json=body, headers=headers)
                else:
                    response = fuzz_client.post(url, query_string=query, data={**form, "csrf_token": token},
                                                headers=headers)
                COUNTS[endpoint] += 1
                STATUSES[response.status_code] += 1
                if response.status_code >= 500:
                    server_errors.append(f"{identity} {method} {url} query={query!r:.300} "
                                         f"{'json=' + repr(body) if as_json and method == 'POST' else 'form=' + repr(form)}"[:1500])
                # Log-out, or anything that ended the session, is undone so the identity stays itself.
                if identity != "anonymous" and endpoint in ("auth.logout", "auth.change_password"):
                    _login(fuzz_client, users[identity])
                    session["token"] = csrf_token(fuzz_client)

            one_request()

    assert not server_errors, f"{len(server_errors)} requests answered 500:\n" + "\n".join(server_errors[:10])
