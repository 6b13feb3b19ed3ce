"""Break-the-glass: opening and following up a time-limited access outside one's offices."""

import datetime
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit.models import EmergencyAccess

if TYPE_CHECKING:
    # Types only: at run time the audit app reaches the user model through get_user_model().
    from organisation.models import User


def emergency_access_open(
    *, user: "User", client_id: int, office_id: int, purpose: str, reason: str
) -> EmergencyAccess:
    """Grant ``user`` the client page of ``client_id`` for EMERGENCY_ACCESS_HOURS.

    A grant still in force is ended first (with its history), so that a user holds one
    grant per client and the reads under the new one carry the new reason.
    """
    now = timezone.now()
    with transaction.atomic():
        for current in EmergencyAccess.objects.in_force(now).filter(user=user, client_id=client_id):
            current.ends_at = now
            current.save(update_fields=["ends_at"])
        return EmergencyAccess.objects.create(
            user=user,
            client_id=client_id,
            office_id=office_id,
            purpose=purpose,
            reason=reason,
            starts_at=now,
            ends_at=now + datetime.timedelta(hours=settings.EMERGENCY_ACCESS_HOURS),
        )


def emergency_access_in_force(*, user: "User", client_id: int) -> EmergencyAccess | None:
    return (
        EmergencyAccess.objects.in_force()
        .filter(user=user, client_id=client_id)
        .order_by("-ends_at")
        .first()
    )


def emergency_access_follow_up(*, access: EmergencyAccess, by: "User") -> bool:
    """Mark a grant as followed up by a manager; False if it already was."""
    if access.followed_up_at is not None:
        return False
    access.followed_up_at = timezone.now()
    access.followed_up_by = by
    access.save(update_fields=["followed_up_at", "followed_up_by"])
    return True
