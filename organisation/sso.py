"""Single sign-on through OpenID Connect: the provider's metadata and the authentication backend.

The code flow with PKCE itself is mozilla-django-oidc's; HUSK adds what that library leaves
to its users: the endpoints from the issuer's discovery document, a strict check of the ID
token (signature, issuer, audience, expiry), and matching to an existing, active HUSK user.
The identity provider proves who someone is, never what they may do: nobody is created,
and roles and offices are given in HUSK.
"""

import logging
import threading
import time
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.shortcuts import resolve_url
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from organisation.models import User

logger = logging.getLogger(__name__)

BACKEND_PATH = "organisation.sso.HuskOIDCBackend"
# The HUSK user fields a claim may be matched against (as settings.OIDC_USER_FIELD allows).
MATCH_FIELDS = ("email", "username")
# Where mozilla-django-oidc asks its settings for an endpoint, the discovery document's key.
_DISCOVERED = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
_METADATA_TTL = 3600.0
_metadata_lock = threading.Lock()
_metadata_cache: dict[str, tuple[float, dict[str, Any]]] = {}


class SSORefused(Exception):
    """A sign-in that must not succeed, with the reason the refusal page gives."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def sso_enabled() -> bool:
    return bool(settings.OIDC_ISSUER)


def provider_metadata() -> dict[str, Any]:
    """The issuer's discovery document, fetched once an hour per process."""
    issuer = settings.OIDC_ISSUER
    with _metadata_lock:
        cached = _metadata_cache.get(issuer)
        if cached and time.monotonic() - cached[0] < _METADATA_TTL:
            return cached[1]
    response = requests.get(
        f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT
    )
    response.raise_for_status()
    metadata: dict[str, Any] = response.json()
    # OpenID Connect Discovery 4.3: a document for another issuer is not this provider's.
    if metadata.get("issuer", "").rstrip("/") != issuer:
        raise ImproperlyConfigured(
            f"The discovery document of {issuer} names the issuer {metadata.get('issuer')!r}."
        )
    with _metadata_lock:
        _metadata_cache[issuer] = (time.monotonic(), metadata)
    return metadata


def oidc_setting(attr: str, *default: Any) -> Any:
    """mozilla-django-oidc's settings lookup, with the endpoints taken from discovery."""
    if attr in _DISCOVERED and not getattr(settings, attr, None):
        value = provider_metadata().get(_DISCOVERED[attr])
        if value:
            return value
        if default:
            return default[0]
        raise ImproperlyConfigured(f"The OpenID provider announces no {_DISCOVERED[attr]}.")
    if default:
        return getattr(settings, attr, default[0])
    return getattr(settings, attr)


def provider_logout_url(request: HttpRequest) -> str | None:
    """The provider's end-session URL for this SSO session, or None where it has none."""
    if request.session.get(BACKEND_SESSION_KEY) != BACKEND_PATH:
        return None
    try:
        endpoint = provider_metadata().get("end_session_endpoint")
    except (requests.RequestException, ImproperlyConfigured, ValueError):
        # The HUSK session still ends; the provider's may outlive it.
        logger.warning("SSO logout: the provider's metadata could not be read")
        return None
    if not endpoint:
        return None
    params = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(
            resolve_url(settings.LOGOUT_REDIRECT_URL)
        ),
    }
    if id_token := request.session.get("oidc_id_token"):
        params["id_token_hint"] = id_token
    separator = "&" if "?" in endpoint else "?"
    return f"{endpoint}{separator}{urlencode(params)}"


class HuskOIDCBackend(OIDCAuthenticationBackend):
    """Signs in an existing, active HUSK user whose configured claim the provider vouches for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # mozilla-django-oidc reads every endpoint here; discovery waits until a sign-in
        # needs them, so that building the backend for a password login costs nothing.
        self.UserModel = User

    @staticmethod
    def get_settings(attr: str, *args: Any) -> Any:
        return oidc_setting(attr, *args)

    # The attributes mozilla-django-oidc reads, looked up when used.
    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:
        return str(oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))

    @property
    def OIDC_OP_USER_ENDPOINT(self) -> str | None:
        return oidc_setting("OIDC_OP_USER_ENDPOINT", None)  # type: ignore[no-any-return]

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:
        return str(oidc_setting("OIDC_OP_JWKS_ENDPOINT"))

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:
        return str(settings.OIDC_RP_CLIENT_ID)

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:
        return str(settings.OIDC_RP_CLIENT_SECRET)

    @property
    def OIDC_RP_SIGN_ALGO(self) -> str:
        return str(settings.OIDC_RP_SIGN_ALGO)

    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        if request is None or not sso_enabled() or "code" not in request.GET:
            return None
        # RFC 9207: an authorization response from another issuer is a mix-up attack.
        returned_issuer = request.GET.get("iss")
        if returned_issuer is not None and returned_issuer.rstrip("/") != settings.OIDC_ISSUER:
            raise SSORefused("invalid", f"authorization response from issuer {returned_issuer!r}")
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        """Verify the ID token fully: the library checks neither its audience nor its issuer."""
        try:
            header = jwt.get_unverified_header(payload)
        except jwt.InvalidTokenError as error:
            raise SSORefused("invalid", f"unreadable ID token: {error}") from None
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SSORefused("invalid", f"ID token signed with {header.get('alg')!r}")
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=settings.OIDC_ISSUER,
                leeway=settings.OIDC_CLOCK_LEEWAY,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise SSORefused("expired", "the ID token has expired") from None
        except jwt.InvalidTokenError as error:
            raise SSORefused("invalid", f"ID token refused: {error}") from None
        return claims

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        """The ID token's claims, completed by the userinfo endpoint where there is one."""
        claims: dict[str, Any] = {}
        if self.OIDC_OP_USER_ENDPOINT:
            claims = super().get_userinfo(access_token, id_token, payload)
            # OpenID Connect Core 5.3.2: userinfo about another subject must not be used.
            if claims.get("sub") != payload.get("sub"):
                raise SSORefused("invalid", "userinfo is about another subject")
        return {**claims, **payload}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get(settings.OIDC_USER_CLAIM))

    def filter_users_by_claims(self, claims: dict[str, Any]) -> Any:
        field = settings.OIDC_USER_FIELD
        if field not in MATCH_FIELDS:  # the settings refuse others; a test may not
            raise ImproperlyConfigured(f"OIDC_USER_FIELD must be one of {', '.join(MATCH_FIELDS)}.")
        value = str(claims.get(settings.OIDC_USER_CLAIM, "")).strip()
        if not value:
            return User.objects.none()
        # Only people: a system actor (seed_demo, the export worker ...) never signs in.
        return User.objects.filter(
            **{f"{field}__iexact": value}, is_active=True, is_system_actor=False
        )

    def get_or_create_user(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> User | None:
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise SSORefused("unknown", f"the provider sent no {settings.OIDC_USER_CLAIM} claim")
        users: list[User] = list(self.filter_users_by_claims(claims)[:2])
        if len(users) != 1:
            # None: not a HUSK user, or deactivated. Two: ambiguous, and choosing is wrong.
            raise SSORefused(
                "unknown", f"{len(users)} active HUSK users match the {settings.OIDC_USER_CLAIM}"
            )
        return users[0]

    def create_user(self, claims: dict[str, Any]) -> User:
        raise SSORefused("unknown", "HUSK never creates users from an identity provider")

    def get_user(self, user_id: int) -> User | None:
        # A deactivated user's open SSO session ends at the next request.
        user: User | None = User.objects.filter(
            pk=user_id, is_active=True, is_system_actor=False
        ).first()
        return user
