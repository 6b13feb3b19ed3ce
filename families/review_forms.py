"""The review form: the family's own rating, 0–10, for each life area of the plan."""

import datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clients.forms import DateInput
from codelists.models import Code

RATING_CHOICES = [("", "–"), *((str(v), str(v)) for v in range(11))]


class ReviewForm(forms.Form):
    reviewed_on = forms.DateField(label=_("Date of the review"), widget=DateInput())
    works = forms.CharField(
        label=_("What works"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    does_not_work = forms.CharField(
        label=_("What does not work"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = forms.CharField(
        label=_("Next steps"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_review_on = forms.DateField(label=_("Next review"), required=False, widget=DateInput())

    def __init__(self, *args: Any, areas: list[Code], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.areas = areas
        self.fields["reviewed_on"].initial = timezone.localdate()
        for area in areas:
            self.fields[f"rating_{area.code}"] = forms.TypedChoiceField(
                label=area.label,
                choices=RATING_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
            )

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[f"rating_{area.code}"] for area in self.areas]

    def clean_reviewed_on(self) -> datetime.date:
        date: datetime.date = self.cleaned_data["reviewed_on"]
        if date > timezone.localdate():
            raise ValidationError(_("A review cannot be dated in the future."))
        return date

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ratings = {
            area: data[f"rating_{area.code}"]
            for area in self.areas
            if data.get(f"rating_{area.code}") is not None
        }
        if not ratings:
            raise ValidationError(_("The family must rate at least one area."))
        data["ratings"] = ratings
        reviewed, next_on = data.get("reviewed_on"), data.get("next_review_on")
        if reviewed and next_on and next_on <= reviewed:
            self.add_error("next_review_on", _("The next review must be after this one."))
        return data
