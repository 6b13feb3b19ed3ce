"""The family plan: goals and actions as revisions, no lost updates, comparison, print, access."""

import datetime

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from audit.models import AccessLog
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
            office=heimdal, name="Familien Ali", coordinator=coordinator_heimdal
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, first_name="Hodan"),
            role="parent",
            joined_on=datetime.date(2024, 1, 1),
        )
    return family


def goal_with_action(
    family: Family, author: User, *, goal: str, action: str
) -> tuple[PlanGoal, PlanAction]:
    """A plan with one goal and one action under it, written through the revision service."""
    with acting_as(author):
        plan = plans.plan_for(family=family, by=author)
        plans.plan_revise(
            plan=plan,
            by=author,
            expected_version=plan.version,
            summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, "mål"),
            change=lambda p: plans.goal_add(
                p, life_area=code(CodeList.LIFE_AREA, "housing"), text=goal, owner=None
            ),
        )
        plan.refresh_from_db()
        saved_goal = PlanGoal.objects.get(plan=plan, text=goal)
        plans.plan_revise(
            plan=plan,
            by=author,
            expected_version=plan.version,
            summary=RevisionSummary(PlanRevision.Change.ACTION_ADDED, "tiltak"),
            change=lambda p: plans.action_add(
                saved_goal,
                text=action,
                responsible="coordinator",
                responsible_member=None,
                responsible_service=None,
                due_on=None,
            ),
        )
    return saved_goal, PlanAction.objects.get(goal=saved_goal, text=action)


def plan_of(family: Family) -> FamilyPlan:
    return FamilyPlan.objects.get(family=family, active=True)


def add_goal(client: HttpClient, family: Family, text: str, version: int) -> object:
    return client.post(
        reverse("families:goal_add", args=[family.pk]),
        {"life_area": code(CodeList.LIFE_AREA, "housing").pk, "text": text, "version": version},
    )


def test_opening_the_plan_creates_it_with_a_first_revision(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert client.get(reverse("families:plan", args=[family.pk])).status_code == 200
    plan = plan_of(family)
    assert list(plan.revisions.values_list("number", flat=True)) == [1]
    assert AccessLog.objects.filter(view_name="families:plan").exists()


def test_goals_and_actions_are_revisions(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    assert add_goal(client, family, "Vi vil bo i en større leilighet", 1).status_code == 302
    goal = PlanGoal.objects.get()
    member = family.memberships.get()
    client.post(
        reverse("families:action_add", args=[goal.pk]),
        {
            "text": "Søke kommunal bolig",
            "responsible": "member",
            "responsible_member": member.pk,
            "due_on": "2027-01-15",
        },
    )
    action = PlanAction.objects.get()
    client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "completed", "version": 1}
    )
    action.refresh_from_db()
    assert action.status == "completed"
    revisions = list(plan_of(family).revisions.order_by("number"))
    assert [r.number for r in revisions] == [1, 2, 3, 4]
    assert {r.by for r in revisions} == {coordinator_heimdal}
    assert revisions[-1].snapshot["goals"][0]["actions"][0]["status"] == "completed"
    assert {row.history_user for row in goal.history.all()} == {coordinator_heimdal}


def test_a_finished_action_cannot_move_back(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    add_goal(client, family, "Mål", 1)
    goal = PlanGoal.objects.get()
    client.post(
        reverse("families:action_add", args=[goal.pk]),
        {"text": "Ring", "responsible": "coordinator"},
    )
    action = PlanAction.objects.get()
    client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "completed", "version": 1}
    )
    client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "in_progress", "version": 2}
    )
    action.refresh_from_db()
    assert action.status == "completed"
    assert plan_of(family).version == 4


