"""Writes of the client register: register, update, transfer."""

import datetime
from typing import NotRequired, TypedDict, Unpack

from django.db import transaction
from django.dispatch import Signal

from audit.versioning import save_unless_changed
from clients.models import Client, Transfer
from codelists.models import Code
from organisation.models import Office, User

# Sent inside the transaction of a move to another office, with ``transfer`` (the
# Transfer row). The apps whose records belong to an office (follow-up's programme
# enrolments) end them here, so the client depends on none of them.
client_moved_office = Signal()


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
