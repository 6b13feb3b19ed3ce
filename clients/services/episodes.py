"""Workflows of case episodes and benefit periods: open, edit and close, add and end."""

import datetime
from collections.abc import Iterable

from django.db import transaction

from audit.history import one_history_row
from audit.versioning import Change, EditConflictError, save_unless_changed
from clients.models import BenefitPeriod, CaseEpisode, Client
from clients.selectors import other_open_episode, overlapping_benefit
from codelists.models import Code


class EpisodeAlreadyOpenError(Exception):
    """The client already has an open case episode; there may be only one."""

    def __init__(self, episode: CaseEpisode) -> None:
        super().__init__("The client already has an open case episode.")
        self.episode = episode


class BenefitOverlapError(Exception):
    """A benefit period would overlap another period of the same kind for the client."""

    def __init__(self, other: BenefitPeriod) -> None:
        super().__init__("The period overlaps another period of the same benefit.")
        self.other = other


def _lock_client(client: Client) -> None:
    """Serialise the checks below per client, so two requests cannot both pass them."""
    Client.objects.select_for_update().filter(pk=client.pk).values_list("pk").get()


@transaction.atomic
def episode_open(
    *, client: Client, opened_on: datetime.date, reasons: Iterable[Code]
) -> CaseEpisode:
    """Open a case episode; refused while the client has another open one."""
    _lock_client(client)
    already_open = other_open_episode(client)
    if already_open is not None:
        raise EpisodeAlreadyOpenError(already_open)
    episode = CaseEpisode(client=client, opened_on=opened_on)
    episode.clean()  # the form ran it already; here for every other caller
    with one_history_row(episode):
        episode.save()
        episode.reasons.set(list(reasons))
    return episode


def _reason_labels(codes: Iterable[Code]) -> str:
    return ", ".join(sorted(str(code) for code in codes)) or "–"


def _describe_reason_changes(error: EditConflictError, expected_version: int | None) -> None:
    """Show changed reasons as code labels rather than the raw rows of the history table."""
    field_name = str(CaseEpisode._meta.get_field("reasons").verbose_name)
    if not any(change.field == field_name for change in error.changes):
        return
    current = error.current
    assert isinstance(current, CaseEpisode)
    # The same base as audit.versioning.changes_since: the last row of the form's version.
    base = current.history.filter(version=expected_version or 0).order_by("history_id").last()
    before = "–"
    if base is not None:
        before = _reason_labels(
            Code.objects.filter(pk__in=base.reasons.values_list("code_id", flat=True))
        )
    after = _reason_labels(current.reasons.all())
    error.changes = [
        Change(field=field_name, before=before, after=after)
        if change.field == field_name
        # Other fields are already described well by audit.versioning.
        else change
        for change in error.changes
    ]


@transaction.atomic
def episode_update(
    *, episode: CaseEpisode, reasons: Iterable[Code], expected_version: int | None
) -> CaseEpisode:
    """Save an episode edited in a form (dates, reasons, closing); refused if stale.

    Reopening an episode (clearing its closed date) is refused while another is open.
    """
    _lock_client(episode.client)
    episode.clean()
    if episode.closed_on is None:
        other = other_open_episode(episode.client, exclude_pk=episode.pk)
        if other is not None:
            raise EpisodeAlreadyOpenError(other)
    with one_history_row(episode):
        try:
            saved = save_unless_changed(episode, expected_version=expected_version)
        except EditConflictError as error:
            _describe_reason_changes(error, expected_version)
            raise
        wanted = list(reasons)
        # Unchanged reasons: no need to remove and add them again.
        if {code.pk for code in wanted} != set(saved.reasons.values_list("pk", flat=True)):
            saved.reasons.set(wanted)
    return saved


@transaction.atomic
def benefit_add(
    *, client: Client, kind: Code, start: datetime.date, end: datetime.date | None
) -> BenefitPeriod:
    """Register a benefit period; refused if it overlaps a period of the same kind."""
    _lock_client(client)
    benefit = BenefitPeriod(client=client, kind=kind, start=start, end=end)
    benefit.clean()  # the form ran it already; here for every other caller
    other = overlapping_benefit(client=client, kind=kind, start=start, end=end)
    if other is not None:
        raise BenefitOverlapError(other)
    benefit.save()
    return benefit


@transaction.atomic
def benefit_end(*, benefit: BenefitPeriod, end: datetime.date) -> BenefitPeriod:
    """Set the last day of a benefit period (or correct it)."""
    _lock_client(benefit.client)
    other = overlapping_benefit(
        client=benefit.client,
        kind=benefit.kind,
        start=benefit.start,
        end=end,
        exclude_pk=benefit.pk,
    )
    if other is not None:
        raise BenefitOverlapError(other)
    benefit.end = end
    benefit.clean()
    benefit.save()
    return benefit
