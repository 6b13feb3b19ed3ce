"""Figures of scopes slow to count: kept, served while fresh, and refreshed by a worker.

Counting the national dashboard reads a year of every office and takes seconds
however its SQL is written. Where counting a scope took at least
DASHBOARD_SNAPSHOT_AFTER_MS, its figures are kept (before suppression). A visit
within FRESH of the counting is served them; a later visit within KEEP is served
them too, and asks a worker to count again; after KEEP the scope is counted on
the visit. The page says when its figures were counted. Scopes quick to count are
counted on every visit and never kept: a snapshot earns its place only where
counting is slow.

Protecting and rendering hundreds of offices' tables takes seconds too, and from
the same figures gives the same page: the page rendered from kept figures is kept
beside them for each way of showing them (page_of), and goes when they are
counted again.
"""

import datetime
import hashlib
import operator
import time
from collections.abc import Callable, Sequence
from dataclasses import fields
from functools import reduce
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from core.db_router import reading_from_replica
from dashboards.figures import Figures, Scope, collect, period_end
from dashboards.models import FigurePage, FigureSnapshot
from organisation.models import Office

FRESH = datetime.timedelta(minutes=15)
KEEP = datetime.timedelta(hours=24)


class Counted:
    """A scope's figures, and the snapshot they were served from, if they were kept. Kept
    figures are read and decoded only when asked for: a kept page does not need them."""

    def __init__(
        self, figures: Figures | None = None, snapshot: FigureSnapshot | None = None
    ) -> None:
        self._figures = figures
        self.snapshot = snapshot

    @property
    def figures(self) -> Figures:
        if self._figures is None:
            assert self.snapshot is not None
            self._figures = decode(self.snapshot.figures)  # the deferred column, read now
        return self._figures

    @property
    def counted_at(self) -> datetime.datetime | None:
        return self.snapshot.counted_at if self.snapshot is not None else None


def figures_of(scope: Scope) -> Counted:
    """The scope's figures: kept ones where they are, else counted on this visit."""
    language = translation.get_language() or settings.LANGUAGE_CODE
    key = _key(scope, language)
    now = timezone.now()
    kept = FigureSnapshot.objects.filter(key=key, counted_at__gt=now - KEEP).defer("figures")
    snapshot = kept.first()
    if snapshot is not None:
        if now - snapshot.counted_at >= FRESH:
            _request_refresh(snapshot, now)
        return Counted(snapshot=snapshot)
    began = time.perf_counter()
    figures = collect(scope)
    seconds = time.perf_counter() - began
    if seconds * 1000 >= settings.DASHBOARD_SNAPSHOT_AFTER_MS:
        _keep(scope, key, language, figures, counted_at=now, seconds=seconds)
    return Counted(figures)


def page_of(counted: Sequence[Counted], variant: str, render: Callable[[], str]) -> str:
    """The page made by `render` from figures served from snapshots, rendered once per
    variant (what is shown of them, and how) and then read; figures counted on this visit
    are rendered every time."""
    kept = [c.snapshot for c in counted if c.snapshot is not None]
    if len(kept) < len(counted):
        return render()
    key = _digest(*(f"{s.pk}@{s.counted_at.isoformat()}" for s in kept), variant)
    html = FigurePage.objects.filter(key=key).values_list("html", flat=True).first()
    if html is not None:
        return html
    html = render()
    with transaction.atomic():
        # Kept only while its figures are still the snapshots' own: the rows are locked, so
        # a worker counting again waits for this page, then drops it with the rest; a page
        # of figures counted again (or dropped) meanwhile is shown, not kept.
        current = FigureSnapshot.objects.select_for_update().filter(
            reduce(operator.or_, (Q(pk=s.pk, counted_at=s.counted_at) for s in kept))
        )
        if len(current.values_list("pk", flat=True)) == len(kept):
            FigurePage.objects.bulk_create(
                [
                    FigurePage(
                        key=key,
                        snapshot=kept[0],
                        whole=kept[1] if len(kept) > 1 else None,
                        html=html,
                    )
                ],
                ignore_conflicts=True,  # rendered by another visit at the same moment
            )
    return html


