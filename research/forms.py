"""Forms of research: requesting an export, consent, and drawing a sample."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput
from codelists.models import Code, CodeList
from followup.models import Programme
from organisation.models import Office
from research.models import Format, ResearchProject, Table


class ExportRequestForm(forms.Form):
    tables = forms.MultipleChoiceField(
        label=_("Tables"), widget=forms.CheckboxSelectMultiple, choices=Table.choices
    )
    formats = forms.MultipleChoiceField(
        label=_("Formats"),
        widget=forms.CheckboxSelectMultiple,
        choices=Format.choices,
        initial=[Format.CSV],
    )

    def __init__(self, *args: Any, project: ResearchProject, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = set(project.tables)
        field = self.fields["tables"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(value, label) for value, label in Table.choices if value in allowed]
        self.initial.setdefault("tables", [value for value, _label in field.choices])


class ConsentForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("Research project"), queryset=ResearchProject.objects.none()
    )
    given_on = forms.DateField(label=_("Consent given"), widget=DateInput())

    def __init__(self, *args: Any, projects: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["project"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = projects
        self.initial.setdefault("given_on", timezone.localdate())

    def clean_given_on(self) -> datetime.date:
        given: datetime.date = self.cleaned_data["given_on"]
        if given > timezone.localdate():
            raise ValidationError(_("Consent cannot be given in the future."))
        return given


class WithdrawForm(forms.Form):
    withdrawn_on = forms.DateField(label=_("Consent withdrawn"), widget=DateInput())

    def clean_withdrawn_on(self) -> datetime.date:
        withdrawn: datetime.date = self.cleaned_data["withdrawn_on"]
        if withdrawn > timezone.localdate():
            raise ValidationError(_("A withdrawal cannot be dated in the future."))
        return withdrawn


def whole_number(
    label: Any, low: int, high: int, message: Any, **kwargs: Any
) -> forms.IntegerField:
    """A whole number from `low` to `high`: anything else, a number or not, gets `message`,
    which says the range (Django's own messages name only the one bound crossed)."""
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        error_messages=dict.fromkeys(("invalid", "min_value", "max_value"), message),
        **kwargs,
    )


# As kept with the sample (a bigint): a larger seed could never be recorded.
MAX_SEED = 2**63 - 1


class SampleForm(forms.Form):
    size = whole_number(
        _("How many clients"),
        1,
        100_000,
        _("Give the number of clients as a whole number from 1 to 100 000."),
    )
    start = forms.DateField(label=_("With a case episode from"), widget=DateInput())
    end = forms.DateField(label=_("to"), widget=DateInput())
    benefit = forms.ModelChoiceField(
        label=_("Receiving the benefit"),
        queryset=Code.objects.none(),
        required=False,
        to_field_name="code",
    )
    programme = forms.ModelChoiceField(
        label=_("Enrolled in the programme or study"),
        queryset=Programme.objects.none(),
        required=False,
    )
    refugee_background = forms.TypedChoiceField(
        label=_("Refugee background"),
        choices=[("", _("Any")), ("1", _("Yes")), ("0", _("No"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    seed = whole_number(
        _("Random seed"),
        0,
        MAX_SEED,
        format_lazy(
            _("Give the seed as a whole number from 0 to {}, or leave it empty."),
            f"{MAX_SEED:,}".replace(",", " "),
        ),
        required=False,
        help_text=_(
            "Empty: a new random seed. The same seed on the same data draws the same clients."
        ),
    )

    def __init__(
        self, *args: Any, project: ResearchProject, offices: list[Office], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        benefit = self.fields["benefit"]
        programme = self.fields["programme"]
        assert isinstance(benefit, forms.ModelChoiceField)
        assert isinstance(programme, forms.ModelChoiceField)
        benefit.queryset = Code.objects.offered(CodeList.BENEFIT_KIND)
        programme.queryset = Programme.objects.filter(office__in=offices).order_by("name")
        self.initial.setdefault("start", project.period_start)
        self.initial.setdefault("end", min(project.period_end, timezone.localdate()))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The period ends before it starts."))
        return data

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "start": data["start"].isoformat(),
            "end": data["end"].isoformat(),
            "benefit": data["benefit"].code if data.get("benefit") else None,
            "programme": data["programme"].pk if data.get("programme") else None,
            "refugee_background": data.get("refugee_background"),
        }


class ExportLogForm(forms.Form):
    """The export log's filter and page, as the query string gives them."""

    project = forms.ModelChoiceField(
        label=_("Research project"),
        queryset=ResearchProject.objects.order_by("title"),
        required=False,
        empty_label=_("All"),
        error_messages={"invalid_choice": _("Choose one of the research projects in the list.")},
    )
    page = whole_number(
        _("Page"),
        1,
        1_000_000,
        _("Give the page as a whole number from 1 to 1 000 000."),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].widget.attrs["class"] = "form-select"
