"""Who writes history: the signed-in user of a request, or a named system actor.

django-simple-history records ``save()`` and ``delete()`` only. Tracked models
therefore use ``TrackedQuerySet``, which refuses ``update()``, ``bulk_create()``
and ``bulk_update()`` unless they run through ``audit.bulk``, which writes the
history rows in the same transaction.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db import models
from simple_history.models import HistoricalRecords

if TYPE_CHECKING:
    # Types only: at run time the audit app reaches the user model through get_user_model().
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
    user, created = get_user_model().objects.get_or_create(
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


# Set on an instance inside one_history_row(): its history waits until the block ends.
_PENDING = "_husk_history_pending"
_M2M_ACTIONS = ("post_add", "post_remove", "post_clear")
# simple-history's own way to save without history, honoured inside one_history_row() too.
_SKIP = "skip_history_when_saving"


@dataclass
class _Pending:
    recorder: "TrackedHistoricalRecords | None" = None
    created: bool = False


class TrackedHistoricalRecords(HistoricalRecords):
    """HistoricalRecords with a readable label, and one history row per save where asked.

    simple-history writes a row for a save and another for every change of links after it
    (each ``set()`` a remove and an add), and the history tables are append-only, so a
    row's links cannot be mended afterwards. Inside ``one_history_row()`` the rows wait,
    and one is written at the end, with the links as they are then.
    """

    def __init__(self, *args: Any, label: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label = label

    def get_extra_fields(self, model: type[models.Model], fields: Any) -> dict[str, Any]:
        # audit.timeline names each row by it: "Kontakt 03.12.2026".
        return {**super().get_extra_fields(model, fields), "history_label": self.label}

    def post_save(self, instance: Any, created: bool, using: Any = None, **kwargs: Any) -> None:
        pending: _Pending | None = getattr(instance, _PENDING, None)
        if pending is None or kwargs.get("raw", False) or hasattr(instance, _SKIP):
            super().post_save(instance, created, using=using, **kwargs)
            return
        pending.recorder = self
        pending.created = pending.created or created

    def m2m_changed(
        self, instance: Any, action: str, attr: str, pk_set: Any, reverse: bool, **kwargs: Any
    ) -> None:
        pending: _Pending | None = getattr(instance, _PENDING, None)
        if pending is None or reverse or hasattr(instance, _SKIP):
            super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        elif action in _M2M_ACTIONS:
            pending.recorder = self


@contextmanager
def one_history_row(instance: models.Model) -> Iterator[None]:
    """Save ``instance`` and change its many-to-many links inside the block, and history
    gets one row for it all ("created" if the block made it), e.g. a contact and its topics.

    Use it inside the transaction of the change: the row is written as the block ends.
    """
    if hasattr(instance, _PENDING):
        yield  # inside another block for the same instance: its row says it all
        return
    pending = _Pending()
    setattr(instance, _PENDING, pending)
    try:
        yield
    finally:
        delattr(instance, _PENDING)
    if pending.recorder is not None:
        pending.recorder.create_historical_record(instance, "+" if pending.created else "~")


def tracked_history(*, label: Any = None, **options: Any) -> HistoricalRecords:
    """The HistoricalRecords every case model uses.

    ``label``: how the history page names one record where the model's name alone does not
    say which (a client has many contacts): a lazily translated text whose ``%(field)s``
    are the record's fields as history shows them, e.g. ``_("Contact on %(date)s")`` reads
    "Kontakt 03.12.2026". Without one, the record is named by its model.
    """
    return TrackedHistoricalRecords(get_user=current_actor, label=label, **options)


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
