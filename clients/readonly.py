"""Merged records are read-only: every write to an absorbed client or its records is refused.

One guard at the model layer (pre_save, pre_delete and m2m_changed), so that forms,
services, the admin and scripts are refused alike. It covers the client itself,
every model with a ``client`` foreign key to it (episodes, contacts, memberships …)
and the parts of such a record that are deleted with it (an assessment's items).
Only the merge and its undo may write (``merge_writes()``); they move records in
bulk and change the merged record's own status.

The refusal is ``ClientMergedError``; ``clients.middleware`` turns it into a page
that links to the record the client was merged into.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models.signals import m2m_changed, pre_delete, pre_save

from clients.models import Client

_merge_in_progress: ContextVar[bool] = ContextVar("merge_in_progress", default=False)


class ClientMergedError(PermissionDenied):
    """A write to a client that is merged into another one (a 403 if nothing catches it)."""

    def __init__(self, client_id: int, kept_id: int | None) -> None:
        super().__init__(f"Client {client_id} is merged into {kept_id} and is read-only.")
        self.client_id = client_id
        self.kept_id = kept_id


@contextmanager
def merge_writes() -> Iterator[None]:
    """Let the merge and its undo write to the merged record."""
    token = _merge_in_progress.set(True)
    try:
        yield
    finally:
        _merge_in_progress.reset(token)


def refuse_if_merged(client: Client) -> None:
    """For the pages that only write: refuse up front, before the form is even shown."""
    if client.status == Client.Status.MERGED:
        raise ClientMergedError(client.pk, client.merged_into_id)


def _refuse_merged(merged: "models.QuerySet[Any]", client_field: str) -> None:
    """Raise if the (at most one) row of ``merged`` belongs to a merged client."""
    found = merged.values_list(f"{client_field}id", f"{client_field}merged_into_id").first()
    if found is not None:
        raise ClientMergedError(*found)


@cache
def _owner_check(model: type[models.Model]) -> tuple[str, type[models.Model] | None] | None:
    """How to find the client an instance of ``model`` belongs to.

    (attname of ``client``, None) for a record with its own ``client`` key;
    (attname of the parent key, parent model) for a part deleted with its parent
    record (``on_delete=CASCADE``, e.g. an assessment item); None otherwise.
    """
    if hasattr(model, "instance_type"):
        return None  # a history row of simple-history: written with the record it records
    fields = [f for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey)]
    for field in fields:
        if field.name == "client" and field.related_model is Client:
            return field.attname, None
    for field in fields:
        parent = field.related_model
        if (
            isinstance(parent, type)
            and field.remote_field.on_delete is models.CASCADE
            and _owner_check(parent) == ("client_id", None)
        ):
            return field.attname, parent
    return None


def _check(model: type[models.Model], instance: models.Model) -> None:
    if _merge_in_progress.get():
        return
    if model is Client:
        assert isinstance(instance, Client)
        if instance.status == Client.Status.MERGED and instance.merged_into_id is None:
            # Only a merge makes a client merged (and records how to undo it).
            raise ClientMergedError(instance.pk, None)
        if instance.pk is not None:
            _refuse_merged(
                Client._base_manager.filter(pk=instance.pk, status=Client.Status.MERGED), ""
            )
        return
    owner = _owner_check(model)
    if owner is None:
        return
    attname, parent = owner
    value = getattr(instance, attname)
    if value is None:
        return
    if parent is None:
        _refuse_merged(Client._base_manager.filter(pk=value, status=Client.Status.MERGED), "")
    else:
        _refuse_merged(
            parent._base_manager.filter(pk=value, client__status=Client.Status.MERGED), "client__"
        )


# Set on an instance whose save passed the check, with the client it was checked for.
_CHECKED = "_merged_check_passed_for"


def _before_save(sender: type[models.Model], instance: models.Model, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return  # loading a fixture writes rows as they were
    _check(sender, instance)
    owner = _owner_check(sender)
    if owner is not None and owner[1] is None and not _merge_in_progress.get():
        setattr(instance, _CHECKED, getattr(instance, owner[0]))


def _before_delete(sender: type[models.Model], instance: models.Model, **_: Any) -> None:
    _check(sender, instance)


def _before_m2m(instance: models.Model, action: str, reverse: bool, **_: Any) -> None:
    # The reasons of an episode, the topics of a contact …: a write to the record.
    if not action.startswith("pre_") or reverse:
        return
    owner = _owner_check(type(instance))
    if owner is not None and getattr(instance, _CHECKED, None) == getattr(instance, owner[0]):
        # A form's save_m2m() right after the record's save (each set() a remove and
        # an add): the save was checked for this client, and a record moved by a merge
        # belongs to the kept client, so its many-to-many may change.
        return
    _check(type(instance), instance)


def connect() -> None:
    """Called once from ClientsConfig.ready()."""
    pre_save.connect(_before_save, dispatch_uid="clients_merged_read_only_save")
    pre_delete.connect(_before_delete, dispatch_uid="clients_merged_read_only_delete")
    m2m_changed.connect(_before_m2m, dispatch_uid="clients_merged_read_only_m2m")
