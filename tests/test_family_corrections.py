"""School entries, reviews and memberships corrected with a reason or marked as entered in error."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from families.models import Family, FamilyMember, Review, ReviewRating, SchoolStatus
from families.selectors import upper_secondary_dropouts
from organisation.models import Office, User
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal,
            name="Familien Hassan",
            coordinator=coordinator_heimdal,
            created_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, first_name="Fadumo", birth_date=D(1980, 1, 1)),
            role="parent",
            joined_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            first_name="Abdi",
            last_name="Hassan",
            birth_date=D(2007, 5, 1),
            role="child",
            joined_on=D(2023, 1, 1),
        )
    return family


@pytest.fixture
def child(family: Family) -> FamilyMember:
    return family.memberships.get(role="child")


@pytest.fixture
def dropout(child: FamilyMember) -> SchoolStatus:
    with acting_as(system_actor("tests")):
        return SchoolStatus.objects.create(
            member=child,
            valid_from=D(2024, 3, 1),
            level="upper_secondary",
            year=11,
            status="dropped_out",
        )


def reviews(family: Family, *days_and_ratings: tuple[D, int]) -> list[Review]:
    made = []
    with acting_as(system_actor("tests")):
        author = User.objects.get(username="system:tests")
        for day, rating in days_and_ratings:
            review = Review.objects.create(family=family, reviewed_on=day, by=author)
            ReviewRating.objects.create(
                review=review, life_area=code(CodeList.LIFE_AREA, "housing"), rating=rating
            )
            made.append(review)
    return made


def correct(client: HttpClient, name: str, pk: int, data: dict[str, object]) -> object:
    return client.post(reverse(f"families:{name}", args=[pk]), data)


def test_a_school_entry_is_corrected_with_the_reason_in_history(
    client: HttpClient, coordinator_heimdal: User, dropout: SchoolStatus
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:child", args=[dropout.member_id])).text
    assert reverse("families:school_correct", args=[dropout.pk]) in page
    data = {
        "valid_from": "2024-03-01",
        "level": "upper_secondary",
        "year": 12,
        "status": "dropped_out",
        "version": 1,
    }
    missing = correct(client, "school_correct", dropout.pk, data)
    assert missing.status_code == 200
    assert "reason" in missing.context["form"].errors
    reason = "Feil trinn: Abdi gikk Vg2"
    response = correct(client, "school_correct", dropout.pk, {**data, "reason": reason})
    assert response.status_code == 302
    latest = dropout.history.latest()
    assert (latest.year, latest.history_change_reason) == (12, reason)
    assert latest.history_user == coordinator_heimdal
    history = client.get(reverse("families:history", args=[dropout.member.family_id])).text
    assert reason in history


def test_a_correction_obeys_the_same_rules_as_a_new_entry(
    client: HttpClient, coordinator_heimdal: User, dropout: SchoolStatus
) -> None:
    client.force_login(coordinator_heimdal)
    response = correct(
        client,
        "school_correct",
        dropout.pk,
        {
            "valid_from": "2024-03-01",
            "level": "upper_secondary",
            "year": 9,
            "status": "dropped_out",
            "version": 1,
            "reason": "Trinn",
        },
    )
    assert response.status_code == 200
    assert "Videregående skole har trinnene 11–13." in response.context["form"].errors["year"]
    dropout.refresh_from_db()
    assert dropout.year == 11


def test_a_school_entry_entered_in_error_leaves_the_page_and_the_dropout_count(
    client: HttpClient,
    coordinator_heimdal: User,
    caseworker_heimdal: User,
    dropout: SchoolStatus,
) -> None:
    period = {"user": caseworker_heimdal, "start": D(2024, 1, 1), "end": D(2024, 12, 31)}
    assert upper_secondary_dropouts(by="office", **period) == {"NAV Heimdal": 1}
    client.force_login(coordinator_heimdal)
    response = correct(
        client,
        "school_correct",
        dropout.pk,
        {
            "valid_from": "2024-03-01",
            "level": "upper_secondary",
            "year": 11,
            "status": "dropped_out",
            "entered_in_error": "on",
            "version": 1,
            "reason": "Registrert på feil barn",
        },
    )
    assert response.status_code == 302
    assert upper_secondary_dropouts(by="office", **period) == {}
    page = client.get(reverse("families:child", args=[dropout.member_id]))
    assert 'data-testid="school-row"' not in page.text
    assert SchoolStatus.all_objects.get(pk=dropout.pk).entered_in_error
    assert dropout.history.latest().history_change_reason == "Registrert på feil barn"


def test_a_review_entered_in_error_no_longer_counts_as_the_first(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    wrong, _first, _latest = reviews(
        family, (D(2023, 2, 1), 9), (D(2024, 1, 1), 3), (D(2025, 1, 1), 7)
    )
    client.force_login(coordinator_heimdal)
    url = reverse("families:reviews", args=[family.pk])
    before = client.get(url)
    assert before.context["chart"]["series"][0].change == -2
    assert reverse("families:review_correct", args=[wrong.pk]) in before.text
    response = correct(
        client,
        "review_correct",
        wrong.pk,
        {
            "reviewed_on": "2023-02-01",
            "entered_in_error": "on",
            "version": 1,
            "reason": "Gjaldt en annen familie",
        },
    )
    assert response.status_code == 302
    after = client.get(url)
    assert after.context["chart"]["series"][0].change == 4  # 3 → 7
    assert "01.02.2023" not in after.text
    home = client.get(reverse("families:home"))
    assert home.context["families"][0].last_review == D(2025, 1, 1)
    assert ReviewRating.objects.filter(review=wrong).count() == 0
    assert ReviewRating.all_objects.filter(review=wrong).count() == 1
    assert wrong.history.latest().history_change_reason == "Gjaldt en annen familie"
    # Its date is free again for the review that was meant.
    reviews(family, (D(2023, 2, 1), 5))


def test_a_review_date_corrected_onto_another_review_is_refused(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    first, _second = reviews(family, (D(2024, 1, 1), 3), (D(2025, 1, 1), 7))
    client.force_login(coordinator_heimdal)
    response = correct(
        client,
        "review_correct",
        first.pk,
        {"reviewed_on": "2025-01-01", "version": 1, "reason": "Dato"},
    )
    assert response.status_code == 200
    assert "reviewed_on" in response.context["form"].errors


def test_a_member_entered_in_error_leaves_the_family_and_its_counts_but_not_its_history(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    parent = family.memberships.get(role="parent")
    client.force_login(coordinator_heimdal)
    page = client.get(family.get_absolute_url()).text
    assert reverse("families:member_correct", args=[parent.pk]) in page
    form = client.get(reverse("families:member_correct", args=[parent.pk])).context["form"]
    assert "first_name" not in form.fields  # a client's name is the client's
    response = correct(
        client,
        "member_correct",
        parent.pk,
        {
            "role": "parent",
            "joined_on": "2023-01-01",
            "entered_in_error": "on",
            "version": 1,
            "reason": "Feil person",
        },
    )
    assert response.status_code == 302
    page = client.get(family.get_absolute_url()).text
    assert page.count('data-testid="member-row"') == 1
    assert client.get(reverse("families:home")).context["families"][0].members_now == 1
    history = client.get(reverse("families:history", args=[family.pk])).text
    assert "Feil person" in history
    # The client is free to be added where they belong.
    with acting_as(system_actor("tests")):
        other = Family.objects.create(office=heimdal, name="Familien Riktig")
        FamilyMember.objects.create(
            family=other, client=parent.client, role="parent", joined_on=D(2024, 1, 1)
        )


def test_a_childs_dates_are_corrected(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember
) -> None:
    client.force_login(coordinator_heimdal)
    data = {
        "first_name": "Abdi",
        "last_name": "Hassan",
        "birth_date": "2007-05-01",
        "role": "child",
        "joined_on": "2006-01-01",
        "version": 1,
        "reason": "Flyttet inn tidligere",
    }
    refused = correct(client, "member_correct", child.pk, data)
    assert "joined_on" in refused.context["form"].errors  # before the child was born
    assert (
        correct(client, "member_correct", child.pk, {**data, "joined_on": "2022-01-01"}).status_code
        == 302
    )
    child.refresh_from_db()
    assert child.joined_on == D(2022, 1, 1)


def test_a_stale_correction_is_a_conflict(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember
) -> None:
    client.force_login(coordinator_heimdal)
    data = {
        "first_name": "Abdi",
        "last_name": "Hassan",
        "birth_date": "2007-05-01",
        "role": "child",
        "joined_on": "2023-01-01",
        "reason": "Navn",
    }
    assert (
        correct(
            client, "member_correct", child.pk, {**data, "first_name": "Abdirahman", "version": 1}
        ).status_code
        == 302
    )
    stale = correct(
        client, "member_correct", child.pk, {**data, "last_name": "Hasan", "version": 1}
    )
    assert stale.status_code == 409


@pytest.mark.parametrize("name", ["member_correct", "school_correct", "review_correct"])
def test_another_office_gets_404(
    client: HttpClient,
    coordinator_sagene: User,
    family: Family,
    dropout: SchoolStatus,
    name: str,
) -> None:
    (review,) = reviews(family, (D(2024, 1, 1), 5))
    pk = {
        "member_correct": dropout.member_id,
        "school_correct": dropout.pk,
        "review_correct": review.pk,
    }[name]
    client.force_login(coordinator_sagene)
    assert client.get(reverse(f"families:{name}", args=[pk])).status_code == 404
    assert (
        correct(
            client, name, pk, {"entered_in_error": "on", "version": 1, "reason": "x"}
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("cleared", "field"),
    [({"first_name": "", "last_name": ""}, "first_name"), ({"birth_date": ""}, "birth_date")],
)
def test_a_member_who_is_not_a_client_keeps_a_name_and_a_birth_date(
    client: HttpClient,
    coordinator_heimdal: User,
    child: FamilyMember,
    cleared: dict[str, str],
    field: str,
) -> None:
    client.force_login(coordinator_heimdal)
    data = {
        "first_name": "Abdi",
        "last_name": "Hassan",
        "birth_date": "2007-05-01",
        "role": "child",
        "joined_on": "2023-01-01",
        "version": child.version,
        "reason": "Feil navn",
        **cleared,
    }
    response = correct(client, "member_correct", child.pk, data)
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [
        "Oppgi fornavn og fødselsdato for et medlem som ikke er bruker."
    ]
    child.refresh_from_db()
    assert (child.first_name, child.birth_date) == ("Abdi", D(2007, 5, 1))


def test_a_member_put_back_while_the_client_is_in_another_family_is_refused_with_a_message(
    client: HttpClient, coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    parent = family.memberships.get(role="parent")
    client.force_login(coordinator_heimdal)
    data = {"role": "parent", "joined_on": "2023-01-01", "version": 1, "reason": "Feil person"}
    assert correct(client, "member_correct", parent.pk, {**data, "entered_in_error": "on"})
    with acting_as(system_actor("tests")):
        other = Family.objects.create(office=heimdal, name="Familien Riktig")
        FamilyMember.objects.create(
            family=other, client=parent.client, role="parent", joined_on=D(2024, 1, 1)
        )
    # Putting the first membership back would make the client current in two families.
    response = client.post(
        reverse("families:member_correct", args=[parent.pk]),
        {**data, "version": 2, "reason": "Likevel riktig"},
    )
    assert response.status_code == 200
    assert "ingenting ble lagret" in response.text
    parent.refresh_from_db()
    assert parent.entered_in_error
