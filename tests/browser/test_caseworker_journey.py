"""A caseworker's day in a real browser: search, open the client, log a meeting, see it listed."""

import datetime
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from clients.models import Client
from followup.models import Contact
from organisation.models import User
from tests.browser.test_login_journey import assert_accessible, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=8, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_caseworker_logs_a_meeting_and_sees_it_on_the_caseload(page: Page, demo: None) -> None:
    caseworker = User.objects.get(username="veileder.heimdal")
    person = Client.objects.filter(caseworker=caseworker, status="active").order_by("pk").first()
    assert person is not None
    next_meeting = timezone.localdate() + datetime.timedelta(days=9)

    log_in(page, "veileder.heimdal")
    expect(page).to_have_url(re.compile(re.escape(reverse("followup:caseload")) + "$"))
    assert_accessible(page)

    page.get_by_role("link", name="Søk").click()
    page.get_by_label("Navn eller fødselsnummer").fill(person.last_name.upper())
    page.get_by_role("button", name="Søk").click()
    expect(page).to_have_url(re.compile(r"/clients/search/$"))  # the name never went into the URL
    page.get_by_role("link", name=f"{person.last_name}, {person.first_name}").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(person.full_name)
    assert_accessible(page)

    page.get_by_role("link", name="Registrer kontakt").click()
    expect(page.get_by_role("textbox", name="Dato*")).to_have_value(
        timezone.localdate().isoformat()
    )
    page.get_by_label("Kontaktform").select_option(label="Hjemmebesøk")
    page.get_by_label("Notat").fill("Hjemmebesøk. Snakket om bolig og skole.")
    page.get_by_label("Neste kontakt").fill(next_meeting.isoformat())
    assert_accessible(page)
    page.get_by_role("button", name="Lagre og gå til arbeidslisten").click()

    expect(page).to_have_url(re.compile(re.escape(reverse("followup:caseload"))))
    expect(page.get_by_role("status")).to_contain_text("Kontakten er registrert")
    row = page.get_by_test_id("caseload-row").filter(
        has_text=f"{person.last_name}, {person.first_name}"
    )
    expect(row.first).to_contain_text(next_meeting.strftime("%d.%m.%Y"))
    contact = Contact.objects.filter(client=person).latest("recorded_at")
    assert contact.next_contact_on == next_meeting
    assert contact.recorded_by == caseworker
    page.get_by_role("button", name="Logg ut").click()

    log_in(page, "veileder.sagene")
    for url in (
        person.get_absolute_url(),
        reverse("clients:edit", args=[person.pk]),
        reverse("followup:contact_new", args=[person.pk]),
    ):
        response = page.goto(url)
        assert response is not None
        assert response.status == 404
        expect(page.get_by_text(person.last_name)).to_have_count(0)
    assert page.csp_violations == []  # type: ignore[attr-defined]
