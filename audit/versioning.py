"""No lost updates: a save from a stale form is refused, with what changed since it was opened."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.http import QueryDict


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


class EditConflictError(Exception):
    """Someone else saved the object after this user opened the form."""

    def __init__(self, current: models.Model, changes: list[Change], changed_by: Any) -> None:
        super().__init__("The object was changed by someone else.")
        self.current = current
        self.changes = changes
        self.changed_by = changed_by

    def retry_data(self, submitted: QueryDict) -> QueryDict:
        """What the user typed, now based on the current version.

        Rebinding the form with it shows their input again, and saving it once
        more applies it knowingly over the other person's change.
        """
        retry = submitted.copy()
        retry["version"] = str(self.current.version)  # type: ignore[attr-defined]
        return retry


def _display(record: Any, field: models.Field[Any, Any]) -> str:
    if field.many_to_many:
        # The historical record's links, as simple-history keeps them: rows of a historical
        # through table, each naming the linked record by the through table's field.
        target = field.m2m_reverse_field_name()  # type: ignore[attr-defined]
        linked = getattr(record, field.name).select_related(target)
        names = sorted(str(getattr(row, target)) for row in linked)
        return ", ".join(names) or "–"
    value = getattr(record, field.attname)
    if value in (None, ""):
        return "–"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = getattr(record, field.name, None)
        return str(related) if related is not None else str(value)
    if isinstance(value, datetime.date):
        return value.strftime("%d.%m.%Y")
    return str(value)


def changes_since(instance: Any, version: int) -> tuple[list[Change], Any]:
    """What changed between ``version`` and now, and who made the latest change."""
    history = instance.history.all()
    base = history.filter(version=version).order_by("history_id").last()
    latest = history.order_by("-history_id").first()
    if base is None or latest is None:
        return [], None
    delta = latest.diff_against(base, excluded_fields=["version", "updated_at"])
    changes = []
    for change in delta.changes:
        field = instance._meta.get_field(change.field)
        changes.append(
            Change(
                field=str(field.verbose_name),
                before=_display(base, field),
                after=_display(latest, field),
            )
        )
    return changes, latest.history_user


@transaction.atomic
def save_unless_changed[M: models.Model](instance: M, *, expected_version: int | None) -> M:
    """Save ``instance`` if nobody saved it since ``expected_version``; else raise.

    The row is locked for the check, so two simultaneous saves cannot both pass.
    """
    model = type(instance)
    # The base manager: a record entered in error (audit.corrections) can be corrected too.
    current = model._base_manager.select_for_update().get(pk=instance.pk)
    current_version = current.version  # type: ignore[attr-defined]
    if expected_version is None or expected_version != current_version:
        changes, changed_by = changes_since(current, expected_version or 0)
        raise EditConflictError(current, changes, changed_by)
    instance.version = current_version + 1  # type: ignore[attr-defined]
    instance.save()
    return instance
