"""Synthetic demo families: households of an office's clients with children, over time."""

import datetime
import random
from functools import partial
from typing import Any

from django.db import transaction

from audit import bulk
from clients.models import Client
from codelists.models import Code, CodeList
from devdata.demo.clients import BACKGROUNDS, NORWEGIAN_FIRST
from families import rules
from families.models import Family, FamilyMember, FamilyService, PlanRevision, RevisionSummary
from organisation.models import Office, User
from organisation.roles import Role

FAMILIES_PER_OFFICE = 80


@transaction.atomic
def seed_families(
    offices: dict[str, Office],
    actor: User,
    today: datetime.date,
    per_office: int = FAMILIES_PER_OFFICE,
) -> int:
    rng = random.Random(71)  # noqa: S311 - demo data, not security
    services = list(Code.objects.offered(CodeList.PARTICIPANT_SERVICE))
    made = 0
    for office in offices.values():
        if Family.objects.filter(office=office).exists():
            continue
        coordinator = User.objects.filter(
            membership_set__office=office, membership_set__role=Role.COORDINATOR
        ).first()
        adults = list(
            Client.objects.filter(office=office, status=Client.Status.ACTIVE)
            .filter(birth_date__lte=today - datetime.timedelta(days=24 * 365))
            .select_related("country_of_birth")
            .order_by("pk")
        )
        rng.shuffle(adults)
        families, members, family_services = [], [], []
        for adult in adults[:per_office]:
            since = today - datetime.timedelta(days=rng.randint(60, 4 * 365))
            families.append(
                Family(
                    office=office,
                    name=f"Familien {adult.last_name}",
                    coordinator=coordinator,
                    created_on=since,
                )
            )
        families = bulk.bulk_create(Family, families, actor=actor)
        for family, adult in zip(families, adults, strict=False):
            since = family.created_on
            members.append(
                FamilyMember(
                    family=family, client=adult, role=FamilyMember.Role.PARENT, joined_on=since
                )
            )
            country = adult.country_of_birth.code if adult.country_of_birth else "NOR"
            first_names = BACKGROUNDS[country][0] if country in BACKGROUNDS else NORWEGIAN_FIRST
            for _ in range(rng.randint(1, 4)):
                born = _child_birth_date(rng, adult.birth_date, today)
                if born is None:
                    continue
                joined = max(since, born)
                left = None
                if rng.random() < 0.12:  # a young adult moves out
                    left = _between(rng, joined, today)
                members.append(
                    FamilyMember(
                        family=family,
                        first_name=rng.choice(first_names),
                        last_name=adult.last_name,
                        birth_date=born,
                        role=FamilyMember.Role.CHILD,
                        joined_on=joined,
                        left_on=left,
                    )
                )
            for service in rng.sample(services, k=rng.randint(1, 3)):
                family_services.append(
                    FamilyService(
                        family=family,
                        service=service,
                        since=_between(rng, since, today),
                        contact_name=rng.choice(
                            ["Kontaktlærer", "Saksbehandler", "Helsesykepleier", "Fastlege"]
                        ),
                    )
                )
        bulk.bulk_create(FamilyMember, members, actor=actor)
        bulk.bulk_create(FamilyService, family_services, actor=actor)
        made += len(families)
    return made


def _between(rng: random.Random, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, max(0, (end - start).days)))


def _child_birth_date(
    rng: random.Random, parent: datetime.date, today: datetime.date
) -> datetime.date | None:
    """A child's date of birth: born to a parent of 18–45, and still a child today.

    At most rules.CHILD_MAX_AGE today, so also on the day they joined: an older member is
    no child of the family (FamilyMember.clean). None when the parent has no such child.
    """
    earliest = max(
        parent + datetime.timedelta(days=18 * 365),
        _years_before(today, rules.CHILD_MAX_AGE + 1) + datetime.timedelta(days=1),
    )
    latest = min(today - datetime.timedelta(days=30), parent + datetime.timedelta(days=45 * 365))
    return _between(rng, earliest, latest) if earliest <= latest else None


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


