"""A manager watches the dashboard in a real browser: charts, period and programme, a download,
and not a single name, national id or note anywhere."""

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clients.models import Client
from followup.models import Contact, Programme
from tests.browser.test_login_journey import WCAG_21_AA, assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=30, stdout=open("/dev/null", "w"))  # noqa: SIM115


def assert_no_person_on(page: Page, clients: list[Client], notes: list[str]) -> None:
    text = page.content()
    for person in clients:
        assert person.last_name + "," not in text
        assert f"{person.first_name} {person.last_name}" not in text
        assert person.national_id is None or person.national_id not in text
    for note in notes:
        assert note not in text


def test_manager_sees_the_dashboard_changes_period_and_programme_and_downloads(
    page: Page, demo: None
) -> None:
    clients = list(Client.objects.all())
    notes = [
        n
        for n in Contact.objects.exclude(note="").values_list("note", flat=True)[:50]
        if len(n) > 12
    ]
    log_in(page, "leder.heimdal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Oversikt")
    expect(page.get_by_test_id("trend-chart")).to_be_visible()
    expect(page.get_by_test_id("table-key-figures")).to_contain_text("Brukere fulgt opp i perioden")
    expect(page.get_by_test_id("legend")).to_contain_text("<5: færre enn fem")
    assert_accessible(page)
    assert_no_person_on(page, clients, notes)

    page.get_by_label("Fra måned").fill("2025-01")
    page.get_by_label("Til måned").fill("2025-12")
    programme = Programme.objects.filter(office__name="NAV Heimdal").order_by("name").first()
    assert programme is not None
    page.get_by_label("Program").select_option(label=f"{programme.name} (NAV Heimdal)")
    page.get_by_role("button", name="Vis").click()
    expect(page).to_have_url(re.compile(r"start=2025-01.*end=2025-12|end=2025-12.*start=2025-01"))
    expect(page.get_by_test_id("table-months")).to_contain_text("12.2025")
    assert_no_person_on(page, clients, notes)

    with page.expect_download() as download_info:
        page.get_by_test_id("table-months").get_by_role("link", name=re.compile("^CSV")).click()
    download = download_info.value
    assert download.suggested_filename == "husk-months-202501-202512.csv"
    content = open(download.path(), encoding="utf-8").read()  # noqa: SIM115
    assert content.startswith("Måned for måned")
    assert "12.2025" in content
    for person in clients:
        assert f"{person.first_name} {person.last_name}" not in content
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_a_manager_reaches_no_person_level_page(page: Page, demo: None) -> None:
    person = Client.objects.filter(office__name="NAV Heimdal").first()
    assert person is not None
    log_in(page, "leder.heimdal")
    response = page.goto(person.get_absolute_url())
    assert response is not None
    assert response.status == 404
    expect(page.get_by_text(person.last_name)).to_have_count(0)


def assert_no_serious_violation(page: Page) -> None:
    """axe-core's WCAG 2.1 AA rules find nothing serious or critical on the page."""
    results = Axe().run(page, options=WCAG_21_AA)
    serious = [
        v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
    ]
    assert not serious, results.generate_report()


def test_the_dashboard_and_research_pages_pass_axe_and_their_tables_scroll_by_keyboard(
    page: Page, demo: None
) -> None:
    log_in(page, "leder.heimdal")
    expect(page.get_by_role("heading", name="Oversikt", exact=True)).to_be_visible()
    assert_no_serious_violation(page)
    # Each scrollable table is a named region that the keyboard reaches.
    regions = page.locator(".table-responsive")
    assert regions.count() > 0
    for i in range(regions.count()):
        region = regions.nth(i)
        assert region.get_attribute("tabindex") == "0"
        assert region.get_attribute("role") == "region"
        assert region.get_attribute("aria-labelledby")
    # The section is a region too (it has a heading); the scrolling box is the focusable one.
    region = page.get_by_test_id("table-interventions").locator('[role="region"][tabindex="0"]')
    region.focus()
    expect(region).to_be_focused()
    for path in ["/research/approvals/"]:
        page.goto(path)
        assert_no_serious_violation(page)
    sample = page.locator('a[href*="/samples/new/"]')
    if sample.count():
        sample.first.click()
        assert_no_serious_violation(page)
    page.context.clear_cookies()
    log_in(page, "innsyn.heimdal")
    page.goto("/research/export-log/")
    assert_no_serious_violation(page)
    page.goto("/research/export-log/?page=abc")
    expect(page.get_by_text("Oppgi siden som et heltall fra 1 til 1 000 000.")).to_be_visible()
    assert_no_serious_violation(page)
    page.context.clear_cookies()
    log_in(page, "admin")
    page.goto("/dashboard/")
    assert_no_serious_violation(page)
