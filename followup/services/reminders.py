"""Reminders: a caseworker's own notes of what to do, about a client or not."""

import datetime

from django.db import transaction
from django.utils import timezone

from clients.models import Client
from followup.models import Reminder
from organisation.models import User


@transaction.atomic
def reminder_add(
    *, owner: User, client: Client | None, text: str, due_on: datetime.date
) -> Reminder:
    return Reminder.objects.create(owner=owner, client=client, text=text, due_on=due_on)


@transaction.atomic
def reminder_done(*, reminder: Reminder) -> Reminder:
    reminder.done_at = timezone.now()
    reminder.save(update_fields=["done_at"])
    return reminder
