"""The person picker: search as you type, people told apart, a client moved between families."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.models import Client
from families.models import Family, FamilyMember
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date
PICKER = {"picker": "client", "picker_id": "id_client"}


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        return Family.objects.create(
            office=heimdal,
            name="Familien Ali",
            coordinator=coordinator_heimdal,
            created_on=D(2023, 1, 1),
        )


@pytest.fixture
def two_sahras(heimdal: Office) -> tuple[Client, Client]:
    return (
        ClientFactory(
            office=heimdal, first_name="Sahra", last_name="Ali", birth_date=D(1984, 3, 2)
        ),
        ClientFactory(
            office=heimdal, first_name="Sahra", last_name="Ali", birth_date=D(1991, 11, 20)
        ),
    )


def search(client: HttpClient, query: str) -> str:
    response = client.post(reverse("families:picker_search"), {**PICKER, "client-query": query})
    assert response.status_code == 200
    return response.content.decode()


def test_people_with_the_same_name_are_told_apart_by_birth_date_office_and_family(
    client: HttpClient, coordinator_heimdal: User, family: Family, two_sahras: tuple[Client, Client]
) -> None:
    first, second = two_sahras
    with acting_as(system_actor("tests")):
        FamilyMember.objects.create(
            family=family, client=first, role="parent", joined_on=D(2023, 2, 1)
        )
    client.force_login(coordinator_heimdal)
    hits = search(client, "sahra ali")
    assert hits.count('data-testid="picker-hit"') == 2
    assert "02.03.1984" in hits
    assert "20.11.1991" in hits
    assert "NAV Heimdal" in hits
    assert "medlem av Familien Ali siden 01.02.2023" in hits
    assert "ikke i noen familie" in hits
    logged = AccessLog.objects.get(view_name="families:picker_search")
    assert logged.action == AccessLog.Action.SEARCH
    assert set(logged.client_ids) == {first.pk, second.pk}


def test_search_by_birth_date_and_by_national_id(
    client: HttpClient, coordinator_heimdal: User, two_sahras: tuple[Client, Client]
) -> None:
    _first, second = two_sahras
    with acting_as(system_actor("tests")):
        second.national_id = "20919112345"  # synthetic: month + 80
        second.save()
    client.force_login(coordinator_heimdal)
    by_date = search(client, "02.03.1984")
    assert "02.03.1984" in by_date
    assert "20.11.1991" not in by_date
    assert search(client, "Ali 2.3.1984").count('data-testid="picker-hit"') == 1
    by_number = search(client, "20919112345")
    assert "20.11.1991" in by_number
    assert "02.03.1984" not in by_number
    assert "Det finnes ingen slik dato" in search(client, "31.02.2010")
    assert "minst to" in search(client, "a")


@pytest.mark.parametrize(
    "typed",
    [
        "209191 12345",
        "209191.12345",
        "209191-12345",
        "20.91.91 123 45",
        "  20919 112345 ",
        "Ali 209191 12345",
    ],
)
def test_a_national_id_is_found_as_a_caseworker_types_it(
    client: HttpClient, coordinator_heimdal: User, two_sahras: tuple[Client, Client], typed: str
) -> None:
    _first, second = two_sahras
    with acting_as(system_actor("tests")):
        second.national_id = "20919112345"  # synthetic: month + 80
        second.save()
    client.force_login(coordinator_heimdal)
    hits = search(client, typed)
    assert hits.count('data-testid="picker-hit"') == 1
    assert "20.11.1991" in hits


def test_a_number_that_is_no_identifier_finds_no_one_and_a_date_is_never_part_of_one(
    client: HttpClient, coordinator_heimdal: User, two_sahras: tuple[Client, Client]
) -> None:
    client.force_login(coordinator_heimdal)
    assert 'data-testid="picker-hit"' not in search(client, "209191 123")
    # A date of birth and a number after it: the date is read as a date, not as digits.
    assert 'data-testid="picker-hit"' not in search(client, "02.03.1984 123")
    assert search(client, "Sahra 02.03.1984").count('data-testid="picker-hit"') == 1


def test_merged_records_and_other_offices_clients_are_never_offered(
    client: HttpClient,
    coordinator_heimdal: User,
    family: Family,
    heimdal: Office,
    sagene: Office,
) -> None:
    kept = ClientFactory(office=heimdal, first_name="Yusuf", last_name="Omar")
    merged = ClientFactory(
        office=heimdal,
        first_name="Yusuf",
        last_name="Omar",
        status=Client.Status.MERGED,
        merged_into=kept,
    )
    ClientFactory(office=sagene, first_name="Yusuf", last_name="Omar")
    client.force_login(coordinator_heimdal)
    hits = search(client, "yusuf omar")
    assert hits.count('data-testid="picker-hit"') == 1
    assert f'"picker_choice": "{kept.pk}"' in hits
    chosen = client.post(reverse("families:picker_choose"), {**PICKER, "picker_choice": merged.pk})
    assert chosen.status_code == 404
    forced = client.post(
        reverse("families:member_add", args=[family.pk]),
        {"client": merged.pk, "role": "parent", "joined_on": today().isoformat()},
    )
    assert "Velg et gyldig valg" in forced.text
    assert not family.memberships.exists()


def test_choosing_a_hit_shows_the_person_and_fills_the_field(
    client: HttpClient, coordinator_heimdal: User, two_sahras: tuple[Client, Client]
) -> None:
    first, _second = two_sahras
    client.force_login(coordinator_heimdal)
    response = client.post(reverse("families:picker_choose"), {**PICKER, "picker_choice": first.pk})
    html = response.content.decode()
    assert f'name="client" value="{first.pk}"' in html
    assert "Sahra Ali, født 02.03.1984" in html
    assert AccessLog.objects.filter(
        view_name="families:picker_choose", client_ids=[first.pk]
    ).exists()
    cleared = client.post(reverse("families:picker_choose"), {**PICKER, "picker_choice": ""})
    assert 'name="client-query"' in cleared.content.decode()


def test_choosing_a_hit_reads_the_client_once(
    client: HttpClient, coordinator_heimdal: User, two_sahras: tuple[Client, Client]
) -> None:
    """The chosen client is fetched (and logged) by read_object; the picker reuses it."""
    first, _second = two_sahras
    client.force_login(coordinator_heimdal)
    url = reverse("families:picker_choose")
    with CaptureQueriesContext(connection) as queries:
        client.post(url, {**PICKER, "picker_choice": first.pk})
    client_reads = [
        q["sql"] for q in queries if q["sql"].startswith('SELECT "clients_client"."id"')
    ]
    assert len(client_reads) == 1


@pytest.mark.parametrize(
    "data",
    [
        {"picker": 'client"><script>', "picker_id": "id_client"},
        {"picker": "client", "picker_id": "x y"},
        {**PICKER, "picker_choice": "abc"},
        {**PICKER, "picker_choice": str(2**70)},
    ],
)
def test_forged_picker_requests_are_refused(
    client: HttpClient, coordinator_heimdal: User, data: dict[str, str]
) -> None:
    client.force_login(coordinator_heimdal)
    assert client.post(reverse("families:picker_choose"), data).status_code == 400
    if "picker_choice" not in data:
        assert client.post(reverse("families:picker_search"), data).status_code == 400


def test_the_picker_answers_only_post_and_only_for_person_level_roles(
    client: HttpClient, coordinator_heimdal: User, researcher: User
) -> None:
    client.force_login(coordinator_heimdal)
    assert (
        client.get(reverse("families:picker_search"), {**PICKER, "client-query": "Ali"}).status_code
        == 404
    )
    client.force_login(researcher)
    assert (
        client.post(
            reverse("families:picker_search"), {**PICKER, "client-query": "Ali"}
        ).status_code
        == 404
    )


def test_the_member_page_has_the_picker_not_a_dropdown(
    client: HttpClient, coordinator_heimdal: User, family: Family, two_sahras: tuple[Client, Client]
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:member_add", args=[family.pk])).text
    assert 'data-testid="person-picker"' in page
    assert "Sahra" not in page  # no list of names
    assert "js/person-picker.js" in page


def test_a_client_in_another_family_is_moved_with_a_date_and_the_old_membership_is_closed(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    adult = ClientFactory(
        office=heimdal, first_name="Amina", last_name="Warsame", birth_date=D(1980, 1, 1)
    )
    with acting_as(system_actor("tests")):
        old = Family.objects.create(
            office=heimdal, name="Familien Warsame", created_on=D(2020, 1, 1)
        )
        before = FamilyMember.objects.create(
            family=old, client=adult, role="parent", joined_on=D(2020, 1, 1)
        )
    client.force_login(coordinator_heimdal)
    url = reverse("families:member_add", args=[family.pk])
    data = {"client": adult.pk, "role": "parent", "joined_on": "2024-05-01"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "Amina Warsame er medlem av Familien Warsame siden 01.01.2020" in " ".join(
        refused.context["form"].errors["move"]
    )
    assert f'name="client" value="{adult.pk}"' in refused.text  # the choice is kept
    too_early = client.post(url, {**data, "move": "on", "joined_on": "2019-12-01"})
    assert "joined_on" in too_early.context["form"].errors
    assert client.post(url, {**data, "move": "on"}).status_code == 302
    before.refresh_from_db()
    assert before.left_on == D(2024, 5, 1)  # closed, not deleted
    moved = family.memberships.get(client=adult)
    assert (moved.joined_on, moved.left_on) == (D(2024, 5, 1), None)
    assert before.history.latest().history_user == coordinator_heimdal
    # Once in this family, the same client cannot be added again.
    again = client.post(url, {**data, "move": "on", "joined_on": today().isoformat()})
    assert "allerede medlem av denne familien" in " ".join(again.context["form"].errors["client"])


def test_a_form_shown_again_logs_the_person_it_shows_as_chosen(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    adult = ClientFactory(
        office=heimdal, first_name="Amina", last_name="Warsame", birth_date=D(1980, 1, 1)
    )
    client.force_login(coordinator_heimdal)
    url = reverse("families:member_add", args=[family.pk])
    # Refused (no role), so the page shows the chosen person's name, birth date and family.
    refused = client.post(url, {"client": adult.pk, "role": "", "joined_on": "2024-05-01"})
    assert refused.status_code == 200
    assert "Amina Warsame" in refused.text
    assert AccessLog.objects.filter(
        user=coordinator_heimdal, view_name="families:member_add", client_ids=[adult.pk]
    ).exists()
