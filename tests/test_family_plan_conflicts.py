"""Plan changes conflict per goal and action; a change that changes nothing writes no revision."""

import datetime
import threading

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from families import plans
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    PlanAction,
    PlanGoal,
    PlanRevision,
    RevisionSummary,
)
from organisation.models import Office, User
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Noor", coordinator=coordinator_heimdal
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal),
            role="parent",
            joined_on=datetime.date(2024, 1, 1),
        )
    return family


@pytest.fixture
def two_goals(family: Family, coordinator_heimdal: User) -> tuple[PlanGoal, PlanGoal]:
    """Two goals with one action each, written through the revision service."""
    with acting_as(coordinator_heimdal):
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        for text in ("Bolig", "Arbeid"):
            plans.plan_revise(
                plan=plan,
                by=coordinator_heimdal,
                summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, text),
                change=lambda p, text=text: plans.goal_add(
                    p, life_area=code(CodeList.LIFE_AREA, "housing"), text=text, owner=None
                ),
            )
        for goal in PlanGoal.objects.order_by("pk"):
            plans.plan_revise(
                plan=plan,
                by=coordinator_heimdal,
                summary=RevisionSummary(PlanRevision.Change.ACTION_ADDED, "tiltak"),
                change=lambda p, goal=goal: plans.action_add(
                    goal,
                    text=f"Tiltak for {goal.text}",
                    responsible="coordinator",
                    responsible_member=None,
                    responsible_service=None,
                    due_on=None,
                ),
            )
    first, second = PlanGoal.objects.order_by("pk")
    return first, second


def revisions(family: Family) -> int:
    return PlanRevision.objects.filter(plan__family=family).count()


def edit_goal(client: HttpClient, goal: PlanGoal, text: str, version: int) -> object:
    return client.post(
        reverse("families:goal_edit", args=[goal.pk]), {"text": text, "version": version}
    )


def test_two_people_changing_different_goals_from_the_same_page_both_succeed(
    client: HttpClient,
    coordinator_heimdal: User,
    caseworker_heimdal: User,
    two_goals: tuple[PlanGoal, PlanGoal],
) -> None:
    first, second = two_goals
    other = HttpClient()
    client.force_login(coordinator_heimdal)
    other.force_login(caseworker_heimdal)
    assert edit_goal(client, first, "En større bolig", first.version).status_code == 302
    # The colleague's page was opened before that change: another goal is no conflict.
    assert edit_goal(other, second, "Fast jobb", second.version).status_code == 302
    response = other.post(
        reverse("families:goal_status", args=[first.pk]), {"status": "achieved", "version": 2}
    )
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.text, first.status, second.text) == ("En større bolig", "achieved", "Fast jobb")


def test_two_people_changing_different_actions_both_succeed(
    client: HttpClient,
    coordinator_heimdal: User,
    caseworker_heimdal: User,
    two_goals: tuple[PlanGoal, PlanGoal],
) -> None:
    one, two = PlanAction.objects.order_by("pk")
    other = HttpClient()
    client.force_login(coordinator_heimdal)
    other.force_login(caseworker_heimdal)
    client.post(
        reverse("families:action_status", args=[one.pk]), {"status": "completed", "version": 1}
    )
    response = other.post(
        reverse("families:action_edit", args=[two.pk]),
        {"text": "Ring NAV arbeid", "due_on": "2030-01-01", "version": 1},
    )
    assert response.status_code == 302
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, two.text) == ("completed", "Ring NAV arbeid")


def test_the_same_goal_changed_by_someone_else_shows_the_conflict_and_keeps_the_input(
    client: HttpClient,
    coordinator_heimdal: User,
    caseworker_heimdal: User,
    two_goals: tuple[PlanGoal, PlanGoal],
) -> None:
    first, _second = two_goals
    other = HttpClient()
    client.force_login(coordinator_heimdal)
    other.force_login(caseworker_heimdal)
    edit_goal(client, first, "En bolig med tre soverom", 1)
    before = revisions(first.plan.family)
    response = edit_goal(other, first, "En bolig nær skolen", 1)
    assert response.status_code == 409
    text = response.text
    assert 'data-testid="plan-conflict"' in text
    assert coordinator_heimdal.get_full_name() in text  # who changed it
    assert "Bolig → En bolig med tre soverom" in text  # and what
    assert 'value="En bolig nær skolen"' in text  # what the colleague typed is kept
    assert 'name="version" value="2"' in text  # based on the current version now
    assert revisions(first.plan.family) == before
    first.refresh_from_db()
    assert first.text == "En bolig med tre soverom"
    # Saved again knowingly, from the conflict page, it goes through.
    assert edit_goal(other, first, "En bolig nær skolen", 2).status_code == 302


