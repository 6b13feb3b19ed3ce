"""A coordinator finds a client by typing in the person picker, moves them into a family, saves."""

import datetime

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from audit.history import acting_as, system_actor
from families.models import Family, FamilyMember
from organisation.models import User
from tests.browser.test_login_journey import assert_accessible, log_in
from tests.factories import ClientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=20, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_coordinator_types_in_the_picker_chooses_a_person_and_saves(page: Page, demo: None) -> None:
    coordinator = User.objects.get(username="koordinator.heimdal")
    family = Family.objects.filter(coordinator=coordinator).order_by("name").first()
    assert family is not None
    # Two people of the same name: the picker tells them apart by date of birth; one of
    # them is a member of another family, and is moved.
    with acting_as(system_actor("tests")):
        twin = ClientFactory(
            office=family.office,
            first_name="Qamar",
            last_name="Yusuf",
            birth_date=datetime.date(1979, 4, 9),
        )
        moving = ClientFactory(
            office=family.office,
            first_name="Qamar",
            last_name="Yusuf",
            birth_date=datetime.date(1990, 6, 15),
        )
        old = Family.objects.create(
            office=family.office, name="Familien Yusuf", created_on=datetime.date(2020, 1, 1)
        )
        FamilyMember.objects.create(
            family=old, client=moving, role="parent", joined_on=datetime.date(2020, 1, 1)
        )

    log_in(page, "koordinator.heimdal")
    page.goto(f"/families/{family.pk}/")
    page.get_by_role("link", name="Legg til medlem").click()
    search = page.get_by_role("searchbox", name="Bruker")
    search.press_sequentially("qamar yus", delay=40)
    hits = page.get_by_test_id("picker-hit")
    expect(hits).to_have_count(2)
    expect(hits.filter(has_text="09.04.1979")).to_contain_text("ikke i noen familie")
    expect(hits.filter(has_text="15.06.1990")).to_contain_text("medlem av Familien Yusuf")
    assert_accessible(page)

    hits.filter(has_text="15.06.1990").click()
    expect(page.get_by_test_id("picker-chosen")).to_have_value("Qamar Yusuf, født 15.06.1990")
    page.get_by_label("Rolle").select_option(label="Forelder")
    page.get_by_label("Medlem fra").fill("2025-03-01")
    page.get_by_role("button", name="Lagre", exact=True).click()
    # Not yet: the move must be confirmed.
    expect(page.get_by_text("Kryss av for å flytte vedkommende")).to_be_visible()
    expect(page.get_by_test_id("picker-chosen")).to_have_value("Qamar Yusuf, født 15.06.1990")
    page.get_by_label("Flytt brukeren fra familien vedkommende er med i nå").check()
    page.get_by_role("button", name="Lagre", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(family.name)
    expect(page.get_by_test_id("member-row").filter(has_text="Qamar Yusuf")).to_be_visible()
    assert family.memberships.get(client=moving).joined_on == datetime.date(2025, 3, 1)
    assert old.memberships.get(client=moving).left_on == datetime.date(2025, 3, 1)
    assert not family.memberships.filter(client=twin).exists()
    assert page.csp_violations == []  # type: ignore[attr-defined]
