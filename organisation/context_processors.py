"""The navigation a user sees: only the places their roles may go."""

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from organisation.roles import PERSON_LEVEL_ROLES, Role
from organisation.second_factor import second_factor_given

# (URL name, label, roles that see it), in menu order.
MENU = [
    ("families:home", _("Families"), frozenset({Role.COORDINATOR})),
    ("followup:caseload", _("Caseload"), PERSON_LEVEL_ROLES),
    ("clients:search", _("Search"), PERSON_LEVEL_ROLES),
    ("clients:list", _("Clients"), PERSON_LEVEL_ROLES),
    ("clients:register", _("New client"), PERSON_LEVEL_ROLES),
    ("dashboards:home", _("Dashboard"), frozenset({Role.MANAGER, Role.ADMINISTRATOR})),
    ("dashboards:emergency_access", _("Emergency access"), frozenset({Role.MANAGER})),
    ("research:home", _("Research projects"), frozenset({Role.RESEARCHER})),
    ("research:approvals", _("Research"), frozenset({Role.MANAGER, Role.ADMINISTRATOR})),
    ("organisation:home", _("Administration"), frozenset({Role.ADMINISTRATOR})),
    ("organisation:access_log", _("Access log"), frozenset({Role.ACCESS_LOG_READER})),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"menu": []}
    if not second_factor_given(user):
        # Signed in with the password, the code still to come: nowhere to go yet.
        return {"menu": []}
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "menu": [
            {"url": reverse(name), "label": label, "active": current == name}
            for name, label, roles in MENU
            if user.has_role(*roles)
        ],
        # A password account's own backup codes (a single sign-on session has no device).
        "backup_codes_url": (
            reverse("two_factor:backup_tokens") if getattr(user, "otp_device", None) else None
        ),
    }
