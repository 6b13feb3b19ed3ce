"""A readable history of many records at once: who changed what, when, from what to what.

Rows are read per model in one query each and compared with the previous row
of the same object in memory, and every referenced object (codes, users,
offices) is looked up in one query per model, so the page cost does not grow
with the length of the history.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models

# Bookkeeping fields that say nothing to a reader of the history.
IGNORED = {"version", "updated_at", "created_at", "recorded_at"}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    when: datetime.datetime
    who: Any
    what: str
    object_id: int
    kind: str  # "+" created, "~" changed, "-" deleted
    changes: list[FieldChange] = field(default_factory=list)


def _tracked_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in IGNORED and not f.primary_key and not f.generated
    ]


def _referenced(rows: list[Any], fields: list[models.Field[Any, Any]]) -> dict[Any, dict[Any, str]]:
    """Labels of every object the rows point at, one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for f in fields:
        if f.is_relation and f.related_model is not None:
            for row in rows:
                value = getattr(row, f.attname)
                if value is not None:
                    wanted[f.related_model].add(value)
    return {
        related: {obj.pk: str(obj) for obj in related._default_manager.filter(pk__in=ids)}
        for related, ids in wanted.items()
    }


def _display(row: Any, f: models.Field[Any, Any], labels: dict[Any, dict[Any, str]]) -> str:
    value = getattr(row, f.attname)
    if value in (None, ""):
        return "–"
    if f.is_relation and f.related_model is not None:
        return labels.get(f.related_model, {}).get(value, str(value))
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def history_entries(
    histories: list[models.QuerySet[Any]], *, limit: int = 300
) -> list[HistoryEntry]:
    """Merge the history querysets of several models into one list, newest first."""
    entries: list[HistoryEntry] = []
    for history in histories:
        model = history.model.instance_type
        fields = _tracked_fields(model)
        rows = list(
            history.select_related("history_user").order_by("id", "history_date", "history_id")
        )
        labels = _referenced(rows, fields)
        previous: dict[int, Any] = {}
        what = str(model._meta.verbose_name).capitalize()
        for row in rows:
            before = previous.get(row.id)
            changes = [
                FieldChange(
                    field=str(f.verbose_name).capitalize(),
                    before=_display(before, f, labels) if before is not None else "–",
                    after=_display(row, f, labels),
                )
                for f in fields
                if before is None or getattr(before, f.attname) != getattr(row, f.attname)
            ]
            if row.history_type == "+":
                changes = [c for c in changes if c.after != "–"]
            entries.append(
                HistoryEntry(
                    when=row.history_date,
                    who=row.history_user,
                    what=what,
                    object_id=row.id,
                    kind=row.history_type,
                    changes=changes,
                )
            )
            previous[row.id] = row
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries[:limit]
