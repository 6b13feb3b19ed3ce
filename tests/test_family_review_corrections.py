"""A family review's ratings corrected one by one with a reason, or taken back in error."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from dashboards.figures import Scope, quality_of_life
from families.models import Family, FamilyMember, Review, ReviewRating
from organisation.models import Office, User
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal,
            name="Familien Noor",
            coordinator=coordinator_heimdal,
            created_on=D(2023, 1, 1),
        )
        FamilyMember.objects.create(
            family=family,
            client=ClientFactory(office=heimdal, birth_date=D(1985, 4, 1)),
            role="parent",
            joined_on=D(2023, 1, 1),
        )
    return family


def make_review(family: Family, day: D, **ratings: int) -> Review:
    with acting_as(system_actor("tests")):
        author = User.objects.get(username="system:tests")
        review = Review.objects.create(family=family, reviewed_on=day, by=author, works="Rutiner")
        for area, rating in ratings.items():
            ReviewRating.objects.create(
                review=review, life_area=code(CodeList.LIFE_AREA, area), rating=rating
            )
    return review


@pytest.fixture
def first(family: Family) -> Review:
    return make_review(family, D(2024, 1, 10), housing=3, economy_debt=4)


@pytest.fixture
def latest(family: Family) -> Review:
    return make_review(family, D(2025, 1, 10), housing=7, economy_debt=6)


def form_data(review: Review, **changes: object) -> dict[str, object]:
    """What the correction page posts when nothing is touched, with ``changes`` on top."""
    data: dict[str, object] = {
        "reviewed_on": review.reviewed_on.isoformat(),
        "works": review.works,
        "does_not_work": review.does_not_work,
        "next_steps": review.next_steps,
        "next_review_on": "",
        "version": review.version,
        **{f"rating_{r.life_area.code}": r.rating for r in review.ratings.all()},
    }
    data.update(changes)
    return data


def post(client: HttpClient, review: Review, data: dict[str, object]) -> object:
    return client.post(reverse("families:review_correct", args=[review.pk]), data)


def changes(client: HttpClient, family: Family) -> dict[str, int | None]:
    chart = client.get(reverse("families:reviews", args=[family.pk])).context["chart"]
    return {line.area.code: line.change for line in chart["series"]}


def test_the_page_shows_each_rating_of_the_review(
    client: HttpClient, coordinator_heimdal: User, first: Review
) -> None:
    client.force_login(coordinator_heimdal)
    reviews_page = client.get(reverse("families:reviews", args=[first.family_id])).text
    url = reverse("families:review_correct", args=[first.pk])
    assert url in reviews_page
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["rating_housing"].value() == "3"
    assert form["rating_economy_debt"].value() == "4"
    # Every area of the plan can be rated in a correction, also one not rated at the review.
    assert "rating_health" in form.fields
    assert "Rett opp evalueringen av Familien Noor, 10.01.2024" in page.text


def test_one_rating_is_corrected_with_the_reason_and_the_old_value_kept_in_history(
    client: HttpClient, coordinator_heimdal: User, family: Family, first: Review, latest: Review
) -> None:
    client.force_login(coordinator_heimdal)
    assert changes(client, family) == {"housing": 4, "economy_debt": 2}
    reason = "Familien sa 5 om boligen, ikke 3"
    response = post(client, first, form_data(first, rating_housing=5, reason=reason))
    assert response.status_code == 302
    assert response.url == reverse("families:reviews", args=[family.pk])
    assert changes(client, family) == {"housing": 2, "economy_debt": 2}
    housing = ReviewRating.objects.get(review=first, life_area__code="housing")
    assert housing.rating == 5
    row = housing.history.latest()
    assert (row.rating, row.history_change_reason, row.history_user) == (
        5,
        reason,
        coordinator_heimdal,
    )
    assert housing.history.earliest().rating == 3  # the old value, kept
    # The other rating was not touched: no history row of its own.
    assert ReviewRating.objects.get(review=first, life_area__code="economy_debt").history.count()
    assert (
        ReviewRating.history.filter(
            review_id=first.pk, life_area__code="economy_debt", history_type="~"
        ).count()
        == 0
    )
    history = client.get(reverse("families:history", args=[family.pk])).text
    assert reason in history
    first.refresh_from_db()
    assert first.version == 2  # a correction started from the old page is a conflict


def test_a_rating_set_to_empty_is_marked_entered_in_error_and_drops_out_of_the_counts(
    client: HttpClient,
    coordinator_heimdal: User,
    heimdal: Office,
    family: Family,
    first: Review,
    latest: Review,
) -> None:
    scope = Scope(offices=(heimdal,), start=D(2024, 1, 1), end=D(2025, 12, 31))
    before = {label: sum(counts.values()) for label, counts, _sums in quality_of_life(scope)}
    assert before == {"Bolig": 1, "Økonomi og gjeld": 1}
    client.force_login(coordinator_heimdal)
    reason = "Økonomi ble ikke vurdert i 2025, tallet var fra skjemaet i fjor"
    response = post(client, latest, form_data(latest, rating_economy_debt="", reason=reason))
    assert response.status_code == 302
    assert changes(client, family) == {"housing": 4, "economy_debt": None}
    wrong = ReviewRating.all_objects.get(review=latest, life_area__code="economy_debt")
    assert wrong.entered_in_error  # kept, never deleted
    assert not ReviewRating.objects.filter(pk=wrong.pk).exists()
    assert wrong.history.latest().history_change_reason == reason
    after = {label: sum(counts.values()) for label, counts, _sums in quality_of_life(scope)}
    assert after == {"Bolig": 1}
    # Rating the area again puts the same row back in force.
    latest.refresh_from_db()
    again = form_data(latest, rating_economy_debt=8, reason="Likevel vurdert: 8")
    assert post(client, latest, again).status_code == 302
    wrong.refresh_from_db()
    assert (wrong.entered_in_error, wrong.rating) == (False, 8)
    assert ReviewRating.all_objects.filter(review=latest).count() == 2


@pytest.mark.parametrize(
    ("changes_made", "field", "message"),
    [
        ({"rating_housing": 11}, "rating_housing", "Velg et gyldig valg"),
        ({"rating_housing": "x"}, "rating_housing", "Velg et gyldig valg"),
        ({"rating_housing": 5, "reason": " "}, "reason", ""),
        ({"reason": "Ingenting"}, "__all__", "Ingenting er endret"),
        (
            {"rating_housing": "", "rating_economy_debt": "", "reason": "Fjern alt"},
            "__all__",
            "Familien må vurdere minst ett område.",
        ),
        (
            {"reviewed_on": "2025-01-10", "reason": "Dato"},
            "reviewed_on",
            "Familien har allerede en evaluering 10.01.2025",
        ),
        ({"reviewed_on": "2099-01-01", "reason": "Dato"}, "reviewed_on", "fram i tid"),
    ],
)
def test_a_correction_the_rules_refuse_saves_nothing(
    client: HttpClient,
    coordinator_heimdal: User,
    first: Review,
    latest: Review,
    changes_made: dict[str, object],
    field: str,
    message: str,
) -> None:
    client.force_login(coordinator_heimdal)
    response = post(client, first, form_data(first, **changes_made))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert message in " ".join(errors[field])
    first.refresh_from_db()
    assert first.version == 1
    assert {(r.life_area.code, r.rating) for r in first.ratings.all()} == {
        ("housing", 3),
        ("economy_debt", 4),
    }
    assert not ReviewRating.history.filter(review_id=first.pk, history_type="~").exists()


def test_a_date_corrected_onto_another_review_links_to_that_review(
    client: HttpClient, coordinator_heimdal: User, first: Review, latest: Review
) -> None:
    client.force_login(coordinator_heimdal)
    response = post(client, first, form_data(first, reviewed_on="2025-01-10", reason="Dato"))
    assert response.context["form"].same_day == latest
    link = reverse("families:review_correct", args=[latest.pk])
    assert f'<a href="{link}">Rett opp evalueringen fra 10.01.2025</a>' in response.text


def test_a_stale_correction_is_a_conflict_and_saves_nothing(
    client: HttpClient, coordinator_heimdal: User, first: Review
) -> None:
    client.force_login(coordinator_heimdal)
    assert post(client, first, form_data(first, rating_housing=5, reason="5")).status_code == 302
    stale = post(client, first, form_data(first, rating_economy_debt=9, reason="9"))
    assert stale.status_code == 409
    assert 'data-testid="conflict"' in stale.text
    assert ReviewRating.objects.get(review=first, life_area__code="economy_debt").rating == 4


def test_a_review_entered_in_error_can_be_put_back_from_its_page(
    client: HttpClient, coordinator_heimdal: User, family: Family, first: Review
) -> None:
    client.force_login(coordinator_heimdal)
    marked = post(client, first, form_data(first, entered_in_error="on", reason="Feil familie"))
    assert marked.status_code == 302
    assert not Review.objects.exists()
    first.refresh_from_db()
    # The ratings of a review entered in error are left as they were: they go with it.
    assert not ReviewRating.all_objects.filter(review=first, entered_in_error=True).exists()
    page = client.get(reverse("families:review_correct", args=[first.pk]))
    assert page.status_code == 200
    assert page.context["form"]["rating_housing"].value() == "3"
    # (form_data reads the ratings in force: those of a review in error are not.)
    kept = {"rating_housing": 3, "rating_economy_debt": 4}
    back = post(client, first, form_data(first, **kept, reason="Likevel riktig familie"))
    assert back.status_code == 302, back.context["form"].errors
    assert changes(client, family) == {"housing": None, "economy_debt": None}
    assert Review.objects.get() == first


def test_another_office_gets_404_and_the_read_is_refused(
    client: HttpClient, coordinator_sagene: User, first: Review
) -> None:
    client.force_login(coordinator_sagene)
    url = reverse("families:review_correct", args=[first.pk])
    assert client.get(url).status_code == 404
    assert post(client, first, form_data(first, rating_housing=9, reason="x")).status_code == 404
    assert ReviewRating.objects.get(review=first, life_area__code="housing").rating == 3


def test_the_correction_page_costs_the_same_for_many_ratings(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    few = make_review(family, D(2024, 1, 10), housing=3)
    many = make_review(
        family, D(2024, 6, 10), housing=3, economy_debt=4, health=5, work=6, education=7
    )
    client.force_login(coordinator_heimdal)
    counts = []
    for review in (few, many):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("families:review_correct", args=[review.pk])).status_code
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 14
