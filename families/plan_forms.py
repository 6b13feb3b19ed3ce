"""Forms of the family plan."""

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from clients.forms import ChoiceQuerysets, DateInput
from codelists.models import Code, CodeList
from families.models import Family, FamilyMember, FamilyService, PlanAction, PlanGoal


class VersionField(forms.IntegerField):
    widget = forms.HiddenInput


class GoalForm(ChoiceQuerysets, forms.ModelForm[PlanGoal]):
    version = VersionField()

    class Meta:
        model = PlanGoal
        fields = ["life_area", "text", "owner"]

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The life areas of the family plan (economy, housing, health, work …).
        self._choice_field("life_area").queryset = Code.objects.offered(CodeList.LIFE_AREA).filter(
            extra__family_plan=True
        )
        self._choice_field("owner").queryset = family.memberships.filter(
            left_on__isnull=True
        ).select_related("client")


class ActionForm(ChoiceQuerysets, forms.ModelForm[PlanAction]):
    version = VersionField()

    class Meta:
        model = PlanAction
        fields = ["text", "responsible", "responsible_member", "responsible_service", "due_on"]
        widgets = {"due_on": DateInput()}

    def __init__(self, *args: Any, family: Family, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._choice_field("responsible_member").queryset = FamilyMember.objects.filter(
            family=family, left_on__isnull=True
        ).select_related("client")
        self._choice_field("responsible_service").queryset = FamilyService.objects.filter(
            Q(until__isnull=True), family=family
        ).select_related("service")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("responsible")
        if kind == PlanAction.Responsible.MEMBER and not data.get("responsible_member"):
            self.add_error("responsible_member", _("Choose the family member who is responsible."))
        if kind == PlanAction.Responsible.SERVICE and not data.get("responsible_service"):
            self.add_error("responsible_service", _("Choose the service that is responsible."))
        return data


class GoalTextForm(forms.Form):
    version = VersionField()
    text = forms.CharField(label=_("Goal, in the family's words"), max_length=500)


class ActionChangeForm(forms.Form):
    version = VersionField()
    text = forms.CharField(label=_("Action to take"), max_length=500)
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
