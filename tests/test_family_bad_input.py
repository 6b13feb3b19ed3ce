"""No server error from any query string or form value on the family pages; nothing half-saved."""

import datetime
from typing import Any

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from families import plans
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    FamilyService,
    LeisureActivity,
    PlanAction,
    PlanGoal,
    PlanRevision,
    Review,
    RevisionSummary,
    SchoolStatus,
)
from followup.models import Contact
from organisation.models import Office, User
from tests.dates import days_ahead
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")

# Text, a number beyond every integer column, negative, NUL, impossible and malformed dates,
# long unicode, unknown choices.
BAD_VALUES = ["x", str(2**70), "-1", "a\x00b", "2024-02-30", "99999-01-01", "ø" * 5000, "0"]
FIELDS = [
    "a",
    "b",
    "on",
    "view",
    "version",
    "status",
    "direction",
    "text",
    "due_on",
    "responsible",
    "responsible_member",
    "responsible_service",
    "life_area",
    "owner",
    "client",
    "role",
    "joined_on",
    "birth_date",
    "first_name",
    "left_on",
    "members",
    "name",
    "office",
    "coordinator",
    "created_on",
    "service",
    "since",
    "valid_from",
    "level",
    "year",
    "reviewed_on",
    "next_review_on",
    "rating_housing",
    "participants",
    "date",
    "channel",
    "duration_minutes",
    "move",
    "picker",
    "picker_id",
    "picker_choice",
    "client-query",
]


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal,
            name="Familien Warsame",
            coordinator=coordinator_heimdal,
            created_on=datetime.date(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, birth_date=datetime.date(1985, 1, 1)),
            role="parent",
            joined_on=datetime.date(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            first_name="Idil",
            birth_date=datetime.date(2012, 1, 1),
            role="child",
            joined_on=datetime.date(2023, 1, 1),
        )
    with acting_as(coordinator_heimdal):
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            expected_version=1,
            summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, "mål"),
            change=lambda p: plans.goal_add(
                p, life_area=code(CodeList.LIFE_AREA, "housing"), text="Mål", owner=None
            ),
        )
        goal = PlanGoal.objects.get()
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            expected_version=2,
            summary=RevisionSummary(PlanRevision.Change.ACTION_ADDED, "tiltak"),
            change=lambda p: plans.action_add(
                goal,
                text="Tiltak",
                responsible="coordinator",
                responsible_member=None,
                responsible_service=None,
                due_on=None,
            ),
        )
    return family


def urls(family: Family) -> list[str]:
    goal = PlanGoal.objects.get()
    action = PlanAction.objects.get()
    child = family.memberships.get(role="child")
    return [
        reverse("families:home"),
        reverse("families:new"),
        reverse("families:detail", args=[family.pk]),
        reverse("families:history", args=[family.pk]),
        reverse("families:member_add", args=[family.pk]),
        reverse("families:member_leave", args=[child.pk]),
        reverse("families:child", args=[child.pk]),
        reverse("families:split", args=[family.pk]),
        reverse("families:service_add", args=[family.pk]),
        reverse("families:contact_new", args=[family.pk]),
        reverse("families:plan", args=[family.pk]),
        reverse("families:goal_add", args=[family.pk]),
        reverse("families:plan_revisions", args=[family.pk]),
        reverse("families:plan_print", args=[family.pk]),
        reverse("families:reviews", args=[family.pk]),
        reverse("families:review_new", args=[family.pk]),
        reverse("families:goal_status", args=[goal.pk]),
        reverse("families:goal_edit", args=[goal.pk]),
        reverse("families:action_edit", args=[action.pk]),
        reverse("families:goal_move", args=[goal.pk]),
        reverse("families:action_add", args=[goal.pk]),
        reverse("families:action_status", args=[action.pk]),
        reverse("families:picker_search"),
        reverse("families:picker_choose"),
    ]


def counts() -> dict[str, int]:
    models: list[Any] = [
        Family,
        FamilyMember,
        FamilyService,
        FamilyPlan,
        PlanGoal,
        PlanAction,
        PlanRevision,
        Review,
        SchoolStatus,
        LeisureActivity,
        Contact,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_the_revision_comparison_with_letters_is_refused_with_a_message(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    url = reverse("families:plan_revisions", args=[family.pk])
    response = client.get(url, {"a": "x", "b": "y"})
    assert response.status_code == 200
    assert response.context["changes"] is None
    assert "Oppgi et heltall." in response.text
    unknown = client.get(url, {"a": 1, "b": 99})
    assert "Planen har ingen revisjon 99." in unknown.text
    huge = client.get(url, {"a": 1, "b": 2**70})
    assert 'data-testid="query-error"' in huge.text
    date = client.get(url, {"on": "2024-02-30"})
    assert 'data-testid="query-error"' in date.text
    ahead = client.get(url, {"on": days_ahead(1).strftime("%d.%m.%Y")})
    assert "Datoen er fram i tid. Planen kan vises slik den var fram til i dag." in ahead.text
    assert ahead.context["as_on"] is None


def test_an_impossible_date_on_the_family_page_is_refused_and_today_is_shown(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    response = client.get(reverse("families:detail", args=[family.pk]), {"on": "2024-02-30"})
    assert response.status_code == 200
    assert 'data-testid="on-error"' in response.text
    assert response.context["on"] == response.context["today"]


def test_an_unknown_status_or_direction_is_refused_with_a_message(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    goal = PlanGoal.objects.get()
    before = counts()
    response = client.post(
        reverse("families:goal_status", args=[goal.pk]),
        {"status": "vanished", "version": 3},
        follow=True,
    )
    assert "Velg et gyldig valg" in response.text
    response = client.post(
        reverse("families:goal_move", args=[goal.pk]),
        {"direction": "sideways", "version": 3},
        follow=True,
    )
    assert "Velg et gyldig valg" in response.text
    assert counts() == before


@pytest.mark.parametrize("value", BAD_VALUES)
def test_no_server_error_and_nothing_saved_from_any_value(
    client: HttpClient, coordinator_heimdal: User, family: Family, value: str
) -> None:
    client.force_login(coordinator_heimdal)
    before = counts()
    data = dict.fromkeys(FIELDS, value)
    for url in urls(family):
        for response in (
            client.get(url, data),
            client.post(url, data),
            client.post(url, {**data, "school": "1"}),
            client.post(url, {**data, "leisure": "1"}),
        ):
            # The test client re-raises a view's exception, so a server error fails here.
            assert response.status_code in {200, 302, 400, 404, 405, 409}, url
    assert counts() == before


def test_an_unknown_huge_family_id_is_a_404(client: HttpClient, coordinator_heimdal: User) -> None:
    client.force_login(coordinator_heimdal)
    assert client.get(f"/families/{2**70}/").status_code == 404
    assert client.get(f"/families/{2**70}/plan/revisions/").status_code == 404
