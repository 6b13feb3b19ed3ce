"""Single sign-on against a real OpenID Connect provider (a Node process) and a live HUSK server.

Every hop is a real HTTP redirect between two servers on loopback: HUSK's login page, the
provider's sign-in form, the code back to HUSK, and HUSK's own calls to the provider's
discovery, token, keys and userinfo endpoints. Nothing of the HTTP is mocked.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.live_server_helper import LiveServer

from organisation import sso
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import MembershipFactory, UserFactory
from tests.logins import log_in
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, LocalProvider, local_provider

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 15
BACKEND = "organisation.sso.HuskOIDCBackend"


HUSK_IN_PROCESS = "http://testserver"


@dataclass
class Page:
    url: str
    status: int
    location: str | None
    text: str


class Browser:
    """Follows links and redirects between HUSK and the provider, with each one's cookies.

    HUSK is either a live server (every hop a real HTTP request) or, for the refusals,
    Django's test client at http://testserver; the provider is always the real process,
    and HUSK's own calls to it (discovery, token, keys, userinfo) are always real HTTP.
    """

    def __init__(self, husk: HttpClient | None = None) -> None:
        self.web = requests.Session()
        self.husk = husk

    def request(self, method: str, url: str, data: dict[str, str] | None = None) -> Page:
        if self.husk is not None and url.startswith(HUSK_IN_PROCESS):
            parts = urlsplit(url)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            send = self.husk.post if method == "POST" else self.husk.get
            response = send(path, data or {})
            return Page(url, response.status_code, response.get("Location"), response.text)
        web = self.web.request(method, url, data=data, allow_redirects=False, timeout=TIMEOUT)
        return Page(url, web.status_code, web.headers.get("Location"), web.text)

    def follow(self, url: str, method: str = "GET", data: dict[str, str] | None = None) -> Page:
        page = self.request(method, url, data)
        for _ in range(10):
            if page.location is None or page.status not in (301, 302, 303, 307):
                return page
            target = urljoin(page.url, page.location)
            if self.husk is not None and target.startswith("/"):
                target = HUSK_IN_PROCESS + target
            page = self.request("GET", target)
        raise AssertionError(f"Too many redirects from {url}")

    def husk_cookie(self, name: str) -> str | None:
        if self.husk is not None:
            cookie = self.husk.cookies.get(name)
            return cookie.value if cookie else None
        return self.web.cookies.get(name)


class FormParser(HTMLParser):
    """The action and fields of the first form on a page (the provider's are plain HTML)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attributes.get("action") or ""
        elif tag == "input" and attributes.get("name") and attributes.get("type") == "hidden":
            self.fields[str(attributes["name"])] = attributes.get("value") or ""


def first_form(html: str) -> FormParser:
    parser = FormParser()
    parser.feed(html)
    assert parser.action is not None, html
    return parser


def start_sign_in(
    browser: Browser, husk: str, login: str, next_url: str = "", entry: str | None = None
) -> str:
    """From HUSK's login page (or `entry`) through the provider's sign-in, up to the way back.

    Returns the URL of HUSK's callback that the provider sends the browser to. The one
    place that knows the provider's pages: a second factor there would be added here.
    """
    if entry is None:
        login_page = browser.follow(
            f"{husk}/login/" + (f"?{urlencode({'next': next_url})}" if next_url else "")
        )
        link = re.search(r'href="(/sso/login/[^"]*)"[^>]*>Logg inn med Lokal IdP<', login_page.text)
        assert link, login_page.text
        entry = f"{husk}{link.group(1)}"
    at_provider = browser.follow(entry)
    assert at_provider.status == 200, at_provider.text
    form = first_form(at_provider.text)
    back = browser.request(
        "POST",
        urljoin(at_provider.url, form.action),
        {**form.fields, "login": login, "password": "any"},
    )
    # The provider resumes the authorization and answers with a redirect to HUSK.
    while back.location and not back.location.startswith(husk):
        back = browser.request("GET", urljoin(back.url, back.location))
    assert back.location, back
    assert back.location.startswith(f"{husk}/sso/callback/?"), back
    return back.location


def sign_in(browser: Browser, husk: str, login: str, next_url: str = "") -> Page:
    """The whole SSO sign-in, as a browser follows it; returns HUSK's last page."""
    return browser.follow(start_sign_in(browser, husk, login, next_url))


def signed_in(browser: Browser, husk: str) -> bool:
    page = browser.request("GET", f"{husk}/")
    return not (page.location and "/login/" in page.location)


def logout(browser: Browser, husk: str) -> Page:
    """The logout button of every page (a POST with the CSRF token); not followed."""
    token = browser.husk_cookie("csrftoken") or ""
    if browser.husk is not None:
        browser.husk.defaults["HTTP_X_CSRFTOKEN"] = token
        return browser.request("POST", f"{husk}/logout/")
    response = browser.web.post(
        f"{husk}/logout/",
        data={"csrfmiddlewaretoken": token},
        headers={"Referer": f"{husk}/"},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    return Page(response.url, response.status_code, response.headers.get("Location"), "")


@pytest.fixture(scope="session")
def provider() -> Iterator[LocalProvider]:
    """The provider for HUSK in this process (Django's test client)."""
    with local_provider(
        redirect_uris=[f"{HUSK_IN_PROCESS}/sso/callback/"],
        post_logout_redirect_uris=[f"{HUSK_IN_PROCESS}/login/"],
    ) as op:
        yield op


@pytest.fixture(scope="session")
def live_provider(live_server: LiveServer) -> Iterator[LocalProvider]:
    """The provider for HUSK as a live server in its own thread."""
    with local_provider(
        redirect_uris=[f"{live_server.url}/sso/callback/"],
        post_logout_redirect_uris=[f"{live_server.url}/login/"],
    ) as op:
        yield op


def configure(settings: Any, issuer: str) -> None:
    """HUSK's settings as the README's environment variables would make them."""
    settings.OIDC_ISSUER = issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Lokal IdP"
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, BACKEND]
    sso._metadata_cache.clear()


@pytest.fixture
def sso_on(settings: Any, provider: LocalProvider) -> LocalProvider:
    configure(settings, provider.issuer)
    return provider


@pytest.fixture
def sso_live(settings: Any, live_provider: LocalProvider, transactional_db: None) -> LocalProvider:
    configure(settings, live_provider.issuer)
    return live_provider


@pytest.fixture
def browser(client: HttpClient) -> Browser:
    return Browser(husk=client)


@pytest.fixture
def kari(heimdal: Office) -> User:
    """A caseworker of Heimdal whose e-mail address the identity provider vouches for."""
    user = UserFactory(username="kari.nordmann", email="Kari.Nordmann@nav.test")
    MembershipFactory(user=user, role=Role.CASEWORKER, office=heimdal)
    return User.objects.get(pk=user.pk)


def test_login_page_offers_sso_only_when_configured(
    client: HttpClient, settings: Any, db: None
) -> None:
    assert "Logg inn med" not in client.get(reverse("login")).text
    assert client.get(reverse("sso_login")).status_code == 404
    assert client.get(reverse("sso_callback")).status_code == 404
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_PROVIDER_NAME = "Entra ID"
    assert "Logg inn med Entra ID" in client.get(reverse("login")).text


def test_known_user_signs_in_through_the_provider_and_reaches_their_caseload(
    sso_live: LocalProvider, live_server: LiveServer, kari: User
) -> None:
    browser = Browser()
    callback = start_sign_in(browser, live_server.url, "kari.nordmann@nav.test")
    assert parse_qs(urlsplit(callback).query)["iss"] == [sso_live.issuer]

    landing = browser.follow(callback)

    assert landing.status == 200
    assert landing.url == f"{live_server.url}/caseload/"
    assert kari.get_full_name() in landing.text
    session = SessionStore(session_key=browser.husk_cookie("sessionid")).load()
    assert session["_auth_user_id"] == str(kari.pk)
    assert session["_auth_user_backend"] == BACKEND
    assert session["oidc_id_token"].count(".") == 2
    assert sso_live.saw("authorization.success")


def test_logout_ends_the_husk_session_and_the_providers(
    sso_live: LocalProvider, live_server: LiveServer, kari: User
) -> None:
    husk = live_server.url
    browser = Browser()
    assert sign_in(browser, husk, "kari.nordmann@nav.test").status == 200
    husk_session = browser.husk_cookie("sessionid")

    to_provider = logout(browser, husk)

    # HUSK's session is gone on the server before the browser reaches the provider.
    assert not Session.objects.filter(session_key=husk_session).exists()
    assert not signed_in(browser, husk)
    assert to_provider.location
    end_session = urlsplit(to_provider.location)
    query = parse_qs(end_session.query)
    assert end_session._replace(query="").geturl() == f"{sso_live.issuer}/session/end"
    assert query["id_token_hint"][0].count(".") == 2
    assert query["post_logout_redirect_uri"] == [f"{husk}/login/"]
    assert not sso_live.saw("end_session.success")

    confirm = browser.follow(to_provider.location)
    form = first_form(confirm.text)
    back = browser.follow(
        urljoin(confirm.url, form.action), "POST", {**form.fields, "logout": "yes"}
    )

    assert back.url == f"{husk}/login/"
    assert sso_live.saw("end_session.success")
    # The provider's session is over too: signing in again asks for the login again.
    again = browser.follow(f"{husk}/sso/login/")
    assert again.url.startswith(f"{sso_live.issuer}/interaction/")
    assert 'name="login"' in again.text


def test_the_authorization_request_carries_pkce_state_and_nonce(
    sso_on: LocalProvider, browser: Browser, db: None
) -> None:
    page = browser.request("GET", f"{HUSK_IN_PROCESS}/sso/login/")
    assert page.status == 302
    assert page.location
    location = urlsplit(page.location)
    query = parse_qs(location.query)
    assert f"{location.scheme}://{location.netloc}" == sso_on.issuer
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["scope"] == ["openid email profile"]


def test_a_known_user_signs_in_with_the_test_client_too(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    """The refusals below run HUSK in this process; this shows that the way in works there."""
    landing = sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")
    assert landing.status == 200
    assert signed_in(browser, HUSK_IN_PROCESS)


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    landing = sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test", next_url="/clients/")
    assert landing.url == f"{HUSK_IN_PROCESS}/clients/"

    other = Browser(husk=HttpClient())
    callback = start_sign_in(
        other,
        HUSK_IN_PROCESS,
        "kari.nordmann@nav.test",
        entry=f"{HUSK_IN_PROCESS}/sso/login/?next=https://evil.example/",
    )
    # Not followed: were the check missing, this would be a request to another site.
    assert other.request("GET", callback).location == "/"


def test_an_answer_naming_another_issuer_is_refused(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    """RFC 9207: a code from another provider, sent back as if from ours (mix-up attack)."""
    callback = start_sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")

    page = browser.follow(tampered(callback, iss="https://idp.evil.example"))

    assert page.status == 400
    assert "Innloggingen kunne ikke fullføres" in page.text
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_unknown_user_is_refused_and_not_created(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    users_before = User.objects.count()

    page = sign_in(browser, HUSK_IN_PROCESS, "ukjent.person@nav.test")

    assert page.status == 403
    assert "Du er ikke bruker av HUSK" in page.text
    assert "Be en administrator i HUSK" in page.text
    assert User.objects.count() == users_before
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_deactivated_user_is_refused(sso_on: LocalProvider, browser: Browser, kari: User) -> None:
    User.objects.filter(pk=kari.pk).update(is_active=False)

    page = sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")

    assert page.status == 403
    assert "Du er ikke bruker av HUSK" in page.text
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_a_system_actor_never_signs_in(sso_on: LocalProvider, browser: Browser, db: None) -> None:
    UserFactory(username="system:seed_demo", email="robot@nav.test", is_system_actor=True)

    page = sign_in(browser, HUSK_IN_PROCESS, "robot@nav.test")

    assert page.status == 403
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_a_user_deactivated_during_an_sso_session_is_signed_out(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    assert sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test").status == 200
    User.objects.filter(pk=kari.pk).update(is_active=False)
    assert not signed_in(browser, HUSK_IN_PROCESS)


def tampered(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def test_a_tampered_state_is_refused(sso_on: LocalProvider, browser: Browser, kari: User) -> None:
    callback = start_sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")

    page = browser.follow(tampered(callback, state="forged-by-an-attacker"))

    assert page.status == 400
    assert "Innloggingen kunne ikke fullføres" in page.text
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_a_callback_in_another_browser_is_refused(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    """A code and state sent to someone else's browser (login CSRF) sign nobody in."""
    callback = start_sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")
    victim = Browser(husk=HttpClient())

    page = victim.follow(callback)

    assert page.status == 400
    assert not signed_in(victim, HUSK_IN_PROCESS)


def test_a_replayed_code_is_refused(sso_on: LocalProvider, browser: Browser, kari: User) -> None:
    callback = start_sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")
    parts = urlsplit(callback)
    assert browser.follow(callback).status == 200
    # The same code again, under a state this browser really was given: the provider
    # refuses to exchange a code twice.
    fresh = browser.request("GET", f"{HUSK_IN_PROCESS}/sso/login/")
    assert fresh.location
    state = parse_qs(urlsplit(fresh.location).query)["state"][0]

    page = browser.follow(tampered(urlunsplit(parts), state=state))

    assert page.status == 400
    assert "Innloggingen kunne ikke fullføres" in page.text


def test_a_provider_error_is_a_clear_page(
    sso_on: LocalProvider, browser: Browser, kari: User
) -> None:
    callback = start_sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")

    page = browser.follow(tampered(callback, error="access_denied"))

    assert page.status == 400
    assert "Innloggingen kunne ikke fullføres" in page.text
    assert not signed_in(browser, HUSK_IN_PROCESS)


@pytest.fixture
def slow_provider(settings: Any) -> Iterator[LocalProvider]:
    """A provider whose clock is two hours slow: every token it issues has already expired."""
    with local_provider(
        redirect_uris=[f"{HUSK_IN_PROCESS}/sso/callback/"],
        post_logout_redirect_uris=[f"{HUSK_IN_PROCESS}/login/"],
        clock_offset=-7200,
    ) as op:
        configure(settings, op.issuer)
        yield op


def test_an_expired_id_token_is_refused(
    slow_provider: LocalProvider, browser: Browser, kari: User
) -> None:
    page = sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")

    assert page.status == 400
    assert "Innloggingen er utløpt" in page.text
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_logout_where_the_provider_has_no_end_session_ends_the_husk_session(
    settings: Any, browser: Browser, kari: User
) -> None:
    with local_provider(
        redirect_uris=[f"{HUSK_IN_PROCESS}/sso/callback/"],
        post_logout_redirect_uris=[f"{HUSK_IN_PROCESS}/login/"],
        end_session=False,
    ) as op:
        configure(settings, op.issuer)
        assert "end_session_endpoint" not in sso.provider_metadata()
        assert sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test").status == 200

        page = logout(browser, HUSK_IN_PROCESS)

    assert page.location == reverse("login")
    assert not signed_in(browser, HUSK_IN_PROCESS)


def test_password_logout_does_not_visit_the_provider(
    sso_on: LocalProvider, client: HttpClient, kari: User
) -> None:
    client.force_login(kari, backend="django.contrib.auth.backends.ModelBackend")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.headers["Location"] == reverse("login")


def test_an_unreachable_provider_is_a_clear_page(
    client: HttpClient, settings: Any, db: None
) -> None:
    configure(settings, "http://127.0.0.1:9")  # the discard port: nothing listens

    response = client.get(reverse("sso_login"))

    assert response.status_code == 502
    assert "Innloggingstjenesten svarer ikke" in response.text


SSO_ENV = {
    "DJANGO_SETTINGS_MODULE": "husk.settings",
    "SECRET_KEY": "a-long-random-production-key-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e",
    "ALLOWED_HOSTS": "husk.nav.example",
    "DATABASE_URL": "postgres://husk@db.example/husk",
    "PATH": os.environ["PATH"],
    "OIDC_ISSUER": "https://login.microsoftonline.com/tenant/v2.0/",
    "OIDC_CLIENT_ID": "husk",
    "OIDC_CLIENT_SECRET": "secret",
}
SHOW_SETTINGS = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.OIDC_ISSUER, settings.OIDC_RP_SCOPES, settings.AUTHENTICATION_BACKENDS[-1])"
)


def settings_of(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", SHOW_SETTINGS],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_sso_settings_come_from_the_environment() -> None:
    result = settings_of({**SSO_ENV, "OIDC_SCOPES": "openid,email"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "https://login.microsoftonline.com/tenant/v2.0",
        "openid",
        "email",
        BACKEND,
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_CLIENT_SECRET": None}, "OIDC_CLIENT_SECRET must be set with OIDC_ISSUER"),
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set"),
        ({"OIDC_USER_FIELD": "phone"}, "OIDC_USER_FIELD='phone' must be one of email, username"),
    ],
)
def test_sso_settings_fail_loudly(change: dict[str, str | None], message: str) -> None:
    env = {**SSO_ENV, **change}
    result = settings_of({key: value for key, value in env.items() if value is not None})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    ("markup", "expected"),
    [
        ("{% sso_login_button %}", "/sso/login/?next=%2Fclients%2F"),
        ('{% sso_login_button "/families/" %}', "/sso/login/?next=%2Ffamilies%2F"),
        ('{% sso_login_button "https://evil.example/" %}', '"/sso/login/"'),
    ],
)
def test_the_button_keeps_only_our_own_next_page(
    settings: Any, rf: Any, markup: str, expected: str
) -> None:
    from django.template import Context, Template

    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    request = rf.get("/login/", {"next": "/clients/"})
    html = Template("{% load sso %}" + markup).render(Context({"request": request}))
    assert expected in html


def test_single_sign_on_needs_no_second_code_but_the_password_does(
    sso_on: LocalProvider, browser: Browser, client: HttpClient, kari: User
) -> None:
    """The identity provider asked for two factors; a password login must give its own."""
    assert not TOTPDevice.objects.filter(user=kari).exists()
    landing = sign_in(browser, HUSK_IN_PROCESS, "kari.nordmann@nav.test")
    assert landing.status == 200
    assert browser.request("GET", f"{HUSK_IN_PROCESS}/caseload/").status == 200
    logout(browser, HUSK_IN_PROCESS)

    assert log_in(client, "kari.nordmann", "husk-test-password").status_code == 302
    caseload = client.get(reverse("followup:caseload"))
    assert caseload.status_code == 302
    assert caseload["Location"].startswith(reverse("two_factor:setup"))
