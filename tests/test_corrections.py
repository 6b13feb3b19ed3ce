"""The correction page every correctable record shares: conflicts, empty corrections, the log."""

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.corrections import record_correct
from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.models import Client
from followup.models import Contact
from organisation.models import User
from tests.dates import days_ago
from tests.factories import ContactFactory

pytestmark = pytest.mark.usefixtures("codes")


def contact_of(person: Client) -> Contact:
    with acting_as(system_actor("tests")):
        return ContactFactory(client=person, date=days_ago(1), duration_minutes=30)


def posted(contact: Contact, **fields: Any) -> dict[str, Any]:
    data = {
        "date": contact.date.isoformat(),
        "channel": contact.channel_id,
        "duration_minutes": contact.duration_minutes or "",
        "note": contact.note,
        "agreed_actions": contact.agreed_actions,
        "next_contact_on": "",
        "version": contact.version,
        "reason": "Feil varighet",
    }
    data.update(fields)
    return data


def test_a_correction_from_a_stale_form_is_a_conflict_and_saves_nothing(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    contact = contact_of(client_heimdal)
    stale = posted(contact, duration_minutes=45)
    with acting_as(system_actor("tests")):
        contact.note = "Rettet av en kollega"
        record_correct(record=contact, reason="Kollegaen rettet", expected_version=contact.version)
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("followup:contact_correct", args=[contact.pk]), stale)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.text
    contact.refresh_from_db()
    assert (contact.duration_minutes, contact.note) == (30, "Rettet av en kollega")
    assert contact.history.count() == 2


def test_a_correction_that_changes_nothing_is_refused(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    contact = contact_of(client_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(reverse("followup:contact_correct", args=[contact.pk]), posted(contact))
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert contact.history.count() == 1


def test_the_reason_is_kept_with_the_acting_user_and_the_read_is_logged(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    contact = contact_of(client_heimdal)
    client.force_login(caseworker_heimdal)
    page = reverse("followup:contact_correct", args=[contact.pk])
    assert client.get(page).status_code == 200
    response = client.post(page, posted(contact, duration_minutes=45))
    assert response.status_code == 302
    latest = contact.history.latest("history_id")
    assert (latest.history_user, latest.history_change_reason) == (
        caseworker_heimdal,
        "Feil varighet",
    )
    assert AccessLog.objects.filter(
        user=caseworker_heimdal,
        view_name="followup:contact_correct",
        client_ids=[client_heimdal.pk],
    ).exists()


def test_a_guessed_correction_url_gives_404(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client
) -> None:
    contact = contact_of(client_heimdal)
    client.force_login(caseworker_sagene)
    page = reverse("followup:contact_correct", args=[contact.pk])
    assert client.get(page).status_code == 404
    assert client.post(page, posted(contact, duration_minutes=5)).status_code == 404
    assert client.get(reverse("followup:contact_correct", args=[2**62])).status_code == 404


def test_a_record_entered_in_error_is_not_held_to_the_rules_of_the_wrong_person(
    heimdal: Any, coordinator_heimdal: User
) -> None:
    """Every correctable model: marking never fails on the wrong person's rules."""
    from django.core.exceptions import ValidationError

    from families.models import Family, FamilyMember, SchoolStatus

    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Test", coordinator=coordinator_heimdal
        )
        child = FamilyMember.objects.create(
            family=family,
            first_name="Ayan",
            last_name="Osman",
            birth_date=datetime.date(2015, 4, 2),
            role="child",
            joined_on=datetime.date(2020, 1, 1),
        )
    # Registered on the wrong child: dated before this child was born.
    entry = SchoolStatus(
        member=child,
        valid_from=datetime.date(2010, 8, 1),
        level="primary",
        year=1,
        status="enrolled",
    )
    with pytest.raises(ValidationError):
        entry.clean()
    entry.entered_in_error = True
    entry.clean()
    # What the database itself requires of every row still holds.
    child.first_name = ""
    child.entered_in_error = True
    with pytest.raises(ValidationError):
        child.clean()
