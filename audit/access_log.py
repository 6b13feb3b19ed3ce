"""Recording reads of person-level data; if the log cannot be written, nothing is served."""

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, models
from django.http import HttpRequest

from audit.models import AccessLog, EmergencyAccess

if TYPE_CHECKING:
    # Types only: at run time the audit app reaches the user model through get_user_model().
    from organisation.models import User


class AccessLogUnavailable(Exception):
    """The read could not be logged: the request gets a 503 page instead of the data.

    audit.middleware.FailClosedMiddleware answers it. It is not a DatabaseError, so that
    no code that copes with a database error (a conflict, a constraint) can swallow it
    and go on to render the page it was about to show.
    """


def record_read(
    request: HttpRequest,
    *,
    action: str,
    subject: models.Model | None = None,
    client_ids: Iterable[int] = (),
    office_id: int | None = None,
    allowed: bool = True,
    emergency_access: EmergencyAccess | None = None,
) -> AccessLog:
    """Log one read, before anything of it is rendered.

    A failure raises AccessLogUnavailable; inside a transaction it also rolls the
    transaction back, so the request writes nothing else either.
    """
    user = cast("User", request.user)  # read logs are written behind a login policy
    match = request.resolver_match
    try:
        return log_read(
            user=user,
            action=action,
            view_name=match.view_name if match else "",
            subject=subject,
            client_ids=client_ids,
            office_id=office_id,
            allowed=allowed,
            emergency_access=emergency_access,
        )
    except DatabaseError as error:
        raise AccessLogUnavailable(match.view_name if match else request.path) from error


def log_read(
    *,
    user: "User",
    action: str,
    view_name: str,
    subject: models.Model | None = None,
    client_ids: Iterable[int] = (),
    office_id: int | None = None,
    allowed: bool = True,
    emergency_access: EmergencyAccess | None = None,
) -> AccessLog:
    """The access-log row of one read, also of one made outside a request (an export made by
    the worker is read under the page that asked for it)."""
    return AccessLog.objects.create(
        user=user,
        roles=",".join(sorted(getattr(user, "roles", ()))),
        office_id=office_id,
        action=action,
        view_name=view_name,
        subject_type=ContentType.objects.get_for_model(subject) if subject is not None else None,
        subject_id=subject.pk if subject is not None else None,
        client_ids=sorted(set(client_ids)),
        allowed=allowed,
        emergency_access=emergency_access,
    )
