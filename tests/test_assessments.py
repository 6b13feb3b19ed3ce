"""Assessments (kartlegging): recording one, prefilling a reassessment, and the change view."""

import datetime
import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.assessments import (
    AreaChange,
    Change,
    Rating,
    assessment_changes,
    assessment_record,
    compare_status,
)
from clients.models import Assessment, AssessmentItem, Client
from codelists.models import Code, CodeList
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, UserFactory, code

pytestmark = pytest.mark.usefixtures("codes")
DAY = datetime.timedelta(days=1)


def new_url(client: Client) -> str:
    return reverse("clients:assessment_new", args=[client.pk])


def detail_url(assessment: Assessment) -> str:
    return reverse("clients:assessment_detail", args=[assessment.pk])


def rating(area: str, status: str, need: str) -> Rating:
    return Rating(
        life_area=code(CodeList.LIFE_AREA, area),
        status=code(CodeList.ASSESSMENT_STATUS, status),
        need=code(CodeList.NEED_LEVEL, need),
    )


def record(
    client: Client, on: datetime.date, *ratings: tuple[str, str, str], by: User | None = None
) -> Assessment:
    with acting_as(system_actor("tests")):
        return assessment_record(
            client=client,
            by=by or UserFactory(),
            assessed_on=on,
            items=[rating(*r) for r in ratings],
        )


def item(area: str, status: str, need: str = "unknown") -> AssessmentItem:
    """An unsaved item, for the pure comparison."""
    r = rating(area, status, need)
    return AssessmentItem(life_area=r.life_area, status=r.status, need=r.need)


def form_data(on: datetime.date | None = None, **areas: tuple[str, str]) -> dict[str, str]:
    data = {"assessed_on": (on or today()).isoformat()}
    for area, (status, need) in areas.items():
        data[f"status_{area}"] = status
        data[f"need_{area}"] = need
    return data


