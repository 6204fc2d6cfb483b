"""Data safety under concurrency: the answering world (tests/responses/conftest.py), and clients
that each hold their own log-in, for use from several threads at once."""
from __future__ import annotations

import threading

from tests.conftest import PASSWORD, post_form
from tests.responses.conftest import answering  # noqa: F401  (the world these tests use)


def logged_in_client(app, email):
    client = app.test_client()
    response = post_form(client, "/login", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, "logged in"
    return client


def run_together(functions, timeout=120):
    """Run the functions in threads that start at the same moment; return their results in order.

    An exception in a thread is re-raised here, so that a crash is never mistaken for a pass.
    """
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)
    errors: list = []

    def run(index, function):
        try:
            barrier.wait()
            results[index] = function()
        except BaseException as error:  # noqa: BLE001 – reported below
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i, f)) for i, f in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    if errors:
        raise errors[0]
    return results
