"""Bulk writes on tracked models that still leave one history row per object."""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models.fields.related_descriptors import ManyToManyDescriptor
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.history import bulk_writes_allowed

if TYPE_CHECKING:
    # Types only: at run time the audit app reaches the user model through get_user_model().
    from organisation.models import User


def bulk_create[M: models.Model](
    model: type[M], objs: Iterable[M], *, actor: "User", batch_size: int = 1000
) -> list[M]:
    """Insert many objects and their history rows in one transaction."""
    with transaction.atomic(), bulk_writes_allowed():
        return list(
            bulk_create_with_history(list(objs), model, batch_size=batch_size, default_user=actor)
        )


def bulk_update[M: models.Model](
    model: type[M],
    objs: Iterable[M],
    fields: Sequence[str],
    *,
    actor: "User",
    batch_size: int = 1000,
    manager: "models.Manager[M] | None" = None,
) -> int:
    """Update many objects and record a history row for each, in one transaction.

    ``manager``: one that sees every row (e.g. ``all_objects`` of a correctable model),
    where the default manager leaves some out.
    """
    objs = list(objs)
    with transaction.atomic(), bulk_writes_allowed():
        bulk_update_with_history(
            objs, model, list(fields), batch_size=batch_size, default_user=actor, manager=manager
        )
    return len(objs)


def bulk_link(
    relation: ManyToManyDescriptor[Any, Any],
    links: Iterable[tuple[models.Model, Iterable[models.Model]]],
    *,
    batch_size: int = 1000,
) -> int:
    """Link many records at once, e.g. ``bulk_link(Contact.topics, [(contact, topics), …])``.

    The through model's bulk_create() sends no signal, so where history keeps the field's
    links, they are copied here under each record's latest history row too, as a save and
    its ``set()`` write them (audit.history): without them the history says the record was
    made without any, and its first edit would show them all as added.
    """
    field = relation.field
    through = relation.through
    source, target = (
        _attname(through, field.m2m_field_name()),
        _attname(through, field.m2m_reverse_field_name()),
    )
    rows = [
        through(**{source: record.pk, target: other.pk})
        for record, others in links
        for other in others
    ]
    history: Any = getattr(field.model, "history", None)
    tracked = history is not None and any(
        f.name == field.name for f in getattr(history.model, "_history_m2m_fields", ())
    )
    with transaction.atomic():
        through._default_manager.bulk_create(rows, batch_size=batch_size)
        if not tracked or not rows:
            return len(rows)
        latest = dict(
            history.filter(id__in={getattr(row, source) for row in rows})
            .order_by()
            .values("id")
            .annotate(last=models.Max("history_id"))
            .values_list("id", "last")
        )
        snapshots = getattr(history.model, field.name).model
        columns = [f.attname for f in through._meta.concrete_fields]
        snapshots.objects.bulk_create(
            (
                snapshots(
                    history_id=latest[getattr(row, source)],
                    **{name: getattr(row, name) for name in columns},
                )
                for row in rows
                if getattr(row, source) in latest
            ),
            batch_size=batch_size,
        )
    return len(rows)


def _attname(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.ForeignKey)  # a through model links by foreign keys
    return field.attname
