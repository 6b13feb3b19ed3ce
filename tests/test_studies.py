"""Programmes run as studies: an index date, and an arm drawn once, recorded and tamper-evident."""

import csv
import datetime
from pathlib import Path

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.models import AppendOnlyError
from clients.models import Client
from followup.forms import EnrolmentForm
from followup.models import Allocation, Enrolment, Programme, StudyArm
from followup.services import studies
from organisation.models import Office, User
from research.export.runner import Exporter
from tests.dates import today
from tests.research_data import make_population, make_project

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def study(heimdal: Office) -> Programme:
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(
            office=heimdal,
            name="Jobbsjansen – studie",
            start=datetime.date(2024, 1, 1),
            study=Programme.Study.RANDOMISED,
        )
        StudyArm.objects.create(programme=programme, name="Mentor", position=1)
        StudyArm.objects.create(programme=programme, name="Vanlig oppfølging", position=2)
    return programme


def enrol(client: HttpClient, person: Client, programme: Programme, **extra: str) -> object:
    return client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": programme.pk, "enrolled_on": today().isoformat(), **extra},
        follow=True,
    )


def test_enrolling_in_a_randomised_study_draws_and_records_an_arm(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, study: Programme
) -> None:
    client.force_login(caseworker_heimdal)
    response = enrol(client, client_heimdal, study)
    allocation = Allocation.objects.get()
    assert f"Trukket arm: {allocation.arm.name}" in response.text  # type: ignore[attr-defined]
    assert allocation.drawn_by == caseworker_heimdal
    assert allocation.sequence == 1
    assert allocation.enrolment.index_date == today()  # a study's index date defaults to enrolment
    page = client.get(client_heimdal.get_absolute_url()).text
    assert f"arm: {allocation.arm.name}" in page


def test_an_allocation_cannot_be_drawn_again_or_changed(
    caseworker_heimdal: User, client_heimdal: Client, study: Programme
) -> None:
    with acting_as(caseworker_heimdal):
        enrolment = Enrolment.objects.create(
            client=client_heimdal, programme=study, enrolled_on=today()
        )
        allocation = studies.allocation_draw(enrolment=enrolment, by=caseworker_heimdal)
        with pytest.raises(IntegrityError), transaction.atomic():
            studies.allocation_draw(enrolment=enrolment, by=caseworker_heimdal)
    allocation.arm = StudyArm.objects.exclude(pk=allocation.arm_id).get()
    with pytest.raises(AppendOnlyError):
        allocation.save()
    with pytest.raises(AppendOnlyError):
        Allocation.objects.update(draw=0)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE followup_allocation SET arm_id = arm_id")


def test_leaving_and_enrolling_again_draws_no_second_arm(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, study: Programme
) -> None:
    client.force_login(caseworker_heimdal)
    enrol(client, client_heimdal, study)
    first = Enrolment.objects.get()
    with acting_as(caseworker_heimdal):
        first.left_on = today()
        first.save()
    response = enrol(client, client_heimdal, study)
    assert "en arm trekkes bare én gang" in response.text  # type: ignore[attr-defined]
    assert Enrolment.objects.count() == 1
    assert Allocation.objects.count() == 1
    # The rule is the draw's own, whatever calls it.
    with acting_as(caseworker_heimdal):
        again = Enrolment.objects.create(
            client=client_heimdal, programme=study, enrolled_on=today()
        )
        with pytest.raises(studies.AllocationError):
            studies.allocation_draw(enrolment=again, by=caseworker_heimdal)


def test_an_enrolment_entered_in_error_keeps_its_draw_and_draws_no_second_arm(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, study: Programme
) -> None:
    client.force_login(caseworker_heimdal)
    enrol(client, client_heimdal, study)
    first = Enrolment.objects.get()
    marked = client.post(
        reverse("followup:enrolment_correct", args=[first.pk]),
        {
            "enrolled_on": first.enrolled_on.isoformat(),
            "index_date": first.index_date.isoformat() if first.index_date else "",
            "entered_in_error": "on",
            "version": 0,
            "reason": "Skrevet inn i feil studie",
        },
    )
    assert marked.status_code == 302
    assert not Enrolment.objects.exists()
    # The allocation is append-only and still in the study's chain.
    assert Allocation.objects.get().enrolment == Enrolment.all_objects.get()
    response = enrol(client, client_heimdal, study)
    assert "en arm trekkes bare én gang" in response.text  # type: ignore[attr-defined]
    assert Allocation.objects.count() == 1


