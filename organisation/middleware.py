"""Absolute session lifetime: 12 hours after login, whatever the activity."""

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


@receiver(user_logged_in, dispatch_uid="organisation.stamp_login_time")
def stamp_login_time(request: HttpRequest, **_: Any) -> None:
    request.session[LOGIN_AT] = int(time.time())


class AbsoluteSessionTimeoutMiddleware:
    """Idle expiry is the session cookie's age; this adds the absolute limit."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            login_at = request.session.get(LOGIN_AT)
            if login_at is None:
                request.session[LOGIN_AT] = int(time.time())
            elif time.time() - login_at > settings.SESSION_ABSOLUTE_TIMEOUT:
                logout(request)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)
