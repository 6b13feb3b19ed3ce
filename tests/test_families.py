"""Families over time: members joining, leaving, splitting; services; access and query cost."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from codelists.models import CodeList
from families.models import Family, FamilyMember, FamilyService
from organisation.models import Office, User
from tests.dates import days_ahead, today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal,
            name="Familien Tesfay",
            coordinator=coordinator_heimdal,
            created_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, last_name="Tesfay"),
            role="parent",
            joined_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            first_name="Selam",
            last_name="Tesfay",
            birth_date=D(2010, 5, 1),
            role="child",
            joined_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            first_name="Dawit",
            last_name="Tesfay",
            birth_date=D(2004, 2, 1),
            role="child",
            joined_on=D(2023, 1, 1),
            left_on=D(2024, 8, 15),
        )
    return family


def test_coordinator_home_lists_their_families(
    client: HttpClient, coordinator_heimdal: User, caseworker_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert list(client.get(reverse("families:home")).context["families"]) == [family]
    client.force_login(caseworker_heimdal)
    assert list(client.get(reverse("families:home")).context["families"]) == []
    assert list(client.get(reverse("families:home"), {"view": "office"}).context["families"]) == [
        family
    ]


def test_families_of_one_name_are_told_apart_by_their_adults(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    """The list shows the adults' first names now: children and former members are left out."""
    with acting_as(system_actor("tests")):
        namesake = Family.objects.create(
            office=heimdal,
            name="Familien Tesfay",
            coordinator=coordinator_heimdal,
            created_on=D(2024, 1, 1),
        )
        for first_name, born, left_on in (
            ("Mulu", D(1980, 1, 1), None),
            ("Hagos", D(1978, 1, 1), None),
            ("Yonas", D(1970, 1, 1), D(2025, 1, 1)),
        ):
            FamilyMember.objects.create(
                family=namesake,
                first_name=first_name,
                last_name="Tesfay",
                birth_date=born,
                role="other_adult",
                joined_on=D(2024, 1, 1),
                left_on=left_on,
            )
    parent = family.memberships.get(role="parent").client
    assert parent is not None
    client.force_login(coordinator_heimdal)
    response = client.get(reverse("families:home"))
    adults = {f.pk: f.adults_now for f in response.context["families"]}
    assert adults == {family.pk: parent.first_name, namesake.pk: "Hagos, Mulu"}
    assert "Hagos, Mulu" in response.text


