"""Deny by default: every URL declares who may use it, and undeclared views never run."""

from collections.abc import Iterator

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, path

from husk import urls as root_urls
from organisation.access import policy_of


def walk(
    patterns: list[URLPattern | URLResolver], prefix: str = ""
) -> Iterator[tuple[str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern), entry


def test_every_url_declares_an_access_policy() -> None:
    undeclared = [
        route
        for route, entry in walk(get_resolver().url_patterns)
        if policy_of(entry.callback) is None
    ]
    assert undeclared == []


def test_the_walk_sees_the_whole_site() -> None:
    routes = {route for route, _ in walk(get_resolver().url_patterns)}
    assert {"clients/<int:pk>/", "login/", "django-admin/"} <= routes


def undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("personal data")


urlpatterns = [path("undeclared/", undeclared_view), *root_urls.urlpatterns]


@pytest.mark.urls("tests.test_url_policies")
def test_a_view_without_policy_is_refused(admin_client: HttpClient) -> None:
    response = admin_client.get("/undeclared/")
    assert response.status_code == 403
    assert b"personal data" not in response.content
