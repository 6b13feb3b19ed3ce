"""A contact with the family appears on the timeline of every member who took part."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as
from codelists.models import CodeList
from families.models import Family, FamilyContact, FamilyMember
from followup.models import Contact
from organisation.models import User
from tests.dates import today
from tests.factories import code

pytestmark = pytest.mark.usefixtures("codes")


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
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    zahra, reza = karimi_family.memberships.filter(role="parent").order_by("pk")
    child = karimi_family.memberships.get(role="child")
    client.force_login(coordinator_heimdal)
    everyone = [zahra, reza, child]
    assert log(client, karimi_family, everyone, "Hjemmebesøk med hele familien").status_code == 302
    family_contact = FamilyContact.objects.get()
    assert set(family_contact.participants.all()) == {zahra, reza, child}
    assert Contact.objects.count() == 1
    for member in (zahra, reza):
        page = client.get(member.client.get_absolute_url())
        assert "Hjemmebesøk med hele familien" in page.text


def test_a_contact_without_reza_is_not_on_his_timeline(
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    zahra, reza = karimi_family.memberships.filter(role="parent").order_by("pk")
    client.force_login(coordinator_heimdal)
    log(client, karimi_family, [zahra], "Bare mor var til stede")
    assert "Bare mor var til stede" not in client.get(reza.client.get_absolute_url()).text


def test_an_adult_client_must_take_part(
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    child = karimi_family.memberships.get(role="child")
    client.force_login(coordinator_heimdal)
    assert log(client, karimi_family, [child], "Bare barnet").status_code == 200
    assert not Contact.objects.exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404(
    client: HttpClient, coordinator_sagene: User, karimi_family: Family, method: str
) -> None:
    client.force_login(coordinator_sagene)
    url = reverse("families:contact_new", args=[karimi_family.pk])
    assert getattr(client, method)(url).status_code == 404
    assert not Contact.objects.exists()


def test_the_family_page_lists_its_contacts_and_who_took_part(
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    zahra, _reza, sina = karimi_family.memberships.order_by("pk")
    log(client, karimi_family, [zahra, sina], "Hjemmebesøk om skolestart")
    page = client.get(karimi_family.get_absolute_url()).text
    listed = page.split('data-testid="family-contacts"')[1].split("</ul>")[0]
    assert "Hjemmebesøk om skolestart" in listed
    assert "Deltok: Zahra Karimi, Sina Karimi" in listed
    assert coordinator_heimdal.get_full_name() in listed


def test_a_contact_entered_in_error_leaves_the_family_page(
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    log(client, karimi_family, list(karimi_family.memberships.all()), "Feilregistrert besøk")
    with acting_as(coordinator_heimdal):
        contact = Contact.objects.get()
        contact.entered_in_error = True
        contact.save()
    assert "Feilregistrert besøk" not in client.get(karimi_family.get_absolute_url()).text


def test_the_family_page_costs_the_same_with_many_contacts(
    client: HttpClient, coordinator_heimdal: User, karimi_family: Family
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coordinator_heimdal)
    log(client, karimi_family, list(karimi_family.memberships.all()), "Første")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(karimi_family.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    for n in range(25):
        log(client, karimi_family, list(karimi_family.memberships.all()), f"Kontakt {n}")
    assert count() == few
    page = client.get(karimi_family.get_absolute_url()).text
    assert page.count('data-testid="family-contact"') == 20
    assert "De 20 siste kontaktene vises" in page
