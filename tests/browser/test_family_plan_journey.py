"""Two coordinators work on one family plan at once (two browsers): only the same goal conflicts."""

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
from tests.logins import enrol

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=20, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_coordinator_and_colleague_change_the_plan_at_once_and_only_the_same_goal_conflicts(
    page: Page, browser: Browser, live_server: object, demo: None
) -> None:
    coordinator = User.objects.get(username="koordinator.heimdal")
    family = Family.objects.filter(coordinator=coordinator).order_by("name").first()
    assert family is not None
    with acting_as(system_actor("tests")):
        colleague = staff("koordinator2.heimdal", Role.COORDINATOR, family.office)
        colleague.set_password("husk-demo")
        colleague.save()
        enrol(colleague)

    log_in(page, "koordinator.heimdal")
    page.get_by_role("link", name=family.name).click()
    page.get_by_role("link", name="Familieplan").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Familieplan")

    new_goal = page.get_by_role("region", name="Nytt mål")
    for area, text in (("Bolig", "Vi vil ha en bolig med plass til alle"), ("Arbeid", "Fast jobb")):
        new_goal.get_by_label("Livsområde").select_option(label=area)
        new_goal.get_by_label("Mål, med familiens egne ord").fill(text)
        new_goal.get_by_role("button", name="Legg til mål").click()
        expect(page.get_by_test_id("goal").filter(has_text=text)).to_be_visible()
    goal = page.get_by_test_id("goal").filter(has_text="Vi vil ha en bolig med plass til alle")

    goal.get_by_text("Legg til et tiltak").click()
    goal.get_by_label("Tiltak", exact=False).first.fill("Søke om kommunal bolig")
    goal.get_by_role("combobox", name="Ansvarlig*").select_option(label="Koordinatoren")
    goal.get_by_role("button", name="Legg til tiltak").click()
    action_row = page.get_by_test_id("action").filter(has_text="Søke om kommunal bolig")
    expect(action_row).to_be_visible()

    # A second coordinator opens the same plan in another browser and leaves the page open.
    other = browser.new_context(base_url=str(live_server), locale="nb-NO").new_page()
    log_in(other, "koordinator2.heimdal")
    other.goto(f"/families/{family.pk}/plan/")
    expect(other.get_by_test_id("goal").filter(has_text="Fast jobb")).to_be_visible()
    # And a second tab of theirs, which stays as it was opened (saving reloads a page).
    old_tab = other.context.new_page()
    old_tab.goto(f"/families/{family.pk}/plan/")

    # Meanwhile the first coordinator rewords the housing goal and completes its action.
    goal.get_by_text("Endre ordlyden").click()
    goal.get_by_label("Mål, med familiens egne ord").fill("Vi vil ha en bolig med tre soverom")
    goal.get_by_role("button", name="Lagre", exact=True).click()
    goal = page.get_by_test_id("goal").filter(has_text="Vi vil ha en bolig med tre soverom")
    expect(goal).to_be_visible()
    action_row = page.get_by_test_id("action").filter(has_text="Søke om kommunal bolig")
    action_row.get_by_role("button", name=re.compile("^Utført")).click()
    expect(
        page.get_by_test_id("action")
        .filter(has_text="Søke om kommunal bolig")
        .get_by_test_id("action-status")
    ).to_have_text("Fullført")
    assert_accessible(page)

    # From the old page, the colleague marks the *other* goal as reached: no conflict.
    work = other.get_by_test_id("goal").filter(has_text="Fast jobb")
    work.get_by_role("button", name=re.compile("^Nådd")).click()
    # The badge, not the button's own label: the page has been saved and shown again.
    expect(
        other.get_by_test_id("goal").filter(has_text="Fast jobb").locator(".badge")
    ).to_have_text("Nådd")
    expect(other.get_by_test_id("goal").filter(has_text="Fast jobb")).to_contain_text("Nådd")
    expect(other.get_by_test_id("plan-conflict")).to_have_count(0)

    # ... but rewording the housing goal from the old tab, where it changed since, is refused.
    stale = old_tab.get_by_test_id("goal").filter(has_text="Vi vil ha en bolig med plass til alle")
    stale.get_by_text("Endre ordlyden").click()
    stale.get_by_label("Mål, med familiens egne ord").fill("Mål fra en gammel side")
    stale.get_by_role("button", name="Lagre", exact=True).click()
    conflict = old_tab.get_by_test_id("plan-conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Vi vil ha en bolig med tre soverom")
    expect(old_tab.get_by_test_id("goal").filter(has_text="med tre soverom")).to_be_visible()
    housing = PlanGoal.objects.get(text="Vi vil ha en bolig med tre soverom")
    expect(old_tab.locator(f"#goal{housing.pk}-text")).to_have_value("Mål fra en gammel side")
    assert_accessible(old_tab)
    assert not PlanGoal.objects.filter(text="Mål fra en gammel side").exists()
    assert PlanGoal.objects.get(text="Fast jobb").status == "achieved"
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

    # The rating was written down wrong: it is corrected on its own, with a reason.
    page.get_by_test_id("correct-link").first.click()
    expect(page.get_by_label("Bolig")).to_have_value("10")
    page.get_by_label("Bolig").select_option("8")
    page.get_by_label("Begrunnelse for rettingen").fill("Familien sa 8, ikke 10")
    assert_accessible(page)
    page.get_by_role("button", name="Lagre rettingen").click()
    expect(page.get_by_test_id("ratings-housing").locator("td").nth(-2)).to_have_text("8")
    page.goto(f"/families/{family.pk}/history/")
    expect(page.get_by_text("Familien sa 8, ikke 10").first).to_be_visible()

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
