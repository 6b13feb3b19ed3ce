"""The roles a user can hold in HUSK, and which of them see which kind of data."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("Caseworker")
    COORDINATOR = "coordinator", _("Family coordinator")
    MANAGER = "manager", _("Manager")
    RESEARCHER = "researcher", _("Researcher")
    ADMINISTRATOR = "administrator", _("Administrator")
    # Reading the access log is a permission of its own (security.md, 3), given by role.
    ACCESS_LOG_READER = "access_log", _("Reads the access log")


# Roles that read and write person-level data of their own offices.
PERSON_LEVEL_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR})
# Roles held in an office; researchers and administrators are not tied to one.
OFFICE_ROLES = frozenset({Role.CASEWORKER, Role.COORDINATOR, Role.MANAGER})
# When a user holds several roles, the first of these decides their home page.
HOME_PRIORITY = (
    Role.COORDINATOR,
    Role.CASEWORKER,
    Role.MANAGER,
    Role.RESEARCHER,
    Role.ADMINISTRATOR,
    Role.ACCESS_LOG_READER,
)
