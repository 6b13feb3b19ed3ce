"""Reads of the organisation that other apps share: which offices a user answers for."""

from django.db.models import QuerySet

from organisation.models import Office, User
from organisation.roles import Role

MANAGING = frozenset({Role.MANAGER})


def manages_every_office(user: User) -> bool:
    """Administrators answer for every office, including one that is added later."""
    return user.has_role(Role.ADMINISTRATOR)


def offices_managed_by(user: User) -> QuerySet[Office]:
    """The offices this user answers for: those they manage, every office for an administrator."""
    if manages_every_office(user):
        return Office.objects.all()
    return Office.objects.filter(pk__in=user.office_ids_for(MANAGING))


def manages(user: User, office: Office) -> bool:
    """Whether the user answers for this office; no query, for offices fetched already."""
    return manages_every_office(user) or office.pk in user.office_ids_for(MANAGING)