def test_the_same_action_changed_by_someone_else_is_a_conflict(
    client: HttpClient, coordinator_heimdal: User, two_goals: tuple[PlanGoal, PlanGoal]
) -> None:
    action = PlanAction.objects.order_by("pk").first()
    assert action is not None
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "in_progress", "version": 1}
    )
    response = client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "cancelled", "version": 1}
    )
    assert response.status_code == 409
    assert "Planlagt → Pågår" in response.text
    action.refresh_from_db()
    assert action.status == "in_progress"


def test_a_move_from_a_page_showing_another_order_is_a_conflict(
    client: HttpClient, coordinator_heimdal: User, two_goals: tuple[PlanGoal, PlanGoal]
) -> None:
    first, second = two_goals
    client.force_login(coordinator_heimdal)
    url = reverse("families:goal_move", args=[second.pk])
    shown = f"{first.pk},{second.pk}"
    assert client.post(url, {"direction": "up", "order": shown}).status_code == 302
    assert plans._goal_order(first.plan) == [second.pk, first.pk]
    # The same click again from the old page would move it somewhere nobody asked for.
    response = client.post(url, {"direction": "up", "order": shown})
    assert response.status_code == 409
    assert "Arbeid · Bolig" in response.text
    # The wording of a goal that was moved meanwhile can still be changed: a place is no content.
    assert edit_goal(client, first, "Bolig i bydelen", 1).status_code == 302


@pytest.mark.parametrize(
    "change",
    ["top_up", "bottom_down", "same_text", "same_status", "same_action_text", "same_action_status"],
)
def test_a_change_that_changes_nothing_writes_no_revision(
    client: HttpClient,
    coordinator_heimdal: User,
    two_goals: tuple[PlanGoal, PlanGoal],
    change: str,
) -> None:
    first, second = two_goals
    action = PlanAction.objects.order_by("pk").first()
    assert action is not None
    family = first.plan.family
    client.force_login(coordinator_heimdal)
    order = f"{first.pk},{second.pk}"
    url, data = {
        "top_up": ("goal_move", (first.pk, {"direction": "up", "order": order})),
        "bottom_down": ("goal_move", (second.pk, {"direction": "down", "order": order})),
        "same_text": ("goal_edit", (first.pk, {"text": "Bolig", "version": 1})),
        "same_status": ("goal_status", (first.pk, {"status": "open", "version": 1})),
        "same_action_text": (
            "action_edit",
            (action.pk, {"text": action.text, "due_on": "", "version": 1}),
        ),
        "same_action_status": ("action_status", (action.pk, {"status": "planned", "version": 1})),
    }[change]
    before = revisions(family)
    response = client.post(reverse(f"families:{url}", args=[data[0]]), data[1], follow=True)
    assert response.status_code == 200
    assert "Ingenting ble endret." in response.text
    assert revisions(family) == before
    first.refresh_from_db()
    action.refresh_from_db()
    assert (first.version, action.version) == (1, 1)


@pytest.mark.django_db(transaction=True)
def test_simultaneous_changes_to_two_goals_are_both_saved_as_two_revisions(
    coordinator_heimdal: User, caseworker_heimdal: User, two_goals: tuple[PlanGoal, PlanGoal]
) -> None:
    """Two requests at once (two database connections): the plan row serialises them."""
    first, second = two_goals
    plan = FamilyPlan.objects.get(pk=first.plan_id)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def change(goal_pk: int, text: str, user: User) -> None:
        try:
            goal = PlanGoal.objects.get(pk=goal_pk)
            start.wait()
            with acting_as(user):
                plans.plan_revise(
                    plan=plan,
                    by=user,
                    summary=RevisionSummary(PlanRevision.Change.GOAL_CHANGED, text),
                    change=lambda p: plans.goal_update(goal, text=text),
                    item=goal,
                    expected_version=1,
                )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=change, args=(first.pk, "Ny bolig", coordinator_heimdal)),
        threading.Thread(target=change, args=(second.pk, "Ny jobb", caseworker_heimdal)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(PlanGoal.objects.values_list("text", flat=True)) == {"Ny bolig", "Ny jobb"}
    numbers = list(plan.revisions.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))
    latest = plan.revisions.order_by("-number").first()
    assert latest is not None
    assert {g["text"] for g in latest.snapshot["goals"]} == {"Ny bolig", "Ny jobb"}
