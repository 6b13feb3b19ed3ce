"""Transferring a client to another office: where the caseworker lands, what the new office sees."""

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from clients.models import Transfer
from clients.services import registration
from followup.models import Enrolment, Programme
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory, MembershipFactory, staff

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


# A transfer ends the enrolments in the old office's programmes ---------------------------


@pytest.fixture
def enrolled(heimdal: Office, sagene: Office, caseworker_heimdal: User) -> Any:
    """A Heimdal client in a Heimdal programme (open), an ended one, and a Sagene one."""
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    earlier = timezone.localdate() - datetime.timedelta(days=60)
    with acting_as(system_actor("tests")):
        own = Programme.objects.create(office=heimdal, name="71 familier", start=earlier)
        other = Programme.objects.create(office=sagene, name="Sagene jobb", start=earlier)
        done = Programme.objects.create(office=heimdal, name="Kurs", start=earlier)
        open_here = Enrolment.objects.create(client=person, programme=own, enrolled_on=earlier)
        elsewhere = Enrolment.objects.create(client=person, programme=other, enrolled_on=earlier)
        ended = Enrolment.objects.create(
            client=person, programme=done, enrolled_on=earlier, left_on=earlier
        )
    return person, open_here, elsewhere, ended


def test_the_transfer_page_names_the_enrolments_it_will_end(
    client: HttpClient, caseworker_heimdal: User, enrolled: Any
) -> None:
    person = enrolled[0]
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:transfer", args=[person.pk])).content.decode()
    assert "Disse deltakelsene avsluttes på overføringsdagen" in page
    assert "71 familier (deltatt siden" in page
    assert "Sagene jobb" not in page
    assert "Kurs" not in page


@pytest.mark.parametrize("how", ["transfer", "edit"])
def test_a_transfer_ends_the_old_offices_open_enrolments_as_transferred(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    sagene: Office,
    enrolled: Any,
    how: str,
) -> None:
    person, open_here, elsewhere, ended = enrolled
    client.force_login(caseworker_heimdal)
    if how == "transfer":
        transfer(client, person.pk, sagene, "Flyttet til Sagene")
    else:
        # A caseworker of both offices moves the client on the edit form.
        MembershipFactory(user=caseworker_heimdal, office=sagene, role="caseworker")
        with acting_as(caseworker_heimdal):
            person.office = sagene
            registration.client_update(
                client=person, expected_version=person.version, by=caseworker_heimdal
            )
    today = timezone.localdate()
    open_here.refresh_from_db()
    assert (open_here.left_on, open_here.outcome.code) == (today, "transferred")
    assert str(open_here.outcome) == "Overført til et annet NAV-kontor"
    row = open_here.history.latest("history_id")
    assert row.history_user == caseworker_heimdal
    assert row.history_change_reason == "Avsluttet ved overføringen til NAV Sagene."
    for untouched in (elsewhere, ended):
        before = (untouched.left_on, untouched.outcome_id)
        untouched.refresh_from_db()
        assert (untouched.left_on, untouched.outcome_id) == before


def test_a_change_of_caseworker_in_the_office_ends_no_enrolment(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, enrolled: Any
) -> None:
    person, open_here, _, _ = enrolled
    colleague = staff("veileder2.heimdal", Role.CASEWORKER, heimdal)
    with acting_as(caseworker_heimdal):
        person.caseworker = colleague
        registration.client_update(
            client=person, expected_version=person.version, by=caseworker_heimdal
        )
    open_here.refresh_from_db()
    assert open_here.left_on is None
