"""factory_boy factories, one module per app; every object they write has history by the
'tests' actor. Import them from here: `from tests.factories import FamilyFactory`."""

from tests.factories.base import TrackedFactory, code
from tests.factories.clients import (
    AssessmentFactory,
    AssessmentItemFactory,
    BenefitPeriodFactory,
    CaseEpisodeFactory,
    ClientFactory,
)
from tests.factories.families import (
    ChildFactory,
    FamilyContactFactory,
    FamilyFactory,
    FamilyPlanFactory,
    FamilyServiceFactory,
    LeisureActivityFactory,
    ParentFactory,
    PlanActionFactory,
    PlanGoalFactory,
    ReviewFactory,
    ReviewRatingFactory,
    SchoolStatusFactory,
)
from tests.factories.followup import (
    ContactFactory,
    EnrolmentFactory,
    InterventionFactory,
    ProgrammeFactory,
    ReminderFactory,
    SavedFilterFactory,
    StudyArmFactory,
)
from tests.factories.organisation import MembershipFactory, OfficeFactory, UserFactory, staff

__all__ = [
    "AssessmentFactory",
    "AssessmentItemFactory",
    "BenefitPeriodFactory",
    "CaseEpisodeFactory",
    "ChildFactory",
    "ClientFactory",
    "ContactFactory",
    "EnrolmentFactory",
    "FamilyContactFactory",
    "FamilyFactory",
    "FamilyPlanFactory",
    "FamilyServiceFactory",
    "InterventionFactory",
    "LeisureActivityFactory",
    "MembershipFactory",
    "OfficeFactory",
    "ParentFactory",
    "PlanActionFactory",
    "PlanGoalFactory",
    "ProgrammeFactory",
    "ReminderFactory",
    "ReviewFactory",
    "ReviewRatingFactory",
    "SavedFilterFactory",
    "SchoolStatusFactory",
    "StudyArmFactory",
    "TrackedFactory",
    "UserFactory",
    "code",
    "staff",
]
