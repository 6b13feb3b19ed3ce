"""Template filters of follow-up pages."""

import datetime

from django import template

import clients.models

register = template.Library()


@register.filter
def age_on(birth_date: datetime.date | None, day: datetime.date | None) -> int | None:
    """Whole years from ``birth_date`` to ``day`` (the caseload tells people apart by it)."""
    if birth_date is None or day is None:
        return None
    return clients.models.age_on(birth_date, day)
