"""A contact with the family appears on the timeline of every member who took part."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from families.models import Family, FamilyContact, FamilyMember
from followup.models import Contact
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Karimi", coordinator=coordinator_heimdal
        )
        for first in ("Zahra", "Reza"):
            FamilyMember.objects.create(
                family=family,
                role="parent",
                joined_on=datetime.date(2023, 1, 1),
                client=ClientFactory(office=heimdal, first_name=first, last_name="Karimi"),
            )
        FamilyMember.objects.create(
            family=family,
            first_name="Sina",
            last_name="Karimi",
            role="child",
            birth_date=datetime.date(2015, 1, 1),
            joined_on=datetime.date(2023, 1, 1),
        )
    return family


def log(client: HttpClient, family: Family, participants: list[FamilyMember], note: str) -> object:
    return client.post(
        reverse("families:contact_new", args=[family.pk]),
        {
            "participants": [m.pk for m in participants],
            "date": today().isoformat(),
            "channel": code(CodeList.CONTACT_CHANNEL, "home_visit").pk,
            "duration_minutes": 60,
            "note": note,
        },
    )


def test_the_contact_is_on_every_participating_adults_timeline(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    zahra, reza = family.memberships.filter(role="parent").order_by("pk")
    child = family.memberships.get(role="child")
    client.force_login(coordinator_heimdal)
    assert (
        log(client, family, [zahra, reza, child], "Hjemmebesøk med hele familien").status_code
        == 302
    )
    family_contact = FamilyContact.objects.get()
    assert set(family_contact.participants.all()) == {zahra, reza, child}
    assert Contact.objects.count() == 1
    for member in (zahra, reza):
        page = client.get(member.client.get_absolute_url())
        assert "Hjemmebesøk med hele familien" in page.text


def test_a_contact_without_reza_is_not_on_his_timeline(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    zahra, reza = family.memberships.filter(role="parent").order_by("pk")
    client.force_login(coordinator_heimdal)
    log(client, family, [zahra], "Bare mor var til stede")
    assert "Bare mor var til stede" not in client.get(reza.client.get_absolute_url()).text


def test_an_adult_client_must_take_part(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert (
        log(client, family, [family.memberships.get(role="child")], "Bare barnet").status_code
        == 200
    )
    assert not Contact.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404(
    client: HttpClient, coordinator_sagene: User, family: Family, method: str
) -> None:
    client.force_login(coordinator_sagene)
    assert (
        getattr(client, method)(reverse("families:contact_new", args=[family.pk])).status_code
        == 404
    )
    assert not Contact.objects.exists()


def test_the_family_page_lists_its_contacts_and_who_took_part(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    zahra, _reza, sina = family.memberships.order_by("pk")
    log(client, family, [zahra, sina], "Hjemmebesøk om skolestart")
    page = client.get(family.get_absolute_url()).text
    listed = page.split('data-testid="family-contacts"')[1].split("</ul>")[0]
    assert "Hjemmebesøk om skolestart" in listed
    assert "Deltok: Zahra Karimi, Sina Karimi" in listed
    assert coordinator_heimdal.get_full_name() in listed


def test_a_contact_entered_in_error_leaves_the_family_page(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    log(client, family, list(family.memberships.all()), "Feilregistrert besøk")
    with acting_as(coordinator_heimdal):
        contact = Contact.objects.get()
        contact.entered_in_error = True
        contact.save()
    assert "Feilregistrert besøk" not in client.get(family.get_absolute_url()).text


def test_the_family_page_costs_the_same_with_many_contacts(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator_heimdal)
    log(client, family, list(family.memberships.all()), "Første")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(family.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    for n in range(25):
        log(client, family, list(family.memberships.all()), f"Kontakt {n}")
    assert count() == few
    page = client.get(family.get_absolute_url()).text
    assert page.count('data-testid="family-contact"') == 20
    assert "De 20 siste kontaktene vises" in page
