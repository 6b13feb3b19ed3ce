"""Fail closed: a request whose read could not be logged is answered with a 503, no data."""

import logging
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from audit.access_log import AccessLogUnavailable

logger = logging.getLogger(__name__)

# Long enough for an operator to have been called; a browser or proxy may retry after it.
RETRY_AFTER_SECONDS = 120


class FailClosedMiddleware:
    """Replace the response of a view whose access-log write failed.

    The view raised before it rendered (record_read comes first), so whatever it had
    fetched is discarded here; the page says why and shows nothing of the case.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, AccessLogUnavailable):
            return None
        cause = exception.__cause__
        while cause is not None and cause.__cause__ is not None:
            cause = cause.__cause__  # Django's DatabaseError wraps the driver's
        # The database's primary message says why (permission, disk, lock) without the
        # row's values, which its DETAIL line could carry.
        diag = getattr(cause, "diag", None)
        logger.error(
            "Access log write failed on %s (%s: %s); answered 503 without data.",
            exception,
            type(cause).__name__,
            getattr(diag, "message_primary", None) or "",
        )
        try:
            # No messages: one waiting from an earlier page could name a client.
            response = render(request, "access_log_unavailable.html", {"messages": ()}, status=503)
        except DatabaseError:
            # The page itself needs no query; if the connection is gone altogether, the
            # same words as plain text rather than an error page of the error page.
            response = HttpResponse(
                _("The access log cannot be written, so HUSK shows no personal data now."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
