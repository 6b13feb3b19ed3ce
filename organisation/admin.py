"""Django admin for offices, users and memberships (administrators only)."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_actions import CheckedActionsMixin
from organisation.models import Membership, Office, User


class MembershipInline(admin.StackedInline[Membership, User]):
    model = Membership
    extra = 0
    # A stacked inline with a plain select: the tabular one leaves its inputs without labels
    # and the autocomplete box has no accessible name (axe label, aria-input-field-name).


@admin.register(User)
class HuskUserAdmin(CheckedActionsMixin, UserAdmin):  # type: ignore[type-arg]
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "is_active", "is_system_actor"]
    list_filter = ["is_active", "is_system_actor", "membership_set__role"]
    # Plain multiple choice: the filter_horizontal widget misuses ARIA (axe aria-prohibited-attr).
    filter_horizontal = ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Users are deactivated, never deleted: history and the access log name them.
        return False


@admin.register(Office)
class OfficeAdmin(CheckedActionsMixin, SimpleHistoryAdmin):
    list_display = ["name", "municipality_number", "unit_number"]
    search_fields = ["name", "unit_number"]