def change_rows(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-testid="change-([a-z_]+)" data-change="([a-z_]+)"', html))


# Recording ------------------------------------------------------------------


def test_recording_an_assessment_saves_the_assessed_areas_with_history_by_the_user(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        new_url(client_heimdal),
        form_data(
            on=today() - DAY,
            housing=("4", "urgent"),
            work=("2", ""),  # a need left empty is stored as not assessed
            health=("unknown", "unknown"),  # not assessed: skipped
            leisure=("", ""),  # skipped
        ),
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == detail_url(assessment)
    assert assessment.client == client_heimdal
    assert assessment.assessed_on == today() - DAY
    assert assessment.assessed_by == caseworker_heimdal
    saved = {i.life_area.code: (i.status.code, i.need.code) for i in assessment.items.all()}
    assert saved == {"housing": ("4", "urgent"), "work": ("2", "unknown")}
    assert {row.history_user for row in assessment.history.all()} == {caseworker_heimdal}
    item_history = AssessmentItem.history.filter(assessment_id=assessment.pk)
    assert item_history.count() == 2
    assert {row.history_user for row in item_history} == {caseworker_heimdal}


def test_the_form_starts_with_today_and_the_latest_assessment(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    record(client_heimdal, today() - 60 * DAY, ("housing", "1", "none"), ("work", "1", "none"))
    record(client_heimdal, today() - 30 * DAY, ("housing", "3", "some"), ("health", "2", "none"))
    client.force_login(caseworker_heimdal)
    response = client.get(new_url(client_heimdal))
    assert response.status_code == 200
    initial = response.context["form"].initial
    assert initial["assessed_on"] == today()
    assert (initial["status_housing"], initial["need_housing"]) == ("3", "some")
    assert (initial["status_health"], initial["need_health"]) == ("2", "none")
    # Only the latest assessment counts: work was not assessed then.
    assert "status_work" not in initial
    # One row per active life area, in code-list order.
    areas = re.findall(r'data-testid="area-([a-z_]+)"', response.text)
    assert areas[:3] == ["work", "education", "norwegian_language"]
    assert len(areas) == 12
    assert re.search(r'<option value="3" selected>', response.text)


def test_a_prefilled_reassessment_saves_every_prefilled_area_again(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    record(client_heimdal, today() - 30 * DAY, ("housing", "3", "some"), ("health", "2", "none"))
    client.force_login(caseworker_heimdal)
    form = client.get(new_url(client_heimdal)).context["form"]
    data = {name: str(value) for name, value in form.initial.items()}
    data["assessed_on"] = today().isoformat()
    data["status_housing"] = "2"  # the one thing that changed
    assert client.post(new_url(client_heimdal), data).status_code == 302
    latest = Assessment.objects.filter(client=client_heimdal).first()
    assert latest is not None
    assert latest.assessed_on == today()
    saved = {i.life_area.code: (i.status.code, i.need.code) for i in latest.items.all()}
    assert saved == {"housing": ("2", "some"), "health": ("2", "none")}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (lambda: form_data(housing=("", ""), work=("unknown", "unknown")), "__all__"),
        (lambda: form_data(on=today() + DAY, housing=("3", "some")), "assessed_on"),
        (lambda: form_data(on=datetime.date(1900, 1, 1), housing=("3", "some")), "assessed_on"),
        (lambda: form_data(housing=("9", "some")), "status_housing"),
        (lambda: form_data(housing=("3", "much")), "need_housing"),
        (lambda: {"status_housing": "3"}, "assessed_on"),
    ],
    ids=["nothing-assessed", "future", "before-birth", "bad-status", "bad-need", "no-date"],
)
def test_bad_input_is_refused_and_nothing_is_saved(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    data: Callable[[], dict[str, str]],
    field: str,
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(new_url(client_heimdal), data())
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Assessment.objects.exists()
    assert not AssessmentItem.objects.exists()


def test_nothing_assessed_is_explained_on_the_page(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(new_url(client_heimdal), form_data())
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in response.text
    assert [e.code for e in response.context["form"].errors.as_data()["__all__"]] == ["empty"]


def test_the_service_saves_all_or_nothing(client_heimdal: Client) -> None:
    with pytest.raises(ValueError, match="at least one"):
        record(client_heimdal, today())
    # The second housing row breaks the one-row-per-area rule: the first is rolled back too.
    with pytest.raises(Exception, match="assessment_item_one_per_area"):
        record(client_heimdal, today(), ("housing", "1", "none"), ("housing", "2", "some"))
    assert not Assessment.objects.exists()
    assert not AssessmentItem.objects.exists()


def test_recording_costs_the_same_queries_for_two_life_areas_as_for_six(
    client_heimdal: Client, caseworker_heimdal: User
) -> None:
    areas = ["housing", "work", "health", "education", "mental_health", "economy_debt"]
    ratings = [rating(area, "2", "some") for area in areas]
    counts = []
    with acting_as(caseworker_heimdal):
        for day, wanted in ((2, ratings[:2]), (1, ratings)):
            with CaptureQueriesContext(connection) as queries:
                assessment_record(
                    client=client_heimdal,
                    by=caseworker_heimdal,
                    assessed_on=today() - day * DAY,
                    items=wanted,
                )
            counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    assert AssessmentItem.objects.count() == 8
    assert AssessmentItem.history.filter(history_user=caseworker_heimdal).count() == 8


# The comparison -------------------------------------------------------------


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ("3", "2", Change.IMPROVED),
        ("4", "1", Change.IMPROVED),
        ("1", "2", Change.WORSENED),
        ("2", "4", Change.WORSENED),
        ("3", "3", Change.UNCHANGED),
        ("unknown", "2", Change.NOT_COMPARABLE),
        ("2", "unknown", Change.NOT_COMPARABLE),
        ("unknown", "unknown", Change.NOT_COMPARABLE),
        (None, "2", Change.NOT_COMPARABLE),
        ("2", None, Change.NOT_COMPARABLE),
    ],
)
def test_compare_status(previous: str | None, current: str | None, expected: Change) -> None:
    assert compare_status(previous, current) == expected


def test_assessment_changes_per_life_area_in_code_list_order() -> None:
    previous = [item("housing", "4"), item("work", "2"), item("health", "3"), item("leisure", "2")]
    current = [
        item("health", "3", "some"),
        item("housing", "2"),
        item("work", "3"),
        item("economy_debt", "2"),
        item("leisure", "unknown"),
    ]
    rows = assessment_changes(current, previous)
    assert [(row.life_area.code, row.change) for row in rows] == [
        ("work", Change.WORSENED),
        ("health", Change.UNCHANGED),
        ("housing", Change.IMPROVED),
        ("economy_debt", Change.NOT_COMPARABLE),  # new this time
        ("leisure", Change.NOT_COMPARABLE),  # not assessed this time
    ]
    housing = rows[2]
    assert housing.previous is not None
    assert housing.previous.status.code == "4"
    assert housing.current is not None
    assert housing.current.status.code == "2"


def test_an_area_assessed_only_before_is_kept_as_not_comparable() -> None:
    rows = assessment_changes([item("work", "2")], [item("work", "2"), item("housing", "3")])
    housing = next(row for row in rows if row.life_area.code == "housing")
    assert housing.current is None
    assert housing.change == Change.NOT_COMPARABLE


def test_a_first_assessment_has_nothing_to_compare_with() -> None:
    rows = assessment_changes([item("work", "2"), item("housing", "4")], None)
    assert all(isinstance(row, AreaChange) for row in rows)
    assert [(r.life_area.code, r.previous, r.change) for r in rows] == [
        ("work", None, Change.NOT_COMPARABLE),
        ("housing", None, Change.NOT_COMPARABLE),
    ]


# The assessment page --------------------------------------------------------


def test_the_page_shows_the_change_against_the_previous_assessment(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    first = record(client_heimdal, today() - 90 * DAY, ("housing", "2", "none"))
    previous = record(
        client_heimdal,
        today() - 30 * DAY,
        ("housing", "4", "urgent"),
        ("work", "2", "some"),
        ("health", "3", "some"),
        ("leisure", "2", "none"),
    )
    current = record(
        client_heimdal,
        today() - DAY,
        ("housing", "2", "some"),
        ("work", "3", "some"),
        ("health", "3", "none"),
        ("leisure", "unknown", "none"),
        ("economy_debt", "2", "some"),
    )
    # A later one must not be taken as "previous".
    record(client_heimdal, today(), ("housing", "1", "none"))
    client.force_login(caseworker_heimdal)
    response = client.get(detail_url(current))
    assert response.status_code == 200
    assert change_rows(response.text) == {
        "work": "worsened",
        "health": "unchanged",
        "housing": "improved",
        "leisure": "not_comparable",
        "economy_debt": "not_comparable",
    }
    assert response.context["previous"] == previous
    assert f'href="{detail_url(previous)}"' in response.text
    assert f'href="{client_heimdal.get_absolute_url()}"' in response.text
    assert f'href="{new_url(client_heimdal)}"' in response.text
    # The first assessment has no previous one: every row is not comparable.
    response = client.get(detail_url(first))
    assert response.context["previous"] is None
    assert 'data-testid="first-assessment"' in response.text
    assert change_rows(response.text) == {"housing": "not_comparable"}


def test_a_second_assessment_on_the_same_date_is_refused_at_the_date(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    record(client_heimdal, today() - DAY, ("housing", "3", "some"))
    client.force_login(caseworker_heimdal)
    response = client.post(
        new_url(client_heimdal), form_data(on=today() - DAY, housing=("2", "some"))
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["assessed_on"]
    short = (today() - DAY).strftime("%d.%m.%Y")
    assert errors == [
        f"Brukeren har allerede en kartlegging datert {short}. "
        "Rett opp den i stedet for å registrere en ny."
    ]
    assert Assessment.objects.count() == 1
    assert AssessmentItem.objects.count() == 1


def test_the_page_view_is_logged(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    assessment = record(client_heimdal, today(), ("housing", "3", "some"))
    client.force_login(caseworker_heimdal)
    client.get(detail_url(assessment))
    log = AccessLog.objects.filter(user=caseworker_heimdal).latest("at")
    assert log.allowed


# Access ---------------------------------------------------------------------


def test_other_office_gets_404_and_nothing_is_written(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client
) -> None:
    assessment = record(client_heimdal, today() - DAY, ("housing", "3", "some"))
    client.force_login(caseworker_sagene)
    data = form_data(housing=("1", "none"))
    assert client.get(new_url(client_heimdal)).status_code == 404
    assert client.post(new_url(client_heimdal), data).status_code == 404
    assert client.get(detail_url(assessment)).status_code == 404
    assert client.post(detail_url(assessment), data).status_code == 404
    assert list(Assessment.objects.all()) == [assessment]
    assert AssessmentItem.objects.count() == 1
    assert not Assessment.history.filter(history_user=caseworker_sagene).exists()


@pytest.mark.parametrize("username", ["manager_heimdal", "researcher", "outsider"])
def test_roles_without_person_access_get_404(
    request: pytest.FixtureRequest, client: HttpClient, client_heimdal: Client, username: str
) -> None:
    assessment = record(client_heimdal, today() - DAY, ("housing", "3", "some"))
    client.force_login(request.getfixturevalue(username))
    assert client.get(new_url(client_heimdal)).status_code == 404
    assert client.post(new_url(client_heimdal), form_data(work=("1", "none"))).status_code == 404
    assert client.get(detail_url(assessment)).status_code == 404
    assert Assessment.objects.count() == 1


def test_the_coordinator_of_the_office_may_assess(
    client: HttpClient, coordinator_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(coordinator_heimdal)
    assert client.post(new_url(client_heimdal), form_data(work=("1", "none"))).status_code == 302
    assert Assessment.objects.get().assessed_by == coordinator_heimdal


# Query counts ---------------------------------------------------------------


def test_detail_page_query_count_does_not_grow(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    record(person, today() - 90 * DAY, ("housing", "2", "none"))
    latest = record(person, today() - 60 * DAY, ("housing", "3", "some"))
    client.force_login(caseworker_heimdal)

    def count(assessment: Assessment) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(detail_url(assessment)).status_code == 200
        return len(queries)

    count(latest)  # warms the content-type cache
    few = count(latest)
    every_area = [(area.code, "3", "some") for area in Code.objects.offered(CodeList.LIFE_AREA)]
    for days in (50, 40, 30, 20):
        latest = record(person, today() - days * DAY, *every_area)
    assert count(latest) == few


def test_form_page_query_count_does_not_grow(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    record(client_heimdal, today() - 60 * DAY, ("housing", "3", "some"))
    client.force_login(caseworker_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(new_url(client_heimdal)).status_code == 200
        return len(queries)

    count()
    few = count()
    every_area = [(area.code, "2", "some") for area in Code.objects.offered(CodeList.LIFE_AREA)]
    for days in (50, 40, 30):
        record(client_heimdal, today() - days * DAY, *every_area)
    assert count() == few
