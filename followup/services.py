"""Workflows of follow-up: logging contacts and the caseload."""

import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, QuerySet, Subquery

from clients.models import Client
from followup.models import Contact
from organisation.models import User


@transaction.atomic
def contact_log(*, client: Client, by: User, data: dict[str, Any]) -> Contact:
    """Record a contact; the person logging it is among the staff present."""
    topics = data.pop("topics", [])
    other_services = data.pop("other_services", [])
    contact = Contact.objects.create(client=client, recorded_by=by, **data)
    contact.topics.set(topics)
    contact.other_services.set(other_services)
    contact.staff.add(by)
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
        clients = clients.filter(
            enrolments__programme_id=programme, enrolments__left_on__isnull=True
        )
    if benefit := filters.get("benefit"):
        clients = clients.filter(benefits__kind__code=benefit, benefits__end__isnull=True)
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
