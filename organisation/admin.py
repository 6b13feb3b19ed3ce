"""Django admin for offices, users and memberships (administrators only)."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_actions import CheckedActionsMixin
from organisation.models import Membership, Office, User
from organisation.two_factor import reset_two_factor

# The admin history's entry for a reset, with the acting administrator (django.contrib.admin).
TWO_FACTOR_RESET_MESSAGE = "Two-factor login reset: the user must set it up again."


# django-otp's own admin pages show a person's TOTP secret as a QR code: whoever sees it could
# make that person's codes. An administrator resets a second factor (the action below) and
# never sees one.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


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
    actions = ["reset_two_factor"]

    @admin.action(description=_("Reset two-factor login (the user sets it up again)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        count = 0
        with transaction.atomic():
            for user in queryset:
                reset_two_factor(user)
                # In the user's admin history, by the acting administrator.
                self.log_change(request, user, TWO_FACTOR_RESET_MESSAGE)
                count += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor login reset for %(count)d user: they set it up at next login.",
                "Two-factor login reset for %(count)d users: they set it up at next login.",
                count,
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Users are deactivated, never deleted: history and the access log name them.
        return False


@admin.register(Office)
class OfficeAdmin(CheckedActionsMixin, SimpleHistoryAdmin):
    list_display = ["name", "municipality_number", "unit_number"]
    search_fields = ["name", "unit_number"]
