"""Norwegian bokmål by default, English on request, dates as dd.mm.åååå."""

import datetime

from django.conf import settings
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import Client
from organisation.models import User


def test_the_ui_speaks_bokmal_by_default(client: HttpClient, db: None) -> None:
    response = client.get(reverse("login"))
    assert '<html lang="nb">' in response.text
    assert "Logg inn" in response.text


def test_english_can_be_chosen(client: HttpClient, db: None) -> None:
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"))
    assert '<html lang="en">' in response.text
    assert "Log in to HUSK" in response.text


def test_dates_are_shown_as_dd_mm_yyyy(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client_heimdal.birth_date = datetime.date(1987, 3, 9)
    with acting_as(system_actor("tests")):
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    assert "09.03.1987" in client.get(client_heimdal.get_absolute_url()).text


def test_error_pages_share_the_layout(client: HttpClient, caseworker_heimdal: User) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get("/finnes-ikke/")
    assert response.status_code == 404
    assert "Siden finnes ikke" in response.text
    assert 'id="main"' in response.text


def test_djangos_empty_choice_is_in_bokmal() -> None:
    from django.utils import translation

    with translation.override("nb"):
        assert translation.gettext("- Select an option -") == "- Velg -"


def test_an_english_browser_still_gets_bokmal_until_english_is_chosen(
    client: HttpClient, db: None
) -> None:
    """Staff often run an English browser; HUSK speaks bokmål until they pick English in HUSK."""
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nb">' in response.text
    assert response["Content-Language"] == "nb"
    client.post(reverse("set_language"), {"language": "en", "next": reverse("login")})
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nb")
    assert '<html lang="en">' in response.text
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    assert '<html lang="nb">' in client.get(reverse("login")).text
