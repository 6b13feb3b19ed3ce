"""Period overlap: when a period (an open end still running) shares a day with another."""

import datetime

from django.db.models import Q


def overlapping(
    start_field: str, end_field: str, from_: datetime.date, to: datetime.date | None
) -> Q:
    """Rows whose period from start_field to end_field shares at least one day with from_–to.

    Both ends are inclusive. A NULL end_field is a period still running; to=None compares
    with a period that has not ended either.
    """
    running = Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": from_})
    if to is None:
        return running
    return Q(**{f"{start_field}__lte": to}) & running


def overlapping_sql(
    start_column: str,
    end_column: str,
    *,
    from_: str,
    to: str | None = None,
    before: str | None = None,
) -> str:
    """The same rule as SQL text, for raw SQL: from_, to and before are placeholders or
    expressions.

    The other period ends on the day `to`, or on the day before `before` (a month: the
    next month's first day); give one of them. The end comes first in the text, so
    positional parameters go (to or before, from_).
    """
    if (to is None) == (before is None):
        raise ValueError("Give one of to and before.")
    starts_in_time = f"{start_column} <= {to}" if to is not None else f"{start_column} < {before}"
    return f"{starts_in_time} AND ({end_column} IS NULL OR {end_column} >= {from_})"
