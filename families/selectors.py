"""Counts over families for dashboards and research: aggregates computed in the database."""

import datetime
from typing import Literal

from django.db.models import Count

from families.models import SchoolStatus
from organisation.models import User

GROUPINGS = {
    "office": "member__family__office__name",
    "family": "member__family__name",
    # A child counts for a programme when an adult client of the family is enrolled in it.
    "programme": "member__family__memberships__client__enrolments__programme__name",
}


def upper_secondary_dropouts(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date,
    by: Literal["office", "family", "programme"],
) -> dict[str, int]:
    """How many young people dropped out of upper secondary in the period, per group."""
    key = GROUPINGS[by]
    rows = (
        SchoolStatus.objects.visible_to(user)
        .upper_secondary_dropouts()
        .filter(valid_from__gte=start, valid_from__lte=end)
        .filter(**{f"{key}__isnull": False})  # same join as values(); exclude() would not be
        .values(key)
        .annotate(young_people=Count("member", distinct=True))
        .order_by(key)
    )
    return {row[key]: row["young_people"] for row in rows}
