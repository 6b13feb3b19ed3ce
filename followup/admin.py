"""Administrators manage an office's programmes, and the arms of those run as studies."""

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_actions import CheckedActionsMixin
from followup.models import Allocation, Programme, StudyArm


class StudyArmInline(admin.TabularInline):  # type: ignore[type-arg]
    model = StudyArm
    extra = 0

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # An arm that has been drawn is part of the study's record.
        return (
            not isinstance(obj, Programme) or not Allocation.objects.filter(programme=obj).exists()
        )


@admin.register(Programme)
class ProgrammeAdmin(CheckedActionsMixin, SimpleHistoryAdmin):
    list_display = ["name", "office", "start", "end", "study"]
    list_filter = ["office", "study"]
    search_fields = ["name"]
    inlines = [StudyArmInline]
