"""Forms of the family plan."""

import copy
import datetime
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput
from clients.forms import ChoiceQuerysets
from codelists.models import Code, CodeList
from families.forms import model_rules
from families.models import (
    Family,
    FamilyMember,
    FamilyService,
    GoalStatus,
    PlanAction,
    PlanGoal,
)
from followup.models import Status

# The largest value of a PostgreSQL integer column: a larger number is refused by the form
# rather than by the database (an error there would be a server error).
MAX_INTEGER = 2**31 - 1
DAMAGED_PAGE = _("The page is out of date or incomplete: open it again and retry.")


class VersionField(forms.IntegerField):
    """The version of what the page showed; a missing or damaged one is refused."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        messages = dict.fromkeys(("required", "invalid", "min_value", "max_value"), DAMAGED_PAGE)
        super().__init__(min_value=1, max_value=MAX_INTEGER, error_messages=messages, **kwargs)


class GoalForm(ChoiceQuerysets, forms.ModelForm[PlanGoal]):
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

    def __init__(self, *args: Any, action: PlanAction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.action = action

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "due_on" in data:
            changed = copy.copy(self.action)
            changed.text, changed.due_on = data.get("text", ""), data["due_on"]
            model_rules(self, changed)  # PlanAction.clean: a moved deadline is ahead
        return data


class GoalStatusForm(forms.Form):
    version = VersionField()
    status = forms.ChoiceField(label=_("Status"), choices=GoalStatus.choices)


class GoalOrderField(forms.CharField):
    """The goals' ids in the order the page showed them, comma separated."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_length=10_000,
            validators=[RegexValidator(r"^\d{1,10}(,\d{1,10})*$", DAMAGED_PAGE)],
            error_messages={"required": DAMAGED_PAGE, "max_length": DAMAGED_PAGE},
            **kwargs,
        )

    def clean(self, value: Any) -> list[int]:
        return [int(pk) for pk in str(super().clean(value)).split(",")]


class GoalMoveForm(forms.Form):
    order = GoalOrderField()
    direction = forms.ChoiceField(
        label=_("Direction"), choices=[("up", _("Move up")), ("down", _("Move down"))]
    )


class ActionStatusForm(forms.Form):
    version = VersionField()
    status = forms.ChoiceField(label=_("Status"), choices=Status.choices)


class RevisionQueryForm(forms.Form):
    """The revisions page's query string: two revisions to compare, or a date."""

    a = forms.IntegerField(label=_("Older"), required=False, min_value=1, max_value=MAX_INTEGER)
    b = forms.IntegerField(label=_("Newer"), required=False, min_value=1, max_value=MAX_INTEGER)
    on = forms.DateField(label=_("The plan as it stood on"), required=False)

    def __init__(self, *args: Any, numbers: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.numbers = numbers

    def _known(self, name: str) -> int | None:
        number: int | None = self.cleaned_data.get(name)
        if number is not None and number not in self.numbers:
            raise forms.ValidationError(
                _("The plan has no revision %(number)s."), params={"number": number}
            )
        return number

    def clean_a(self) -> int | None:
        return self._known("a")

    def clean_b(self) -> int | None:
        return self._known("b")

    def clean_on(self) -> datetime.date | None:
        # A day ahead would show today's plan under a date it may not have then.
        day: datetime.date | None = self.cleaned_data.get("on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(
                _("The date is in the future: the plan can be shown as it stood until today.")
            )
        return day
