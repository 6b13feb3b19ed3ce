"""Children's school situation over time, risk flags, leisure; drop-out is countable."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from families.models import Family, FamilyMember, LeisureActivity, SchoolStatus
from organisation.models import Office, User

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def child(heimdal: Office, coordinator_heimdal: User) -> FamilyMember:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Osman", coordinator=coordinator_heimdal
        )
        return FamilyMember.objects.create(
            family=family,
            first_name="Ayan",
            last_name="Osman",
            birth_date=datetime.date(2008, 4, 2),
            role="child",
            joined_on=datetime.date(2020, 1, 1),
        )


def school(client: HttpClient, child: FamilyMember, **data: object) -> object:
    return client.post(reverse("families:child", args=[child.pk]), {"school": "1", **data})


def test_school_status_over_time_with_a_risk_flag(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember
) -> None:
    client.force_login(coordinator_heimdal)
    school(
        client,
        child,
        valid_from="2024-08-19",
        level="upper_secondary",
        programme="Helse- og oppvekstfag",
        year=11,
        status="enrolled",
    )
    school(
        client,
        child,
        valid_from="2025-02-03",
        level="upper_secondary",
        programme="Helse- og oppvekstfag",
        year=11,
        status="enrolled",
        risk="on",
    )
    school(
        client,
        child,
        valid_from="2025-04-01",
        level="upper_secondary",
        programme="Helse- og oppvekstfag",
        year=11,
        status="dropped_out",
    )
    statuses = list(child.school.all())
    assert [s.status for s in statuses] == ["enrolled", "enrolled", "dropped_out"]
    assert statuses[1].risk_flagged_on == datetime.date(2025, 2, 3)
    assert child.current_school == statuses[-1]
    assert statuses[-1].history.get().history_user == coordinator_heimdal
    page = client.get(child.family.get_absolute_url())
    assert (
        "frafall" in page.text.lower() or "Avbrutt" in page.text or "dropped" in page.text.lower()
    )


def test_dropouts_are_countable_per_office(
    child: FamilyMember, caseworker_heimdal: User, caseworker_sagene: User
) -> None:
    with acting_as(system_actor("tests")):
        SchoolStatus.objects.create(
            member=child,
            valid_from=datetime.date(2025, 4, 1),
            level="upper_secondary",
            status="dropped_out",
        )
        SchoolStatus.objects.create(
            member=child,
            valid_from=datetime.date(2024, 8, 1),
            level="lower_secondary",
            status="completed",
        )
    assert (
        SchoolStatus.objects.visible_to(caseworker_heimdal).upper_secondary_dropouts().count() == 1
    )
    assert (
        SchoolStatus.objects.visible_to(caseworker_sagene).upper_secondary_dropouts().count() == 0
    )


@pytest.mark.parametrize(
    "bad",
    [
        {"valid_from": "2099-01-01", "level": "primary", "status": "enrolled"},
        {
            "valid_from": "2024-01-01",
            "level": "primary",
            "programme": "Elektro",
            "status": "enrolled",
        },
        {"valid_from": "2024-01-01", "level": "primary", "year": 14, "status": "enrolled"},
        {"valid_from": "2024-01-01", "level": "university", "status": "enrolled"},
    ],
)
def test_bad_school_input_is_refused(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember, bad: dict[str, object]
) -> None:
    client.force_login(coordinator_heimdal)
    assert school(client, child, **bad).status_code == 200
    assert not SchoolStatus.objects.exists()


def test_leisure_activity(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember
) -> None:
    client.force_login(coordinator_heimdal)
    client.post(
        reverse("families:child", args=[child.pk]),
        {"leisure": "1", "activity": "Fotball", "since": "2025-03-01"},
    )
    assert LeisureActivity.objects.get().activity == "Fotball"


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_office_gets_404(
    client: HttpClient, coordinator_sagene: User, child: FamilyMember, method: str
) -> None:
    client.force_login(coordinator_sagene)
    response = getattr(client, method)(
        reverse("families:child", args=[child.pk]),
        {"school": "1", "valid_from": "2024-01-01", "level": "primary", "status": "enrolled"},
    )
    assert response.status_code == 404
    assert "Ayan" not in response.text
    assert not SchoolStatus.objects.exists()


def test_dropouts_per_office_family_and_programme(
    heimdal: Office, coordinator_heimdal: User, caseworker_heimdal: User
) -> None:
    from families.selectors import upper_secondary_dropouts
    from followup.models import Enrolment, Programme
    from tests.factories import ClientFactory

    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(
            office=heimdal, name="Ungdomsjobb", start=datetime.date(2024, 1, 1)
        )
        for name, enrolled in (("Familien A", True), ("Familien B", False)):
            family = Family.objects.create(office=heimdal, name=name)
            parent = ClientFactory(office=heimdal)
            FamilyMember.objects.create(
                family=family, client=parent, role="parent", joined_on=datetime.date(2020, 1, 1)
            )
            if enrolled:
                Enrolment.objects.create(
                    client=parent, programme=programme, enrolled_on=datetime.date(2024, 2, 1)
                )
            youth = FamilyMember.objects.create(
                family=family,
                first_name="Ung",
                birth_date=datetime.date(2007, 1, 1),
                role="child",
                joined_on=datetime.date(2020, 1, 1),
            )
            SchoolStatus.objects.create(
                member=youth,
                valid_from=datetime.date(2025, 3, 1),
                level="upper_secondary",
                status="dropped_out",
            )
    period = {
        "user": caseworker_heimdal,
        "start": datetime.date(2025, 1, 1),
        "end": datetime.date(2025, 12, 31),
    }
    assert upper_secondary_dropouts(by="office", **period) == {"NAV Heimdal": 2}
    assert upper_secondary_dropouts(by="family", **period) == {"Familien A": 1, "Familien B": 1}
    assert upper_secondary_dropouts(by="programme", **period) == {"Ungdomsjobb": 1}
    assert (
        upper_secondary_dropouts(by="office", **{**period, "end": datetime.date(2025, 2, 1)}) == {}
    )


def test_leaving_an_apprenticeship_is_dropping_out_of_upper_secondary(
    child: FamilyMember, caseworker_heimdal: User
) -> None:
    """One definition: the selectors count apprenticeship as the dashboard does."""
    from dashboards.figures import _school_situation

    with acting_as(system_actor("tests")):
        SchoolStatus.objects.create(
            member=child,
            valid_from=datetime.date(2025, 4, 1),
            level="apprenticeship",
            status="dropped_out",
        )
        SchoolStatus.objects.create(
            member=child,
            valid_from=datetime.date(2025, 4, 2),
            level="upper_secondary",
            year=11,
            status="enrolled",
        )
    dropouts = SchoolStatus.objects.visible_to(caseworker_heimdal).upper_secondary_dropouts()
    assert [s.level for s in dropouts] == ["apprenticeship"]
    for level in SchoolStatus.Level:
        counted_by_dashboard = _school_situation(level, "dropped_out") == "dropped_out"
        assert counted_by_dashboard == (level in SchoolStatus.UPPER_SECONDARY_LEVELS)


def test_a_second_school_status_on_the_same_day_is_refused_with_a_pointer_to_the_first(
    client: HttpClient, coordinator_heimdal: User, child: FamilyMember
) -> None:
    client.force_login(coordinator_heimdal)
    entry = {"valid_from": "2024-08-19", "level": "upper_secondary", "year": 11}
    assert school(client, child, **entry, status="enrolled").status_code == 302
    again = school(client, child, **entry, status="dropped_out")
    assert again.status_code == 200
    assert again.context["school_form"].errors["valid_from"] == [
        "Ayan Osman har allerede en skolestatus fra 19.08.2024. Korriger den i stedet for å "
        "registrere en ny."
    ]
    assert [s.status for s in SchoolStatus.objects.all()] == ["enrolled"]


def test_a_school_status_entered_in_error_frees_its_day(child: FamilyMember) -> None:
    day = datetime.date(2024, 8, 19)
    with acting_as(system_actor("tests")):
        wrong = SchoolStatus.objects.create(
            member=child, valid_from=day, level="primary", year=7, status="enrolled"
        )
        again = SchoolStatus(member=child, valid_from=day, level="lower_secondary", year=8)
        again.status = "enrolled"
        with pytest.raises(ValidationError):
            again.clean()
        with pytest.raises(IntegrityError), transaction.atomic():
            SchoolStatus.objects.create(
                member=child, valid_from=day, level="lower_secondary", year=8, status="enrolled"
            )
        wrong.entered_in_error = True
        wrong.save()
        again.clean()
        again.save()
    assert SchoolStatus.objects.get().level == "lower_secondary"
