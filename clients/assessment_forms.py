"""The assessment form: one row per life area, each with a situation and a need for help."""

import datetime
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.corrections import ENTERED_IN_ERROR, CorrectionForm
from audit.forms import DateInput
from clients.assessments import UNKNOWN, Rating
from clients.forms import code_choices
from clients.models import Assessment, AssessmentItem, Client
from codelists.models import Code, CodeList


class CodeChoiceField(forms.ChoiceField):
    """A select over codes loaded once, so a page of many selects costs no query per select.

    The submitted value is the code (e.g. "3"); the cleaned value is the Code, or None.
    """

    def __init__(self, codes: list[Code], **kwargs: Any) -> None:
        self.codes = {code.code: code for code in codes}
        choices = [("", "–"), *((code.code, code.label) for code in codes)]
        widget = forms.Select(attrs={"class": "form-select form-select-sm"})
        super().__init__(choices=choices, required=False, widget=widget, **kwargs)

    def clean(self, value: Any) -> Code | None:
        chosen = super().clean(value)
        return self.codes[chosen] if chosen else None


@dataclass(frozen=True)
class AreaRow:
    """The two selects of one life area, for the template."""

    life_area: Code
    status: forms.BoundField
    need: forms.BoundField


def _offered_and_used(code_list: CodeList, used: set[int]) -> list[Code]:
    """Active codes in list order, plus retired ones the previous assessment used."""
    return list(code_choices(code_list) | Code.objects.of(code_list).filter(pk__in=used))


def _is_blank(code: Code | None) -> bool:
    return code is None or code.code == UNKNOWN


class LifeAreaRatings:
    """The two selects per life area of an assessment form, and the ratings they give."""

    fields: dict[str, forms.Field]
    initial: MutableMapping[str, Any]
    errors: Any

    if TYPE_CHECKING:

        def __getitem__(self, name: str) -> forms.BoundField: ...  # the form's own

    def _add_area_fields(self, before: list[AssessmentItem]) -> None:
        """Selects of every offered life area, starting from the items ``before``."""
        self.life_areas = list(Code.objects.offered(CodeList.LIFE_AREA))
        statuses = _offered_and_used(CodeList.ASSESSMENT_STATUS, {i.status_id for i in before})
        needs = _offered_and_used(CodeList.NEED_LEVEL, {i.need_id for i in before})
        for area in self.life_areas:
            self.fields[f"status_{area.code}"] = CodeChoiceField(
                statuses, label=_("Situation: %(area)s") % {"area": area.label}
            )
            self.fields[f"need_{area.code}"] = CodeChoiceField(
                needs, label=_("Need for help: %(area)s") % {"area": area.label}
            )
        self._unknown = {
            CodeList.ASSESSMENT_STATUS: next((c for c in statuses if c.code == UNKNOWN), None),
            CodeList.NEED_LEVEL: next((c for c in needs if c.code == UNKNOWN), None),
        }

    def _start_from(self, before: list[AssessmentItem]) -> None:
        for item in before:
            self.initial[f"status_{item.life_area.code}"] = item.status.code
            self.initial[f"need_{item.life_area.code}"] = item.need.code

    def rows(self) -> list[AreaRow]:
        return [
            AreaRow(area, self[f"status_{area.code}"], self[f"need_{area.code}"])
            for area in self.life_areas
        ]

    def _unknown_code(self, code_list: CodeList) -> Code:
        found = self._unknown[code_list]
        return found if found is not None else Code.objects.get(list_name=code_list, code=UNKNOWN)

    def _ratings(self, data: dict[str, Any]) -> list[Rating]:
        """The assessed areas; an area with neither a situation nor a need is not assessed."""
        ratings = []
        for area in self.life_areas:
            status: Code | None = data.get(f"status_{area.code}")
            need: Code | None = data.get(f"need_{area.code}")
            if _is_blank(status) and _is_blank(need):
                continue  # not assessed this time: no row is saved
            ratings.append(
                Rating(
                    life_area=area,
                    status=status or self._unknown_code(CodeList.ASSESSMENT_STATUS),
                    need=need or self._unknown_code(CodeList.NEED_LEVEL),
                )
            )
        return ratings

    def _nothing_assessed(self) -> ValidationError:
        return ValidationError(
            _("Assess at least one life area: choose its situation or its need for help."),
            code="empty",
        )

    def _row_errors(self) -> bool:
        # A row with a refused value already says what is wrong; don't add that nothing is.
        return any(name.startswith(("status_", "need_")) for name in self.errors)


class AssessmentForm(LifeAreaRatings, forms.Form):
    assessed_on = forms.DateField(label=_("Date of the assessment"), widget=DateInput())

    def __init__(
        self, *args: Any, client: Client, latest: Assessment | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.client = client
        self.ratings: list[Rating] = []
        # A reassessment starts from the latest one, so only what changed needs touching.
        before = list(latest.items.all()) if latest is not None else []
        self._add_area_fields(before)
        today = timezone.localdate()
        # The browser's date picker offers only dates the form accepts.
        self.fields["assessed_on"].widget.attrs.update(
            {"min": client.birth_date.isoformat(), "max": today.isoformat()}
        )
        if not self.is_bound:
            self.initial.setdefault("assessed_on", today)
            self._start_from(before)

    def clean_assessed_on(self) -> datetime.date:
        """The model's rules (Assessment.clean): not ahead, not before birth, one per day."""
        date: datetime.date = self.cleaned_data["assessed_on"]
        try:
            Assessment(client=self.client, assessed_on=date).clean()
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("assessed_on", error.messages)) from None
        return date

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.ratings = self._ratings(data)
        if not self.ratings and not self._row_errors():
            raise self._nothing_assessed()
        return data


class AssessmentCorrectionForm(LifeAreaRatings, CorrectionForm):
    """Correct an assessment's date and life areas with a reason, or mark it as entered in error.

    The date's rules are the model's (Assessment.clean, run by the ModelForm).
    """

    class Meta:
        model = Assessment
        fields = [*Assessment.correctable_fields, ENTERED_IN_ERROR]
        widgets = {"assessed_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ratings: list[Rating] = []
        before = list(self.instance.items.all())
        self._add_area_fields(before)
        # Also when bound: what differs from the current items is what the correction changes.
        self._start_from(before)

    def clean(self) -> dict[str, Any]:
        self.ratings = self._ratings(self.cleaned_data)
        data = super().clean()
        if not data.get(ENTERED_IN_ERROR) and not self.ratings and not self._row_errors():
            self.add_error(None, self._nothing_assessed())
        return data
