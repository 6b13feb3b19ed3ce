"""Two records of one person become one; the merge is recorded and can be undone exactly."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from clients.models import Client, ClientMerge
from clients.national_id import synthetic_national_id
from followup.models import Contact
from organisation.models import Office, User
from tests.factories import ClientFactory, ContactFactory

pytestmark = pytest.mark.usefixtures("codes")
BIRTH = datetime.date(1979, 6, 2)


@pytest.fixture
def pair(heimdal: Office) -> tuple[Client, Client]:
    keep = ClientFactory(
        office=heimdal, first_name="Amina", last_name="Warsame", birth_date=BIRTH, phone=""
    )
    duplicate = ClientFactory(
        office=heimdal,
        first_name="Amina",
        last_name="Warsamé",
        birth_date=BIRTH,
        phone="41234567",
        national_id=synthetic_national_id(BIRTH, 3, gender="F"),
    )
    return keep, duplicate


def test_merge_moves_the_records_and_fills_blanks(
    client: HttpClient, caseworker_heimdal: User, pair: tuple[Client, Client]
) -> None:
    keep, duplicate = pair
    contacts = ContactFactory.create_batch(3, client=duplicate)
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:merge", args=[keep.pk]))
    assert duplicate in page.context["candidates"]
    assert (
        client.post(reverse("clients:merge", args=[keep.pk]), {"other": duplicate.pk}).status_code
        == 302
    )
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert set(Contact.objects.filter(client=keep)) == set(contacts)
    assert (keep.phone, keep.national_id) == (
        "41234567",
        synthetic_national_id(BIRTH, 3, gender="F"),
    )
    assert (duplicate.status, duplicate.merged_into, duplicate.national_id) == (
        "merged",
        keep,
        None,
    )
    record = ClientMerge.objects.get()
    assert (record.by, record.moved["followup.Contact"]) == (
        caseworker_heimdal,
        sorted(c.pk for c in contacts),
    )
    # The move of every contact is in history, by the user.
    assert {row.history_user for row in Contact.history.filter(history_type="~")} == {
        caseworker_heimdal
    }
    search = client.post(reverse("clients:search"), {"query": "Amina"})
    assert duplicate.get_absolute_url() not in search.text


def test_undo_puts_everything_back(
    client: HttpClient, caseworker_heimdal: User, pair: tuple[Client, Client]
) -> None:
    keep, duplicate = pair
    number = duplicate.national_id
    contacts = ContactFactory.create_batch(2, client=duplicate)
    own = ContactFactory(client=keep)
    client.force_login(caseworker_heimdal)
    client.post(reverse("clients:merge", args=[keep.pk]), {"other": duplicate.pk})
    record = ClientMerge.objects.get()
    assert client.post(reverse("clients:merge_undo", args=[record.pk])).status_code == 302
    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert set(Contact.objects.filter(client=duplicate)) == set(contacts)
    assert list(Contact.objects.filter(client=keep)) == [own]
    assert (duplicate.national_id, duplicate.status, duplicate.merged_into) == (
        number,
        "active",
        None,
    )
    assert (keep.national_id, keep.phone) == (None, "")
    record.refresh_from_db()
    assert record.undone_by == caseworker_heimdal
    assert (
        client.post(reverse("clients:merge_undo", args=[record.pk])).status_code == 302
    )  # second undo refused
    assert set(Contact.objects.filter(client=duplicate)) == set(contacts)


def test_records_of_another_office_cannot_be_merged(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, sagene: Office
) -> None:
    keep = ClientFactory(office=heimdal, birth_date=BIRTH)
    other = ClientFactory(office=sagene, birth_date=BIRTH)
    client.force_login(caseworker_heimdal)
    assert (
        client.post(reverse("clients:merge", args=[keep.pk]), {"other": other.pk}).status_code
        == 404
    )
    assert not ClientMerge.objects.exists()


def test_a_merge_of_another_office_cannot_be_undone(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    pair: tuple[Client, Client],
) -> None:
    keep, duplicate = pair
    client.force_login(caseworker_heimdal)
    client.post(reverse("clients:merge", args=[keep.pk]), {"other": duplicate.pk})
    record = ClientMerge.objects.get()
    client.force_login(caseworker_sagene)
    assert client.post(reverse("clients:merge_undo", args=[record.pk])).status_code == 404
    record.refresh_from_db()
    assert record.undone_at is None


def test_different_national_ids_are_refused(
    client: HttpClient, caseworker_heimdal: User, pair: tuple[Client, Client]
) -> None:
    keep, duplicate = pair
    from audit.history import acting_as, system_actor

    with acting_as(system_actor("tests")):
        keep.national_id = synthetic_national_id(BIRTH, 4, gender="F")
        keep.save()
    client.force_login(caseworker_heimdal)
    client.post(reverse("clients:merge", args=[keep.pk]), {"other": duplicate.pk})
    assert not ClientMerge.objects.exists()
    duplicate.refresh_from_db()
    assert duplicate.status == "active"
