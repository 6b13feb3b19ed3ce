"""The review forms: the family's own rating, 0–10, for each life area of the plan."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.corrections import ENTERED_IN_ERROR, CorrectionForm
from audit.forms import DateInput
from codelists.models import Code
from families.forms import model_rules
from families.models import Family, Review, ReviewRating
from families.reviews import plan_areas

RATING_CHOICES = [("", "–"), *((str(v), str(v)) for v in range(11))]
NOTHING_RATED = _("The family must rate at least one area.")


def rating_field(area: Code) -> forms.TypedChoiceField:
    """One area's rating: 0–10, or "–" for not rated."""
    return forms.TypedChoiceField(
        label=area.label, choices=RATING_CHOICES, coerce=int, empty_value=None, required=False
    )


class RatingFields:
    """The rating fields of a review form, one per life area, and the ratings they give."""

    fields: dict[str, forms.Field]
    areas: list[Code]

    if TYPE_CHECKING:

        def __getitem__(self, name: str) -> forms.BoundField: ...  # the form's own

    def _add_rating_fields(self, areas: list[Code]) -> None:
        self.areas = areas
        for area in areas:
            self.fields[f"rating_{area.code}"] = rating_field(area)

    def rating_fields(self) -> list[forms.BoundField]:
        return [self[f"rating_{area.code}"] for area in self.areas]

    def _ratings(self, data: dict[str, Any]) -> dict[Code, int | None]:
        return {area: data.get(f"rating_{area.code}") for area in self.areas}


class ReviewForm(RatingFields, forms.Form):
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
        # The review already made that day, if the date clashes (see Review.same_day).
        self.same_day: Review | None = None
        self.fields["reviewed_on"].initial = timezone.localdate()
        self._add_rating_fields(areas)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ratings = {a: v for a, v in self._ratings(data).items() if v is not None}
        if not ratings:
            raise ValidationError(NOTHING_RATED)
        data["ratings"] = ratings
        if "reviewed_on" in data:
            review = Review(
                family=self.family,
                reviewed_on=data["reviewed_on"],
                next_review_on=data.get("next_review_on"),
            )
            model_rules(self, review)  # Review.clean: the family's time, one per day
            self.same_day = review.same_day
        return data


class ReviewCorrectionForm(RatingFields, CorrectionForm):
    """Correct a review's date, text and each of its ratings with a reason, or mark it as
    entered in error. A rating set to "–" is marked as entered in error (it stays in the
    history); the date's rules are the model's (Review.clean, run by the ModelForm).
    """

    class Meta:
        model = Review
        fields = [*Review.correctable_fields, ENTERED_IN_ERROR]
        widgets = {"reviewed_on": DateInput(), "next_review_on": DateInput()}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Every row, those entered in error too: rating the area again puts its row back.
        rows = list(
            ReviewRating.all_objects.filter(review=self.instance).select_related("life_area")
        )
        in_force = {row.life_area_id: row.rating for row in rows if not row.entered_in_error}
        # The plan's areas, and any other the review rated (an area no longer in the plan).
        areas = {area.pk: area for area in plan_areas()}
        for row in rows:
            if row.life_area_id in in_force:
                areas.setdefault(row.life_area_id, row.life_area)
        self._add_rating_fields(sorted(areas.values(), key=lambda c: (c.sort_order, c.label)))
        # Also when bound: what differs from the ratings in force is what the correction
        # changes (CorrectionForm refuses a correction that changes nothing).
        for area in self.areas:
            if area.pk in in_force:
                self.initial[f"rating_{area.code}"] = str(in_force[area.pk])
        self.ratings: dict[Code, int | None] = {}

    def clean(self) -> dict[str, Any]:
        self.ratings = self._ratings(self.cleaned_data)
        data = super().clean()
        nothing_rated = all(v is None for v in self.ratings.values())
        # A rating refused already says what is wrong; don't add that nothing is rated.
        refused = any(name.startswith("rating_") for name in self.errors)
        if nothing_rated and not refused and not data.get(ENTERED_IN_ERROR):
            self.add_error(None, NOTHING_RATED)
        return data

    @property
    def same_day(self) -> Review | None:
        """The review in force on the chosen day, found by the model's clean()."""
        return self.instance.same_day  # type: ignore[no-any-return]
