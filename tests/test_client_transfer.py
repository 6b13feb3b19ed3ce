"""Transferring a client to another office: where the caseworker lands, what the new office sees."""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as
from clients.models import Transfer
from organisation.models import Office, User
from tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("codes")


def transfer(client: HttpClient, person_pk: int, office: Office, reason: str) -> object:
    return client.post(
        reverse("clients:transfer", args=[person_pk]),
        {"to_office": office.pk, "reason": reason},
        follow=True,
    )


def test_transferring_caseworker_lands_on_the_caseload_with_a_confirmation(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, sagene: Office
) -> None:
    person = ClientFactory(
        office=heimdal, caseworker=caseworker_heimdal, first_name="Sahra", last_name="Ali"
    )
    client.force_login(caseworker_heimdal)
    response = transfer(client, person.pk, sagene, "Flyttet til Sagene")
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == reverse("followup:caseload")
    assert "Sahra Ali er overført til NAV Sagene." in response.content.decode()


def test_receiving_office_sees_the_previous_office_date_and_reason(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    heimdal: Office,
    sagene: Office,
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    transfer(client, person.pk, sagene, "Flyttet til Sagene")
    when = Transfer.objects.get().at.astimezone().strftime("%d.%m.%Y")
    client.force_login(caseworker_sagene)
    page = client.get(person.get_absolute_url()).content.decode()
    assert f"Overført fra NAV Heimdal {when}: Flyttet til Sagene" in page


def test_transfer_with_its_reason_is_in_the_client_history(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    heimdal: Office,
    sagene: Office,
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    transfer(client, person.pk, sagene, "Flyttet til Sagene")
    client.force_login(caseworker_sagene)
    page = client.get(reverse("clients:history", args=[person.pk])).content.decode()
    assert "Overføring" in page
    assert "Fra kontor" in page
    assert "NAV Heimdal" in page
    assert "Flyttet til Sagene" in page


def test_a_change_of_caseworker_in_the_same_office_shows_no_transfer_note(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    with acting_as(caseworker_heimdal):
        Transfer.objects.create(
            client=person,
            by=caseworker_heimdal,
            from_office=heimdal,
            to_office=heimdal,
            from_caseworker=caseworker_heimdal,
            to_caseworker=coordinator_heimdal,
        )
    client.force_login(caseworker_heimdal)
    assert "Overført fra" not in client.get(person.get_absolute_url()).content.decode()


def test_transfer_to_the_same_office_is_refused(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:transfer", args=[person.pk]),
        {"to_office": heimdal.pk, "reason": "Feil"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["to_office"]
    assert not Transfer.objects.exists()
