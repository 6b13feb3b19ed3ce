"""Contacts (oppfølgingskontakter): logging one and saving an edit."""

import datetime
from collections.abc import Iterable
from typing import NotRequired, TypedDict, Unpack

from django.db import transaction

from audit.history import one_history_row
from audit.versioning import save_unless_changed
from clients.models import Client
from codelists.models import Code
from followup.models import Contact
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
