"""The login page's "Log in with <provider>" button, shown only where single sign-on is set up."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.http import urlencode

from organisation.sso import sso_enabled

register = template.Library()


@register.inclusion_tag("registration/sso_button.html")
def sso_login_button(next_url: str = "") -> dict[str, Any]:
    if not sso_enabled():
        return {"url": None}
    url = reverse("sso_login")
    if next_url:
        url = f"{url}?{urlencode({'next': next_url})}"
    return {"url": url, "provider_name": settings.OIDC_PROVIDER_NAME}
