"""What "today" is in a test: the Oslo date when the test runs, never when its module was imported.

A module-level ``TODAY = timezone.localdate()`` is fixed at collection; a run that
crosses midnight in Oslo then compares yesterday's date with the application's today.
"""

import datetime

from django.utils import timezone


def today() -> datetime.date:
    """The date the application takes as today (settings.TIME_ZONE), read now."""
    return timezone.localdate()


def days_ago(days: int) -> datetime.date:
    return today() - datetime.timedelta(days=days)


def days_ahead(days: int) -> datetime.date:
    return today() + datetime.timedelta(days=days)