def test_the_family_as_it_was_on_a_date(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    now = client.get(family.get_absolute_url()).context
    parent = family.memberships.get(role="parent")
    assert {m.full_name for m in now["members_on"]} == {"Selam Tesfay", parent.full_name}
    assert [m.first_name for m in now["former"]] == ["Dawit"]
    before = client.get(family.get_absolute_url(), {"on": "2024-01-01"}).context
    assert "Dawit" in {m.first_name for m in before["members_on"]}
    assert before["former"] == []


def test_the_family_as_on_a_date_typed_as_ddmmyyyy(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(family.get_absolute_url(), {"on": "01.01.2024"})
    assert page.context["on"] == D(2024, 1, 1)
    assert "Dawit" in {m.first_name for m in page.context["members_on"]}
    assert "Medlemmer 01.01.2024" in page.text
    assert 'min="2023-01-01"' in page.text


@pytest.mark.parametrize(
    ("on", "message"),
    [
        ("31.12.2022", "Familien er fulgt opp siden 01.01.2023. Velg den datoen eller en senere."),
        ("01.01.1900", "Familien er fulgt opp siden 01.01.2023."),
        ("tomorrow", "Datoen er fram i tid."),  # read when the case runs
        ("31.02.2024", "Oppgi en gyldig dato."),
        ("i går", "Oppgi en gyldig dato."),
        ("9" * 40, "Oppgi en gyldig dato."),
        ("01.01.99999", "Oppgi en gyldig dato."),
    ],
)
def test_a_date_the_family_cannot_be_shown_as_on_is_said_and_today_is_shown(
    client: HttpClient, coordinator_heimdal: User, family: Family, on: str, message: str
) -> None:
    if on == "tomorrow":
        on = days_ahead(1).strftime("%d.%m.%Y")
    client.force_login(coordinator_heimdal)
    response = client.get(family.get_absolute_url(), {"on": on})
    assert response.status_code == 200
    assert message in " ".join(response.context["on_form"].errors["on"])
    assert 'data-testid="on-error"' in response.text
    assert response.context["on"] == today()
    assert "Medlemmer nå" in response.text
    assert len(response.context["members_on"]) == 2


def test_reading_a_family_logs_its_client_members(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(family.get_absolute_url())
    parent = family.memberships.get(role="parent")
    entry = AccessLog.objects.get(view_name="families:detail")
    assert entry.client_ids == [parent.client_id]


def test_adding_a_child_and_a_client(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    client.force_login(coordinator_heimdal)
    url = reverse("families:member_add", args=[family.pk])
    response = client.post(url, {"role": "child", "joined_on": today().isoformat()})
    assert response.status_code == 200  # neither a client nor a name: refused
    assert family.memberships.count() == 3
    client.post(
        url,
        {
            "first_name": "Hanna",
            "last_name": "Tesfay",
            "birth_date": "2022-03-01",
            "role": "child",
            "joined_on": today().isoformat(),
        },
    )
    adult = ClientFactory(office=heimdal)
    client.post(url, {"client": adult.pk, "role": "other_adult", "joined_on": today().isoformat()})
    assert family.memberships.count() == 5
    added = family.memberships.get(client=adult)
    assert added.history.get().history_user == coordinator_heimdal


def test_a_client_is_in_one_family_at_a_time(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    parent = family.memberships.get(role="parent").client
    with acting_as(system_actor("tests")):
        other = Family.objects.create(office=heimdal, name="Familien Annen")
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:member_add", args=[other.pk]),
        {"client": parent.pk, "role": "parent", "joined_on": today().isoformat()},
    )
    assert not other.memberships.exists()


def test_leaving_and_the_date_rules(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    child = family.memberships.get(first_name="Selam")
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:member_leave", args=[child.pk]), {"left_on": "2022-01-01"}
    )  # before joining
    child.refresh_from_db()
    assert child.left_on is None
    client.post(reverse("families:member_leave", args=[child.pk]), {"left_on": today().isoformat()})
    child.refresh_from_db()
    assert child.left_on == today()


def test_splitting_a_household_keeps_both_histories(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    parent = family.memberships.get(role="parent")
    child = family.memberships.get(first_name="Selam")
    client.force_login(coordinator_heimdal)
    split_on = D(2025, 6, 1)
    response = client.post(
        reverse("families:split", args=[family.pk]),
        {"name": "Familien Tesfay (mor)", "on": split_on.isoformat(), "members": [child.pk]},
    )
    new = Family.objects.get(split_from=family)
    assert response["Location"] == new.get_absolute_url()
    assert [m.first_name for m in new.memberships.on(split_on)] == ["Selam"]
    assert set(family.memberships.on(split_on)) == {parent}
    assert {m.first_name or "parent" for m in family.memberships.on(D(2025, 5, 31))} == {
        "Selam",
        "parent",
    }


def test_a_family_with_no_one_in_it_now_says_so_instead_of_an_unseen_refusal(
    client: HttpClient, coordinator_heimdal: User, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        empty = Family.objects.create(office=heimdal, name="Familien Tom", created_on=D(2024, 1, 1))
    client.force_login(coordinator_heimdal)
    url = reverse("families:split", args=[empty.pk])
    assert 'data-testid="no-one"' in client.get(url).text
    response = client.post(url, {"name": "Ny", "on": "2024-06-01"})
    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [
        "Ingen er medlem av familien nå, så ingen kan flytte til en ny husstand."
    ]
    assert "alert-danger" in response.text
    assert Family.objects.count() == 1


def test_adding_a_service(client: HttpClient, coordinator_heimdal: User, family: Family) -> None:
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:service_add", args=[family.pk]),
        {
            "service": code(CodeList.PARTICIPANT_SERVICE, "school").pk,
            "contact_name": "Kontaktlærer Berg",
            "since": "2024-08-20",
        },
    )
    service = FamilyService.objects.get()
    assert (service.family, service.contact_name) == (family, "Kontaktlærer Berg")


@pytest.mark.parametrize(
    "endpoint",
    [
        "families:detail",
        "families:history",
        "families:member_add",
        "families:split",
        "families:service_add",
    ],
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404(
    client: HttpClient, coordinator_sagene: User, family: Family, endpoint: str, method: str
) -> None:
    client.force_login(coordinator_sagene)
    members_before = FamilyMember.objects.count()
    response = getattr(client, method)(reverse(endpoint, args=[family.pk]))
    assert response.status_code == 404
    assert "Tesfay" not in response.text
    assert FamilyMember.objects.count() == members_before


def test_another_office_cannot_end_a_membership(
    client: HttpClient, coordinator_sagene: User, family: Family
) -> None:
    child = family.memberships.get(first_name="Selam")
    client.force_login(coordinator_sagene)
    assert (
        client.post(
            reverse("families:member_leave", args=[child.pk]), {"left_on": today().isoformat()}
        ).status_code
        == 404
    )
    child.refresh_from_db()
    assert child.left_on is None


def test_family_page_query_count_does_not_grow(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(family.get_absolute_url()).status_code == 200
        return len(queries)

    few = count()
    with acting_as(system_actor("tests")):
        for i in range(12):
            FamilyMember.objects.create(
                family=family,
                first_name=f"Barn{i}",
                birth_date=D(2015, 1, 1),
                role="child",
                joined_on=D(2023, 1, 1),
            )
            FamilyService.objects.create(
                family=family,
                service=code(CodeList.PARTICIPANT_SERVICE, "school"),
                since=D(2024, 1, 1),
            )
    assert count() == few


def test_searching_a_child_leads_to_the_family(
    client: HttpClient, coordinator_heimdal: User, coordinator_sagene: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    response = client.post(
        reverse("families:home").replace("/families/", "/clients/search/"),
        {"query": "selam TESFAY"},
    )
    assert list(response.context["families"]) == [family]
    assert family.get_absolute_url() in response.text
    client.force_login(coordinator_sagene)
    other = client.post(reverse("clients:search"), {"query": "Selam"})
    assert list(other.context["families"]) == []


def test_a_family_is_found_by_its_members_names_as_they_are_now(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    """Client members by the client's name, others by their own; both folded when saved."""
    parent = family.memberships.get(role="parent").client
    assert parent is not None
    with acting_as(system_actor("tests")):
        parent.first_name = "Ågot"
        parent.save()
        FamilyMember.objects.create(
            family=family,
            first_name="Øyvind",
            last_name="Ærø",
            birth_date=D(2012, 3, 1),
            role="child",
            joined_on=D(2023, 1, 1),
        )
    parent.refresh_from_db()
    assert parent.folded_name == "agot tesfay"
    client.force_login(coordinator_heimdal)

    def found(query: str) -> list[Family]:
        return list(client.post(reverse("clients:search"), {"query": query}).context["families"])

    assert found("AGOT tesfay") == [family]
    assert found("oyvind aero") == [family]
    assert found("agot aero") == []
