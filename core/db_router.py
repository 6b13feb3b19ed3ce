"""Database routing: reads go to the read replica only where the code asks for it, writes never."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model

REPLICA = "replica"

# A context variable, not a thread-local: it follows the code that asked for it into
# nested calls and async code, and each request and task starts without it.
_replica_wanted: ContextVar[bool] = ContextVar("husk_reading_from_replica", default=False)


@contextmanager
def reading_from_replica() -> Iterator[None]:
    """Send the ORM's reads, and raw SQL that asks `read_alias()`, to the replica.

    Only for reads that may lag behind the primary by a moment (dashboards,
    research exports): data written on the primary just before is not
    necessarily visible inside. Writes always go to the primary. Without a
    replica configured this changes nothing. Usable as a decorator too:
    `@reading_from_replica()`.
    """
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def read_alias() -> str:
    """The alias for reads here: the replica inside `reading_from_replica()` if one is
    configured, else the primary. For raw SQL: `connections[read_alias()].cursor()`."""
    if _replica_wanted.get() and REPLICA in connections.settings:
        return REPLICA
    return DEFAULT_DB_ALIAS


class ReplicaRouter:
    """Listed in DATABASE_ROUTERS: reads by `read_alias()`, everything else on the primary."""

    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        # Outside the replica context even an object loaded from the replica reads its
        # relations from the primary: nothing lags unless the code asked for it.
        return read_alias()

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        # The replica is a copy of the primary: an object read from one may point to
        # an object read from the other (a dashboard's office, an export's project).
        both = {obj1._state.db, obj2._state.db}
        return True if both <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        # A streaming replica receives the schema from the primary; it cannot be migrated.
        return db == DEFAULT_DB_ALIAS
