"""The review form: the family's own rating, 0–10, for each life area of the plan."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.forms import DateInput
from codelists.models import Code
from families.forms import model_rules
from families.models import Family, Review

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

    def __init__(self, *args: Any, family: Family, areas: list[Code], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.family = family
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
        if "reviewed_on" in data:
            review = Review(
                family=self.family,
                reviewed_on=data["reviewed_on"],
                next_review_on=data.get("next_review_on"),
            )
            model_rules(self, review)  # Review.clean: the family's time, one per day
        return data
