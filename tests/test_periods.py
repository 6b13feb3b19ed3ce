"""core.periods: the overlap rule as SQL, at its edges, checked by PostgreSQL itself."""

import datetime

import pytest
from django.db import connection

from core.periods import overlapping_sql

D = datetime.date
# (start, end) periods around the month of March 2026; None is a period still running.
PERIODS = [
    (D(2026, 1, 1), D(2026, 2, 28)),  # ends the day before
    (D(2026, 1, 1), D(2026, 3, 1)),  # ends on the first day
    (D(2026, 3, 31), None),  # starts on the last day, still running
    (D(2026, 4, 1), None),  # starts the day after
    (D(2025, 1, 1), None),  # began long before, still running
    (D(2026, 3, 10), D(2026, 3, 12)),  # inside
]
SHARES_A_DAY_WITH_MARCH = [False, True, True, False, True, True]


def _matching(condition: str, params: list[object]) -> list[bool]:
    values = ", ".join(["(%s::date, %s::date, %s)"] * len(PERIODS))
    rows = [v for index, (start, end) in enumerate(PERIODS) for v in (start, end, index)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT t.n, {condition} FROM (VALUES {values}) AS t(since, until, n) ORDER BY t.n",  # noqa: S608 - our own text
            [*params, *rows],  # the condition's placeholders come first in the text
        )
        return [matched for _, matched in cursor.fetchall()]


@pytest.mark.django_db
def test_a_last_day_and_a_day_after_give_the_same_overlaps():
    by_last_day = overlapping_sql("t.since", "t.until", from_="%s::date", to="%s::date")
    by_day_after = overlapping_sql("t.since", "t.until", from_="%s::date", before="%s::date")

    # The end comes first in the text: positional parameters go (end, start).
    assert _matching(by_last_day, [D(2026, 3, 31), D(2026, 3, 1)]) == SHARES_A_DAY_WITH_MARCH
    assert _matching(by_day_after, [D(2026, 4, 1), D(2026, 3, 1)]) == SHARES_A_DAY_WITH_MARCH


def test_exactly_one_end_is_given():
    with pytest.raises(ValueError, match="one of"):
        overlapping_sql("a", "b", from_="x")
    with pytest.raises(ValueError, match="one of"):
        overlapping_sql("a", "b", from_="x", to="y", before="z")
