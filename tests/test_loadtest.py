"""A short `make loadtest`: 16 staff on mixed journeys against gunicorn make no errors."""

from devdata.bench import loadtest
from devdata.bench.measure import gunicorn
from devdata.demo import seed_organisation
from tests.scratch_postgres import free_port
from tests.workers import database_url_of_tests

PAGES = set(loadtest.PAGES)


def test_sixteen_users_on_mixed_journeys_get_every_page_without_an_error(
    transactional_db: None,
) -> None:
    seed_organisation(clients_per_office=4)
    with gunicorn(free_port(), database_url_of_tests()) as host:
        # 15 s, or longer on a slow machine until every page has been answered.
        result = loadtest.run(host, users=16, seconds=15, warmup=5, think=0.5, at_most=90)
    lines = loadtest.report(result)
    print("\n" + "\n".join(lines))
    assert result["errors"] == 0, lines
    assert result["signed_in"] == 16, lines
    assert loadtest.problems(result) == [], lines
    measured = {page["page"]: page for page in result["pages"]}
    assert set(measured) >= PAGES, lines
    for name in PAGES:
        assert measured[name]["requests"] > 0, lines
        assert measured[name]["errors"] == 0, lines
        assert measured[name]["p95_ms"] > 0, lines
    # Every simulated user signed in with an account of its own.
    assert len({account["username"] for account in loadtest.accounts(16)}) == 16
    # A run that measured nothing fails.
    assert loadtest.problems({**result, "pages": [], "signed_in": 3}) == [
        "only 3 of 16 users signed in",
        f"never answered after the warm-up: {', '.join(loadtest.PAGES)}",
    ]
    # The figures printed: a line of each page, with its p95.
    for name in PAGES:
        [line] = [line for line in lines if line.startswith(f"{name} ")]
        assert f"{measured[name]['p95_ms']:>7.0f}" in line
