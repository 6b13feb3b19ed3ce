"""Bulk writes on tracked models that still leave one history row per object."""

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from django.db import models, transaction
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from audit.history import bulk_writes_allowed

if TYPE_CHECKING:
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
