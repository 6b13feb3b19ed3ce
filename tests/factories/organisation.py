"""Factories of offices, users and their roles."""

import factory
from factory.django import DjangoModelFactory

from organisation.models import Membership, Office, User
from organisation.roles import Role
from tests.factories.base import TrackedFactory


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


def staff(username: str, role: Role, office: Office | None = None) -> User:
    """A user with one role (in one office, for office roles)."""
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, office=office)
    return User.objects.get(pk=user.pk)  # fresh instance: no cached memberships
