"""A family coordinator works on a family plan in a real browser; a stale page gets the conflict."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from audit.history import acting_as, system_actor
from families.models import Family, PlanAction, PlanGoal
from organisation.models import User
from organisation.roles import Role
from tests.browser.test_login_journey import assert_accessible, log_in
from tests.factories import staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=20, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_coordinator_adds_a_goal_and_an_action_and_a_stale_page_is_refused(
    page: Page, browser: Browser, live_server: object, demo: None
) -> None:
    coordinator = User.objects.get(username="koordinator.heimdal")
    family = Family.objects.filter(coordinator=coordinator).order_by("name").first()
    assert family is not None
    with acting_as(system_actor("tests")):
        colleague = staff("koordinator2.heimdal", Role.COORDINATOR, family.office)
        colleague.set_password("husk-demo")
        colleague.save()

    log_in(page, "koordinator.heimdal")
    page.get_by_role("link", name=family.name).click()
    page.get_by_role("link", name="Familieplan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Familieplan")

    # A second coordinator opens the same plan in another browser and leaves the page open.
    other = browser.new_context(base_url=str(live_server), locale="nb-NO").new_page()
    log_in(other, "koordinator2.heimdal")
    other.goto(f"/families/{family.pk}/plan/")

    new_goal = page.get_by_role("region", name="Nytt mål")
    new_goal.get_by_label("Livsområde").select_option(label="Bolig")
    new_goal.get_by_label("Mål, med familiens egne ord").fill(
        "Vi vil ha en bolig med plass til alle"
    )
    new_goal.get_by_role("button", name="Legg til mål").click()
    goal = page.get_by_test_id("goal").filter(has_text="Vi vil ha en bolig med plass til alle")
    expect(goal).to_be_visible()

    goal.get_by_text("Legg til et tiltak").click()
    goal.get_by_label("Tiltak", exact=False).first.fill("Søke om kommunal bolig")
    goal.get_by_role("combobox", name="Ansvarlig*").select_option(label="Koordinatoren")
    goal.get_by_role("button", name="Legg til tiltak").click()
    action_row = page.get_by_test_id("action").filter(has_text="Søke om kommunal bolig")
    expect(action_row).to_be_visible()
    action_row.get_by_role("button", name=re.compile("^Utført")).click()
    expect(
        page.get_by_test_id("action")
        .filter(has_text="Søke om kommunal bolig")
        .get_by_test_id("action-status")
    ).to_have_text("Fullført")
    assert_accessible(page)

    stale_new_goal = other.get_by_role("region", name="Nytt mål")
    stale_new_goal.get_by_label("Livsområde").select_option(label="Økonomi og gjeld")
    stale_new_goal.get_by_label("Mål, med familiens egne ord").fill("Mål fra en gammel side")
    stale_new_goal.get_by_role("button", name="Legg til mål").click()
    expect(other.get_by_test_id("plan-conflict")).to_be_visible()
    expect(other.get_by_test_id("goal").filter(has_text="Vi vil ha en bolig")).to_be_visible()
    expect(other.locator("#goal_text")).to_have_value("Mål fra en gammel side")
    assert not PlanGoal.objects.filter(text="Mål fra en gammel side").exists()
    assert PlanAction.objects.get(text="Søke om kommunal bolig").status == "completed"
    other.context.close()

    # A review where the family rates its quality of life; the chart and the change move.
    page.goto(f"/families/{family.pk}/reviews/")
    housing = page.get_by_test_id("ratings-housing")
    before = housing.get_by_test_id("change").inner_text() if housing.count() else None
    page.get_by_role("link", name="Ny evaluering").click()
    page.get_by_label("Bolig").select_option("10")
    page.get_by_label("Hva som fungerer").fill("Vi har fått svar på boligsøknaden")
    assert_accessible(page)
    page.get_by_role("button", name="Lagre evaluering").click()
    expect(page.get_by_test_id("ratings-chart")).to_be_visible()
    expect(page.get_by_test_id("ratings-housing")).to_contain_text("10")
    after = page.get_by_test_id("ratings-housing").get_by_test_id("change").inner_text()
    assert after != before
    assert_accessible(page)

    page.get_by_role("button", name="Logg ut").click()
    log_in(page, "koordinator.sagene")
    for url in (
        f"/families/{family.pk}/",
        f"/families/{family.pk}/plan/",
        f"/families/{family.pk}/reviews/",
    ):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404
        expect(page.get_by_text(family.name)).to_have_count(0)
