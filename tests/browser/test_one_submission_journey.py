"""Back and submit again in a real browser: the contact first sent is not saved twice."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from clients.models import Client
from followup.models import Contact
from organisation.models import User
from tests.browser.test_login_journey import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("seed_demo", clients_per_office=8, stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_back_and_submit_again_saves_the_contact_once(page: Page, demo: None) -> None:
    caseworker = User.objects.get(username="veileder.heimdal")
    person = Client.objects.filter(caseworker=caseworker, status="active").order_by("pk").first()
    assert person is not None
    before = Contact.objects.filter(client=person).count()
    log_in(page, "veileder.heimdal")
    expect(page).to_have_url(re.compile(re.escape(reverse("followup:caseload"))))

    page.goto(reverse("followup:contact_new", args=[person.pk]))
    page.get_by_label("Notat").fill("Telefon om husleie.")
    page.get_by_role("button", name="Lagre kontakt", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(person.get_absolute_url()) + "$"))
    expect(page.get_by_role("status")).to_contain_text("Kontakten er registrert")
    assert Contact.objects.filter(client=person).count() == before + 1

    # Back to the form (drawn anew by the server: the page is never cached), and send again.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/contacts/new/$"))
    page.get_by_label("Notat").fill("Telefon om husleie.")
    page.get_by_role("button", name="Lagre kontakt", exact=True).click()
    expect(page).to_have_url(re.compile(re.escape(person.get_absolute_url()) + "$"))
    expect(page.get_by_role("status").first).to_contain_text("Skjemaet var allerede sendt")
    assert Contact.objects.filter(client=person).count() == before + 1

    # Opened anew from a link, the form registers another contact.
    page.goto(reverse("followup:contact_new", args=[person.pk]))
    page.get_by_label("Notat").fill("Nytt møte.")
    page.get_by_role("button", name="Lagre kontakt", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Kontakten er registrert")
    assert Contact.objects.filter(client=person).count() == before + 2
    assert page.csp_violations == []  # type: ignore[attr-defined]
