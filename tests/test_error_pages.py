"""Error pages keep HUSK's look and language and say nothing technical."""

from django.http import HttpRequest, HttpResponse
from django.test import Client as HttpClient
from django.urls import path

from husk import urls as root_urls
from organisation.access import PUBLIC, policy
from organisation.models import User


@policy(PUBLIC)
def broken_view(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("internal detail that must not reach the user")


urlpatterns = [path("broken/", broken_view), *root_urls.urlpatterns]


def test_a_server_error_shows_a_calm_norwegian_page(settings: object, db: None) -> None:
    settings.ROOT_URLCONF = "tests.test_error_pages"  # type: ignore[attr-defined]
    response = HttpClient(raise_request_exception=False).get("/broken/")
    assert response.status_code == 500
    assert "Noe gikk galt" in response.text
    assert "internal detail" not in response.text
    assert 'id="main"' in response.text


def test_403_page_uses_the_layout(client: HttpClient, caseworker_heimdal: User) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get("/dashboard/")
    assert response.status_code == 403
    assert "Du har ikke tilgang til denne siden" in response.text
    assert 'aria-label="Hovedmeny"' in response.text
