"""Factories of clients and their case records: episodes, benefits, assessments."""

import datetime
from typing import Any

import factory

from clients.models import Assessment, AssessmentItem, BenefitPeriod, CaseEpisode, Client
from codelists.models import CodeList
from tests.dates import days_ago
from tests.factories.base import TrackedFactory, code, tracked_links
from tests.factories.organisation import OfficeFactory, UserFactory


class ClientFactory(TrackedFactory):
    class Meta:
        model = Client

    office = factory.SubFactory(OfficeFactory)
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    birth_date = factory.Faker(
        "date_between_dates",
        date_start=datetime.date(1960, 1, 1),
        date_end=datetime.date(2005, 12, 31),
    )


class CaseEpisodeFactory(TrackedFactory):
    """An open episode opened a month ago; `reasons=[code, …]` sets its reasons."""

    class Meta:
        model = CaseEpisode
        skip_postgeneration_save = True

    class Params:
        closed = factory.Trait(
            closed_on=factory.LazyFunction(lambda: days_ago(1)),
            closing_reason=factory.LazyFunction(lambda: code(CodeList.CLOSING_REASON, "into_work")),
        )

    client = factory.SubFactory(ClientFactory)
    opened_on = factory.LazyFunction(lambda: days_ago(30))

    reasons = tracked_links("reasons")


class BenefitPeriodFactory(TrackedFactory):
    class Meta:
        model = BenefitPeriod

    client = factory.SubFactory(ClientFactory)
    kind = factory.LazyFunction(lambda: code(CodeList.BENEFIT_KIND, "aap"))
    start = factory.LazyFunction(lambda: days_ago(30))


class AssessmentFactory(TrackedFactory):
    """An assessment of a week ago; `items={area: (status, need), …}` adds its life areas."""

    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    assessed_on = factory.LazyFunction(lambda: days_ago(7))
    assessed_by = factory.SubFactory(UserFactory)

    @factory.post_generation
    def items(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create and extracted:
            for area, (status, need) in extracted.items():
                AssessmentItemFactory(assessment=self, life_area=area, status=status, need=need)


class AssessmentItemFactory(TrackedFactory):
    class Meta:
        model = AssessmentItem

    assessment = factory.SubFactory(AssessmentFactory)
    life_area = factory.LazyFunction(lambda: code(CodeList.LIFE_AREA, "work"))
    status = factory.LazyFunction(lambda: code(CodeList.ASSESSMENT_STATUS, "3"))
    need = factory.LazyFunction(lambda: code(CodeList.NEED_LEVEL, "some"))

    @classmethod
    def _adjust_kwargs(cls, **kwargs: Any) -> dict[str, Any]:
        # Codes may be given by their value: items={"housing": ("3", "some")}.
        for field, code_list in FIELDS_OF_ITEM.items():
            if isinstance(kwargs.get(field), str):
                kwargs[field] = code(code_list, kwargs[field])
        return kwargs


FIELDS_OF_ITEM = {
    "life_area": CodeList.LIFE_AREA,
    "status": CodeList.ASSESSMENT_STATUS,
    "need": CodeList.NEED_LEVEL,
}
