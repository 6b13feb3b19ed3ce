"""A new caseworker sets up two-factor login in the browser, then logs in with the code."""

import re

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from organisation.models import Office
from organisation.roles import Role
from tests.browser.test_login_journey import assert_accessible
from tests.factories import MembershipFactory, OfficeFactory, UserFactory
from tests.logins import TOTP

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "husk-test-password"


def password_page(page: Page) -> None:
    page.goto("/")
    page.get_by_label("Brukernavn").fill("ny.veileder")
    page.get_by_label("Passord").fill(PASSWORD)
    page.get_by_role("button", name="Logg inn").click()


def test_enrolment_backup_codes_and_the_code_page(page: Page, transactional_db: None) -> None:
    office: Office = OfficeFactory(name="NAV Heimdal")
    user = UserFactory(username="ny.veileder", first_name="Nora", last_name="Ny")
    MembershipFactory(user=user, role=Role.CASEWORKER, office=office)

    # First login: the password, then enrolment before anything else.
    password_page(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sett opp innlogging med to faktorer")
    expect(page.get_by_role("link", name="Arbeidsliste")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Start").click()

    qr = page.get_by_role("img", name="QR-kode for autentiseringsappen")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")
    assert_accessible(page)
    secret = page.locator(".husk-secret").inner_text().replace(" ", "")
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Kode").fill(TOTP(secret).now())
    page.get_by_role("button", name="Bekreft koden").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Innlogging med to faktorer er satt opp"
    )
    assert_accessible(page)
    page.get_by_role("link", name="Lag reservekoder").click()
    page.get_by_role("button", name="Lag nye reservekoder").click()
    codes = page.get_by_test_id("backup-codes").get_by_role("listitem")
    expect(codes).to_have_count(10)
    assert_accessible(page)
    page.get_by_role("link", name="Fortsett til HUSK").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("followup:caseload")) + "$"))
    page.get_by_role("button", name="Logg ut").click()

    # The next login asks for the code: a wrong one is refused at the field, in bokmål.
    password_page(page)
    expect(page.get_by_label("Kode")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Kode").fill("12345")
    page.get_by_role("button", name="Bekreft koden").click()
    expect(page.get_by_text("Koden er seks sifre")).to_be_visible()
    expect(page.get_by_text("Skriv inn koden fra autentiseringsappen")).to_have_count(0)
    assert_accessible(page)
    right = TOTP(secret).now()
    page.get_by_label("Kode").fill(f"{(int(right) + 1) % 10**6:06d}")
    page.get_by_role("button", name="Bekreft koden").click()
    expect(page.get_by_text("Koden er feil eller har gått ut")).to_be_visible()
    assert page.csp_violations == []  # type: ignore[attr-defined]
