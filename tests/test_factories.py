"""The factories build whole chains in one call, within the models' rules, with history."""

import pytest
from django.db import models

from audit.history import acting_as, system_actor
from families.models import FamilyMember
from tests import factories

pytestmark = pytest.mark.usefixtures("codes")

# Every factory of a case record: each builds its own office, client or family.
CASE_FACTORIES = [
    factories.CaseEpisodeFactory,
    factories.BenefitPeriodFactory,
    factories.AssessmentItemFactory,
    factories.ContactFactory,
    factories.InterventionFactory,
    factories.EnrolmentFactory,
    factories.StudyArmFactory,
    factories.ReminderFactory,
    factories.SavedFilterFactory,
    factories.ParentFactory,
    factories.ChildFactory,
    factories.FamilyServiceFactory,
    factories.PlanActionFactory,
    factories.ReviewRatingFactory,
    factories.SchoolStatusFactory,
    factories.LeisureActivityFactory,
    factories.FamilyContactFactory,
]


def chain(record: models.Model) -> list[models.Model]:
    """The record and every record it points to, and so on up."""
    found = [record]
    for field in record._meta.concrete_fields:
        target = getattr(record, field.name) if field.is_relation else None
        if target is not None and target._meta.app_label in {"clients", "followup", "families"}:
            found += chain(target)
    return found


@pytest.mark.django_db
@pytest.mark.parametrize("factory", CASE_FACTORIES, ids=lambda f: f.__name__)
def test_each_factory_builds_a_chain_that_passes_the_models_rules(factory: type) -> None:
    record = factory()
    with acting_as(system_actor("tests")):
        for made in chain(record):
            made.full_clean()
            history = getattr(made, "history", None)
            if history is not None:
                assert history.first().history_user.username == "system:tests"


@pytest.mark.django_db
def test_a_family_with_parents_and_children_is_built_in_a_few_calls() -> None:
    family = factories.FamilyFactory(name="Familien Karimi")
    parent = factories.ParentFactory(family=family, client__last_name="Karimi")
    factories.ChildFactory(family=family, first_name="Sina", last_name="Karimi")
    review = factories.ReviewFactory(family=family, ratings={"housing": 4, "economy_debt": 6})
    assert parent.client.office == family.office
    assert {m.role for m in family.memberships.all()} == {
        FamilyMember.Role.PARENT,
        FamilyMember.Role.CHILD,
    }
    assert sorted(review.ratings.values_list("rating", flat=True)) == [4, 6]


@pytest.mark.django_db
def test_a_family_has_one_active_plan() -> None:
    plan = factories.FamilyPlanFactory()
    assert factories.FamilyPlanFactory(family=plan.family) == plan
