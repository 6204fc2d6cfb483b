"""Locust users for the load benchmark (benchmarks/load.py starts them headless).

AutosaveUser: a representative who logs in, opens the answer form (its CSRF token) and then
autosaves a growing comment on one principle after another, sending the lock_version the last
save returned – what answer.js does while someone writes. BareUser: posts the same JSON body to
the benchmark-only bare route (one INSERT). BENCH_LOAD_WORLD is the JSON file that says who
the users are; BENCH_WAIT the mean pause between a user's requests in seconds (0: as fast as
answered).

The pauses are drawn at random (exponentially distributed, as the times between independent
people's saves are), not all exactly BENCH_WAIT: with a fixed pause the fifty users, started
together, sent their requests in step every second, and each burst queued at the four workers.
On 7 December the bare route then took 18–35 ms at the client (p50) for 5 ms in the server, and
autosave's p95 at the client was 35–110 ms in five runs for 23–29 ms in the server; with random
pauses the bare route took 5–6 ms at the client too. Autosave's slow tail at the client had a
cause of its own: the measured period began before every user had logged in (`_ready`).

Both are FastHttpUsers (geventhttpclient), not HttpUsers (requests): the load tool shares this
machine's two cores with the server, and requests' own work per request showed in the latencies
it measured – at the paced load of 7 December the bare route's p95 was 45 ms at the client
against 11 ms in the server's access log.
"""
from __future__ import annotations

import itertools
import json
import os
import random
import re
from urllib.parse import urlencode

import gevent
import gevent.event
from locust import FastHttpUser, task

WORLD = json.loads(open(os.environ["BENCH_LOAD_WORLD"]).read()) if os.environ.get("BENCH_LOAD_WORLD") else {}
WAIT = float(os.environ.get("BENCH_WAIT", "0"))
PASSWORD = WORLD.get("password", "")
_emails = itertools.cycle(WORLD.get("emails", []))
WORDS = "vi anser att principen behöver förtydligas när det gäller ansvar och samverkan".split()


def pause(user) -> float:
    """Seconds before a user's next request: WAIT on average, drawn at random (see above)."""
    return random.expovariate(1 / WAIT) if WAIT else 0.0


_ready_users = 0
_everyone_ready = gevent.event.Event()


def _ready(environment) -> None:
    """Wait until every user has logged in and opened the answer form; the last one to get there
    starts the statistics again before anyone autosaves. Locust resets them when every user has
    *started* (--reset-stats), while half of them are still logging in: the log-ins and answer forms
    (120–300 ms each) held the workers, the first autosaves waited for them, and those in flight at
    the reset were counted with that wait – 190–300 ms at the client, none of it in autosave's own
    time in the server. That was autosave's whole tail at the client (p99 250–300 ms in every run of
    7 December; over any ten seconds after the start 12–20 ms)."""
    global _ready_users
    _ready_users += 1
    if _ready_users == environment.runner.target_user_count:
        environment.stats.reset_all()
        _everyone_ready.set()
    _everyone_ready.wait()


def _body(n: int, key: str, lock_version: int) -> dict:
    text = " ".join(WORDS[i % len(WORDS)] for i in range(n % 60 + 5)) + f" ({n})"
    return {"fields": {f"{key}.lock_version": str(lock_version), f"{key}.comment": text}}


class AutosaveUser(FastHttpUser):
    wait_time = pause

    def on_start(self):
        self.consultation = WORLD["consultation_id"]
        self.keys = [f"p{pid}" for pid in WORLD["principle_text_ids"]]
        self.locks = {key: 0 for key in self.keys}
        self.n = 0
        email = next(_emails)
        page = self.client.get("/login", name="login page").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.client.post("/login", data=urlencode({"email": email, "password": PASSWORD, "csrf_token": token}),
                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                         name="log in", allow_redirects=False)
        form = self.client.get(f"/consultations/{self.consultation}/respond", name="answer form").text
        self.csrf = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
        _ready(self.environment)
        gevent.sleep(pause(self))  # the first saves spread out as the later ones are, not all at once

    @task
    def autosave(self):
        self.n += 1
        key = self.keys[(self.n // 20) % len(self.keys)]  # some twenty saves per principle, then the next
        with self.client.post(f"/consultations/{self.consultation}/respond/autosave", name="autosave",
                              json=_body(self.n, key, self.locks[key]), catch_response=True,
                              headers={"X-CSRFToken": self.csrf, "Accept": "application/json"}) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}: {response.text[:200]}")
                return
            part = response.json()["parts"][key]
            self.locks[key] = part["lock_version"]


class BareUser(FastHttpUser):
    wait_time = pause

    def on_start(self):
        self.n = 0

    @task
    def bare(self):
        self.n += 1
        self.client.post("/bench/bare", name="bare insert", json=_body(self.n, "p1", 0))
