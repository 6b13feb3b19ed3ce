"""A readable history of many records at once: who changed what, when, from what to what, and why.

Rows are read per model in one query each and compared with the previous row
of the same object in memory, and every referenced object (codes, users,
offices) is looked up in one query per model, so the page cost does not grow
with the length of the history.

Everything is shown as a reader of the page says it: field names in the page's
language, people by name, dates as dd.mm.åååå, yes/no in words.
"""

import datetime
import decimal
import functools
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format, localize, time_format
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

# Bookkeeping fields that say nothing to a reader of the history.
IGNORED = {"version", "updated_at", "created_at", "recorded_at"}
# audit.corrections.Correctable's mark, shown as an event of its own rather than as "yes/no".
ENTERED_IN_ERROR = "entered_in_error"
# An ISO date inside a label, e.g. a __str__ written as f"{family}: {reviewed_on}".
ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


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
    # Why, as the user wrote it (simple-history's history_change_reason), e.g. a correction's.
    reason: str = ""
    # True: marked as entered in error here; False: the mark was taken off; None: neither.
    entered_in_error: bool | None = None
    # The record's correction page, where it can be seen, corrected, or put back after
    # being marked as entered in error (it is on no other page then).
    record_url: str = ""


@functools.cache
def correction_pages() -> dict[type[models.Model], str]:
    """The URL name of each model's correction page: views mark it with ``corrects``."""
    found: dict[type[models.Model], str] = {}

    def walk(patterns: list[Any], namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                model = getattr(entry.callback, "corrects", None)
                if model is not None:
                    found[model] = f"{namespace}{entry.name}"

    walk(get_resolver().url_patterns, "")
    return found


def _tracked_fields(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [
        f
        for f in model._meta.concrete_fields
        if f.name not in IGNORED and not f.primary_key and not f.generated
    ]


def field_label(f: models.Field[Any, Any]) -> str:
    """The field's name as the page's language says it."""
    name: Any = f.verbose_name
    if not isinstance(name, Promise):
        # Never marked for translation (Django made it from the attribute's name): a
        # foreign key is named by the model it points at, whose name is translated;
        # another field by the same words, if the catalogue has them.
        if f.is_relation and f.related_model is not None:
            name = f.related_model._meta.verbose_name
        else:
            name = gettext(str(name))
    return capfirst(str(name))


def readable_dates(text: str) -> str:
    """ISO dates written into a text (by a __str__, a JSON value) as dd.mm.åååå."""
    return ISO_DATE.sub(lambda m: f"{m[3]}.{m[2]}.{m[1]}", text)


def _named(related: type[models.Model], ids: set[Any]) -> dict[Any, str]:
    """The labels of some objects of one model, in the model's own order."""
    # The base manager: a record marked as entered in error is still named by what it was.
    found = related._base_manager.filter(pk__in=ids)
    # What a record's name is made of beyond its own row (a family member's client).
    joined = getattr(related, "history_names_select_related", ())
    if joined:
        found = found.select_related(*joined)
    ordering = related._meta.ordering or ["pk"]
    return {obj.pk: readable_dates(str(obj)) for obj in found.order_by(*ordering, "pk")}


def _referenced(
    rows: list[Any],
    fields: list[models.Field[Any, Any]],
    links: dict[str, dict[int, set[Any]]],
    m2m: list[models.ManyToManyField[Any, Any]],
) -> dict[Any, dict[Any, str]]:
    """Labels of every object the rows point at or link to, one query per related model."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for f in fields:
        if f.is_relation and f.related_model is not None:
            for row in rows:
                value = getattr(row, f.attname)
                if value is not None:
                    wanted[f.related_model].add(value)
    for f in m2m:
        for linked in links[f.name].values():
            wanted[f.related_model].update(linked)
    return {related: _named(related, ids) for related, ids in wanted.items()}


def _links(
    history: models.QuerySet[Any], rows: list[Any]
) -> tuple[list[models.ManyToManyField[Any, Any]], dict[str, dict[int, set[Any]]]]:
    """The tracked many-to-many fields, and what each history row linked to in each.

    simple-history keeps, under each history row, a copy of the record's links as they
    were then: one query per field for all the rows."""
    m2m = list(getattr(history.model, "_history_m2m_fields", []))
    ids = [row.history_id for row in rows]
    links: dict[str, dict[int, set[Any]]] = {}
    for f in m2m:
        snapshots = getattr(history.model, f.name).model
        target = snapshots._meta.get_field(f.m2m_reverse_field_name()).attname
        linked: dict[int, set[Any]] = defaultdict(set)
        if ids:
            for history_id, value in snapshots.objects.filter(history_id__in=ids).values_list(
                "history_id", target
            ):
                linked[history_id].add(value)
        links[f.name] = linked
    return m2m, links


def _linked_names(names: dict[Any, str], ids: set[Any]) -> str:
    """Linked objects by name, in their model's order (codes as their list sorts them)."""
    return ", ".join(label for pk, label in names.items() if pk in ids) or "–"


def _shorten(text: str, length: int = 60) -> str:
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


def record_label(
    history_model: type[models.Model],
    row: Any,
    fields: list[models.Field[Any, Any]],
    labels: dict[Any, dict[Any, str]],
) -> str:
    """How history names one record: its model's ``tracked_history(label=…)`` filled in
    with the row's fields as history shows them, else the model's name."""
    label = getattr(history_model, "history_label", None)
    if label is None:
        return capfirst(str(history_model.instance_type._meta.verbose_name))  # type: ignore[attr-defined]
    shown = {f.name: _shorten(_display(row, f, labels)) for f in fields}
    return capfirst(readable_dates(str(label) % shown))


def plain_value(value: Any) -> str:
    """A value as a reader says it, whatever type it is stored as (JSON, text, date)."""
    if value is None or value == "" or value == [] or value == {}:
        return "–"
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, datetime.time):
        return time_format(value, "TIME_FORMAT")
    if isinstance(value, (decimal.Decimal, float)):
        return str(localize(value))
    if isinstance(value, dict):
        return "; ".join(f"{key}: {plain_value(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(plain_value(item) for item in value)
    if isinstance(value, str):
        # A date or a moment kept as text (JSON has no date type).
        try:
            # A bare date is a day, not midnight (fromisoformat would take it as a moment).
            when = parse_datetime(value) if len(value) > 10 else parse_date(value)
        except ValueError:  # shaped like a date, but not one (2026-13-45)
            when = None
        if when is not None:
            return plain_value(when)
    return str(value)


def _display(row: Any, f: models.Field[Any, Any], labels: dict[Any, dict[Any, str]]) -> str:
    value = getattr(row, f.attname)
    if value is None or value == "":
        return "–"
    if f.is_relation and f.related_model is not None:
        return labels.get(f.related_model, {}).get(value, str(value))
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    return plain_value(value)


def _changes(
    before: Any,
    row: Any,
    kind: str,
    *,
    shown: list[models.Field[Any, Any]],
    names: dict[str, str],
    m2m: list[models.ManyToManyField[Any, Any]],
    m2m_names: dict[str, str],
    links: dict[str, dict[int, set[Any]]],
    labels: dict[Any, dict[Any, str]],
) -> list[FieldChange]:
    """What changed from history row ``before`` (None: nothing yet) to ``row``."""
    changes = [
        FieldChange(
            field=names[f.name],
            before=_display(before, f, labels) if before is not None else "–",
            after=_display(row, f, labels),
        )
        for f in shown
        if before is None or getattr(before, f.attname) != getattr(row, f.attname)
    ]
    for f in m2m:
        was = links[f.name].get(before.history_id, set()) if before is not None else set()
        now = links[f.name].get(row.history_id, set())
        if was != now:
            related = labels.get(f.related_model, {})
            changes.append(
                FieldChange(
                    field=m2m_names[f.name],
                    before=_linked_names(related, was),
                    after=_linked_names(related, now),
                )
            )
    if kind == "+":
        changes = [c for c in changes if c.after != "–"]
    return changes


def history_entries(
    histories: list[models.QuerySet[Any]], *, limit: int = 300
) -> list[HistoryEntry]:
    """Merge the history querysets of several models into one list, newest first."""
    # Each entry with its model's correction page (URL name), linked once the list is cut.
    entries: list[tuple[HistoryEntry, str | None]] = []
    for history in histories:
        model = history.model.instance_type
        fields = _tracked_fields(model)
        shown = [f for f in fields if f.name != ENTERED_IN_ERROR]
        names = {f.name: field_label(f) for f in shown}
        marks = any(f.name == ENTERED_IN_ERROR for f in fields)
        rows = list(
            history.select_related("history_user").order_by("id", "history_date", "history_id")
        )
        m2m, links = _links(history, rows)
        labels = _referenced(rows, shown, links, m2m)
        m2m_names = {f.name: field_label(f) for f in m2m}
        previous: dict[int, Any] = {}
        page = correction_pages().get(model)
        for row in rows:
            before = previous.get(row.id)
            changes = _changes(
                before,
                row,
                row.history_type,
                shown=shown,
                names=names,
                m2m=m2m,
                m2m_names=m2m_names,
                links=links,
                labels=labels,
            )
            marked: bool | None = None
            if marks:
                now = bool(getattr(row, ENTERED_IN_ERROR))
                was = bool(getattr(before, ENTERED_IN_ERROR)) if before is not None else False
                marked = now if now != was else None
            reason = (getattr(row, "history_change_reason", None) or "").strip()
            previous[row.id] = row
            if row.history_type == "~" and not changes and marked is None and not reason:
                # A save that changed only bookkeeping (a version, a timestamp) says nothing.
                continue
            entry = HistoryEntry(
                when=row.history_date,
                who=row.history_user,
                what=record_label(history.model, row, fields, labels),
                object_id=row.id,
                kind=row.history_type,
                changes=changes,
                reason=reason,
                entered_in_error=marked,
            )
            entries.append((entry, page))
    entries.sort(key=lambda pair: pair[0].when, reverse=True)
    kept = entries[:limit]
    _link_records(kept)
    return [entry for entry, _ in kept]


def _link_records(entries: list[tuple[HistoryEntry, str | None]]) -> None:
    """Each shown entry's link to its record: reversed once per record, not per row."""
    urls: dict[tuple[str, int], str] = {}
    for entry, page in entries:
        if page is None or entry.kind == "-":
            continue  # a deleted record has no page
        key = (page, entry.object_id)
        if key not in urls:
            urls[key] = reverse(page, args=[entry.object_id])
        entry.record_url = urls[key]
