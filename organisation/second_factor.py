"""Whether a session has given its second factor, and where a session that has not is sent.

Shared by the access policies, the login's steps (organisation.two_factor) and the menu.
"""

from typing import Any

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from two_factor.utils import default_device


def second_factor_given(user: Any) -> bool:
    """A second factor given in this session, or single sign-on (organisation.two_factor)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified is not None and is_verified())


def enrolment_redirect(request: HttpRequest) -> HttpResponseRedirect:
    """Where a signed-in, unverified session is sent: enrolment, or the code step anew."""
    next_url = request.get_full_path()
    if default_device(request.user) is None:
        url = reverse("two_factor:setup")
    else:
        # A password-only session of an enrolled account: it must log in with its code.
        url = reverse(settings.LOGIN_URL)
    return HttpResponseRedirect(f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}")
