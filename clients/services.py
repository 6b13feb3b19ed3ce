"""Workflows of the client register: register, update, search, duplicates, transfer."""

import datetime
from difflib import SequenceMatcher
from typing import NotRequired, TypedDict, Unpack

from django.db import transaction
from django.db.models import QuerySet
from django.dispatch import Signal

from audit.versioning import save_unless_changed
from clients.folding import fold
from clients.models import Client, Transfer
from codelists.models import Code
from organisation.models import Office, User

# How alike two folded full names must be to count as a possible duplicate.
SIMILAR_NAME = 0.75

# Sent inside the transaction of a move to another office, with ``transfer`` (the
# Transfer row). The apps whose records belong to an office (follow-up's programme
# enrolments) end them here, so the client depends on none of them.
client_moved_office = Signal()


def identifier_in(query: str) -> tuple[str, str] | None:
    """("national_id" or "duf_number", the digits) where the query is a number, not a name."""
    digits = "".join(ch for ch in query if ch.isdigit())
    if len(digits) < len(query.replace(" ", "")) - 2:
        return None
    return {11: ("national_id", digits), 12: ("duf_number", digits)}.get(len(digits))


def client_search(*, user: User, query: str) -> QuerySet[Client]:
    """Clients of the user's offices by national id (11 digits), DUF number or by name."""
    clients = (
        Client.objects.visible_to(user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office", "caseworker")
    )
    if identifier := identifier_in(query):
        field, digits = identifier
        return clients.filter(**{field: digits})
    return clients.matching_name(query)


def possible_duplicates(
    *,
    user: User,
    first_name: str,
    last_name: str,
    birth_date: datetime.date | None,
    exclude_pk: int | None = None,
) -> list[Client]:
    """Clients of the user's offices with the same date of birth and a similar name.

    Case, accents and æøå are folded: "Østby" and "Ostby" match. (The same
    national id is refused outright by the form.)
    """
    visible = (
        Client.objects.visible_to(user)
        .exclude(status=Client.Status.MERGED)
        .select_related("office")
    )
    if exclude_pk is not None:
        visible = visible.exclude(pk=exclude_pk)
    found: dict[int, Client] = {}
    if birth_date:
        wanted = fold(f"{first_name} {last_name}")
        for candidate in visible.filter(birth_date=birth_date):
            name = fold(f"{candidate.first_name} {candidate.last_name}")
            if SequenceMatcher(None, wanted, name).ratio() >= SIMILAR_NAME:
                found[candidate.pk] = candidate
    return list(found.values())


def records_of(client: Client) -> list[int]:
    """The client's record and every record merged into it, however many merges back."""
    records, newest = [client.pk], [client.pk]
    while newest := list(
        Client.objects.filter(merged_into__in=newest).values_list("pk", flat=True)
    ):
        records += newest
    return records


class ClientFields(TypedDict):
    """What registering a client records, by the model's field names; a field left out takes
    the model's default."""

    office: Office
    first_name: str
    last_name: str
    birth_date: datetime.date
    national_id: NotRequired[str | None]
    duf_number: NotRequired[str | None]
    gender: NotRequired[str]
    caseworker: NotRequired[User | None]
    status: NotRequired[str]
    phone: NotRequired[str]
    email: NotRequired[str]
    address: NotRequired[str]
    language: NotRequired[Code | None]
    interpreter_needed: NotRequired[bool]
    usual_channel: NotRequired[Code | None]
    country_of_birth: NotRequired[Code | None]
    refugee_background: NotRequired[bool]
    arrival_year: NotRequired[int | None]
    settlement_municipality: NotRequired[Code | None]


@transaction.atomic
def client_register(**fields: Unpack[ClientFields]) -> Client:
    """Register a client."""
    client = Client(**fields)
    client.clean()  # the form ran it already; here for every other caller
    client.save()
    return client


@transaction.atomic
def client_update(*, client: Client, expected_version: int | None, by: User) -> Client:
    """Save a client edited in a form; refused if someone saved it meanwhile."""
    previous = Client.objects.select_for_update().get(pk=client.pk)
    client.clean()
    saved = save_unless_changed(client, expected_version=expected_version)
    if (previous.office_id, previous.caseworker_id) != (saved.office_id, saved.caseworker_id):
        transfer = Transfer.objects.create(
            client=saved,
            by=by,
            from_office_id=previous.office_id,
            to_office_id=saved.office_id,
            from_caseworker_id=previous.caseworker_id,
            to_caseworker_id=saved.caseworker_id,
        )
        if previous.office_id != saved.office_id:
            client_moved_office.send(sender=Transfer, transfer=transfer)
    return saved


@transaction.atomic
def client_transfer(*, client: Client, to_office: Office, by: User, reason: str) -> Transfer:
    """Move a client to another office; the new office assigns a caseworker."""
    locked = Client.objects.select_for_update().get(pk=client.pk)
    transfer = Transfer.objects.create(
        client=locked,
        by=by,
        from_office_id=locked.office_id,
        to_office=to_office,
        from_caseworker_id=locked.caseworker_id,
        to_caseworker=None,
        reason=reason,
    )
    locked.office = to_office
    locked.caseworker = None
    locked.version += 1
    # The reason goes with the client's own history row too (simple-history's change reason).
    locked._change_reason = reason
    locked.save()
    client_moved_office.send(sender=Transfer, transfer=transfer)
    return transfer
