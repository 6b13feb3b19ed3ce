"""Each demo user signs in through the real login page and lands on the home of their role."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from clients.models import Client
from devdata.demo import DEMO_PASSWORD, DEMO_USERS
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory
from tests.logins import fresh_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOME = {
    Role.CASEWORKER: ("followup:caseload", "Arbeidsliste"),
    Role.COORDINATOR: ("families:home", "Familier"),
    Role.MANAGER: ("dashboards:home", "Oversikt"),
    Role.RESEARCHER: ("research:home", "Forskningsprosjekter"),
    Role.ADMINISTRATOR: ("organisation:home", "Administrasjon"),
}
WCAG_21_AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def assert_accessible(page: Page) -> None:
    results = Axe().run(page, options=WCAG_21_AA)
    assert results.violations_count == 0, results.generate_report()


def log_in(page: Page, username: str) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login/"))
    page.get_by_label("Brukernavn").fill(username)
    page.get_by_label("Passord").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Logg inn").click()
    # The second page: the code the user's authenticator app shows now.
    page.get_by_label("Kode").fill(fresh_code(User.objects.get(username=username)))
    page.get_by_role("button", name="Bekreft koden").click()


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=8, stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.parametrize("demo_user", DEMO_USERS, ids=lambda d: d.username)
def test_demo_user_lands_on_the_home_of_their_role(page: Page, demo: None, demo_user) -> None:  # type: ignore[no-untyped-def]
    log_in(page, demo_user.username)
    url_name, heading = HOME[demo_user.role]
    expect(page).to_have_url(re.compile(re.escape(reverse(url_name)) + "$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    expect(page.get_by_test_id("signed-in-user")).to_have_text(
        f"{demo_user.first_name} {demo_user.last_name}"
    )
    assert_accessible(page)
    page.get_by_role("button", name="Logg ut").click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_login_page_is_accessible_and_in_bokmal(page: Page, demo: None) -> None:
    page.goto(reverse("login"))
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logg inn i HUSK")
    assert_accessible(page)
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_caseworker_of_other_office_gets_404_on_a_client(page: Page, demo: None) -> None:
    heimdal = Office.objects.get(name="NAV Heimdal")
    client: Client = ClientFactory(office=heimdal, first_name="Synne", last_name="Syntetisk")
    log_in(page, "veileder.heimdal")
    page.goto(client.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Synne Syntetisk")
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, "veileder.sagene")
    response = page.goto(client.get_absolute_url())
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Siden finnes ikke")
    expect(page.get_by_text("Syntetisk")).to_have_count(0)


def test_the_login_page_and_the_home_page_ask_for_nothing_missing(page: Page, demo: None) -> None:
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}") if response.status >= 400 else None
        ),
    )
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    page.goto(reverse("login"))
    page.wait_for_load_state("networkidle")
    named = named_resources(page)
    log_in(page, "veileder.heimdal")
    expect(page).to_have_url(re.compile(re.escape(reverse("followup:caseload")) + "$"))
    page.wait_for_load_state("networkidle")
    # A headless browser fetches no icon: ask for what a desktop browser would.
    for url in {*named, *named_resources(page), "/favicon.ico"}:
        status = page.request.get(url).status
        if status >= 400:
            failed.append(f"{status} {url}")
    assert failed == []


def named_resources(page: Page) -> list[str]:
    """Every file the page links to: icons, style sheets, scripts, images."""
    return page.eval_on_selector_all(
        "link[href], script[src], img[src]",
        "elements => elements.map(e => e.getAttribute('href') || e.getAttribute('src'))",
    )
