"""Administrators manage an office's programmes in the Django admin."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from followup.models import Programme


@admin.register(Programme)
class ProgrammeAdmin(SimpleHistoryAdmin):
    list_display = ["name", "office", "start", "end"]
    list_filter = ["office"]
    search_fields = ["name"]
