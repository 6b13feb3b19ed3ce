"""Administrators set up research projects and read the export log in the Django admin."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from audit.admin_actions import CheckedActionsMixin
from organisation.models import User
from organisation.roles import Role
from research.models import Export, ProjectApproval, ResearchProject, Table


class ResearchProjectForm(forms.ModelForm[ResearchProject]):
    tables = forms.MultipleChoiceField(choices=Table.choices, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ResearchProject
        fields = [
            "code",
            "title",
            "institution",
            "responsible_researcher",
            "rek_reference",
            "sikt_reference",
            "legal_basis",
            "offices",
            "period_start",
            "period_end",
            "tables",
            "expires_on",
            "members",
            "k",
            "date_mode",
            "include_office",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tables"].label = ResearchProject._meta.get_field("tables").verbose_name
        members = self.fields["members"]
        assert isinstance(members, forms.ModelMultipleChoiceField)
        members.queryset = User.objects.filter(membership_set__role=Role.RESEARCHER).distinct()


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ApprovalInline(ReadOnlyInline):
    model = ProjectApproval
    fields = ["office", "by", "at"]
    readonly_fields = ("office", "by", "at")


@admin.register(ResearchProject)
class ResearchProjectAdmin(CheckedActionsMixin, SimpleHistoryAdmin):
    form = ResearchProjectForm
    list_display = ["title", "code", "legal_basis", "period_start", "period_end", "expires_on"]
    search_fields = ["title", "code", "institution"]
    # Plain multiple choice: the filter_horizontal widget misuses ARIA (axe aria-prohibited-attr).
    filter_horizontal = ()
    prepopulated_fields = {"code": ["title"]}
    inlines = [ApprovalInline]


class ReadOnlyAdmin(CheckedActionsMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Export)
class ExportAdmin(ReadOnlyAdmin):
    list_display = ["project", "requested_by", "requested_at", "status", "progress", "expires_at"]
    list_filter = ["status", "project"]
    exclude = ["archive"]


# ExportEvent is not in the admin: the research export log is a part of the access log, read
# at research:export_log by the log's own role only.
