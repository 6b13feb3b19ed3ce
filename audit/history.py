"""Who writes history: the signed-in user of a request, or a named system actor.

django-simple-history records ``save()`` and ``delete()`` only. Tracked models
therefore use ``TrackedQuerySet``, which refuses ``update()``, ``bulk_create()``
and ``bulk_update()`` unless they run through ``audit.bulk``, which writes the
history rows in the same transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.db import models
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    from organisation.models import User

_actor: ContextVar["User | None"] = ContextVar("history_actor", default=None)
_bulk_allowed: ContextVar[bool] = ContextVar("history_bulk_allowed", default=False)


class MissingActorError(RuntimeError):
    """A tracked model was written with nobody to name in its history."""


@contextmanager
def acting_as(user: "User") -> Iterator["User"]:
    """Attribute every history row written inside the block to ``user``."""
    token = _actor.set(user)
    try:
        yield user
    finally:
        _actor.reset(token)


def system_actor(name: str) -> "User":
    """The inactive user that stands for a command or task in history, e.g. ``seed_demo``."""
    from organisation.models import User

    user, created = User.objects.get_or_create(
        username=f"system:{name}",
        defaults={"is_active": False, "is_system_actor": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def current_actor(request: Any = None, **_: Any) -> "User":
    """``get_user`` of every tracked model: refuse a write that nobody can answer for."""
    explicit = _actor.get()
    if explicit is not None:
        return explicit
    if request is not None and request.user.is_authenticated:
        return request.user  # type: ignore[no-any-return]
    raise MissingActorError(
        "A tracked model was written outside a request and outside acting_as(); "
        "wrap the write in acting_as(system_actor('<name>'))."
    )


def tracked_history(**options: Any) -> HistoricalRecords:
    """The HistoricalRecords every case model uses."""
    return HistoricalRecords(get_user=current_actor, **options)


@contextmanager
def bulk_writes_allowed() -> Iterator[None]:
    token = _bulk_allowed.set(True)
    try:
        yield
    finally:
        _bulk_allowed.reset(token)


class HistoryBypassError(RuntimeError):
    """A bulk write on a tracked model would have left no history."""


class TrackedQuerySet(models.QuerySet[Any]):
    """QuerySet of a model with history: bulk writes must go through audit.bulk."""

    def _refuse(self, operation: str) -> None:
        if not _bulk_allowed.get():
            raise HistoryBypassError(
                f"{self.model.__name__}.objects.{operation}() would leave no history; "
                "use audit.bulk instead."
            )

    def update(self, **kwargs: Any) -> int:
        self._refuse("update")
        return super().update(**kwargs)

    def bulk_create(self, objs: Any, *args: Any, **kwargs: Any) -> Any:
        self._refuse("bulk_create")
        return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs: Any, fields: Any, *args: Any, **kwargs: Any) -> Any:
        self._refuse("bulk_update")
        return super().bulk_update(objs, fields, *args, **kwargs)


def require_actor(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    """pre_save/pre_delete: refuse before the row is written, so nothing is half-saved."""
    if getattr(sender._meta, "simple_history_manager_attribute", None) is None:
        return  # not a tracked model
    if hasattr(instance, "_history_user"):
        return  # simple-history's own per-instance override
    current_actor(request=getattr(HistoricalRecords.context, "request", None))
