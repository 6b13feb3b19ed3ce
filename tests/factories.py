"""factory_boy factories; every object they write has history by the 'tests' actor."""

import datetime
from typing import Any

import factory
from factory.django import DjangoModelFactory

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import Code, CodeList
from followup.models import Contact
from organisation.models import Membership, Office, User
from organisation.roles import Role
from tests.dates import today


class TrackedFactory(DjangoModelFactory):  # type: ignore[type-arg]
    class Meta:
        abstract = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        with acting_as(system_actor("tests")):
            return super()._create(model_class, *args, **kwargs)


class OfficeFactory(TrackedFactory):
    class Meta:
        model = Office
        django_get_or_create = ("unit_number",)

    name = factory.Sequence(lambda n: f"NAV Testkontor {n}")
    municipality_number = "5001"
    # Four digits; wraps after 1000 offices (within one test far fewer are made).
    unit_number = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")


class UserFactory(DjangoModelFactory):  # type: ignore[type-arg]
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="no_NO")
    last_name = factory.Faker("last_name", locale="no_NO")
    password = factory.django.Password("husk-test-password")


class MembershipFactory(TrackedFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    office = factory.SubFactory(OfficeFactory)
    role = Role.CASEWORKER


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


def staff(username: str, role: Role, office: Office | None = None) -> User:
    """A user with one role (in one office, for office roles)."""
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, office=office)
    return User.objects.get(pk=user.pk)  # fresh instance: no cached memberships


def code(code_list: CodeList, value: str) -> Code:
    return Code.objects.get(list_name=code_list, code=value)


class ContactFactory(TrackedFactory):
    class Meta:
        model = Contact

    client = factory.SubFactory(ClientFactory)
    date = factory.LazyFunction(today)
    channel = factory.LazyFunction(lambda: code(CodeList.CONTACT_CHANNEL, "office_meeting"))
    recorded_by = factory.SubFactory(UserFactory)
