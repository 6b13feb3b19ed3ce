"""Reviews: the family's own quality-of-life ratings, and how they change over time."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from families.models import Family, Review, ReviewRating
from organisation.models import Office, User

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        return Family.objects.create(
            office=heimdal,
            name="Familien Khalil",
            coordinator=coordinator_heimdal,
            created_on=datetime.date(2023, 1, 1),
        )


def review(client: HttpClient, family: Family, date: str, **ratings: int) -> object:
    data = {
        "reviewed_on": date,
        "works": "Fast møtetid",
        **{f"rating_{k}": v for k, v in ratings.items()},
    }
    return client.post(reverse("families:review_new", args=[family.pk]), data)


def test_a_review_saves_the_familys_ratings(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    assert review(client, family, "2025-03-01", housing=3, economy_debt=2).status_code == 302
    saved = Review.objects.get()
    assert {(r.life_area.code, r.rating) for r in saved.ratings.all()} == {
        ("housing", 3),
        ("economy_debt", 2),
    }
    assert saved.by == coordinator_heimdal
    assert saved.history.get().history_user == coordinator_heimdal


@pytest.mark.parametrize("bad", [{"housing": 11}, {"housing": -1}, {}])
def test_ratings_are_0_to_10_and_at_least_one(
    client: HttpClient, coordinator_heimdal: User, family: Family, bad: dict[str, int]
) -> None:
    client.force_login(coordinator_heimdal)
    assert review(client, family, "2025-03-01", **bad).status_code == 200
    assert not Review.objects.exists()


def test_a_review_cannot_be_in_the_future(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    review(client, family, tomorrow, housing=5)
    assert not Review.objects.exists()


def test_the_chart_shows_the_change_since_the_first_review(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    review(client, family, "2024-09-01", housing=2, health=6)
    review(client, family, "2025-01-15", housing=4)
    review(client, family, "2025-06-01", housing=7, health=5)
    response = client.get(reverse("families:reviews", args=[family.pk]))
    series = {line.area.code: line for line in response.context["chart"]["series"]}
    assert series["housing"].values == [2, 4, 7]
    assert series["housing"].change == 5
    assert series["health"].values == [6, None, 5]
    assert series["health"].change == -1
    assert 'data-testid="ratings-chart"' in response.text
    svg = response.text[
        response.text.index('<svg class="husk-chart"') : response.text.index("</svg>")
    ]
    # Coordinates are SVG numbers: a Norwegian decimal comma would break the drawing.
    assert not re.search(r'(x|y|cx|cy|x1|x2|y1|y2)="[^"]*,', svg)
    assert len(series["housing"].points) == 3


@pytest.mark.parametrize("endpoint", ["families:reviews", "families:review_new"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404(
    client: HttpClient, coordinator_sagene: User, family: Family, endpoint: str, method: str
) -> None:
    client.force_login(coordinator_sagene)
    response = getattr(client, method)(
        reverse(endpoint, args=[family.pk]), {"reviewed_on": "2025-01-01", "rating_housing": 5}
    )
    assert response.status_code == 404
    assert not Review.objects.exists()


def test_reviews_page_query_count_does_not_grow(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    review(client, family, "2024-01-01", housing=3)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("families:reviews", args=[family.pk])).status_code == 200
        return len(queries)

    few = count()
    for month in range(2, 10):
        review(client, family, f"2024-{month:02d}-01", housing=month, economy_debt=10 - month)
    assert count() == few
    assert ReviewRating.objects.count() == 17


def test_coordinator_home_shows_overdue_actions_and_reviews_due(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    from codelists.models import CodeList
    from families import plans
    from families.models import PlanAction, PlanGoal, PlanRevision, RevisionSummary
    from tests.factories import code

    with acting_as(coordinator_heimdal):
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            expected_version=1,
            summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, "mål"),
            change=lambda p: plans.goal_add(
                p, life_area=code(CodeList.LIFE_AREA, "housing"), text="Bolig", owner=None
            ),
        )
        goal = PlanGoal.objects.get()
        # An action planned back then, with a deadline that has since passed: a new action
        # cannot be given a past deadline (PlanAction.clean).
        PlanAction.objects.create(
            goal=goal, text="Ring", responsible="coordinator", due_on=datetime.date(2024, 1, 1)
        )
        for due in (datetime.date(2099, 1, 1),):
            plans.plan_revise(
                plan=plan,
                by=coordinator_heimdal,
                expected_version=plan.revisions.count(),
                summary=RevisionSummary(PlanRevision.Change.ACTION_ADDED, "tiltak"),
                change=lambda p, due=due: plans.action_add(
                    goal,
                    text="Ring",
                    responsible="coordinator",
                    responsible_member=None,
                    responsible_service=None,
                    due_on=due,
                ),
            )
    client.force_login(coordinator_heimdal)
    review(client, family, "2025-01-01", housing=4)
    with acting_as(system_actor("tests")):
        saved = Review.objects.get()
        saved.next_review_on = datetime.date(2025, 6, 1)
        saved.save()
    response = client.get(reverse("families:home"))
    row = response.context["families"][0]
    assert (row.overdue_actions, row.next_review, row.members_now) == (
        1,
        datetime.date(2025, 6, 1),
        0,
    )
    assert 'data-testid="review-due"' in response.text
