"""Assessments (kartlegging): recording one, and how it changed since the previous one."""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import models, transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from audit import bulk
from audit.corrections import record_correct
from clients.models import Assessment, AssessmentItem, Client
from codelists.models import Code
from organisation.models import User

# The code of "not assessed" in both the status and the need list.
UNKNOWN = "unknown"


class Change(models.TextChoices):
    """How the situation of one life area moved from one assessment to the next."""

    IMPROVED = "improved", _("Improved")
    WORSENED = "worsened", _("Worsened")
    UNCHANGED = "unchanged", _("Unchanged")
    NOT_COMPARABLE = "not_comparable", _("Not comparable")


@dataclass(frozen=True)
class Rating:
    """What an assessment says about one life area, before it is saved."""

    life_area: Code
    status: Code
    need: Code


@dataclass(frozen=True)
class AreaChange:
    """One life area of an assessment next to the same area in the previous one."""

    life_area: Code
    previous: AssessmentItem | None
    current: AssessmentItem | None
    change: Change


def compare_status(previous: str | None, current: str | None) -> Change:
    """Compare two status codes: "1" (no difficulties) is better than "4" (major ones).

    A side that is missing, "unknown" or not a number cannot be compared.
    """
    if previous is None or current is None or not (previous.isdigit() and current.isdigit()):
        return Change.NOT_COMPARABLE
    before, after = int(previous), int(current)
    if after < before:
        return Change.IMPROVED
    if after > before:
        return Change.WORSENED
    return Change.UNCHANGED


def assessment_changes(
    current: Iterable[AssessmentItem], previous: Iterable[AssessmentItem] | None
) -> list[AreaChange]:
    """Per life area, the previous and the current item and the change between them.

    Pure: works on items already loaded with their codes. Areas assessed only
    the previous time are kept (as not comparable) so that nothing silently
    drops out of the picture. Rows come in code-list order.
    """
    now = {item.life_area_id: item for item in current}
    before = {item.life_area_id: item for item in previous or ()}
    areas = {item.life_area_id: item.life_area for item in [*before.values(), *now.values()]}
    rows = []
    for area_id, area in areas.items():
        old, new = before.get(area_id), now.get(area_id)
        change = compare_status(
            old.status.code if old is not None else None,
            new.status.code if new is not None else None,
        )
        rows.append(AreaChange(life_area=area, previous=old, current=new, change=change))
    return sorted(rows, key=lambda row: (row.life_area.sort_order, row.life_area.label_nb))


def with_items(assessments: QuerySet[Assessment]) -> QuerySet[Assessment]:
    """Assessments with their items and the items' codes, in one query each."""
    return assessments.prefetch_related(
        Prefetch(
            "items", queryset=AssessmentItem.objects.select_related("life_area", "status", "need")
        )
    )


def assessment_latest(*, client: Client) -> Assessment | None:
    """The client's most recent assessment, with its items."""
    return with_items(Assessment.objects.filter(client=client)).first()


def assessment_previous(*, assessment: Assessment) -> Assessment | None:
    """The client's assessment just before this one, with its items.

    Two assessments of the same day are ordered as everywhere else (by id),
    so that a same-day reassessment is compared with the first one.
    """
    earlier = Assessment.objects.filter(client_id=assessment.client_id).filter(
        Q(assessed_on__lt=assessment.assessed_on)
        | Q(assessed_on=assessment.assessed_on, pk__lt=assessment.pk)
    )
    return with_items(earlier.select_related("assessed_by")).first()


@transaction.atomic
def assessment_record(
    *, client: Client, by: User, assessed_on: datetime.date, items: Sequence[Rating]
) -> Assessment:
    """Save an assessment and its life areas together, or nothing at all."""
    if not items:
        raise ValueError("An assessment needs at least one assessed life area.")
    # Serialise per client, so that two saves of one day cannot both pass the check below.
    Client.objects.select_for_update().filter(pk=client.pk).values_list("pk").get()
    assessment = Assessment(client=client, assessed_on=assessed_on, assessed_by=by)
    assessment.clean()  # the form ran it already; here for every other caller
    assessment.save()
    # In one insert (and one of history) rather than three queries per life area: the
    # save above was checked against a merge (clients.readonly), and the client row is
    # locked, so its items need no check of their own.
    bulk.bulk_create(
        AssessmentItem,
        (
            AssessmentItem(
                assessment=assessment,
                life_area=rating.life_area,
                status=rating.status,
                need=rating.need,
            )
            for rating in items
        ),
        actor=by,
    )
    return assessment


@transaction.atomic
def assessment_correct(
    *, assessment: Assessment, ratings: Sequence[Rating], reason: str
) -> Assessment:
    """Save a corrected assessment and its life areas, each history row with the reason.

    An area no longer assessed is marked as entered in error, never deleted; one
    assessed again is put back in force. Items of an assessment that is itself
    entered in error are left as they were: they drop out with it.
    """
    saved = record_correct(record=assessment, reason=reason, expected_version=None)
    if saved.entered_in_error:
        return saved
    items = {
        item.life_area_id: item for item in AssessmentItem.all_objects.filter(assessment=saved)
    }
    wanted = {rating.life_area.pk: rating for rating in ratings}
    for area_id in items.keys() | wanted.keys():
        item: AssessmentItem | None = items.get(area_id)
        rating = wanted.get(area_id)
        if rating is None:
            if item is None or item.entered_in_error:
                continue
            item.entered_in_error = True
        else:
            if item is None:
                item = AssessmentItem(assessment=saved, life_area=rating.life_area)
            elif (item.status_id, item.need_id, item.entered_in_error) == (
                rating.status.pk,
                rating.need.pk,
                False,
            ):
                continue  # unchanged: no history row
            item.status, item.need, item.entered_in_error = rating.status, rating.need, False
        item._change_reason = reason  # type: ignore[attr-defined]  # read by simple-history
        item.save()
    return saved