def test_an_arm_drawn_meanwhile_by_someone_else_is_refused_on_the_form(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    study: Programme,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two users enrol the same client at once: the form's checks pass for both, and the
    second draw is refused by the draw itself; that user gets the form back, not a 500."""
    checked = EnrolmentForm.clean

    def checked_then_enrolled_by_someone_else(form: EnrolmentForm) -> dict[str, object]:
        data = checked(form)
        with acting_as(caseworker_heimdal):  # the other user's request, saved in between
            other = Enrolment.objects.create(
                client=client_heimdal, programme=study, enrolled_on=today(), left_on=today()
            )
            studies.allocation_draw(enrolment=other, by=caseworker_heimdal)
        return data

    monkeypatch.setattr(EnrolmentForm, "clean", checked_then_enrolled_by_someone_else)
    client.force_login(caseworker_heimdal)
    response = enrol(client, client_heimdal, study)
    assert response.status_code == 409  # type: ignore[attr-defined]
    assert "en arm trekkes bare én gang" in response.text  # type: ignore[attr-defined]
    assert Enrolment.objects.count() == Allocation.objects.count() == 1  # nothing half-saved


def test_the_chain_shows_an_allocation_changed_behind_the_applications_back(
    caseworker_heimdal: User, heimdal: Office, study: Programme
) -> None:
    population = make_population(heimdal, caseworker_heimdal, size=4)
    with acting_as(caseworker_heimdal):
        for person in population.clients:
            enrolment = Enrolment.objects.create(
                client=person, programme=study, enrolled_on=today()
            )
            studies.allocation_draw(enrolment=enrolment, by=caseworker_heimdal)
    check = studies.allocation_chain_check(study)
    assert (check.allocations, check.intact) == (4, True)
    with connection.cursor() as cursor:
        # Someone with database rights switches off the guard and moves one person's arm.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE followup_allocation DISABLE TRIGGER husk_append_only")
        cursor.execute(
            "UPDATE followup_allocation SET arm_id = (SELECT max(id) FROM followup_studyarm "
            "WHERE id <> followup_allocation.arm_id AND programme_id = %s) WHERE sequence = 3",
            [study.pk],
        )
        cursor.execute("ALTER TABLE followup_allocation ENABLE TRIGGER husk_append_only")
    check = studies.allocation_chain_check(study)
    assert (check.intact, check.broken_at) == (False, 3)


def test_arms_are_drawn_by_weight() -> None:
    arms = [StudyArm(name="A", weight=2), StudyArm(name="B", weight=1)]
    assert [studies.arm_for_draw(arms, draw).name for draw in range(3)] == ["A", "A", "B"]
    with pytest.raises(ValueError, match="beyond"):
        studies.arm_for_draw(arms, 3)


def test_an_index_date_is_only_for_studies(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        plain = Programme.objects.create(
            office=heimdal, name="Mattementor", start=datetime.date(2024, 1, 1)
        )
    client.force_login(caseworker_heimdal)
    response = enrol(client, client_heimdal, plain, index_date=today().isoformat())
    assert "Indeksdato gjelder bare programmer som drives som studie." in response.text  # type: ignore[attr-defined]
    assert not Enrolment.objects.exists()


def test_a_randomised_study_without_arms_refuses_to_enrol(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        empty = Programme.objects.create(
            office=heimdal,
            name="Tom studie",
            start=datetime.date(2024, 1, 1),
            study=Programme.Study.RANDOMISED,
        )
    client.force_login(caseworker_heimdal)
    response = enrol(client, client_heimdal, empty)
    assert "Studien har ingen armer å trekke mellom ennå." in response.text  # type: ignore[attr-defined]
    assert not Enrolment.objects.exists()


def test_the_arm_shows_up_in_the_export(
    caseworker_heimdal: User,
    heimdal: Office,
    study: Programme,
    researcher: User,
    manager_heimdal: User,
    tmp_path: Path,
) -> None:
    population = make_population(heimdal, caseworker_heimdal, size=30)
    with acting_as(caseworker_heimdal):
        for person in population.clients:
            enrolment = Enrolment.objects.create(
                client=person, programme=study, enrolled_on=today(), index_date=today()
            )
            studies.allocation_draw(enrolment=enrolment, by=caseworker_heimdal)
    project = make_project([heimdal], members=[researcher], approvers=[manager_heimdal])
    result = Exporter(
        project=project, tables=["programmes"], formats=["csv"], directory=tmp_path, as_of=today()
    ).run()
    (arm,) = [v for v in result.variables["programmes"] if v.name == "arm"]
    drawn = {a.arm_id for a in Allocation.objects.all()}
    kept_labels = set(arm.labels.values())
    assert {f"{study.name}: {a.name}" for a in StudyArm.objects.filter(pk__in=drawn)} & kept_labels
    with (tmp_path / "programmes.csv").open() as file:
        rows = [r for r in csv.DictReader(file) if r["arm"]]
    in_export = {c.pk for c in population.clients} & set(result.client_ids)
    assert len(rows) == len(in_export)
