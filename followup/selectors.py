"""Follow-up's reads: the caseload, the dates of contact, the enrolments a transfer ends."""

import datetime
from typing import Any

from django.db.models import F, OuterRef, QuerySet, Subquery

from clients.models import Client
from followup.models import Contact, Enrolment
from organisation.models import User


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


def enrolments_left_behind(client: Client, office_id: int) -> QuerySet[Enrolment]:
    """The client's open enrolments in programmes of ``office_id`` (a transfer ends them)."""
    return (
        Enrolment.objects.filter(
            client=client, left_on__isnull=True, programme__office_id=office_id
        )
        .select_related("programme")
        .order_by("enrolled_on", "pk")
    )
