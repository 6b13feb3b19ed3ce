"""Outcomes on the dashboard for one office: the change in quality of life and the table of
interventions by type and outcome, protected against every other page the user can see."""

import datetime

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.models import CodeList
from dashboards.figures import Scope
from dashboards.page import Dashboard, build
from families.models import Family, FamilyMember, Review, ReviewRating
from followup.models import Enrolment, Intervention, Programme
from organisation.models import Office, User
from tests.factories import ClientFactory, OfficeFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date
PERIOD = {"start": "2025-01", "end": "2025-06"}
START, END = D(2025, 1, 1), D(2025, 6, 30)


def families_rated(office: Office, changes: list[int], *, programme: Programme | None = None):
    """A family per change, rating housing twice: 3 and then 3 + change."""
    author = User.objects.get(username="system:tests")
    housing = code(CodeList.LIFE_AREA, "housing")
    made = []
    for n, change in enumerate(changes):
        family = Family.objects.create(office=office, name=f"Familie{n}", created_on=D(2024, 1, 1))
        parent = ClientFactory(office=office)
        FamilyMember.objects.create(
            family=family, client=parent, role="parent", joined_on=D(2024, 1, 1)
        )
        if programme is not None:
            Enrolment.objects.create(client=parent, programme=programme, enrolled_on=D(2024, 6, 1))
        for day, rating in [(D(2024, 3, 1), 3), (D(2025, 3, 1), 3 + change)]:
            review = Review.objects.create(family=family, reviewed_on=day, by=author)
            ReviewRating.objects.create(review=review, life_area=housing, rating=rating)
        made.append(family)
    return made


def interventions_ended(office: Office, type_code: str, outcome_code: str, n: int) -> None:
    for _ in range(n):
        Intervention.objects.create(
            client=ClientFactory(office=office),
            type=code(CodeList.INTERVENTION_TYPE, type_code),
            start=D(2025, 1, 1),
            end=D(2025, 3, 1),
            status="completed",
            outcome=code(CodeList.INTERVENTION_OUTCOME, outcome_code),
        )


def quality(dashboard: Dashboard) -> list[str]:
    table = dashboard.table("quality-of-life")
    assert table is not None
    (row,) = table.rows
    return [str(c) for c in row.cells]


def interventions(dashboard: Dashboard) -> dict[str, list[str]]:
    table = dashboard.table("interventions")
    assert table is not None
    return {row.label: [str(c) for c in row.cells] for row in table.rows}


def test_a_manager_of_one_office_sees_the_average_change_and_the_outcomes(
    client: HttpClient, manager_heimdal: User, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        families_rated(heimdal, [2, 2, 3, 1, 2, 2])
        interventions_ended(heimdal, "work_training", "into_work_full", 6)
        interventions_ended(heimdal, "work_training", "into_education", 5)
    client.force_login(manager_heimdal)
    page = client.get(reverse("dashboards:home"), PERIOD)
    assert page.status_code == 200
    dashboard = build(Scope(offices=(heimdal,), start=START, end=END))
    assert quality(dashboard) == ["6", "+2,0"]
    assert interventions(dashboard)["Arbeidstrening"] == ["6", "5", "11"]
    assert "+2,0" in page.text
    # The download says the same as the page.
    download = client.get(reverse("dashboards:download", args=["interventions", "csv"]), PERIOD)
    assert "Arbeidstrening,6,5,11" in download.text


def test_an_average_of_fewer_than_five_families_is_not_shown(heimdal: Office) -> None:
    with acting_as(system_actor("tests")):
        families_rated(heimdal, [2, 2, 3, 1])
    assert quality(build(Scope(offices=(heimdal,), start=START, end=END))) == ["<5", "–"]


def test_the_average_of_all_offices_does_not_give_away_two_small_offices(
    heimdal: Office, sagene: Office
) -> None:
    gamle_oslo = OfficeFactory(name="NAV Gamle Oslo", municipality_number="0301")
    with acting_as(system_actor("tests")):
        families_rated(heimdal, [2, 2, 3, 1, 2, 2])
        families_rated(sagene, [-3])
        families_rated(gamle_oslo, [-3, -2])
    scope = Scope(offices=(gamle_oslo, heimdal, sagene), start=START, end=END)
    assert quality(build(scope, chosen=[heimdal.pk])) == ["6", "+2,0"]
    everyone = quality(build(scope))
    # Counts "<5" and "<5" beside 6 and 9 give neither office away, but the average of
    # all nine beside Heimdal's six would give away the sum of the other three families.
    assert everyone[-2] == "9"
    assert everyone[-1] == "–"


@pytest.mark.parametrize(("outside", "shown"), [(3, False), (5, True)])
def test_with_a_programme_an_average_is_shown_only_where_the_rest_is_not_small(
    heimdal: Office, outside: int, shown: bool
) -> None:
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(office=heimdal, name="Mentor", start=D(2024, 1, 1))
        families_rated(heimdal, [2, 2, 3, 1, 2, 2], programme=programme)
        families_rated(heimdal, [5] * outside)
    everyone = quality(build(Scope(offices=(heimdal,), start=START, end=END)))
    assert everyone[0] == str(6 + outside)
    assert everyone[1] != "–"
    in_programme = build(Scope(offices=(heimdal,), start=START, end=END, programme=programme))
    # With all clients' average beside it, the programme's would give the rest's sum away.
    assert (quality(in_programme)[1] == "+2,0") is shown


def test_an_offices_hidden_outcome_cannot_be_worked_out_from_all_offices(
    heimdal: Office, sagene: Office
) -> None:
    with acting_as(system_actor("tests")):
        interventions_ended(heimdal, "work_training", "into_work_full", 2)
        interventions_ended(heimdal, "work_training", "into_education", 9)
        interventions_ended(sagene, "work_training", "into_work_full", 20)
        interventions_ended(sagene, "work_training", "into_education", 20)
    scope = Scope(offices=(heimdal, sagene), start=START, end=END)
    of_heimdal = interventions(build(scope, chosen=[heimdal.pk]))["Arbeidstrening"]
    of_sagene = interventions(build(scope, chosen=[sagene.pk]))["Arbeidstrening"]
    of_both = interventions(build(scope))["Arbeidstrening"]
    assert of_heimdal[0] == "<5"
    # Heimdal's 2 is all offices' count less Sagene's: one of them must be hidden.
    assert not (of_both[0].isdigit() and of_sagene[0].isdigit())
    # And the row: Heimdal's total less its other count.
    assert not (of_heimdal[1].isdigit() and of_heimdal[2].isdigit())


def test_a_user_of_too_many_offices_sees_the_outcomes_of_all_of_them_only(
    heimdal: Office, sagene: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two offices stand in for more than the page protects office by office.
    monkeypatch.setattr("dashboards.page.OFFICES_WITH_OWN_INTERVENTIONS", 1)
    with acting_as(system_actor("tests")):
        interventions_ended(heimdal, "work_training", "into_work_full", 6)
        interventions_ended(sagene, "work_training", "into_work_full", 7)
    scope = Scope(offices=(heimdal, sagene), start=START, end=END)
    one_office = build(scope, chosen=[heimdal.pk]).table("interventions")
    assert one_office is not None
    assert one_office.rows == []
    assert one_office.empty.startswith("Vises bare for alle kontorene dine samlet")
    assert interventions(build(scope))["Arbeidstrening"] == ["13", "13"]
