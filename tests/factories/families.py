"""Factories of families: members, services, the plan, reviews, school and leisure, contacts.

A family built here is followed since 1 January 2023 unless told otherwise; members join
on that day (a child on the later of it and their birth), so every record lies in the time
the family is followed and in the member's lifetime.
"""

import datetime
from typing import Any

import factory

from codelists.models import CodeList
from families.models import (
    Family,
    FamilyContact,
    FamilyMember,
    FamilyPlan,
    FamilyService,
    LeisureActivity,
    PlanAction,
    PlanGoal,
    Review,
    ReviewRating,
    SchoolStatus,
)
from tests.dates import today
from tests.factories.base import TrackedFactory, code, tracked_links
from tests.factories.clients import ClientFactory
from tests.factories.followup import ContactFactory
from tests.factories.organisation import OfficeFactory, UserFactory

FOLLOWED_SINCE = datetime.date(2023, 1, 1)


class FamilyFactory(TrackedFactory):
    class Meta:
        model = Family

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Familien Test{n}")
    created_on = FOLLOWED_SINCE


class ParentFactory(TrackedFactory):
    """A parent who is a client of the family's office, grown up on the day they joined."""

    class Meta:
        model = FamilyMember

    family = factory.SubFactory(FamilyFactory)
    client = factory.SubFactory(
        ClientFactory,
        office=factory.SelfAttribute("..family.office"),
        birth_date=factory.Faker(
            "date_between_dates",
            date_start=datetime.date(1960, 1, 1),
            date_end=datetime.date(1995, 12, 31),
        ),
    )
    role = FamilyMember.Role.PARENT
    joined_on = factory.SelfAttribute("family.created_on")


class ChildFactory(TrackedFactory):
    """A child who is not a client: known by name and date of birth here only."""

    class Meta:
        model = FamilyMember

    family = factory.SubFactory(FamilyFactory)
    client = None
    first_name = factory.Faker("first_name", locale="no_NO")
    birth_date = datetime.date(2012, 6, 1)
    role = FamilyMember.Role.CHILD
    joined_on = factory.LazyAttribute(lambda m: max(m.family.created_on, m.birth_date))


class FamilyServiceFactory(TrackedFactory):
    class Meta:
        model = FamilyService

    family = factory.SubFactory(FamilyFactory)
    service = factory.LazyFunction(lambda: code(CodeList.PARTICIPANT_SERVICE, "school"))
    since = factory.SelfAttribute("family.created_on")


class FamilyPlanFactory(TrackedFactory):
    """The family's active plan: a second one for the same family is the first one again
    (one active plan per family). Written without revisions; families.plans writes those."""

    class Meta:
        model = FamilyPlan
        django_get_or_create = ("family", "active")

    family = factory.SubFactory(FamilyFactory)
    active = True
    created_on = factory.SelfAttribute("family.created_on")


class PlanGoalFactory(TrackedFactory):
    class Meta:
        model = PlanGoal

    plan = factory.SubFactory(FamilyPlanFactory)
    life_area = factory.LazyFunction(lambda: code(CodeList.LIFE_AREA, "housing"))
    text = factory.Sequence(lambda n: f"Mål {n}")
    created_on = factory.SelfAttribute("plan.created_on")


class PlanActionFactory(TrackedFactory):
    class Meta:
        model = PlanAction

    goal = factory.SubFactory(PlanGoalFactory)
    text = factory.Sequence(lambda n: f"Tiltak {n}")
    responsible = PlanAction.Responsible.COORDINATOR


class ReviewFactory(TrackedFactory):
    """A review a month into the family's follow-up; `ratings={area: rating, …}` rates it."""

    class Meta:
        model = Review
        skip_postgeneration_save = True

    family = factory.SubFactory(FamilyFactory)
    reviewed_on = factory.LazyAttribute(
        lambda r: min(r.family.created_on + datetime.timedelta(days=30), today())
    )
    by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def ratings(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for area, rating in extracted.items():
                ReviewRatingFactory(review=self, life_area=area, rating=rating)


class ReviewRatingFactory(TrackedFactory):
    class Meta:
        model = ReviewRating

    review = factory.SubFactory(ReviewFactory)
    life_area = factory.LazyFunction(lambda: code(CodeList.LIFE_AREA, "housing"))
    rating = 5

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        if isinstance(kwargs.get("life_area"), str):  # ratings={"housing": 4}
            kwargs["life_area"] = code(CodeList.LIFE_AREA, kwargs["life_area"])
        return kwargs


class SchoolStatusFactory(TrackedFactory):
    class Meta:
        model = SchoolStatus

    member = factory.SubFactory(ChildFactory)
    valid_from = factory.SelfAttribute("member.joined_on")
    level = SchoolStatus.Level.PRIMARY
    status = SchoolStatus.Status.ENROLLED


class LeisureActivityFactory(TrackedFactory):
    class Meta:
        model = LeisureActivity

    member = factory.SubFactory(ChildFactory)
    activity = "Fotball"
    since = factory.SelfAttribute("member.joined_on")


class FamilyContactFactory(TrackedFactory):
    """A family contact registered on a client of the family's office;
    `participants=[member, …]` names who took part."""

    class Meta:
        model = FamilyContact
        skip_postgeneration_save = True

    family = factory.SubFactory(FamilyFactory)
    contact = factory.SubFactory(
        ContactFactory,
        client=factory.SubFactory(ClientFactory, office=factory.SelfAttribute("...family.office")),
    )

    participants = tracked_links("participants")