def test_two_revisions_can_be_compared_and_the_plan_shown_on_a_date(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    add_goal(client, family, "Bedre økonomi", 1)
    response = client.get(reverse("families:plan_revisions", args=[family.pk]), {"a": 1, "b": 2})
    assert [(c["kind"], c["text"]) for c in response.context["changes"]] == [
        ("added", "Bedre økonomi")
    ]
    before = client.get(reverse("families:plan_revisions", args=[family.pk]), {"on": "2000-01-01"})
    assert before.context["as_on"] is None
    today = client.get(
        reverse("families:plan_revisions", args=[family.pk]),
        {"on": timezone.localdate().isoformat()},
    )
    assert today.context["as_on"].number == 2


def test_the_printed_plan(client: HttpClient, coordinator_heimdal: User, family: Family) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    add_goal(client, family, "Barna skal delta på fritidsaktiviteter", 1)
    response = client.get(reverse("families:plan_print", args=[family.pk]))
    assert "Barna skal delta på fritidsaktiviteter" in response.text
    assert "Familieplan" in response.text
    assert AccessLog.objects.filter(action=AccessLog.Action.PRINT).exists()


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404_everywhere(
    client: HttpClient,
    coordinator_heimdal: User,
    coordinator_sagene: User,
    family: Family,
    method: str,
) -> None:
    goal, action = goal_with_action(
        family, coordinator_heimdal, goal="Hemmelig mål", action="Hemmelig tiltak"
    )
    client.force_login(coordinator_sagene)
    revisions_before = PlanRevision.objects.count()
    for name, pk in [
        ("families:plan", family.pk),
        ("families:goal_add", family.pk),
        ("families:plan_revisions", family.pk),
        ("families:plan_print", family.pk),
        ("families:goal_status", goal.pk),
        ("families:goal_move", goal.pk),
        ("families:action_add", goal.pk),
        ("families:action_status", action.pk),
    ]:
        response = getattr(client, method)(
            reverse(name, args=[pk]), {"status": "completed", "version": 3}
        )
        assert response.status_code == 404, name
        assert "Hemmelig" not in response.text
    assert PlanRevision.objects.count() == revisions_before


def test_plan_page_query_count_is_fixed_with_30_goals_and_100_actions(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("families:plan", args=[family.pk])).status_code == 200
        return len(queries)

    plan = plan_of(family)
    with acting_as(system_actor("tests")):
        first = PlanGoal.objects.create(
            plan=plan, life_area=code(CodeList.LIFE_AREA, "housing"), text="Mål"
        )
        PlanAction.objects.create(goal=first, text="Tiltak", responsible="coordinator")
    small = count()  # one goal with one action: every prefetch runs
    with acting_as(system_actor("tests")):
        for g in range(29):
            goal = PlanGoal.objects.create(
                plan=plan,
                life_area=code(CodeList.LIFE_AREA, "economy_debt"),
                text=f"Mål {g}",
                position=g,
            )
            for a in range(4 if g < 12 else 3):
                PlanAction.objects.create(
                    goal=goal, text=f"Tiltak {g}.{a}", responsible="coordinator"
                )
    assert (PlanGoal.objects.count(), PlanAction.objects.count()) == (30, 100)
    assert count() == small


def test_goal_and_action_wording_can_change_as_revisions(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    add_goal(client, family, "Bedre bolig", 1)
    goal = PlanGoal.objects.get()
    client.post(
        reverse("families:goal_edit", args=[goal.pk]),
        {"text": "En bolig med tre soverom", "version": 1},
    )
    client.post(
        reverse("families:action_add", args=[goal.pk]),
        {"text": "Ring", "responsible": "coordinator"},
    )
    action = PlanAction.objects.get()
    client.post(
        reverse("families:action_edit", args=[action.pk]),
        {"text": "Ring boligkontoret", "due_on": "2027-02-01", "version": 1},
    )
    goal.refresh_from_db()
    action.refresh_from_db()
    assert (goal.text, action.text, action.due_on) == (
        "En bolig med tre soverom",
        "Ring boligkontoret",
        datetime.date(2027, 2, 1),
    )
    response = client.get(reverse("families:plan_revisions", args=[family.pk]), {"a": 2, "b": 5})
    kinds = {(c["kind"], c["what"]) for c in response.context["changes"]}
    assert ("changed", "Mål") in kinds
    # A change from a page that showed the goal before it was changed is refused.
    client.post(
        reverse("families:goal_edit", args=[goal.pk]), {"text": "Gammel side", "version": 1}
    )
    goal.refresh_from_db()
    assert goal.text == "En bolig med tre soverom"


@pytest.mark.parametrize("endpoint", ["families:goal_edit", "families:action_edit"])
def test_another_office_cannot_change_wording(
    client: HttpClient,
    coordinator_heimdal: User,
    coordinator_sagene: User,
    family: Family,
    endpoint: str,
) -> None:
    goal, action = goal_with_action(family, coordinator_heimdal, goal="Mål", action="Tiltak")
    target = goal.pk if endpoint == "families:goal_edit" else action.pk
    client.force_login(coordinator_sagene)
    response = client.post(reverse(endpoint, args=[target]), {"text": "Overskrevet", "version": 3})
    assert response.status_code == 404
    assert not PlanGoal.objects.filter(text="Overskrevet").exists()
    assert not PlanAction.objects.filter(text="Overskrevet").exists()


def test_revisions_are_shown_in_words_not_codes(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    _goal, action = goal_with_action(
        family, coordinator_heimdal, goal="Bolig", action="Ring boligkontoret"
    )
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:action_status", args=[action.pk]), {"status": "completed", "version": 1}
    )
    response = client.get(reverse("families:plan_revisions", args=[family.pk]), {"a": 3, "b": 4})
    assert [c["text"] for c in response.context["changes"]] == [
        "Ring boligkontoret: Planlagt → Fullført"
    ]
    assert "(Fullført)" in response.text
    assert "completed" not in response.text


def test_each_goal_has_its_own_add_action_form_and_keeps_what_was_typed(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    """The add-action form is rendered once and given each goal's ids (plan_views)."""
    import re

    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    add_goal(client, family, "Bolig", 1)
    add_goal(client, family, "Arbeid", 2)
    first, second = PlanGoal.objects.order_by("pk")
    page = client.get(reverse("families:plan", args=[family.pk])).text
    for goal in (first, second):
        assert f'id="action{goal.pk}_text"' in page
        assert f'for="action{goal.pk}_text"' in page
    assert "__goal__" not in page
    ids = re.findall(r'id="(action\d+_[a-z_]+)"', page)
    assert len(ids) == len(set(ids))
    # A refused action (a member responsible, but none chosen) comes back in its own goal.
    response = client.post(
        reverse("families:action_add", args=[second.pk]),
        {"text": "Søke jobb hos Rema", "responsible": "member"},
    )
    assert response.status_code == 200

    def form_of(goal: PlanGoal) -> str:
        action = reverse("families:action_add", args=[goal.pk])
        return response.text.split(f'action="{action}"')[1].split("</form>")[0]

    assert "Søke jobb hos Rema" in form_of(second)
    assert "Søke jobb hos Rema" not in form_of(first)
    assert f'id="action{second.pk}_responsible_member_error"' in response.text


def test_revisions_are_summarised_in_the_readers_language_not_the_writers(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    """The summary is kept as data (PlanRevision.change) and put in words when shown."""
    client.force_login(coordinator_heimdal)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.get(reverse("families:plan", args=[family.pk]))
    client.post(
        reverse("families:goal_add", args=[family.pk]),
        {"life_area": code(CodeList.LIFE_AREA, "housing").pk, "text": "Bolig"},
    )
    goal = PlanGoal.objects.get()
    client.post(
        reverse("families:goal_status", args=[goal.pk]),
        {"status": "achieved", "version": 1},
    )
    client.get(reverse("families:plan", args=[family.pk]))  # the flash messages
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    bokmål = ["Mål «Bolig»: nådd", "Mål lagt til: Bolig", "Plan opprettet"]
    for page in ("families:plan", "families:plan_revisions"):
        response = client.get(reverse(page, args=[family.pk]))
        shown = [r.summary_shown for r in response.context["revisions"]]
        assert shown == bokmål
        assert all(summary in response.text for summary in bokmål)
        assert "Goal" not in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("families:plan_revisions", args=[family.pk]))
    assert "Goal «Bolig»: achieved" in response.text


def test_a_goal_of_500_characters_is_saved_with_its_revision(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    """The summary once held the whole text in 300 characters: a long goal failed in SQL."""
    client.force_login(coordinator_heimdal)
    client.get(reverse("families:plan", args=[family.pk]))
    assert add_goal(client, family, "å" * 500, 1).status_code == 302
    revision = plan_of(family).revisions.order_by("number").last()
    assert revision is not None
    assert revision.summary_shown == "Mål lagt til: " + "å" * 500
