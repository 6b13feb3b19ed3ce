"""The one place that decides who may use which view and see which objects.

Every view declares a policy with ``@policy(RULE)`` (or, for third-party URL
sets, ``with_policy(RULE, urls)``); a middleware refuses any view without
one. Person-level objects are fetched with ``get_for_user`` or a queryset's
``visible_to(user)``: both filter on the user's own offices, so a guessed URL
from another office is a 404.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, Self, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.urls import URLPattern, URLResolver
from django.utils.cache import patch_cache_control

from audit.access_log import record_read
from audit.emergency import emergency_access_in_force
from audit.history import TrackedQuerySet
from audit.models import EmergencyAccess
from organisation.roles import PERSON_LEVEL_ROLES, Role
from organisation.second_factor import enrolment_redirect, second_factor_given

if TYPE_CHECKING:
    from organisation.models import User

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponseBase]


class AuthenticatedHttpRequest(HttpRequest):
    """The request of a view behind a policy that requires login."""

    user: "User"


@dataclass(frozen=True)
class Rule:
    """Who may call a view, and how a refusal looks."""

    name: str
    login_required: bool = True
    roles: frozenset[str] | None = None
    # Person-level pages refuse with 404 so that a refusal reveals nothing.
    deny_as_404: bool = False
    # A signed-in session must also have given its second factor (organisation.two_factor),
    # except on the few pages that lead there (enrolment, logout).
    second_factor: bool = True

    def allows(self, user: Any) -> bool:
        if not self.login_required:
            return True
        if not user.is_authenticated:
            return False
        if self.second_factor and not second_factor_given(user):
            return False
        return self.roles is None or user.has_role(*self.roles)

    def check(self, request: HttpRequest) -> HttpResponseBase | None:
        """Return a response that refuses the request, or None to let it through."""
        if self.allows(request.user):
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if self.second_factor and not second_factor_given(request.user):
            return enrolment_redirect(request)
        if self.deny_as_404:
            raise Http404
        raise PermissionDenied


PUBLIC = Rule("public", login_required=False)
LOGGED_IN = Rule("logged_in")
# Signed in with a password, the second factor still to come: enrolment and logout only.
SIGNING_IN = Rule("signing_in", second_factor=False)
PERSON_LEVEL = Rule("person_level", roles=PERSON_LEVEL_ROLES, deny_as_404=True)
AGGREGATES = Rule("aggregates", roles=frozenset({Role.MANAGER, Role.ADMINISTRATOR}))
RESEARCH = Rule("research", roles=frozenset({Role.RESEARCHER}))
ADMINISTRATION = Rule("administration", roles=frozenset({Role.ADMINISTRATOR}))
ACCESS_LOG = Rule("access_log", roles=frozenset({Role.ACCESS_LOG_READER}))
# The "who has seen my case" report: a part of the access log, about one client, so only
# for the log's readers, and (through read_object) only for a client of their offices.
ACCESS_REPORT = Rule("access_report", roles=frozenset({Role.ACCESS_LOG_READER}), deny_as_404=True)
# The managers' own pages (the follow-up of emergency access): managers, not administrators.
MANAGERS = Rule("managers", roles=frozenset({Role.MANAGER}))


def _guard(rule: Rule, view: View, methods: frozenset[str] | None = None) -> View:
    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        refusal = rule.check(request)
        if refusal is not None:
            return refusal
        if methods is not None and request.method not in methods:
            if rule.deny_as_404:
                # Decided before any lookup, so it says nothing about the object.
                raise Http404
            return HttpResponseNotAllowed(sorted(methods))
        return view(request, *args, **kwargs)

    guarded.access_policy = rule  # type: ignore[attr-defined]
    return guarded


def policy(rule: Rule, *, methods: tuple[str, ...] | None = None) -> Callable[[View], View]:
    """Declare and enforce the access rule of a view, and the HTTP methods it answers.

    ``methods=("GET",)`` also admits HEAD. On a person-level page any other
    method is a 404, like every other refusal there.
    """
    allowed = None
    if methods is not None:
        allowed = frozenset(methods) | ({"HEAD"} if "GET" in methods else set())

    def decorator(view: View) -> View:
        return _guard(rule, view, allowed)

    return decorator


def with_policy[T](rule: Rule, urls: T) -> T:
    """Guard every view of an included URL set (e.g. the Django admin) with one rule."""
    patterns = urls[0] if isinstance(urls, tuple) else urls
    for entry in cast(list[URLPattern | URLResolver], patterns):
        if isinstance(entry, URLResolver):
            with_policy(rule, entry.url_patterns)
        else:
            entry.callback = _guard(rule, entry.callback)
    return urls


def policy_of(view: Callable[..., Any]) -> Rule | None:
    return cast(Rule | None, getattr(view, "access_policy", None))


class AccessPolicyMiddleware:
    """Deny by default: a view without a declared policy is never run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.user.is_authenticated:
            # Pages of a signed-in user may hold personal data: never cache them.
            patch_cache_control(response, no_store=True, private=True)
        return response

    def process_view(
        self, request: HttpRequest, view_func: View, args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        if policy_of(view_func) is None:
            logger.error("View %s has no access policy; refused.", view_func.__qualname__)
            raise PermissionDenied
        return None


# Object-level access --------------------------------------------------------


class OfficeScopedQuerySet(TrackedQuerySet):
    """QuerySet of person-level objects: they belong to an office and have history."""

    # The lookup from this model to its office id; override for indirect ownership.
    office_lookup = "office_id"

    def visible_to(self, user: "User") -> Self:
        if not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(**{f"{self.office_lookup}__in": user.person_level_office_ids})


def get_for_user[M: models.Model](queryset: "models.QuerySet[M]", user: "User", **lookup: Any) -> M:
    """Fetch one person-level object the user may see, or raise Http404."""
    visible = cast(OfficeScopedQuerySet, queryset).visible_to(user)
    try:
        return cast(M, visible.get(**lookup))
    except ObjectDoesNotExist:
        raise Http404 from None


class PersonLevelModel(Protocol):
    """A model whose rows hold personal data of one or more clients."""

    pk: Any
    office_id: int

    def accessed_client_ids(self) -> list[int]: ...


def read_object[M: models.Model](
    request: HttpRequest, queryset: "models.QuerySet[M]", *, action: str = "view", **lookup: Any
) -> M:
    """Fetch a person-level object for the request's user and log the read.

    A refusal is logged too (with the record asked for, when it exists) and
    ends in Http404. If the log cannot be written the exception propagates,
    so no personal data is served without a log row.
    """
    obj, _ = _read(request, queryset, action=action, emergency=False, lookup=lookup)
    return obj


def read_client_or_emergency[M: models.Model](
    request: HttpRequest, queryset: "models.QuerySet[M]", **lookup: Any
) -> tuple[M, EmergencyAccess | None]:
    """read_object for the client page, which also opens under break-the-glass.

    A client outside the user's offices opens only while the user holds an emergency
    access to it (audit.emergency), and the read is logged with it; otherwise the page
    is the same 404 as ever. Only the client page calls this: under a grant, every
    other page of the client stays closed.
    """
    return _read(request, queryset, action="view", emergency=True, lookup=lookup)


def _read[M: models.Model](
    request: HttpRequest,
    queryset: "models.QuerySet[M]",
    *,
    action: str,
    emergency: bool,
    lookup: dict[str, Any],
) -> tuple[M, EmergencyAccess | None]:
    user = cast("User", request.user)
    try:
        obj = get_for_user(queryset, user, **lookup)
    except Http404:
        asked_for = cast(Any, queryset.model._default_manager.filter(**lookup).first())
        grant = None
        if emergency and asked_for is not None:
            grant = emergency_access_in_force(user=user, client_id=asked_for.pk)
        if grant is None:
            record_read(
                request,
                action=action,
                client_ids=asked_for.accessed_client_ids() if asked_for is not None else (),
                office_id=asked_for.office_id if asked_for is not None else None,
                allowed=False,
            )
            raise
        # With the page's joins and prefetches, but not limited to the user's offices.
        obj = queryset.get(pk=asked_for.pk)
        person = cast(PersonLevelModel, obj)
        record_read(
            request,
            action=action,
            subject=obj,
            client_ids=person.accessed_client_ids(),
            office_id=person.office_id,
            emergency_access=grant,
        )
        return obj, grant
    person = cast(PersonLevelModel, obj)
    record_read(
        request,
        action=action,
        subject=obj,
        client_ids=person.accessed_client_ids(),
        office_id=person.office_id,
    )
    return obj, None
