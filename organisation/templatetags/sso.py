"""The login page's "Log in with <provider>" button, shown only where single sign-on is set up."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from organisation.sso import sso_enabled

register = template.Library()


@register.inclusion_tag("registration/sso_button.html", takes_context=True)
def sso_login_button(context: template.Context, next_url: str = "") -> dict[str, Any]:
    if not sso_enabled():
        return {"url": None}
    url = reverse("sso_login")
    # The page asked for before login (given, or as the password form keeps it: ?next=),
    # if it is one of ours.
    request = context["request"]
    next_url = next_url or request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"url": url, "provider_name": settings.OIDC_PROVIDER_NAME}
