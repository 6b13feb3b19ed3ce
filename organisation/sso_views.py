"""The single sign-on pages: off to the provider, back from it, and a logout that ends both."""

import logging
from typing import Any

import requests
from django.contrib.auth import views as auth_views
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from organisation.sso import SSORefused, oidc_setting, provider_logout_url, sso_enabled

logger = logging.getLogger(__name__)

# Why a sign-in was refused, as the refusal page says it, and its status code.
REFUSALS = {
    "unknown": (
        403,
        _("You are not a user of HUSK"),
        _(
            "The identity provider knows you, but HUSK has no active user with your identity. "
            "Ask an administrator in HUSK to give you access; HUSK never creates users or "
            "gives rights from the identity provider."
        ),
    ),
    "expired": (
        400,
        _("The sign-in has expired"),
        _("The identity provider's answer had already expired. Try to sign in again."),
    ),
    "invalid": (
        400,
        _("The sign-in could not be completed"),
        _(
            "The answer from the identity provider was not valid for this sign-in, or it "
            "was stopped. Try to sign in again from the login page."
        ),
    ),
    "unavailable": (
        502,
        _("The identity provider does not answer"),
        _("HUSK could not reach the identity provider. Try again in a few minutes."),
    ),
}


def refusal_page(request: HttpRequest, reason: str) -> HttpResponse:
    status, heading, text = REFUSALS[reason]
    return render(
        request,
        "registration/sso_refused.html",
        {"heading": heading, "text": text},
        status=status,
    )


class SSOLoginView(OIDCAuthenticationRequestView):
    """Sends the browser to the provider with state, nonce and a PKCE challenge."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library reads the endpoints here; they come from discovery, at the request.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not sso_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ImproperlyConfigured, ValueError):
            logger.exception("SSO: the provider's discovery document could not be read")
            return refusal_page(request, "unavailable")
        self.OIDC_RP_CLIENT_ID = oidc_setting("OIDC_RP_CLIENT_ID")
        response: HttpResponseBase = super().get(request)
        return response


class SSOCallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back; signs in or shows why not."""

    get_settings = staticmethod(oidc_setting)

    def get(self, request: HttpRequest) -> HttpResponseBase:
        if not sso_enabled():
            raise Http404
        self.refusal = "invalid"
        try:
            response: HttpResponseBase = super().get(request)
        except SSORefused as refused:
            logger.warning("SSO sign-in refused (%s): %s", refused.reason, refused)
            return refusal_page(request, refused.reason)
        except SuspiciousOperation as error:
            # A state not issued to this browser, a wrong nonce, an unknown signing key.
            logger.warning("SSO sign-in refused (invalid): %s", error)
            return refusal_page(request, "invalid")
        except (requests.RequestException, ImproperlyConfigured, ValueError) as error:
            # The token endpoint's refusal of a code (used, expired) is an HTTPError too.
            logger.warning("SSO sign-in failed talking to the provider: %s", error)
            unavailable = isinstance(error, requests.ConnectionError | requests.Timeout)
            return refusal_page(request, "unavailable" if unavailable else "invalid")
        return response

    def login_failure(self) -> HttpResponse:
        if self.request.GET.get("error"):
            logger.info("SSO sign-in ended by the provider: %s", self.request.GET["error"])
        return refusal_page(self.request, self.refusal)


class LogoutView(auth_views.LogoutView):
    """Django's logout; after an SSO sign-in it goes on to end the provider's session too."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # Read before the logout flushes the session that holds the ID token.
        provider_url = provider_logout_url(request) if sso_enabled() else None
        response = super().post(request, *args, **kwargs)
        if provider_url:
            return HttpResponseRedirect(provider_url)
        return response
