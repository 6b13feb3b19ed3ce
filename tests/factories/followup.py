"""Factories of follow-up records: contacts, interventions, programmes and enrolments, reminders."""

import datetime

import factory

from codelists.models import CodeList
from followup.models import (
    Contact,
    Enrolment,
    Intervention,
    Programme,
    Reminder,
    SavedFilter,
    StudyArm,
)
from tests.dates import days_ago, days_ahead, today
from tests.factories.base import TrackedFactory, code, tracked_links
from tests.factories.clients import ClientFactory
from tests.factories.organisation import OfficeFactory, UserFactory


class ContactFactory(TrackedFactory):
    """A contact today; `staff=[…]` and `topics=[code, …]` set its many-to-many fields."""

    class Meta:
        model = Contact
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    date = factory.LazyFunction(today)
    channel = factory.LazyFunction(lambda: code(CodeList.CONTACT_CHANNEL, "office_meeting"))
    recorded_by = factory.SubFactory(UserFactory)

    staff = tracked_links("staff")

    topics = tracked_links("topics")


class InterventionFactory(TrackedFactory):
    """A planned intervention from a month ago (a finished one needs its end and outcome)."""

    class Meta:
        model = Intervention

    client = factory.SubFactory(ClientFactory)
    type = factory.LazyFunction(lambda: code(CodeList.INTERVENTION_TYPE, "work_training"))
    start = factory.LazyFunction(lambda: days_ago(30))


class ProgrammeFactory(TrackedFactory):
    class Meta:
        model = Programme
        django_get_or_create = ("office", "name")

    office = factory.SubFactory(OfficeFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    start = datetime.date(2020, 1, 1)


class StudyArmFactory(TrackedFactory):
    class Meta:
        model = StudyArm

    programme = factory.SubFactory(ProgrammeFactory, study=Programme.Study.RANDOMISED)
    name = factory.Sequence(lambda n: f"Arm {n}")
    position = factory.Sequence(int)


class EnrolmentFactory(TrackedFactory):
    """An enrolment of a month ago, in a programme of the client's office unless given one."""

    class Meta:
        model = Enrolment

    client = factory.SubFactory(ClientFactory)
    programme = factory.SubFactory(
        ProgrammeFactory, office=factory.SelfAttribute("..client.office")
    )
    enrolled_on = factory.LazyFunction(lambda: days_ago(30))


class ReminderFactory(TrackedFactory):
    class Meta:
        model = Reminder

    owner = factory.SubFactory(UserFactory)
    text = factory.Sequence(lambda n: f"Husk {n}")
    due_on = factory.LazyFunction(lambda: days_ahead(7))


class SavedFilterFactory(TrackedFactory):
    class Meta:
        model = SavedFilter

    owner = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"Filter {n}")
    query = "due=overdue"