GOALS = {
    "economy_debt": ["Vi vil klare oss uten sosialhjelp", "Betale ned gjelden til inkasso"],
    "housing": ["Vi vil ha en bolig med plass til alle", "Slippe å flytte igjen"],
    "health": ["Mamma skal få hjelp for ryggen", "Bedre søvn for hele familien"],
    "work": ["Pappa vil ha fast jobb", "Mamma vil bli ferdig med norskkurset og få jobb"],
    "children_parenting": ["Barna skal trives på skolen", "Eldste sønn skal fullføre videregående"],
    "social_network": ["Bli kjent med flere i nabolaget", "Barna skal ha venner å være med"],
}
ACTIONS = [
    "Søke kommunal bolig",
    "Møte med NAV om arbeidspraksis",
    "Avtale time hos fastlegen",
    "Melde barna på fotball",
    "Gå gjennom budsjettet sammen",
    "Møte kontaktlærer",
    "Søke om startlån",
]


def _add_action(plan: Any, *, goal: Any, text: str, due: datetime.date) -> None:
    # Written as if planned earlier, so its deadline may have passed by now; plans.action_add
    # refuses that for an action planned today (PlanAction.clean).
    goal.actions.create(
        text=text, responsible="coordinator", due_on=due, position=goal.actions.count() + 1
    )


def _complete(plan: Any, *, action: Any) -> None:
    from families import plans

    plans.action_set_status(action, "completed")


def _seed_plan(
    rng: random.Random, family: Family, author: User, areas: dict[str, Any], today: datetime.date
) -> None:
    """A plan built through the real revision service: several numbered revisions."""
    from families import plans

    plan = plans.plan_for(family=family, by=author)

    def revise(summary: RevisionSummary, change: Any) -> None:
        # Additions only: no item's version to compare (plan_revise locks the plan itself).
        plans.plan_revise(plan=plan, by=author, summary=summary, change=change)

    last_goal = None
    for code in rng.sample([c for c in GOALS if c in areas], k=rng.randint(2, 4)):
        text = rng.choice(GOALS[code])
        revise(
            RevisionSummary(PlanRevision.Change.GOAL_ADDED, text),
            partial(plans.goal_add, life_area=areas[code], text=text, owner=None),
        )
        last_goal = plan.goals.order_by("-pk").first()
        for _ in range(rng.randint(1, 3)):
            action = rng.choice(ACTIONS)
            due = today + datetime.timedelta(days=rng.randint(-30, 60))
            revise(
                RevisionSummary(PlanRevision.Change.ACTION_ADDED, action),
                partial(_add_action, goal=last_goal, text=action, due=due),
            )
    if last_goal is not None and rng.random() < 0.6:
        first = last_goal.actions.order_by("pk").first()
        if first is not None:
            revise(
                RevisionSummary(PlanRevision.Change.ACTION_STATUS, first.text, "completed"),
                partial(_complete, action=first),
            )


def seed_plans_and_reviews(offices: dict[str, Office], actor: User, today: datetime.date) -> None:
    """A plan with several revisions and 2–5 reviews for every demo family that has none."""
    from audit.history import acting_as
    from families.models import Review, ReviewRating
    from families.reviews import plan_areas

    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    areas = {area.code: area for area in plan_areas()}
    reviews, ratings = [], []
    families = Family.objects.filter(office__in=offices.values(), plans__isnull=True)
    for family in families.select_related("coordinator"):
        author = family.coordinator or actor
        with acting_as(author):
            _seed_plan(rng, family, author, areas, today)
        # Reviews over the time the family has been followed, ratings slowly rising: on
        # distinct days between the day it was first followed and today (Review.clean).
        span = (today - family.created_on).days
        count = rng.randint(2, 5)
        rated = rng.sample(list(areas.values()), k=min(len(areas), rng.randint(3, 6)))
        start = {area.pk: rng.randint(1, 5) for area in rated}
        offsets = sorted({span * (n + 1) // (count + 1) for n in range(count)})
        for n, offset in enumerate(offsets):
            when = family.created_on + datetime.timedelta(days=offset)
            review = Review(
                family=family,
                by=author,
                reviewed_on=when,
                works="Faste møter hjemme",
                next_steps="Følge opp tiltakene i planen",
                next_review_on=when + datetime.timedelta(days=rng.choice([60, 90, 120])),
            )
            reviews.append(review)
            for area in rated:
                value = max(0, min(10, start[area.pk] + n * rng.randint(0, 2) - rng.randint(0, 1)))
                ratings.append((review, area, value))
    bulk.bulk_create(Review, reviews, actor=actor)
    bulk.bulk_create(
        ReviewRating,
        [ReviewRating(review=r, life_area=a, rating=v) for r, a, v in ratings],
        actor=actor,
    )
