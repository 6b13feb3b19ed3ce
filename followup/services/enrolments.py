"""Enrolments in programmes: enrolling (with a study's draw), ending, and ending on a transfer."""

import datetime
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.history import acting_as
from clients.models import Client, Transfer
from clients.services.registration import client_moved_office
from codelists.models import Code, CodeList
from followup.models import Enrolment, Programme
from followup.selectors import enrolments_left_behind
from followup.services import studies
from organisation.models import User


@transaction.atomic
def enrolment_add(
    *,
    client: Client,
    programme: Programme,
    enrolled_on: datetime.date,
    by: User,
    index_date: datetime.date | None = None,
) -> Enrolment:
    """Enrol a client; in a study the index date is set, and in a randomised one an arm drawn."""
    enrolment = Enrolment(
        client=client,
        programme=programme,
        enrolled_on=enrolled_on,
        index_date=(index_date or enrolled_on) if programme.is_study else None,
    )
    enrolment.clean()
    enrolment.save(force_insert=True)
    if programme.is_randomised:
        studies.allocation_draw(enrolment=enrolment, by=by)
    return enrolment


@transaction.atomic
def enrolment_end(*, enrolment: Enrolment) -> Enrolment:
    enrolment.clean()
    enrolment.save()
    return enrolment


# The outcome of an enrolment ended because the client moved to another office.
TRANSFERRED = "transferred"


@receiver(client_moved_office, dispatch_uid="followup.enrolments_end_on_transfer")
def enrolments_end_on_transfer(*, transfer: Transfer, **kwargs: Any) -> list[Enrolment]:
    """End the open enrolments in the old office's programmes on the day of the transfer.

    A programme is the office's own: the new office cannot follow the client up in it.
    Each is ended with the outcome "transferred", by the person who transferred, with
    the move named in its history.
    """
    on = timezone.localdate(transfer.at)
    outcome = Code.objects.get(list_name=CodeList.INTERVENTION_OUTCOME, code=TRANSFERRED)
    ended = []
    with acting_as(transfer.by):
        for enrolment in enrolments_left_behind(transfer.client, transfer.from_office_id):
            enrolment.left_on = max(on, enrolment.enrolled_on)
            enrolment.outcome = outcome
            enrolment._change_reason = _(  # type: ignore[attr-defined]  # simple-history
                "Ended by the transfer to %(office)s."
            ) % {"office": transfer.to_office}
            ended.append(enrolment_end(enrolment=enrolment))
    return ended
