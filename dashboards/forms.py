"""The dashboard's choice of office, programme and period."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dashboards.figures import period_end
from followup.models import Programme
from organisation.models import Office

ALL = "all"
# No figures are older than HUSK's records; a month before this is a mistyped year.
EARLIEST = datetime.date(1990, 1, 1)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    widget = MonthInput
    input_formats = ["%Y-%m"]
    default_error_messages = {"invalid": _("Give the month as year and month, such as 2025-01.")}


class ProgrammeField(forms.ModelChoiceField[Programme]):
    def label_from_instance(self, obj: Programme) -> str:
        return f"{obj.name} ({obj.office.name})"


class DashboardForm(forms.Form):
    office = forms.ChoiceField(
        label=_("Office"),
        error_messages={"invalid_choice": _("Choose one of your offices in the list.")},
    )
    programme = ProgrammeField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("All clients"),
        error_messages={"invalid_choice": _("Choose one of the programmes in the list.")},
    )
    start = MonthField(label=_("From month"))
    end = MonthField(label=_("To month"))

    def __init__(self, *args: Any, offices: list[Office], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.offices = offices
        office = self.fields["office"]
        assert isinstance(office, forms.ChoiceField)
        office.choices = ([(ALL, _("All my offices"))] if len(offices) > 1 else []) + [
            (str(o.pk), o.name) for o in offices
        ]
        programme = self.fields["programme"]
        assert isinstance(programme, forms.ModelChoiceField)
        programme.queryset = Programme.objects.filter(office__in=offices).select_related("office")
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs["class"] = css
        today = timezone.localdate()
        self.initial.setdefault(
            "office", ALL if len(offices) > 1 else str(offices[0].pk) if offices else ""
        )
        self.initial.setdefault("end", today.replace(day=1))
        self.initial.setdefault(
            "start", (today.replace(day=1) - datetime.timedelta(days=330)).replace(day=1)
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            raise ValidationError(_("The period ends before it starts."))
        if start and start > timezone.localdate():
            self.add_error("start", _("The period cannot start in the future."))
        if start and start < EARLIEST:
            self.add_error("start", _("Choose a period from 1990 or later."))
        if start and end and (end.year - start.year) * 12 + end.month - start.month >= 60:
            raise ValidationError(_("Choose a period of at most five years."))
        return data

    def chosen_offices(self) -> list[Office]:
        chosen = self.cleaned_data["office"]
        return (
            list(self.offices)
            if chosen == ALL
            else [o for o in self.offices if str(o.pk) == chosen]
        )

    def period(self) -> tuple[datetime.date, datetime.date]:
        start: datetime.date = self.cleaned_data["start"]
        return start.replace(day=1), period_end(self.cleaned_data["end"])
