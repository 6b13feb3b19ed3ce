"""One save per form: a one-time token in each form that creates, checked here for every POST.

A form that creates a record renders ``{% submission_token %}`` beside
``{% csrf_token %}``. The first POST of a token claims it (a row with a unique
token) in the same transaction as the view's save; a second POST of the same
token (a double click, or Back and submit again) finds the row and is sent to the
page the first one led to, with a message, instead of saving again. Two posts at
the same moment are decided by the unique index: the second waits for the first
to commit and then finds its row.

A POST that saved nothing (the form is shown again with its errors, or it is
refused in an error message, or marked with ``submission_refused``) gives its token back, so the
corrected form can be sent. A POST without a token is not checked.
"""

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.http import HttpRequest, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from audit.models import FormSubmission

if TYPE_CHECKING:
    # Types only: at run time the audit app reaches the user model through get_user_model().
    from organisation.models import User

FIELD = "submission_token"
_REFUSED = "_husk_submission_refused"
# Rows older than a session can live are of no use: a page of an ended session cannot be
# posted (the CSRF token changes at login). At most this many are deleted per claim.
PRUNE_BATCH = 200
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def new_token() -> str:
    return str(uuid.uuid4())


def submission_refused(request: HttpRequest) -> None:
    """Say that this POST saved nothing though it redirects (a refusal shown as a message)."""
    setattr(request, _REFUSED, True)


def _token_of(request: HttpRequest) -> uuid.UUID | None:
    if request.method != "POST" or request.content_type not in FORM_TYPES:
        return None
    if not request.user.is_authenticated:
        return None
    try:
        return uuid.UUID(str(request.POST.get(FIELD, "")))
    except ValueError:
        return None


def _refused_in_a_message(request: HttpRequest) -> bool:
    """Whether the view said "no" in an error message (and redirects back, saving nothing)."""
    storage = getattr(request, "_messages", None)
    queued = getattr(storage, "_queued_messages", ())
    return any(message.level >= messages.ERROR for message in queued)


def _led_to(request: HttpRequest, response: HttpResponseBase) -> str | None:
    """Where a POST that saved led (its redirect), or None if it saved nothing."""
    if response.status_code >= 400 or getattr(request, _REFUSED, False):
        return None
    if _refused_in_a_message(request):
        return None
    if 300 <= response.status_code < 400:
        location = response.get("Location", "")
    else:
        location = response.get("HX-Redirect", "") or response.get("HX-Location", "")
    if not location or not url_has_allowed_host_and_scheme(
        location, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    return location[:500]


def prune() -> None:
    """Delete the oldest rows past a session's lifetime (an index range, a bounded batch)."""
    cutoff = timezone.now() - timedelta(seconds=settings.SESSION_ABSOLUTE_TIMEOUT)
    oldest = FormSubmission.objects.filter(at__lt=cutoff).order_by("at").values("pk")
    FormSubmission.objects.filter(pk__in=Subquery(oldest[:PRUNE_BATCH])).delete()


def _claim(request: HttpRequest, token: uuid.UUID) -> FormSubmission | None:
    """The row of this token, new; None if another POST has claimed it (it waits for that one)."""
    try:
        with transaction.atomic():
            claimed = FormSubmission.objects.create(
                token=token, user=cast("User", request.user), path=request.path[:500]
            )
    except IntegrityError:
        return None
    prune()
    return claimed


def _already_sent(request: HttpRequest, token: uuid.UUID) -> HttpResponseBase:
    first = FormSubmission.objects.filter(token=token, user=cast("User", request.user)).first()
    # Another user's token (it cannot be guessed, but never lead anyone to another's page).
    target = first.led_to if first is not None and first.led_to else request.get_full_path()
    messages.warning(
        request,
        _(
            "The form was already sent, and is not saved again. This is where the first "
            "sending led. To register another, open the form anew."
        ),
    )
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(target)
    return HttpResponseRedirect(target)


class OneSubmissionMiddleware:
    """Check the one-time token of every POST that carries one (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = _token_of(request)
        if token is None:
            return self.get_response(request)
        with transaction.atomic():
            claimed = _claim(request, token)
            if claimed is None:
                return _already_sent(request, token)
            response = self.get_response(request)
            if response.status_code >= 500:
                # A failed request keeps nothing, its token neither.
                transaction.set_rollback(True)
                return response
            led_to = _led_to(request, response)
            if led_to is None:
                claimed.delete()  # nothing was saved: the corrected form may be sent
            else:
                claimed.led_to = led_to
                claimed.save(update_fields=["led_to"])
        return response
