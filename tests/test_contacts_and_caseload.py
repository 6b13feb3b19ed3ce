"""Logging a contact and the caseload worklist."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from codelists.models import CodeList
from followup.models import Contact
from organisation.models import Office, User
from tests.dates import days_ahead, today
from tests.factories import ClientFactory, ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")


def contact_url(client: Client) -> str:
    return reverse("followup:contact_new", args=[client.pk])


def test_the_contact_form_starts_with_today_and_the_usual_channel(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    phone = code(CodeList.CONTACT_CHANNEL, "phone")
    person = ClientFactory(office=heimdal, usual_channel=phone)
    client.force_login(caseworker_heimdal)
    form = client.get(contact_url(person)).context["form"]
    assert form.initial["date"] == today()
    assert form.initial["channel"] == phone.pk


def test_logging_a_contact(client: HttpClient, caseworker_heimdal: User, heimdal: Office) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.post(
        contact_url(person),
        {
            "date": today().isoformat(),
            "channel": code(CodeList.CONTACT_CHANNEL, "home_visit").pk,
            "duration_minutes": 45,
            "topics": [code(CodeList.LIFE_AREA, "housing").pk],
            "note": "Snakket om husleie.",
            "next_contact_on": (today() + datetime.timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert list(contact.staff.all()) == [caseworker_heimdal]
    assert [t.code for t in contact.topics.all()] == ["housing"]
    # One history row, by her, with the topics and staff it was logged with.
    [row] = contact.history.all()
    assert row.history_user == caseworker_heimdal
    assert [t.code.code for t in row.topics.all()] == ["housing"]
    assert [s.user for s in row.staff.all()] == [caseworker_heimdal]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # A date as the number of days from the day the test runs.
        ("date", 1, "kan ikke logges fram i tid"),
        ("next_contact_on", -1, "må være etter denne"),
        ("next_contact_on", 367, "høyst ett år etter denne"),
        ("duration_minutes", 0, "mellom 1 minutt og 24 timer"),
        ("channel", 999999, "Velg et gyldig valg"),
    ],
)
def test_bad_contact_input_is_refused_clearly(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    field: str,
    value: int,
    message: str,
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    data = {
        "date": today().isoformat(),
        "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
        "duration_minutes": 30,
        field: days_ahead(value).isoformat() if field in ("date", "next_contact_on") else value,
    }
    response = client.post(contact_url(person), data)
    assert response.status_code == 200
    assert message in response.text
    assert not Contact.objects.exists()


def test_other_office_cannot_log_a_contact(
    client: HttpClient, caseworker_sagene: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_sagene)
    assert client.get(contact_url(person)).status_code == 404
    assert client.post(contact_url(person), {"date": today().isoformat()}).status_code == 404
    assert not Contact.objects.exists()


def test_caseload_puts_overdue_first_and_shows_the_next_contact(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    later = ClientFactory(office=heimdal, caseworker=caseworker_heimdal, last_name="Senere")
    overdue = ClientFactory(office=heimdal, caseworker=caseworker_heimdal, last_name="Forsinket")
    fresh = ClientFactory(office=heimdal, caseworker=caseworker_heimdal, last_name="Ny")
    ClientFactory(office=heimdal, last_name="Andres")  # someone else's client
    ContactFactory(
        client=later,
        date=today() - datetime.timedelta(days=3),
        next_contact_on=today() + datetime.timedelta(days=7),
    )
    ContactFactory(
        client=overdue,
        date=today() - datetime.timedelta(days=30),
        next_contact_on=today() - datetime.timedelta(days=2),
    )
    client.force_login(caseworker_heimdal)
    rows = list(client.get(reverse("followup:caseload")).context["page"])
    assert rows == [overdue, later, fresh]
    overdue_only = list(
        client.get(reverse("followup:caseload"), {"due": "overdue"}).context["page"]
    )
    assert overdue_only == [overdue]
    assert list(client.get(reverse("followup:caseload"), {"due": "new"}).context["page"]) == [fresh]


def test_caseload_query_count_does_not_grow(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    client.force_login(caseworker_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("followup:caseload")).status_code == 200
        return len(queries)

    ContactFactory(client=ClientFactory(office=heimdal, caseworker=caseworker_heimdal))
    few = count()
    for person in ClientFactory.create_batch(25, office=heimdal, caseworker=caseworker_heimdal):
        ContactFactory(client=person, next_contact_on=today())
    assert count() == few


def test_client_page_query_count_does_not_grow(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(person.get_absolute_url()).status_code == 200
        return len(queries)

    ContactFactory(client=person)
    few = count()
    ContactFactory.create_batch(20, client=person)
    assert count() == few
