"""Template filters of follow-up pages."""

import datetime

from django import template

register = template.Library()


@register.filter
def age_on(birth_date: datetime.date | None, day: datetime.date | None) -> int | None:
    """Whole years from ``birth_date`` to ``day`` (the caseload tells people apart by it)."""
    if birth_date is None or day is None:
        return None
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday
