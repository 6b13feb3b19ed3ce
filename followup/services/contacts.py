"""Workflows of follow-up: logging contacts and the caseload."""

import datetime
from collections.abc import Iterable
from typing import Any, NotRequired, TypedDict, Unpack

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.history import acting_as, one_history_row
from audit.versioning import save_unless_changed
from clients.models import Client, Transfer
from clients.services.registration import client_moved_office
from codelists.models import Code, CodeList
from followup.models import Contact, Enrolment, Programme, Reminder
from followup.services import studies
from organisation.models import User


class ContactFields(TypedDict):
    """What a contact records, by the model's field names (shared by the services below and
    the family contact, so that one list names them)."""

    date: datetime.date
    channel: Code
    duration_minutes: NotRequired[int]
    topics: NotRequired[Iterable[Code]]
    interpreter_used: NotRequired[bool]
    other_services: NotRequired[Iterable[Code]]
    agreed_actions: NotRequired[str]
    note: NotRequired[str]
    next_contact_on: NotRequired[datetime.date | None]


@transaction.atomic
def contact_log(*, client: Client, by: User, **fields: Unpack[ContactFields]) -> Contact:
    """Record a contact; the person logging it is among the staff present."""
    topics = fields.pop("topics", [])
    other_services = fields.pop("other_services", [])
    contact = Contact(client=client, recorded_by=by, **fields)
    contact.clean()
    with one_history_row(contact):
        contact.save(force_insert=True)
        contact.topics.set(topics)
        contact.other_services.set(other_services)
        contact.staff.add(by)
    return contact


@transaction.atomic
def contact_update(
    *, contact: Contact, expected_version: int | None, **fields: Unpack[ContactFields]
) -> Contact:
    """Save an edited contact; refused if someone saved it after the form was opened."""
    topics = fields.pop("topics", None)
    other_services = fields.pop("other_services", None)
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.clean()
    with one_history_row(contact):
        save_unless_changed(contact, expected_version=expected_version)
        if topics is not None:
            contact.topics.set(topics)
        if other_services is not None:
            contact.other_services.set(other_services)
    return contact


def with_contact_dates(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Annotate each client with the date of the last contact and the next one agreed.

    Both come from the latest contact, found through the contact_client_latest index.
    """
    latest = Contact.objects.filter(client=OuterRef("pk")).order_by("-date", "-id")
    return clients.annotate(
        last_contact=Subquery(latest.values("date")[:1]),
        next_contact=Subquery(latest.values("next_contact_on")[:1]),
    )


def caseload(*, user: User, today: datetime.date, filters: dict[str, str]) -> QuerySet[Client]:
    """The caseworker's worklist: overdue first, then by when contact is due."""
    clients: QuerySet[Client] = Client.objects.visible_to(user).select_related(
        "office", "caseworker"
    )
    view = filters.get("view", "mine")
    if view == "unassigned":
        clients = clients.filter(caseworker__isnull=True)
    elif view != "office":
        clients = clients.filter(caseworker=user)
    status = filters.get("status", Client.Status.ACTIVE)
    if status in Client.Status.values:
        clients = clients.filter(status=status)
    if programme := filters.get("programme"):
        # A join does not go through the default manager: the mark is filtered here.
        clients = clients.filter(
            enrolments__programme_id=programme,
            enrolments__left_on__isnull=True,
            enrolments__entered_in_error=False,
        )
    if benefit := filters.get("benefit"):
        clients = clients.filter(
            benefits__kind__code=benefit,
            benefits__end__isnull=True,
            benefits__entered_in_error=False,
        )
    # Any: the stubs cannot follow the annotations into the filters below.
    dated: Any = with_contact_dates(clients).distinct()
    due = filters.get("due")
    if due == "overdue":
        dated = dated.filter(next_contact__lt=today)
    elif due == "today":
        dated = dated.filter(next_contact=today)
    elif due == "new":
        dated = dated.filter(last_contact__isnull=True)
    ordered: QuerySet[Client] = dated.order_by(
        F("next_contact").asc(nulls_last=True), "last_name", "first_name", "pk"
    )
    return ordered


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


def enrolments_left_behind(client: Client, office_id: int) -> QuerySet[Enrolment]:
    """The client's open enrolments in programmes of ``office_id`` (a transfer ends them)."""
    return (
        Enrolment.objects.filter(
            client=client, left_on__isnull=True, programme__office_id=office_id
        )
        .select_related("programme")
        .order_by("enrolled_on", "pk")
    )


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
