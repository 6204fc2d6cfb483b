"""The administration pages load what they need in a fixed number of queries, however much there is."""
from contextlib import contextmanager

from sqlalchemy import event

from remiss.auth.models import Role
from remiss.extensions import db


@contextmanager
def counted_queries(app):
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app, client, url) -> int:
    with counted_queries(app) as statements:
        assert client.get(url).status_code == 200
    return len(statements)


def test_lists_and_network_page_do_not_query_per_row(app, client, admin, make_organisation, make_user, make_network):
    def grow(prefix, size):
        organisations = [make_organisation(f"{prefix}{n}", f"Organisation {prefix}{n}") for n in range(size)]
        people = [make_user(Role.representative, email=f"{prefix}{n}@example.se", organisation=o)
                  for n, o in enumerate(organisations)]
        people += [make_user(Role.representative, email=f"{prefix}i{n}@example.se") for n in range(size)]
        make_user(Role.representative, email=f"{prefix}-utanfor@example.se", organisation=organisations[0])
        return make_network(f"Nätverk {prefix}", organisations=organisations, members=people)

    small = grow("A", 1)
    urls = ["/admin/organisations", "/admin/networks", f"/admin/networks/{small}"]
    before = {url: queries_for(app, client, url) for url in urls}

    large = grow("B", 8)
    after = {url: queries_for(app, client, url) for url in urls}
    assert after == before
    assert queries_for(app, client, f"/admin/networks/{large}") == before[f"/admin/networks/{small}"]