def refresh(snapshot_id: int) -> None:
    """Count a snapshot's scope again (a worker's task; see dashboards.tasks)."""
    snapshot = FigureSnapshot.objects.select_related("programme").filter(pk=snapshot_id).first()
    if snapshot is None or snapshot.refresh_requested_at is None:
        return  # gone, or counted again since it was asked for
    offices = tuple(Office.objects.filter(pk__in=snapshot.office_ids).order_by("name"))
    if len(offices) != len(snapshot.office_ids):
        snapshot.delete()  # an office is gone: no one is shown this scope any more
        return
    scope = Scope(
        offices=offices,
        start=snapshot.start,
        end=period_end(snapshot.end_month),
        programme=snapshot.programme,
    )
    now = timezone.now()
    began = time.perf_counter()
    with translation.override(snapshot.language), reading_from_replica():
        figures = collect(scope)
    seconds = time.perf_counter() - began
    if seconds * 1000 < settings.DASHBOARD_SNAPSHOT_AFTER_MS:
        snapshot.delete()  # quick to count now: counted on every visit again
    else:
        # Not over figures counted later than these (by a visit after KEEP). The update
        # waits for a page being kept from the old figures (page_of), which then goes
        # below with the rest: their key holds when the figures were counted, so they
        # would never be looked up again.
        with transaction.atomic():
            FigureSnapshot.objects.filter(pk=snapshot.pk, counted_at__lt=now).update(
                figures=encode(figures),
                counted_at=now,
                seconds=seconds,
                refresh_requested_at=None,
            )
            FigurePage.objects.filter(Q(snapshot=snapshot) | Q(whole=snapshot)).delete()
    _prune(now)


def _key(scope: Scope, language: str) -> str:
    """The scope as a key: the same offices, months, programme and language, the same key.
    The names of the figures are part of it, so that figures kept by an older version of
    HUSK, which would not decode, are never looked up."""
    return _digest(
        ",".join(f.name for f in fields(Figures)),
        ",".join(str(pk) for pk in sorted(scope.office_ids)),
        scope.start.isoformat(),
        scope.end.replace(day=1).isoformat(),
        str(scope.programme.pk if scope.programme else ""),
        language,
    )


def _digest(*parts: str) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _keep(
    scope: Scope,
    key: str,
    language: str,
    figures: Figures,
    *,
    counted_at: datetime.datetime,
    seconds: float,
) -> None:
    # An upsert: two visits counting the same scope at once both keep theirs, neither fails.
    FigureSnapshot.objects.bulk_create(
        [
            FigureSnapshot(
                key=key,
                office_ids=sorted(scope.office_ids),
                start=scope.start,
                end_month=scope.end.replace(day=1),
                programme=scope.programme,
                language=language,
                figures=encode(figures),
                counted_at=counted_at,
                seconds=seconds,
            )
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["figures", "counted_at", "seconds", "refresh_requested_at"],
    )
    # Pages of the figures kept before: never looked up again (see refresh).
    FigurePage.objects.filter(Q(snapshot__key=key) | Q(whole__key=key)).delete()
    _prune(counted_at)


def _request_refresh(snapshot: FigureSnapshot, now: datetime.datetime) -> None:
    """Ask a worker to count the scope again, once: a request already made is not made again
    until FRESH has passed (its worker may have died)."""
    from dashboards.tasks import refresh_snapshot

    claimed = (
        # Not for figures counted again since they were read (a lagging replica, a race).
        FigureSnapshot.objects.filter(pk=snapshot.pk, counted_at=snapshot.counted_at)
        .filter(Q(refresh_requested_at__isnull=True) | Q(refresh_requested_at__lt=now - FRESH))
        .update(refresh_requested_at=now)
    )
    if claimed:
        transaction.on_commit(lambda: refresh_snapshot.enqueue(snapshot.pk))


def _prune(now: datetime.datetime) -> None:
    """Snapshots past KEEP are never served again (each chosen period leaves one)."""
    FigureSnapshot.objects.filter(counted_at__lt=now - KEEP).delete()


def encode(figures: Figures) -> dict[str, Any]:
    """Figures as JSON, keeping what JSON would lose: dates, and keys that are not text."""
    return {f.name: _encode(getattr(figures, f.name)) for f in fields(Figures)}


def decode(data: dict[str, Any]) -> Figures:
    decoded = {name: _decode(value) for name, value in data.items()}
    decoded["life_areas"] = [tuple(area) for area in decoded["life_areas"]]
    if decoded["intervention_outcomes"] is not None:
        decoded["intervention_outcomes"] = tuple(decoded["intervention_outcomes"])
    return Figures(**decoded)


def _encode(value: Any) -> Any:
    if isinstance(value, dict):
        return {"items": [[_encode(k), _encode(v)] for k, v in value.items()]}
    if isinstance(value, datetime.date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a dashboard figure of type {type(value).__name__} cannot be kept")


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "date" in value:
            return datetime.date.fromisoformat(value["date"])
        return {_decode(k): _decode(v) for k, v in value["items"]}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
