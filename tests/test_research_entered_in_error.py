"""Records entered in error: never counted on the dashboard, never exported."""

import datetime
from pathlib import Path

import pytest

from audit.history import acting_as, system_actor
from clients.models import Assessment, BenefitPeriod, CaseEpisode
from codelists.models import CodeList
from dashboards import figures
from dashboards.figures import Scope
from families.models import FamilyMember, Review, SchoolStatus
from followup.models import Contact, Enrolment, Intervention
from organisation.models import Office, User
from research.export.runner import Exporter
from research.export.writers import read_table
from research.models import ResearchProject
from tests.dates import today
from tests.factories import ClientFactory, code
from tests.research_data import make_family, make_population, make_project

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date

CASE_MODELS = [
    ("contacts", Contact),
    ("interventions", Intervention),
    ("programmes", Enrolment),
    ("benefits", BenefitPeriod),
    ("assessments", Assessment),
    ("plan_reviews", Review),
    ("youth_school", SchoolStatus),
    ("families", FamilyMember),
]


def rows_of(directory: Path) -> dict[str, int]:
    return {path.stem: len(read_table(path)[1]) for path in directory.glob("*.csv")}


def test_a_record_entered_in_error_is_not_exported(
    tmp_path: Path,
    heimdal: Office,
    caseworker_heimdal: User,
    researcher: User,
    manager_heimdal: User,
) -> None:
    population = make_population(heimdal, caseworker_heimdal, size=30)
    make_family(heimdal, population.clients[0])
    project: ResearchProject = make_project(
        [heimdal], members=[researcher], approvers=[manager_heimdal]
    )

    def export(directory: Path) -> dict[str, int]:
        directory.mkdir()
        Exporter(
            project=project,
            tables=project.tables,
            formats=["csv"],
            directory=directory,
            as_of=today(),
        ).run()
        return rows_of(directory)

    before = export(tmp_path / "before")
    for table, model in CASE_MODELS:
        assert before.get(table), table  # something to leave out
        # One record of the first client's (or family's) entered in error.
        marked = model.objects.order_by("pk").first()
        assert marked is not None
        marked.entered_in_error = True
        with acting_as(system_actor("tests")):
            marked.save()
    after = export(tmp_path / "after")
    for table, _model in CASE_MODELS:
        assert after[table] < before[table], table


def test_records_entered_in_error_are_not_counted_on_the_dashboard(
    heimdal: Office, caseworker_heimdal: User
) -> None:
    scope = Scope(offices=(heimdal,), start=D(2025, 1, 1), end=D(2025, 6, 30))
    h = heimdal.pk
    with acting_as(system_actor("tests")):
        person = ClientFactory(office=heimdal)
        wrong = ClientFactory(office=heimdal)
        CaseEpisode.objects.create(client=person, opened_on=D(2025, 2, 1))
        CaseEpisode.objects.create(client=wrong, opened_on=D(2025, 2, 1), entered_in_error=True)
        for day in (D(2025, 2, 3), D(2025, 2, 4)):
            Contact.objects.create(
                client=person,
                date=day,
                channel=code(CodeList.CONTACT_CHANNEL, "phone"),
                recorded_by=caseworker_heimdal,
                entered_in_error=day.day == 4,
            )
        Intervention.objects.create(
            client=person,
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            start=D(2025, 2, 1),
            end=D(2025, 3, 1),
            status="completed",
            outcome=code(CodeList.INTERVENTION_OUTCOME, "into_work_full"),
            entered_in_error=True,
        )
        BenefitPeriod.objects.create(
            client=person,
            kind=code(CodeList.BENEFIT_KIND, "kvalifiseringsstonad"),
            start=D(2025, 2, 1),
            entered_in_error=True,
        )
    assert figures.key_figures(scope)["followed"] == {h: 1}
    assert figures.key_figures(scope)["episodes"] == {h: 1}
    assert figures.key_figures(scope)["transitions"] == {}
    assert figures.contacts_by_month(scope) == {D(2025, 2, 1): {h: 1}}
    assert figures.activity(scope)["in_activity"] == {h: 0}
    assert figures.interventions_by_type_and_outcome(scope)[2] == {}
