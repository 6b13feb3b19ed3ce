"""Login, logout, throttling and session lifetimes."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from organisation.middleware import LOGIN_AT, RENEWED_AT
from organisation.models import User
from tests.logins import enrol, log_in

PASSWORD = "husk-test-password"


@pytest.fixture(autouse=True)
def _enrolled(request: pytest.FixtureRequest) -> None:
    """The caseworker has set up two-factor login: both login pages are gone through."""
    if "caseworker_heimdal" in request.fixturenames:
        enrol(request.getfixturevalue("caseworker_heimdal"))


def login(client: HttpClient, username: str, password: str = PASSWORD) -> HttpResponse:
    """Both login pages (the password, then the code of the user's device)."""
    return log_in(client, username, password)


def test_login_rotates_the_session_key(client: HttpClient, caseworker_heimdal: User) -> None:
    client.get(reverse("login"))
    session = client.session
    session["before"] = True
    session.save()
    before = session.session_key
    response = login(client, "veileder.heimdal")
    assert response.status_code == 302
    assert client.session.session_key != before


def test_logout_kills_the_session_on_the_server(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    login(client, "veileder.heimdal")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert client.get(reverse("clients:list")).status_code == 302


def test_wrong_password_gives_a_norwegian_message(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    response = login(client, "veileder.heimdal", "feil-passord")
    assert response.status_code == 200
    assert "oppgi korrekt brukernavn og passord" in response.text


def test_repeated_failures_lock_the_account(client: HttpClient, caseworker_heimdal: User) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "veileder.heimdal", "feil-passord")
    response = login(client, "veileder.heimdal")  # even the right password is refused now
    assert response.status_code == 429
    assert "For mange mislykkede" in response.text
    assert "_auth_user_id" not in client.session


def test_sessions_expire_after_30_idle_minutes(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    login(client, "veileder.heimdal")
    key = client.session.session_key

    def expires() -> float:
        return Session.objects.get(session_key=key).expire_date.timestamp()

    # In use, the session is renewed, though at most once a minute (not a write per page).
    first = expires()
    assert client.get(reverse("clients:list")).status_code == 200
    assert expires() == first
    session = client.session
    session[RENEWED_AT] = int(time.time()) - settings.SESSION_RENEW_INTERVAL
    session.save()
    saved = expires()
    assert client.get(reverse("clients:list")).status_code == 200
    assert expires() > saved
    assert client.session[RENEWED_AT] >= int(time.time()) - 5
    # 30 minutes without a request: the session has expired and the user must sign in.
    Session.objects.filter(session_key=key).update(expire_date=timezone.now())
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sessions_end_12_hours_after_login(client: HttpClient, caseworker_heimdal: User) -> None:
    login(client, "veileder.heimdal")
    assert client.get(reverse("clients:list")).status_code == 200
    session = client.session
    session[LOGIN_AT] = int(time.time()) - 12 * 60 * 60 - 1
    session.save()
    response = client.get(reverse("clients:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("caseworker_heimdal", "followup:caseload"),
        ("coordinator_heimdal", "families:home"),
        ("manager_heimdal", "dashboards:home"),
        ("researcher", "research:home"),
        ("administrator", "organisation:home"),
    ],
)
def test_each_role_lands_on_its_home(
    db: None, request: pytest.FixtureRequest, client: HttpClient, username: str, home: str
) -> None:
    client.force_login(request.getfixturevalue(username))
    assert client.get(reverse("home")).url == reverse(home)


def test_a_user_without_role_is_told_so(client: HttpClient, outsider: User) -> None:
    client.force_login(outsider)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "ingen rolle" in response.text
