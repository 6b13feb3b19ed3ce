"""Workflows of interventions (tiltak): starting one, moving it along its statuses, editing it."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from audit.history import acting_as
from audit.versioning import EditConflictError, changes_since, save_unless_changed
from clients.models import Client
from codelists.models import Code
from followup.models import FINAL_STATUSES, TRANSITIONS, Intervention, Status
from organisation.models import User

# The statuses that end an intervention: they need an end date and lock the record.
FINAL = frozenset(FINAL_STATUSES)


class TransitionError(Exception):
    """A status change or edit the intervention's lifecycle does not allow; nothing was saved."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _checked(intervention: Intervention) -> Intervention:
    """The intervention if it keeps the model's rules (Intervention.clean), else TransitionError."""
    try:
        intervention.clean()
    except ValidationError as error:
        raise TransitionError(" ".join(error.messages)) from error
    return intervention


def next_steps(intervention: Intervention) -> list[Status]:
    """The statuses the intervention may move to, in lifecycle order (for the buttons)."""
    allowed = TRANSITIONS[intervention.status]
    return [status for status in Status if status in allowed]


def _lock_current(intervention: Intervention, expected_version: int | None) -> Intervention:
    """The row as saved now, locked; a stale form is a conflict before anything else is judged.

    Judging the move against a status the user never saw would give a confusing refusal;
    the conflict shows what changed instead.
    """
    current: Intervention = Intervention.objects.select_for_update().get(pk=intervention.pk)
    if expected_version is None or expected_version != current.version:
        changes, changed_by = changes_since(current, expected_version or 0)
        raise EditConflictError(current, changes, changed_by)
    return current


@transaction.atomic
def intervention_start(
    *,
    client: Client,
    by: User,
    type: Code,
    start: datetime.date,
    end: datetime.date | None = None,
    provider: str = "",
    already_started: bool = False,
) -> Intervention:
    """Register an intervention: planned, or in progress if it has already started."""
    status = Status.IN_PROGRESS if already_started else Status.PLANNED
    intervention = Intervention(
        client=client, status=status, type=type, provider=provider, start=start, end=end
    )
    _checked(intervention)
    # Named explicitly so the history row is by ``by`` also outside a request.
    with acting_as(by):
        intervention.save(force_insert=True)
    return intervention


@transaction.atomic
def intervention_change_status(
    *,
    intervention: Intervention,
    to: str,
    end: datetime.date | None,
    outcome: Code | None,
    expected_version: int | None,
) -> Intervention:
    """Move an intervention to ``to`` if the lifecycle allows it.

    Completing needs an end date and an outcome; cancelling needs an end date and
    may record an outcome (e.g. ``discontinued``). Moving on to ``in_progress``
    leaves the planned end and the outcome as they are. Returns the saved row; the
    ``intervention`` passed in is only read.
    """
    current = _lock_current(intervention, expected_version)
    if to not in TRANSITIONS.get(current.status, frozenset()):
        raise TransitionError(
            _("An intervention that is %(current)s cannot be moved to %(target)s.")
            % {
                "current": Status(current.status).label.lower(),
                "target": Status(to).label.lower() if to in Status.values else to,
            }
        )
    if to in FINAL:
        current.end = end
        current.outcome = outcome
    current.status = to
    return save_unless_changed(_checked(current), expected_version=expected_version)


@transaction.atomic
def intervention_update(
    *, intervention: Intervention, expected_version: int | None
) -> Intervention:
    """Save an intervention edited in a form, unless it is locked or someone saved it meanwhile.

    Only the editable fields are taken from ``intervention``; status and outcome
    change through ``intervention_change_status`` alone.
    """
    current = _lock_current(intervention, expected_version)
    if current.is_locked:
        raise TransitionError(
            _("The intervention is %(status)s and can no longer be changed.")
            % {"status": Status(current.status).label.lower()}
        )
    for name in ("type_id", "provider", "start", "end"):
        setattr(current, name, getattr(intervention, name))
    return save_unless_changed(_checked(current), expected_version=expected_version)
