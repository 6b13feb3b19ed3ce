"""The manager's dashboard: figures checked by hand, small counts hidden, offices kept apart."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from audit.history import acting_as, system_actor
from clients.models import BenefitPeriod, CaseEpisode, Client
from codelists.models import Code, CodeList
from dashboards import figures
from dashboards.figures import Scope
from dashboards.page import build
from families.models import (
    Family,
    FamilyMember,
    FamilyPlan,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from followup.models import Contact, Enrolment, Intervention, Programme
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory, MembershipFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date
PERIOD = {"start": "2025-01", "end": "2025-06"}
SCOPE_START, SCOPE_END = D(2025, 1, 1), D(2025, 6, 30)


def person(office: Office, n: int, **extra: object) -> Client:
    return ClientFactory(
        office=office, first_name=f"Fornavn{n}", last_name=f"Etternavnsen{n}", **extra
    )


@pytest.fixture
def heimdal_data(heimdal: Office, caseworker_heimdal: User) -> dict[str, object]:
    """Eight Heimdal clients whose figures are worked out by hand in the tests."""
    with acting_as(system_actor("tests")):
        people = [
            person(heimdal, n, caseworker=caseworker_heimdal if n < 6 else None) for n in range(8)
        ]
        # Followed in the period: 0–6 (episodes overlapping Jan–Jun 2025); 7 closed in 2024.
        for n, p in enumerate(people):
            if n < 7:
                CaseEpisode.objects.create(
                    client=p, opened_on=D(2024, 11, 1) if n < 4 else D(2025, 3, 1)
                )
            else:
                CaseEpisode.objects.create(
                    client=p, opened_on=D(2024, 1, 1), closed_on=D(2024, 6, 1)
                )
        # Contacts: 2 in January, 3 in March, 1 in 2024 (outside the period).
        for day, who in [
            (D(2025, 1, 5), 0),
            (D(2025, 1, 20), 1),
            (D(2025, 3, 3), 2),
            (D(2025, 3, 4), 2),
            (D(2025, 3, 9), 3),
            (D(2024, 12, 1), 0),
        ]:
            Contact.objects.create(
                client=people[who],
                date=day,
                channel=code(CodeList.CONTACT_CHANNEL, "phone"),
                recorded_by=caseworker_heimdal,
                note="Konfidensiell merknad",
            )
        # Overdue: client 4's agreed next contact was in February.
        Contact.objects.create(
            client=people[4],
            date=D(2025, 1, 10),
            next_contact_on=D(2025, 2, 1),
            channel=code(CodeList.CONTACT_CHANNEL, "phone"),
            recorded_by=caseworker_heimdal,
        )
        # Social assistance: 0 and 1 for 100 days, 2 for 300 days, 3 from 2024-09-01 still open.
        sa = code(CodeList.BENEFIT_KIND, "okonomisk_sosialhjelp_full")
        BenefitPeriod.objects.create(
            client=people[0], kind=sa, start=D(2025, 1, 1), end=D(2025, 4, 10)
        )
        BenefitPeriod.objects.create(
            client=people[1], kind=sa, start=D(2025, 2, 1), end=D(2025, 5, 11)
        )
        BenefitPeriod.objects.create(
            client=people[2], kind=sa, start=D(2024, 9, 4), end=D(2025, 6, 30)
        )
        BenefitPeriod.objects.create(client=people[3], kind=sa, start=D(2024, 9, 1))
        # Work training ended in work for client 5 in April.
        Intervention.objects.create(
            client=people[5],
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            start=D(2025, 1, 1),
            end=D(2025, 4, 30),
            status="completed",
            outcome=code(CodeList.INTERVENTION_OUTCOME, "into_work_full"),
        )
        # A family: two children, one dropped out of upper secondary; a plan and two reviews.
        family = Family.objects.create(
            office=heimdal, name="Familien Test", created_on=D(2024, 1, 1)
        )
        FamilyMember.objects.create(
            family=family, client=people[0], role="parent", joined_on=D(2024, 1, 1)
        )
        for n, status in enumerate(["dropped_out", "enrolled"]):
            child = FamilyMember.objects.create(
                family=family,
                first_name=f"Barn{n}",
                birth_date=D(2008, 1, 1),
                role="child",
                joined_on=D(2024, 1, 1),
            )
            SchoolStatus.objects.create(
                member=child, valid_from=D(2024, 8, 15), level="upper_secondary", status=status
            )
        plan = FamilyPlan.objects.create(family=family, created_on=D(2024, 1, 1))
        PlanGoal.objects.create(
            plan=plan,
            life_area=code(CodeList.LIFE_AREA, "housing"),
            text="Bolig",
            status="achieved",
            created_on=D(2025, 1, 10),
            closed_on=D(2025, 5, 1),
        )
        author = User.objects.get(username="system:tests")
        for day, rating in [(D(2025, 1, 15), 3), (D(2025, 6, 1), 7)]:
            review = Review.objects.create(family=family, reviewed_on=day, by=author)
            ReviewRating.objects.create(
                review=review, life_area=code(CodeList.LIFE_AREA, "housing"), rating=rating
            )
    return {"people": people}


def scope_of(*offices: Office) -> Scope:
    return Scope(offices=tuple(offices), start=SCOPE_START, end=SCOPE_END)


def test_the_figures_match_a_hand_count(
    heimdal: Office, caseworker_heimdal: User, heimdal_data: dict[str, object]
) -> None:
    scope = scope_of(heimdal)
    h = heimdal.pk
    assert figures.key_figures(scope) == {
        "followed": {h: 7},
        "overdue": {h: 1},
        "transitions": {h: 1},
        "episodes": {h: 3},
    }
    assert figures.activity(scope) == {
        "in_activity": {h: 1},
        "work": {h: 1},
        "education": {h: 0},
        "kvp": {h: 0},
        "other": {h: 0},
    }
    assert figures.contacts_by_month(scope) == {D(2025, 1, 1): {h: 3}, D(2025, 3, 1): {h: 3}}
    # Days on assistance: 100, 100, 300 (2024-09-04 to 2025-06-30), and 303 (to the period's end).
    split, medians = figures.assistance_time(scope)
    assert split == {"long": {h: 2}, "short": {h: 2}}
    assert medians == {h: 200.0, None: 200.0}
    by_month = figures.assistance_by_month(scope)
    assert (by_month[D(2025, 3, 1)], by_month[D(2025, 6, 1)]) == ({h: 4}, {h: 2})
    assert figures.youth(scope) == {
        "in_school": {h: 1},
        "completed": {},
        "dropped_out": {h: 1},
        "not_in_school": {},
        "unknown": {},
    }
    assert figures.plan_goals(scope) == {"set": {h: 1}, "achieved": {h: 1}, "closed": {h: 0}}
    ((_area, families, change),) = figures.quality_of_life(scope)
    assert (families, change) == ({h: 1}, {h: 4})
    types, outcomes, matrices = figures.interventions_by_type_and_outcome(scope)
    assert (types, outcomes, matrices) == (["Arbeidstrening"], ["Over i heltidsarbeid"], {h: [[1]]})
    names, caseload = figures.caseload(scope)
    assert caseload == {caseworker_heimdal.pk: {h: 6}, None: {h: 2}}
    assert set(names) == {caseworker_heimdal.pk, None}


def test_code_labels_follow_the_language(heimdal: Office, heimdal_data: dict[str, object]) -> None:
    scope = scope_of(heimdal)
    work_training = code(CodeList.INTERVENTION_TYPE, "work_training")
    housing = code(CodeList.LIFE_AREA, "housing")
    for language in ("nb", "en"):
        with translation.override(language):
            types, _outcomes, _matrix = figures.interventions_by_type_and_outcome(scope)
            ((area, _families, _change),) = figures.quality_of_life(scope)
            assert (types, area) == ([work_training.label], housing.label)
    assert work_training.label_nb != work_training.label_en


def test_overlapping_assistance_periods_count_once(
    heimdal: Office, heimdal_data: dict[str, object]
) -> None:
    # Supplementary assistance beside client 0's full assistance adds no days.
    with acting_as(system_actor("tests")):
        BenefitPeriod.objects.create(
            client=heimdal_data["people"][0],  # type: ignore[index]
            kind=code(CodeList.BENEFIT_KIND, "okonomisk_sosialhjelp_supplement"),
            start=D(2025, 2, 1),
            end=D(2025, 3, 1),
        )
    split, medians = figures.assistance_time(scope_of(heimdal))
    assert split == {"long": {heimdal.pk: 2}, "short": {heimdal.pk: 2}}
    assert medians[heimdal.pk] == 200.0


def test_every_small_count_on_the_page_is_hidden(
    heimdal: Office, heimdal_data: dict[str, object]
) -> None:
    dashboard = build(scope_of(heimdal))
    for table in [dashboard.key_figures, *dashboard.tables]:
        for row in table.rows:
            for cell in row.cells:
                text = str(cell)
                assert not (text.isdigit() and 0 < int(text) < 5), (table.slug, row.label, text)


def test_offices_are_side_by_side_with_their_total(
    heimdal: Office, sagene: Office, heimdal_data: dict[str, object], caseworker_sagene: User
) -> None:
    # Heimdal: 12 followed, 6 of them in activity; Sagene: 10 followed, 5 in activity.
    with acting_as(system_actor("tests")):
        for n, office in enumerate([heimdal] * 5 + [sagene] * 10):
            p = person(office, 100 + n)
            CaseEpisode.objects.create(client=p, opened_on=D(2025, 2, 1))
            if n < 10:
                Intervention.objects.create(
                    client=p,
                    type=code(CodeList.INTERVENTION_TYPE, "work_training"),
                    start=D(2025, 2, 1),
                    status="in_progress",
                )
    dashboard = build(scope_of(heimdal, sagene))
    assert dashboard.key_figures.headers[1:] == ["NAV Heimdal", "NAV Sagene", "Totalt"]
    rows = {r.label: [str(c) for c in r.cells] for r in dashboard.key_figures.rows}
    assert rows["Brukere fulgt opp i perioden"] == ["12", "10", "22"]
    assert rows["Brukere fulgt opp som er i aktivitet"] == ["6", "5", "11"]
    assert rows["Andel av brukerne fulgt opp som er i aktivitet"] == ["50 %", "50 %", "50 %"]


def test_one_office_shows_its_column_of_the_table_for_all_offices(
    heimdal: Office, sagene: Office, heimdal_data: dict[str, object]
) -> None:
    # So the page for one office cannot be subtracted from the page for both.
    with acting_as(system_actor("tests")):
        for n in range(6):
            CaseEpisode.objects.create(client=person(sagene, 100 + n), opened_on=D(2025, 2, 1))
    both = build(scope_of(heimdal, sagene))
    alone = build(scope_of(heimdal, sagene), chosen=[heimdal.pk])
    assert alone.key_figures.headers[1:] == ["NAV Heimdal"]
    for wide, narrow in zip(both.key_figures.rows, alone.key_figures.rows, strict=True):
        assert [str(c) for c in narrow.cells] == [str(wide.cells[0])], wide.label


def test_a_manager_sees_only_their_offices(
    client: HttpClient,
    manager_heimdal: User,
    heimdal: Office,
    sagene: Office,
    heimdal_data: dict[str, object],
) -> None:
    client.force_login(manager_heimdal)
    page = client.get(reverse("dashboards:home"), PERIOD)
    assert page.status_code == 200
    assert "NAV Sagene" not in page.text
    # Every table is of the manager's own office.
    assert "Alle kontorene dine, alle brukere." not in page.text
    # A tampered office widens nothing: it is refused at the field.
    tampered = client.get(reverse("dashboards:home"), {**PERIOD, "office": sagene.pk})
    assert tampered.status_code == 200
    assert "Velg et av kontorene dine i listen." in tampered.text
    assert "NAV Sagene" not in tampered.text
    download = reverse("dashboards:download", args=["key-figures", "csv"])
    assert client.get(download, {**PERIOD, "office": sagene.pk}).status_code == 404


def test_no_name_national_id_or_note_on_the_managers_pages(
    client: HttpClient, manager_heimdal: User, heimdal_data: dict[str, object]
) -> None:
    client.force_login(manager_heimdal)
    pages = [client.get(reverse("dashboards:home"), PERIOD).text]
    for slug in [
        "key-figures",
        "months",
        "caseload",
        "reasons",
        "interventions",
        "youth",
        "goals",
        "quality-of-life",
    ]:
        pages.append(
            client.get(reverse("dashboards:download", args=[slug, "csv"]), PERIOD).content.decode()
        )
    text = "\n".join(pages)
    for p in heimdal_data["people"]:  # type: ignore[attr-defined]
        assert p.last_name not in text
        assert p.first_name not in text
    assert "Konfidensiell" not in text
    assert "Barn0" not in text


def test_each_bar_chart_is_drawn_just_above_its_table(
    client: HttpClient, manager_heimdal: User, heimdal_data: dict[str, object]
) -> None:
    client.force_login(manager_heimdal)
    text = client.get(reverse("dashboards:home"), PERIOD).text
    # No reason for contact was recorded: that table has no rows, so no chart.
    assert text.count('<figure class="mb-2">') == 2
    for slug in ["caseload", "youth"]:
        table = text.index(f'data-testid="table-{slug}"')
        chart = text.rindex('<figure class="mb-2">', 0, table)
        assert text.index('data-testid="table-', chart) == table, slug


def test_downloads_show_what_the_page_shows(
    client: HttpClient, manager_heimdal: User, heimdal_data: dict[str, object]
) -> None:
    client.force_login(manager_heimdal)
    response = client.get(reverse("dashboards:download", args=["key-figures", "csv"]), PERIOD)
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="husk-key-figures-202501-202506.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Nøkkeltall"]
    overdue = next(r for r in rows if r and r[0] == "Aktive brukere som nå skulle hatt kontakt")
    assert overdue[1] == "<5"
    workbook = load_workbook(
        io.BytesIO(
            client.get(reverse("dashboards:download", args=["key-figures", "xlsx"]), PERIOD).content
        )
    )
    values = [cell.value for row in workbook.active.iter_rows() for cell in row]
    assert "<5" in values
    assert 1 not in values  # the small count itself is nowhere in the file


def test_drill_down_only_for_who_may_see_the_clients(
    client: HttpClient, manager_heimdal: User, heimdal: Office, heimdal_data: dict[str, object]
) -> None:
    client.force_login(manager_heimdal)
    assert 'data-testid="drill-down"' not in client.get(reverse("dashboards:home"), PERIOD).text
    MembershipFactory(user=manager_heimdal, office=heimdal, role=Role.CASEWORKER)
    manager_and_caseworker = User.objects.get(pk=manager_heimdal.pk)
    client.force_login(manager_and_caseworker)
    page = client.get(reverse("dashboards:home"), PERIOD).text
    assert f'href="{reverse("followup:caseload")}?view=office&amp;due=overdue"' in page


def test_the_dashboard_costs_the_same_number_of_queries_whatever_the_data(
    client: HttpClient,
    manager_of_both: User,
    heimdal: Office,
    sagene: Office,
    heimdal_data: dict[str, object],
) -> None:
    client.force_login(manager_of_both)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("dashboards:home"), PERIOD).status_code == 200
        return len(captured)

    few = queries()
    with acting_as(system_actor("tests")):
        for n in range(30):
            p = person(sagene if n % 2 else heimdal, 200 + n)
            CaseEpisode.objects.create(client=p, opened_on=D(2025, 2, 1))
            Contact.objects.create(
                client=p,
                date=D(2025, 2, 2),
                channel=code(CodeList.CONTACT_CHANNEL, "phone"),
                recorded_by=User.objects.get(username="system:tests"),
            )
    assert queries() == few
    assert few < 40


def test_the_period_must_be_sensible(client: HttpClient, manager_heimdal: User) -> None:
    client.force_login(manager_heimdal)
    page = client.get(reverse("dashboards:home"), {"start": "2025-06", "end": "2025-01"})
    assert "Perioden slutter før den starter." in page.text


def test_a_name_a_spreadsheet_would_run_is_downloaded_as_text(
    client: HttpClient, manager_heimdal: User, heimdal: Office, heimdal_data: dict[str, object]
) -> None:
    from tests.factories import staff

    sly = staff("lur.veileder", Role.CASEWORKER, heimdal)
    User.objects.filter(pk=sly.pk).update(first_name="=HYPERLINK(1)", last_name="")
    with acting_as(system_actor("tests")):
        for n in range(5):
            person(heimdal, 300 + n, caseworker=sly)
    client.force_login(manager_heimdal)
    response = client.get(reverse("dashboards:download", args=["caseload", "csv"]), PERIOD)
    labels = [row[0] for row in csv.reader(io.StringIO(response.content.decode())) if row]
    assert "'=HYPERLINK(1) " in labels
    assert not any(label.startswith("=") for label in labels)


def test_activity_counts_each_kind_by_hand(heimdal: Office) -> None:
    """One client per way into activity (and ways that do not count), checked by hand."""
    with acting_as(system_actor("tests")):
        people = [person(heimdal, n) for n in range(10)]
        for p in people[:9]:  # followed in the period; 9 is not
            CaseEpisode.objects.create(client=p, opened_on=D(2024, 11, 1))
        in_period = {"start": D(2025, 2, 1), "status": "in_progress"}
        for who, type_code, extra in [
            (0, "norwegian_course", in_period),  # education
            (3, "kvp", in_period),  # KVP as an intervention
            (4, "housing_help", in_period),  # another intervention
            (6, "work_training", in_period),  # work and education both
            (
                6,
                "maths_camp",
                {"start": D(2024, 9, 1), "end": D(2025, 1, 31), "status": "completed"},
            ),
            (7, "work_training", {"start": D(2025, 2, 1), "status": "planned"}),  # not under way
            (
                8,
                "job_activity",
                {"start": D(2024, 1, 1), "end": D(2024, 12, 31), "status": "completed"},
            ),
            (9, "work_training", in_period),  # not followed
        ]:
            Intervention.objects.create(
                client=people[who], type=code(CodeList.INTERVENTION_TYPE, type_code), **extra
            )
        for who, kind in [(1, "introduksjonsstonad"), (2, "kvalifiseringsstonad"), (8, "aap")]:
            BenefitPeriod.objects.create(
                client=people[who], kind=code(CodeList.BENEFIT_KIND, kind), start=D(2025, 3, 1)
            )
        programme = Programme.objects.create(office=heimdal, name="Mentor", start=D(2024, 1, 1))
        Enrolment.objects.create(client=people[5], programme=programme, enrolled_on=D(2025, 5, 1))
        Enrolment.objects.create(
            client=people[7], programme=programme, enrolled_on=D(2024, 1, 1), left_on=D(2024, 6, 1)
        )
    h = heimdal.pk
    assert figures.activity(scope_of(heimdal)) == {
        "in_activity": {h: 7},  # 0–6
        "work": {h: 1},  # 6
        "education": {h: 3},  # 0, 1, 6
        "kvp": {h: 2},  # 2, 3
        "other": {h: 1},  # 4
    }


def test_quality_of_life_compares_each_familys_first_and_latest_rating(
    heimdal: Office, sagene: Office
) -> None:
    with acting_as(system_actor("tests")):
        author = User.objects.get(username="system:tests")
        housing, economy = (
            code(CodeList.LIFE_AREA, "housing"),
            code(CodeList.LIFE_AREA, "economy_debt"),
        )

        def family(office: Office, reviews: list[tuple[D, dict[Code, int]]]) -> None:
            f = Family.objects.create(office=office, name="Familien", created_on=D(2024, 1, 1))
            for day, ratings in reviews:
                review = Review.objects.create(family=f, reviewed_on=day, by=author)
                for area, rating in ratings.items():
                    ReviewRating.objects.create(review=review, life_area=area, rating=rating)

        # Three reviews: first 2, latest 6 (+4); economy only once, so not counted.
        family(
            heimdal,
            [
                (D(2024, 3, 1), {housing: 2, economy: 5}),
                (D(2024, 9, 1), {housing: 9}),
                (D(2025, 6, 1), {housing: 6}),
            ],
        )
        # +1 at Heimdal, and a review after the period that is left out.
        family(
            heimdal,
            [
                (D(2025, 1, 1), {housing: 5}),
                (D(2025, 2, 1), {housing: 6}),
                (D(2025, 9, 1), {housing: 1}),
            ],
        )
        # -2 at Sagene.
        family(sagene, [(D(2024, 5, 1), {housing: 7}), (D(2025, 5, 1), {housing: 5})])
    ((_area, families, change),) = figures.quality_of_life(scope_of(heimdal, sagene))
    assert (families, change) == ({heimdal.pk: 2, sagene.pk: 1}, {heimdal.pk: 4 + 1, sagene.pk: -2})


def test_a_programme_count_is_hidden_where_the_rest_would_be_small(
    heimdal: Office, heimdal_data: dict[str, object]
) -> None:
    # Six of the seven followed clients are in the programme: showing 6 beside the page for
    # all clients (7) would give away the one client outside it.
    people = heimdal_data["people"]
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(
            office=heimdal, name="Mattementor", start=D(2024, 1, 1)
        )
        for p in people[:6]:  # type: ignore[index]
            Enrolment.objects.create(client=p, programme=programme, enrolled_on=D(2024, 12, 1))
    scope = Scope(offices=(heimdal,), start=SCOPE_START, end=SCOPE_END, programme=programme)
    assert figures.key_figures(scope)["followed"] == {heimdal.pk: 6}
    rows = {r.label: [str(c) for c in r.cells] for r in build(scope).key_figures.rows}
    assert rows["Brukere fulgt opp i perioden"] == ["x"]
    # The table of type × outcome is shown only without a programme.
    interventions = build(scope).table("interventions")
    assert interventions is not None
    assert interventions.rows == []
    assert "velg «Alle brukere»" in interventions.empty  # and says why it is empty
