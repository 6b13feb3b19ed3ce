"""Reviews with the family's own quality-of-life ratings, and the chart of them over time."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from audit.corrections import record_correct
from codelists.models import Code, CodeList
from families.models import Family, Review, ReviewRating
from organisation.models import User

# Okabe–Ito: told apart with every common colour-vision deficiency.
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999933"]
# Margins leave room for the first and last date labels, which are centred on their points.
WIDTH, HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 640, 260, 40, 40, 12, 30


def plan_areas() -> list[Code]:
    """The life areas the family rates: those of the family plan."""
    return list(Code.objects.offered(CodeList.LIFE_AREA).filter(extra__family_plan=True))


@transaction.atomic
def review_record(
    *,
    family: Family,
    by: User,
    reviewed_on: datetime.date,
    ratings: dict[Code, int],
    works: str = "",
    does_not_work: str = "",
    next_steps: str = "",
    next_review_on: datetime.date | None = None,
) -> Review:
    review = Review(
        family=family,
        by=by,
        reviewed_on=reviewed_on,
        works=works,
        does_not_work=does_not_work,
        next_steps=next_steps,
        next_review_on=next_review_on,
    )
    review.full_clean()  # Review.clean: within the family's time, one per family and day
    review.save()
    for area, rating in ratings.items():
        ReviewRating.objects.create(review=review, life_area=area, rating=rating)
    return review


@transaction.atomic
def review_correct(
    *,
    review: Review,
    ratings: dict[Code, int | None],
    reason: str,
    expected_version: int | None,
) -> Review:
    """Save a corrected review and its ratings, each history row with the reason.

    The review is saved only if nobody saved it since the form was opened (its version,
    raised by every correction, ratings included: audit.versioning.EditConflictError).
    A rating taken back (None) is marked as entered in error, never deleted; an area
    rated again is put back in force. The ratings of a review that is itself entered in
    error are left as they were: they drop out with it.
    """
    saved = record_correct(record=review, reason=reason, expected_version=expected_version)
    if saved.entered_in_error:
        return saved
    rows: dict[int, ReviewRating] = {
        row.life_area_id: row for row in ReviewRating.all_objects.filter(review=saved)
    }
    for area, value in ratings.items():
        row = rows.get(area.pk)
        if value is None:
            if row is None or row.entered_in_error:
                continue
            row.entered_in_error = True
        else:
            if row is None:
                row = ReviewRating(review=saved, life_area=area)
            elif (row.rating, row.entered_in_error) == (value, False):
                continue  # unchanged: no history row
            row.rating, row.entered_in_error = value, False
        row.clean()  # 0–10, as a new rating
        row._change_reason = reason  # type: ignore[attr-defined]  # read by simple-history
        row.save()
    return saved


@dataclass
class Series:
    area: Code
    colour: str
    values: list[int | None]
    points: list[tuple[float, float, int]] = field(default_factory=list)
    polyline: str = ""
    change: int | None = None  # latest minus first rating


def ratings_chart(reviews: list[Review]) -> dict[str, Any]:
    """Everything the template needs to draw the chart and its table."""
    areas: dict[int, Code] = {}
    for review in reviews:
        for rating in review.ratings.all():
            areas.setdefault(rating.life_area_id, rating.life_area)
    ordered = sorted(areas.values(), key=lambda code: (code.sort_order, code.label))
    span = max(len(reviews) - 1, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(index: int) -> float:
        return LEFT + plot_w * index / span if len(reviews) > 1 else LEFT + plot_w / 2

    def y(value: int) -> float:
        return TOP + plot_h * (10 - value) / 10

    series = []
    for number, area in enumerate(ordered):
        by_review = [
            next((r.rating for r in review.ratings.all() if r.life_area_id == area.pk), None)
            for review in reviews
        ]
        line = Series(area=area, colour=PALETTE[number % len(PALETTE)], values=by_review)
        line.points = [(x(i), y(v), v) for i, v in enumerate(by_review) if v is not None]
        line.polyline = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in line.points)
        rated = [v for v in by_review if v is not None]
        line.change = rated[-1] - rated[0] if len(rated) > 1 else None
        series.append(line)
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "series": series,
        "x_labels": [(x(i), review.reviewed_on) for i, review in enumerate(reviews)],
        "y_ticks": [(y(v), v) for v in (0, 2, 4, 6, 8, 10)],
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "bottom": HEIGHT - BOTTOM,
    }
