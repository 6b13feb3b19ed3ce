"""Impossible family data is refused at the field, by forms, services and the database."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from families import plans, services
from families.models import (
    Family,
    FamilyMember,
    FamilyService,
    LeisureActivity,
    PlanAction,
    PlanGoal,
    PlanRevision,
    Review,
    ReviewRating,
    RevisionSummary,
    SchoolStatus,
)
from families.reviews import review_record
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        return Family.objects.create(
            office=heimdal,
            name="Familien Ahmadi",
            coordinator=coordinator_heimdal,
            created_on=D(2023, 1, 1),
        )


@pytest.fixture
def child(family: Family) -> FamilyMember:
    with acting_as(system_actor("tests")):
        return FamilyMember.objects.create(
            family=family,
            first_name="Sara",
            birth_date=D(2012, 6, 1),
            role="child",
            joined_on=D(2023, 1, 1),
        )


def years_ago(years: int, days: int = 0) -> D:
    return today().replace(
        year=today().year - years, day=min(today().day, 28)
    ) - datetime.timedelta(days=days)


# School ---------------------------------------------------------------------

DROPOUT = "Bare videregående skole eller læretid kan man falle ut av"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"level": "upper_secondary", "year": 9}, "year", "Videregående skole har trinnene 11–13."),
        ({"level": "primary", "year": 8}, "year", "Barneskole (1–7) har trinnene 1–7."),
        ({"level": "apprenticeship", "year": 12}, "year", "La trinn stå tomt for Lærling."),
        ({"level": "none", "status": "enrolled"}, "status", "Den som ikke går på skole"),
        ({"level": "none", "status": "back_in_school"}, "status", "Den som ikke går på skole"),
        ({"valid_from": "2011-08-15"}, "valid_from", "før personens fødselsdato (01.06.2012)"),
        ({"valid_from": "2099-08-15"}, "valid_from", "Datoen kan ikke være fram i tid."),
        ({"level": "lower_secondary", "programme": "Elektro"}, "programme", "videregående"),
        ({"level": "primary", "status": "dropped_out"}, "status", DROPOUT),
        ({"level": "lower_secondary", "year": 9, "status": "dropped_out"}, "status", DROPOUT),
        ({"level": "none", "status": "dropped_out"}, "status", DROPOUT),
    ],
)
def test_impossible_school_entries_are_refused_at_the_field(
    client: HttpClient,
    coordinator_heimdal: User,
    child: FamilyMember,
    data: dict[str, object],
    field: str,
    message: str,
) -> None:
    client.force_login(coordinator_heimdal)
    posted = {"school": "1", "valid_from": "2024-08-19", "level": "primary", "status": "enrolled"}
    response = client.post(reverse("families:child", args=[child.pk]), {**posted, **data})
    assert response.status_code == 200
    errors = response.context["school_form"].errors
    assert message in " ".join(errors[field]), errors
    assert not SchoolStatus.objects.exists()


@pytest.mark.parametrize(
    ("level", "year"),
    [
        ("primary", 1),
        ("primary", 7),
        ("lower_secondary", 8),
        ("upper_secondary", 11),
        ("upper_secondary", 13),
        ("apprenticeship", None),
        ("none", None),
    ],
)
def test_school_years_that_fit_their_level_are_saved(
    child: FamilyMember, coordinator_heimdal: User, level: str, year: int | None
) -> None:
    with acting_as(coordinator_heimdal):
        saved = services.school_status_record(
            member=child,
            risk=False,
            valid_from=D(2024, 8, 19),
            level=level,
            programme="",
            year=year,
            status="not_started" if level == "none" else "enrolled",
        )
    assert saved.pk is not None


@pytest.mark.parametrize(("level", "year"), [("upper_secondary", 12), ("apprenticeship", None)])
def test_a_young_person_drops_out_of_upper_secondary_or_an_apprenticeship(
    child: FamilyMember, coordinator_heimdal: User, level: str, year: int | None
) -> None:
    with acting_as(coordinator_heimdal):
        saved = services.school_status_record(
            member=child,
            risk=False,
            valid_from=D(2024, 8, 19),
            level=level,
            programme="Elektro",
            year=year,
            status="dropped_out",
        )
    assert saved.pk is not None


def test_the_service_refuses_what_the_form_refuses(
    child: FamilyMember, coordinator_heimdal: User
) -> None:
    with acting_as(coordinator_heimdal), pytest.raises(ValidationError) as refused:
        services.school_status_record(
            member=child,
            risk=False,
            valid_from=D(2024, 8, 19),
            level="upper_secondary",
            programme="",
            year=9,
            status="enrolled",
        )
    assert "year" in refused.value.message_dict


def test_the_database_refuses_a_year_that_does_not_fit_the_level(child: FamilyMember) -> None:
    with acting_as(system_actor("tests")):
        for fields in (
            {"level": "upper_secondary", "year": 9},
            {"level": "none", "status": "enrolled"},
            {"level": "primary", "programme": "Elektro"},
            {"level": "lower_secondary", "status": "dropped_out"},
            {"level": "none", "status": "dropped_out"},
        ):
            row = {"valid_from": D(2024, 1, 1), "level": "primary", "status": "enrolled", **fields}
            with pytest.raises(IntegrityError), transaction.atomic():
                SchoolStatus.objects.create(member=child, **row)


# Members --------------------------------------------------------------------


def add_member(client: HttpClient, family: Family, **data: object) -> object:
    return client.post(reverse("families:member_add", args=[family.pk]), data)


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {
                "first_name": "Ali",
                "birth_date": "2015-03-01",
                "role": "child",
                "joined_on": "2014-01-01",
            },
            "joined_on",
            "før personens fødselsdato (01.03.2015)",
        ),
        (
            {
                "first_name": "Ali",
                "birth_date": "1800-01-01",
                "role": "other_adult",
                "joined_on": "2024-01-01",
            },
            "birth_date",
            "Fødselsdatoen kan ikke være før 01.01.1900.",
        ),
        (
            {
                "first_name": "Bestefar",
                "birth_date": "1950-01-01",
                "role": "child",
                "joined_on": "2024-01-01",
            },
            "role",
            "Bestefar er 74 år på datoen for innmelding",
        ),
        (
            {
                "first_name": "Lille",
                "birth_date": "2014-03-01",
                "role": "parent",
                "joined_on": "2024-01-01",
            },
            "role",
            "Lille er 9 år på datoen for innmelding. En forelder eller annen voksen i familien er "
            "minst 16 år.",
        ),
        (
            {
                "first_name": "Tante",
                "birth_date": "2008-06-01",
                "role": "other_adult",
                "joined_on": "2024-05-31",
            },
            "role",
            "Tante er 15 år",
        ),
    ],
)
def test_impossible_members_are_refused_at_the_field(
    client: HttpClient,
    coordinator_heimdal: User,
    family: Family,
    data: dict[str, object],
    field: str,
    message: str,
) -> None:
    client.force_login(coordinator_heimdal)
    response = add_member(client, family, **data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert not family.memberships.exists()


@pytest.mark.parametrize("age", [17, 20, 24])
def test_a_young_person_in_upper_secondary_can_be_a_child_of_the_family(
    client: HttpClient, coordinator_heimdal: User, family: Family, age: int
) -> None:
    client.force_login(coordinator_heimdal)
    born = years_ago(age, days=30)
    response = add_member(
        client,
        family,
        first_name="Ung",
        birth_date=born.isoformat(),
        role="child",
        joined_on=today().isoformat(),
    )
    assert response.status_code == 302, response.context["form"].errors
    assert family.memberships.get().role == "child"


@pytest.mark.parametrize("role", ["parent", "other_adult"])
def test_a_young_parent_of_16_can_be_an_adult_of_the_family(
    client: HttpClient, coordinator_heimdal: User, family: Family, role: str
) -> None:
    client.force_login(coordinator_heimdal)
    response = add_member(
        client,
        family,
        first_name="Ung",
        birth_date=years_ago(16).isoformat(),
        role=role,
        joined_on=today().isoformat(),
    )
    assert response.status_code == 302, response.context["form"].errors
    assert family.memberships.get().role == role


def test_a_child_client_cannot_join_as_a_parent_nor_be_corrected_into_one(
    client: HttpClient,
    coordinator_heimdal: User,
    family: Family,
    child: FamilyMember,
    heimdal: Office,
) -> None:
    young = ClientFactory(office=heimdal, birth_date=D(2012, 1, 1))
    with acting_as(coordinator_heimdal), pytest.raises(ValidationError) as refused:
        services.member_join(family=family, client=young, role="parent", joined_on=D(2024, 1, 1))
    assert "minst 16" in " ".join(refused.value.message_dict["role"])
    client.force_login(coordinator_heimdal)
    response = client.post(
        reverse("families:member_correct", args=[child.pk]),
        {
            "first_name": "Sara",
            "birth_date": "2012-06-01",
            "role": "parent",
            "joined_on": "2023-01-01",
            "version": child.version,
            "reason": "Rolle",
        },
    )
    assert response.status_code == 200
    assert "Sara er 10 år" in " ".join(response.context["form"].errors["role"])
    child.refresh_from_db()
    assert child.role == "child"


def test_an_adult_client_cannot_join_as_a_child(
    coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    adult = ClientFactory(office=heimdal, birth_date=D(1980, 1, 1))
    with acting_as(coordinator_heimdal), pytest.raises(ValidationError) as refused:
        services.member_join(family=family, client=adult, role="child", joined_on=D(2024, 1, 1))
    assert "role" in refused.value.message_dict


def test_a_grown_up_child_moves_in_a_split_as_an_adult(
    coordinator_heimdal: User, family: Family, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        parent = FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, birth_date=D(1960, 1, 1)),
            role="parent",
            joined_on=D(2023, 1, 1),
        )
        son = FamilyMember.objects.create(
            family=family,
            first_name="Omar",
            birth_date=D(1995, 1, 1),
            role="child",
            joined_on=D(2023, 1, 1),
        )
    with acting_as(coordinator_heimdal):
        new = services.family_split(
            family=family, members=[parent, son], name="Familien Ahmadi 2", on=D(2024, 5, 1)
        )
    assert set(new.memberships.values_list("role", flat=True)) == {"parent", "other_adult"}


def test_the_database_refuses_a_birth_date_before_1900(family: Family) -> None:
    with acting_as(system_actor("tests")), pytest.raises(IntegrityError):
        FamilyMember.objects.create(
            family=family,
            first_name="Gammel",
            birth_date=D(1800, 1, 1),
            role="other_adult",
            joined_on=D(2024, 1, 1),
        )


# Reviews --------------------------------------------------------------------


def post_review(client: HttpClient, family: Family, day: str) -> object:
    return client.post(
        reverse("families:review_new", args=[family.pk]),
        {"reviewed_on": day, "rating_housing": 5},
    )


@pytest.mark.parametrize(
    ("day", "message"),
    [
        ("2000-01-01", "Familien er fulgt opp siden 01.01.2023"),
        ("2099-01-01", "En evaluering kan ikke dateres fram i tid."),
    ],
)
def test_a_review_outside_the_familys_time_is_refused(
    client: HttpClient, coordinator_heimdal: User, family: Family, day: str, message: str
) -> None:
    client.force_login(coordinator_heimdal)
    response = post_review(client, family, day)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["reviewed_on"])
    assert not Review.objects.exists()


def test_one_review_per_family_and_day(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert post_review(client, family, "2024-03-01").status_code == 302
    response = post_review(client, family, "2024-03-01")
    assert response.status_code == 200
    assert "Familien har allerede en evaluering 01.03.2024" in " ".join(
        response.context["form"].errors["reviewed_on"]
    )
    assert Review.objects.count() == 1
    # What the user can do instead: correct that review (nothing can be "added to" it).
    link = reverse("families:review_correct", args=[Review.objects.get().pk])
    assert f'<a href="{link}">Rett opp evalueringen fra 01.03.2024</a>' in response.text
    assert "Legg heller til" not in response.text
    with acting_as(coordinator_heimdal), pytest.raises(ValidationError):
        review_record(
            family=family,
            by=coordinator_heimdal,
            reviewed_on=D(2024, 3, 1),
            ratings={code(CodeList.LIFE_AREA, "housing"): 3},
        )
    with acting_as(system_actor("tests")), pytest.raises(IntegrityError):
        Review.objects.create(family=family, reviewed_on=D(2024, 3, 1), by=coordinator_heimdal)


def test_a_review_entered_in_error_leaves_its_day_free_and_is_not_put_back_over_another(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert post_review(client, family, "2024-03-01").status_code == 302
    wrong = Review.objects.get()
    marked = client.post(
        reverse("families:review_correct", args=[wrong.pk]),
        {
            "reviewed_on": "2024-03-01",
            "rating_housing": 5,
            "entered_in_error": "on",
            "version": wrong.version,
            "reason": "Gjaldt en annen familie",
        },
    )
    assert marked.status_code == 302
    # A review entered in error is not held to the rule (audit.corrections.rules_in_force),
    # nor counted by it: the review that was meant can be saved on its day.
    wrong.refresh_from_db()
    wrong.clean()
    assert post_review(client, family, "2024-03-01").status_code == 302
    meant = Review.objects.get()
    # Putting the wrong one back would make two reviews of that day: refused at the date.
    back = client.post(
        reverse("families:review_correct", args=[wrong.pk]),
        {
            "reviewed_on": "2024-03-01",
            "rating_housing": 5,
            "version": wrong.version,
            "reason": "Likevel riktig",
        },
    )
    assert back.status_code == 200
    assert "Familien har allerede en evaluering 01.03.2024" in " ".join(
        back.context["form"].errors["reviewed_on"]
    )
    assert back.context["form"].same_day == meant
    wrong.refresh_from_db()
    assert wrong.entered_in_error


def test_a_rating_is_named_in_history_with_its_date_as_ddmmyyyy(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    post_review(client, family, "2024-12-01")
    assert str(Review.objects.get()) == "Familien Ahmadi: 01.12.2024"
    page = client.get(reverse("families:history", args=[family.pk])).text
    assert "2024-12-01" not in page


# Plan actions ---------------------------------------------------------------


@pytest.fixture
def goal(family: Family, coordinator_heimdal: User) -> PlanGoal:
    with acting_as(coordinator_heimdal):
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, "mål"),
            change=lambda p: plans.goal_add(
                p, life_area=code(CodeList.LIFE_AREA, "housing"), text="Bolig", owner=None
            ),
        )
    return PlanGoal.objects.get()


def test_a_new_action_cannot_be_due_in_the_past(
    client: HttpClient, coordinator_heimdal: User, goal: PlanGoal
) -> None:
    client.force_login(coordinator_heimdal)
    response = client.post(
        reverse("families:action_add", args=[goal.pk]),
        {"text": "Ring", "responsible": "coordinator", "due_on": "2020-01-01"},
    )
    assert response.status_code == 200
    assert f'id="action{goal.pk}_due_on_error"' in response.text
    assert "Fristen er passert" in response.text
    assert not PlanAction.objects.exists()


def test_the_deadline_is_labelled_frist(
    client: HttpClient, coordinator_heimdal: User, goal: PlanGoal
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:plan", args=[goal.plan.family_id])).text
    label = page.split(f'for="action{goal.pk}_due_on"')[1].split("</label>")[0]
    assert "Frist" in label
    assert "Forfalt" not in label


def test_an_overdue_action_keeps_its_deadline_but_cannot_be_moved_into_the_past(
    client: HttpClient, coordinator_heimdal: User, goal: PlanGoal
) -> None:
    with acting_as(system_actor("tests")):
        action = PlanAction.objects.create(
            goal=goal, text="Ring", responsible="coordinator", due_on=D(2024, 1, 1)
        )
    client.force_login(coordinator_heimdal)
    url = reverse("families:action_edit", args=[action.pk])
    client.post(url, {"text": "Ring boligkontoret", "due_on": "2024-01-01", "version": 1})
    action.refresh_from_db()
    assert (action.text, action.due_on) == ("Ring boligkontoret", D(2024, 1, 1))
    response = client.post(url, {"text": "Ring", "due_on": "2023-06-01", "version": 2}, follow=True)
    assert "Fristen er passert" in response.text
    action.refresh_from_db()
    assert action.due_on == D(2024, 1, 1)


def test_every_end_date_and_rating_check_of_the_database_is_a_rule_at_the_field(
    family: Family, child: FamilyMember
) -> None:
    # The admin's forms run clean(): they show these instead of failing on the constraint.
    service = FamilyService(family=family, since=D(2024, 5, 1), until=D(2024, 4, 1))
    leisure = LeisureActivity(
        member=child, activity="Fotball", since=D(2024, 5, 1), until=D(2024, 4, 1)
    )
    for record in (service, leisure):
        with pytest.raises(ValidationError) as refused:
            record.clean()
        assert refused.value.message_dict == {
            "until": ["Sluttdatoen kan ikke være før startdatoen."]
        }
    with pytest.raises(ValidationError) as refused:
        ReviewRating(rating=11).clean()
    assert refused.value.message_dict == {"rating": ["Vurderingen er fra 0 til 10."]}
    ReviewRating(rating=10).clean()


def test_a_family_and_a_service_are_not_dated_in_the_future_wherever_they_are_saved(
    family: Family,
) -> None:
    # The forms refuse it at the field; the admin's forms run clean() and refuse it too.
    tomorrow = today() + datetime.timedelta(days=1)
    service = FamilyService(family=family, since=tomorrow)
    for record, field in (
        (Family(name="Ny", created_on=tomorrow), "created_on"),
        (service, "since"),
    ):
        with pytest.raises(ValidationError) as refused:
            record.clean()
        assert refused.value.message_dict == {field: ["Datoen kan ikke være fram i tid."]}
    family.clean()
