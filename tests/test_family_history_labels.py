"""The family history reads as bokmål: field names translated, dates as dd.mm.åååå."""

import datetime
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as
from codelists.models import CodeList
from families import plans, services
from families.models import (
    Family,
    FamilyMember,
    PlanRevision,
    Review,
    RevisionSummary,
    SchoolStatus,
)
from families.reviews import review_record
from organisation.models import Office, User
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
D = datetime.date
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.fixture
def family_with_everything(heimdal: Office, coordinator_heimdal: User) -> Family:
    """A family with a record of every kind its history shows, written as a user would."""
    with acting_as(coordinator_heimdal):
        family = services.family_create(
            office=heimdal,
            name="Familien Jama",
            coordinator=coordinator_heimdal,
            created_on=D(2024, 1, 2),
        )
        services.member_join(
            family=family,
            client=ClientFactory(office=heimdal, birth_date=D(1980, 2, 3)),
            role="parent",
            joined_on=D(2024, 1, 2),
        )
        child = services.member_join(
            family=family,
            first_name="Hibo",
            birth_date=D(2009, 3, 4),
            role="child",
            joined_on=D(2024, 1, 2),
        )
        services.school_status_record(
            member=child,
            risk=True,
            valid_from=D(2024, 8, 19),
            level="upper_secondary",
            programme="Helse- og oppvekstfag",
            year=11,
            status="enrolled",
        )
        services.leisure_add(member=child, activity="Fotball", since=D(2024, 9, 1))
        services.service_add(
            family=family, service=code(CodeList.PARTICIPANT_SERVICE, "school"), since=D(2024, 2, 1)
        )
        plan = plans.plan_for(family=family, by=coordinator_heimdal)
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            summary=RevisionSummary(PlanRevision.Change.GOAL_ADDED, "mål"),
            change=lambda p: plans.goal_add(
                p, life_area=code(CodeList.LIFE_AREA, "housing"), text="Bolig", owner=None
            ),
        )
        goal = plan.goals.get()
        plans.plan_revise(
            plan=plan,
            by=coordinator_heimdal,
            summary=RevisionSummary(PlanRevision.Change.ACTION_ADDED, "tiltak"),
            change=lambda p: plans.action_add(
                goal,
                text="Ring",
                responsible="coordinator",
                responsible_member=None,
                responsible_service=None,
                due_on=D(2099, 12, 1),
            ),
        )
        review_record(
            family=family,
            by=coordinator_heimdal,
            reviewed_on=D(2024, 12, 1),
            ratings={code(CodeList.LIFE_AREA, "housing"): 4},
            next_review_on=D(2025, 3, 1),
        )
    return family


def test_the_family_history_has_no_iso_dates_and_no_english_field_names(
    client: HttpClient, coordinator_heimdal: User, family_with_everything: Family
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:history", args=[family_with_everything.pk])).text
    assert ISO_DATE.findall(page) == []
    assert "01.12.2024" in page
    for english in ("Family", "Review", "Member", "Position", "Plan", "Goal", "Snapshot", "Active"):
        assert f">{english}<" not in page, english
    for bokmal in ("Familie", "Evaluering", "Barn", "Familieplan", "Mål", "Frist"):
        assert f">{bokmal}<" in page, bokmal


def test_every_field_of_the_families_models_has_a_translated_name() -> None:
    from django.apps import apps
    from django.utils.functional import Promise

    for model in apps.get_app_config("families").get_models():
        if model.__name__.startswith("Historical"):
            continue
        for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
            if field.primary_key:
                continue
            assert isinstance(field.verbose_name, Promise), f"{model.__name__}.{field.name}"


def test_records_are_named_with_dates_as_people_read_them(family_with_everything: Family) -> None:
    review = Review.objects.get()
    assert str(review) == "Familien Jama: 01.12.2024"
    assert SchoolStatus.objects.get().member == FamilyMember.objects.get(first_name="Hibo")
