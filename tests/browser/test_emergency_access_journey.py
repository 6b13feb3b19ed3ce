"""Break-the-glass in a real browser: a Sagene caseworker finds no one in their office, opens a
Heimdal client by national id and a reason; Heimdal's manager follows it up; the client's
report of who has seen the case shows the read with the reason."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from clients.models import Client
from tests.browser.test_login_journey import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "Klienten er hos oss i krise og trenger nødhjelp i dag."


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=3, stdout=open("/dev/null", "w"))  # noqa: SIM115


def log_out(page: Page) -> None:
    page.get_by_role("button", name="Logg ut").click()
    expect(page).to_have_url(re.compile(r"/login/"))


def test_a_caseworker_breaks_the_glass_and_the_manager_follows_it_up(
    page: Page, demo: None
) -> None:
    person = (
        Client.objects.filter(office__name="NAV Heimdal", national_id__isnull=False)
        .exclude(status=Client.Status.MERGED)
        .order_by("pk")
        .first()
    )
    assert person is not None
    assert person.national_id

    log_in(page, "veileder.sagene")
    page.goto("/clients/search/")
    page.get_by_label("Navn eller fødselsnummer").fill(person.national_id)
    page.get_by_role("button", name="Søk").click()
    expect(page.get_by_role("heading", name="0 brukere funnet")).to_be_visible()
    page.get_by_role("link", name="nødtilgang").click()

    page.get_by_label("Klientens fødselsnummer").fill(person.national_id)
    page.get_by_role("button", name="Finn klientens kontor").click()
    expect(page.get_by_test_id("emergency-office")).to_contain_text("NAV Heimdal")
    assert person.last_name not in page.content()
    assert_accessible(page)
    # No reason, no access: the message is at the field.
    page.get_by_label("Klienten har kommet til mitt kontor").check()
    page.get_by_role("button", name="Åpne klienten med nødtilgang").click()
    expect(page.get_by_text("Oppgi begrunnelsen")).to_be_visible()
    page.get_by_label("Begrunnelse").fill(REASON)
    page.get_by_role("button", name="Åpne klienten med nødtilgang").click()

    expect(page).to_have_url(re.compile(rf"/clients/{person.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(person.full_name)
    expect(page.get_by_test_id("emergency-banner")).to_contain_text(REASON)
    expect(page.get_by_role("link", name="Endre")).to_have_count(0)
    assert_accessible(page)
    log_out(page)

    log_in(page, "leder.heimdal")
    page.get_by_role("link", name="Nødtilgang").click()
    row = page.get_by_test_id("emergency-access")
    expect(row).to_contain_text(REASON)
    expect(row).to_contain_text("Amir Haddad")
    assert person.last_name not in page.content()
    assert_accessible(page)
    row.get_by_role("button", name=re.compile("Marker som fulgt opp")).click()
    expect(page.get_by_text("Nødtilgangen er markert som fulgt opp.")).to_be_visible()
    expect(page.get_by_test_id("emergency-access")).to_contain_text("Per Hansen")
    log_out(page)

    log_in(page, "innsyn.heimdal")
    page.goto(f"/clients/{person.pk}/access-report/")
    expect(page.get_by_test_id("emergency-read").first).to_contain_text(REASON)
