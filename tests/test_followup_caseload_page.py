"""The caseload page: people told apart, reminders first, caseworkers by name, any query string."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from followup.models import Intervention, Reminder, Status
from followup.views import PAGE_SIZE
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, ContactFactory, code

CASELOAD = reverse("followup:caseload")


def shown(response: Any) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_two_people_of_the_same_name_are_told_apart_by_birth_date_and_age(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    for born in [datetime.date(1990, 3, 4), datetime.date(2001, 11, 30)]:
        ClientFactory(
            office=heimdal,
            caseworker=caseworker_heimdal,
            first_name="Sahra",
            last_name="Ali",
            birth_date=born,
        )
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD).text
    assert page.count("Ali, Sahra") == 2
    assert "04.03.1990" in page
    assert "30.11.2001" in page
    age = today().year - 1990 - ((today().month, today().day) < (3, 4))
    assert f"({age} år)" in page


def test_reminders_come_before_the_clients(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    ClientFactory.create_batch(3, office=heimdal, caseworker=caseworker_heimdal)
    with acting_as(caseworker_heimdal):
        Reminder.objects.create(owner=caseworker_heimdal, text="Ring NAV stat", due_on=today())
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD).text
    assert "Ring NAV stat" in page
    assert page.index("Ring NAV stat") < page.index('data-testid="caseload-row"')


def test_the_whole_office_shows_each_clients_caseworker_by_name(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    ClientFactory(office=heimdal, caseworker=coordinator_heimdal)
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD, {"view": "office"}).text
    assert coordinator_heimdal.get_full_name() in page
    assert coordinator_heimdal.username not in page.split("<main")[1]


@pytest.mark.usefixtures("codes")
def test_the_status_history_names_people_not_usernames(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Any
) -> None:
    with acting_as(caseworker_heimdal):
        intervention = Intervention.objects.create(
            client=client_heimdal,
            type=code(CodeList.INTERVENTION_TYPE, "kvp"),
            start=today(),
            status=Status.IN_PROGRESS,
        )
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("followup:intervention_detail", args=[intervention.pk])).text
    assert caseworker_heimdal.get_full_name() in page
    assert caseworker_heimdal.username not in page.split("<main")[1]


@pytest.mark.parametrize(
    ("query", "warning"),
    [
        ({"programme": "99999999999999999999"}, "Program"),
        ({"programme": "x\x00y"}, "Program"),
        ({"view": "everything"}, "Brukere"),
        ({"status": "merged"}, "Status"),
        ({"due": "yesterday"}, "Kontakt"),
        ({"benefit": "no-such-benefit"}, "Ytelse"),
    ],
)
def test_a_query_string_not_understood_is_named_and_the_rest_shown(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    query: dict[str, str],
    warning: str,
) -> None:
    mine = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    ClientFactory(office=heimdal)  # someone else's: the default view is still "mine"
    client.force_login(caseworker_heimdal)
    response = client.get(CASELOAD, query)
    assert response.status_code == 200
    [message] = shown(response)
    assert message.startswith(f"Utelatt fra filteret: {warning}")
    assert list(response.context["page"]) == [mine]


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("abc", "Sidetallet må være et helt tall. Første side vises."),
        ("1.5", "Sidetallet må være et helt tall. Første side vises."),
        ("0", "1. Første side vises."),
        ("-1", "1. Første side vises."),
        (str(2**70), "100000. Første side vises."),
    ],
)
def test_a_page_number_not_understood_is_refused_with_a_message(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, number: str, message: str
) -> None:
    ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.get(CASELOAD, {"page": number})
    assert response.status_code == 200
    assert response.context["page"].number == 1
    [shown_message] = shown(response)
    assert shown_message.endswith(message)


def test_a_page_after_the_last_shows_the_last(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    ClientFactory.create_batch(PAGE_SIZE + 1, office=heimdal, caseworker=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    response = client.get(CASELOAD, {"page": "7"})
    assert response.status_code == 200
    assert response.context["page"].number == 2
    assert "Det finnes ingen side 7. Siste side vises." in shown(response)


def test_the_office_view_costs_the_same_queries_with_more_clients(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    client.force_login(caseworker_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(CASELOAD, {"view": "office"}).status_code == 200
        return len(queries)

    ContactFactory(client=ClientFactory(office=heimdal, caseworker=coordinator_heimdal))
    few = count()
    for person in ClientFactory.create_batch(20, office=heimdal, caseworker=coordinator_heimdal):
        ContactFactory(client=person)
    with acting_as(system_actor("tests")):
        Reminder.objects.create(owner=caseworker_heimdal, text="Husk", due_on=today())
    assert count() == few


def test_the_filters_show_what_was_chosen_and_mark_what_was_not_understood(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(CASELOAD, {"view": "office", "due": "overdue", "benefit": "nonsense"}).text
    assert '<option value="office" selected>' in page
    assert '<option value="overdue" selected>' in page
    assert 'aria-describedby="id_benefit_error"' in page
    assert 'id="id_benefit_error"' in page
