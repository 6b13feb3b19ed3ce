"""Programmes run as studies: random allocation to an arm, recorded once and tamper-evident."""

import hashlib
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from followup.models import Allocation, Enrolment, Programme, StudyArm
from organisation.models import User

# The chain of a study starts from this digest.
GENESIS = "0" * 64


# Why a draw is refused, for the user: checked by the enrolment form, and by the draw itself
# for an enrolment saved between the form's check and the draw (another user's, at once).
NO_ARMS = _("The study has no arms to draw from yet. An administrator must add them.")
DRAWN_BEFORE = _(
    "The client has been in this study before, and an arm is drawn only once. "
    "The earlier enrolment and its arm stand."
)


class AllocationError(RuntimeError):
    """A randomised study that cannot draw: it has no arms, or the client has had a draw.
    Its message is for the user (NO_ARMS, DRAWN_BEFORE)."""


def _digest(allocation: Allocation) -> str:
    fields = (
        allocation.previous_digest,
        allocation.programme_id,
        allocation.sequence,
        allocation.enrolment_id,
        allocation.enrolment.client_id,
        allocation.arm_id,
        allocation.draw,
        allocation.drawn_at.isoformat(),
        allocation.drawn_by_id,
    )
    return hashlib.sha256("|".join(str(field) for field in fields).encode()).hexdigest()


def drawn_before(
    *, programme: Programme, client_id: int, other_than: Enrolment | None = None
) -> bool:
    """Whether the client has had an arm drawn in this study in an(other) enrolment."""
    drawn = Allocation.objects.filter(programme=programme, enrolment__client_id=client_id)
    if other_than is not None:
        # The same enrolment drawn twice is refused by its one-to-one constraint.
        drawn = drawn.exclude(enrolment=other_than)
    return drawn.exists()


def arm_for_draw(arms: list[StudyArm], draw: int) -> StudyArm:
    """The arm a draw falls in, the arms laid end to end by weight."""
    for arm in arms:
        if draw < arm.weight:
            return arm
        draw -= arm.weight
    raise ValueError("The draw is beyond the sum of the weights.")


@transaction.atomic
def allocation_draw(*, enrolment: Enrolment, by: User) -> Allocation:
    """Draw the arm of a new enrolment in a randomised study, and chain it to the last one."""
    # Locking the programme serialises allocations of one study, so that the chain
    # and the sequence numbers have no gaps or forks. FOR NO KEY UPDATE, because the
    # enrolment just inserted holds a KEY SHARE lock on the same row: a plain FOR
    # UPDATE would deadlock two enrolments made at the same moment.
    programme = Programme.objects.select_for_update(no_key=True).get(pk=enrolment.programme_id)
    arms = list(programme.arms.all())
    if not arms:
        raise AllocationError(NO_ARMS)
    if drawn_before(programme=programme, client_id=enrolment.client_id, other_than=enrolment):
        # Ending an enrolment and enrolling again must not give a second chance at the draw.
        raise AllocationError(DRAWN_BEFORE)
    previous = Allocation.objects.filter(programme=programme).order_by("-sequence").first()
    draw = secrets.randbelow(sum(arm.weight for arm in arms))
    allocation = Allocation(
        enrolment=enrolment,
        programme=programme,
        arm=arm_for_draw(arms, draw),
        sequence=previous.sequence + 1 if previous else 1,
        drawn_at=timezone.now(),
        drawn_by=by,
        draw=draw,
        previous_digest=previous.digest if previous else GENESIS,
    )
    allocation.digest = _digest(allocation)
    allocation.save()
    return allocation


@dataclass(frozen=True)
class ChainCheck:
    allocations: int
    broken_at: int | None  # the sequence number of the first allocation that does not fit

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def allocation_chain_check(programme: Programme) -> ChainCheck:
    """Recompute every digest of a study's allocations: any change or gap shows."""
    expected_previous = GENESIS
    allocations = (
        Allocation.objects.filter(programme=programme)
        .select_related("enrolment")
        .order_by("sequence")
    )
    count = 0
    for count, allocation in enumerate(allocations, start=1):
        if (
            allocation.sequence != count
            or allocation.previous_digest != expected_previous
            or allocation.digest != _digest(allocation)
        ):
            return ChainCheck(allocations=count, broken_at=allocation.sequence)
        expected_previous = allocation.digest
    return ChainCheck(allocations=count, broken_at=None)
