"""Administrators edit code lists in the Django admin; codes are retired, never deleted."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_actions import CheckedActionsMixin
from codelists.models import Code


@admin.register(Code)
class CodeAdmin(CheckedActionsMixin, SimpleHistoryAdmin):
    list_display = ["label_nb", "label_en", "code", "list_name", "sort_order", "active"]
    list_filter = ["list_name", "active"]
    search_fields = ["code", "label_nb", "label_en"]
    # No list_editable: its inputs have no labels (WCAG 1.3.1); a code is edited on its own page.

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        # The code itself is what history and exports refer to: fixed once created.
        return ["list_name", "code"] if obj is not None else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
