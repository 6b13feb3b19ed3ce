"""Merging two records of one person, and undoing it exactly."""

from typing import Any

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import bulk
from clients.models import Client, ClientMerge
from clients.readonly import merge_writes
from clients.selectors import other_open_episode
from organisation.models import User

# Blank fields of the kept record that the merged one may fill.
FILLABLE = [
    "national_id",
    "duf_number",
    "phone",
    "email",
    "address",
    "language",
    "country_of_birth",
    "arrival_year",
    "settlement_municipality",
    "usual_channel",
]


class MergeError(Exception):
    """The two records cannot be merged as they are; the message says why."""


def _client_records() -> list[type[models.Model]]:
    """Every tracked model with a ``client`` foreign key: what a merge must move."""
    return [
        relation.related_model
        for relation in Client._meta.related_objects
        if relation.field.name == "client"
        and relation.one_to_many
        and hasattr(relation.related_model, "history")
    ]


def _every_row(model: type[models.Model]) -> "models.Manager[Any]":
    """All of a model's rows: records entered in error belong to the person too."""
    return getattr(model, "all_objects", model._default_manager)


def _locked(*pks: int) -> dict[int, Client]:
    return {c.pk: c for c in Client.objects.select_for_update().filter(pk__in=pks).order_by("pk")}


@transaction.atomic
def client_merge(*, keep: Client, merge: Client, by: User) -> ClientMerge:
    """Move everything of ``merge`` onto ``keep``; ``merge`` stays, marked as merged (read-only)."""
    with merge_writes():
        return _merge(keep=keep, merge=merge, by=by)


def _merge(*, keep: Client, merge: Client, by: User) -> ClientMerge:
    if keep.pk == merge.pk:
        raise MergeError(_("A record cannot be merged with itself."))
    rows = _locked(keep.pk, merge.pk)
    keep, merge = rows[keep.pk], rows[merge.pk]
    if Client.Status.MERGED in (keep.status, merge.status):
        raise MergeError(_("One of the records is already merged."))
    if keep.national_id and merge.national_id and keep.national_id != merge.national_id:
        raise MergeError(_("The records have different national identity numbers."))
    if all(other_open_episode(c) is not None for c in rows.values()):
        raise MergeError(_("Both records have an open case episode: close one of them first."))

    moved: dict[str, list[int]] = {}
    for model in _client_records():
        every = _every_row(model)
        records = list(every.filter(client=merge))
        if records:
            for record in records:
                record.client = keep
            bulk.bulk_update(model, records, ["client"], actor=by, manager=every)
            moved[model._meta.label] = sorted(r.pk for r in records)

    identifiers = {
        "national_id": merge.national_id,
        "duf_number": merge.duf_number,
        "status": merge.status,
    }
    filled: dict[str, Any] = {}
    for name in FILLABLE:
        attname = Client._meta.get_field(name).attname  # type: ignore[union-attr]
        mine, theirs = getattr(keep, attname), getattr(merge, attname)
        if mine in (None, "") and theirs not in (None, ""):
            filled[attname] = theirs
    # The unique numbers move only after the merged record has let go of them.
    merge.national_id = merge.duf_number = None
    merge.status = Client.Status.MERGED
    merge.merged_into = keep
    merge.version += 1
    merge.save()
    for attname, value in filled.items():
        setattr(keep, attname, value)
    keep.version += 1
    keep.save()
    return ClientMerge.objects.create(
        kept=keep, merged=merge, by=by, moved=moved, filled=filled, merged_identifiers=identifiers
    )


@transaction.atomic
def client_merge_undo(*, merge_record: ClientMerge, by: User) -> ClientMerge:
    """Put back every record the merge moved, and the merged record as it was."""
    with merge_writes():
        return _undo(merge_record=merge_record, by=by)


def _undo(*, merge_record: ClientMerge, by: User) -> ClientMerge:
    record: ClientMerge = ClientMerge.objects.select_for_update().get(pk=merge_record.pk)
    if record.undone_at is not None:
        raise MergeError(_("This merge is already undone."))
    rows = _locked(record.kept_id, record.merged_id)
    keep, merge = rows[record.kept_id], rows[record.merged_id]
    if keep.status == Client.Status.MERGED:
        # Its records have moved on with the later merge; that one is undone first.
        raise MergeError(
            _("The kept record is itself merged into another one: undo that merge first.")
        )
    for label, pks in record.moved.items():
        model = apps.get_model(label)
        every = _every_row(model)
        records = list(every.filter(pk__in=pks, client=keep))
        for moved in records:
            moved.client = merge
        if records:
            bulk.bulk_update(model, records, ["client"], actor=by, manager=every)
    # A filled field goes back to blank only if nobody has changed it since.
    for attname, value in record.filled.items():
        if getattr(keep, attname) == value:
            field = Client._meta.get_field(attname)  # also resolves "language_id" etc.
            setattr(keep, attname, None if field.null else "")
    keep.version += 1
    keep.save()
    merge.national_id = record.merged_identifiers.get("national_id")
    merge.duf_number = record.merged_identifiers.get("duf_number")
    merge.status = record.merged_identifiers.get("status", Client.Status.ACTIVE)
    merge.merged_into = None
    merge.version += 1
    merge.save()
    record.undone_at = timezone.now()
    record.undone_by = by
    record.save()
    return record
