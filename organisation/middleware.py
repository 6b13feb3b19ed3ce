"""Session lifetimes: renewed while in use (idle timeout), and 12 hours at most."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import redirect_to_login
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

LOGIN_AT = "husk_login_at"
RENEWED_AT = "husk_renewed_at"


@receiver(user_logged_in, dispatch_uid="organisation.stamp_login_time")
def stamp_login_time(request: HttpRequest, **_: Any) -> None:
    request.session[LOGIN_AT] = request.session[RENEWED_AT] = int(time.time())


class AbsoluteSessionTimeoutMiddleware:
    """The idle timeout is the session's age (SESSION_COOKIE_AGE), renewed by saving the
    session; this saves it at most once per SESSION_RENEW_INTERVAL rather than on every
    request (SESSION_SAVE_EVERY_REQUEST), which cost every page a write transaction. It
    also ends every session SESSION_ABSOLUTE_TIMEOUT after login, whatever the activity.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            login_at = request.session.get(LOGIN_AT)
            if login_at is None:
                request.session[LOGIN_AT] = now
            elif now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                return redirect_to_login(request.get_full_path())
            if now - request.session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_INTERVAL:
                request.session[RENEWED_AT] = now  # saved, so expires SESSION_COOKIE_AGE later
        return self.get_response(request)
