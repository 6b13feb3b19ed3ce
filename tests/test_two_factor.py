"""Two-factor login for password accounts: the code page, enrolment, backup codes, reset."""

import re
import time
from typing import Any

import pytest
import requests
from django.contrib.admin.models import CHANGE, LogEntry
from django.test import Client as HttpClient
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from devdata.testing.signin import sign_in
from organisation.models import User
from tests.logins import TOTP, code_step, enrol, fresh_code, log_in, password_step, secret_of

PASSWORD = "husk-test-password"


@pytest.fixture
def enrolled(caseworker_heimdal: User) -> User:
    enrol(caseworker_heimdal)
    return caseworker_heimdal


def signed_in(client: HttpClient) -> bool:
    return "_auth_user_id" in client.session


def test_the_password_alone_lets_no_one_in(client: HttpClient, enrolled: User) -> None:
    response = password_step(client, "veileder.heimdal", PASSWORD)
    assert response.status_code == 200
    assert "Skriv inn den sekssifrede koden" in response.text
    assert 'name="token-otp_token"' in response.text
    assert 'autocomplete="one-time-code"' in response.text
    assert not signed_in(client)
    caseload = client.get(reverse("followup:caseload"))
    assert caseload.status_code == 302
    assert caseload["Location"].startswith(reverse("login"))


def test_a_wrong_code_is_refused_in_bokmal_and_the_right_one_lets_in(
    client: HttpClient, enrolled: User
) -> None:
    password_step(client, "veileder.heimdal", PASSWORD)
    right = fresh_code(enrolled)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    refused = code_step(client, wrong)
    assert refused.status_code == 200
    assert "Koden er feil eller har gått ut" in refused.text
    assert not signed_in(client)
    # Straight after a wrong code even the right one waits (django-otp's throttle).
    throttled = code_step(client, right)
    assert "For mange feil koder" in throttled.text
    assert not signed_in(client)
    time.sleep(1.1)
    response = code_step(client, fresh_code(enrolled))
    assert response.status_code == 302
    assert client.get(reverse("followup:caseload")).status_code == 200


def test_a_code_works_once(client: HttpClient, enrolled: User) -> None:
    """A code seen over a shoulder cannot be used again, even in its 30 seconds."""
    code = fresh_code(enrolled)
    password_step(client, "veileder.heimdal", PASSWORD)
    assert code_step(client, code).status_code == 302
    client.post(reverse("logout"))
    password_step(client, "veileder.heimdal", PASSWORD)
    again = code_step(client, code)
    assert again.status_code == 200
    assert "Koden er feil eller har gått ut" in again.text
    assert not signed_in(client)


def test_the_code_page_comes_back_to_the_password_after_the_timeout(
    client: HttpClient, enrolled: User, settings: Any
) -> None:
    settings.TWO_FACTOR_LOGIN_TIMEOUT = 1
    password_step(client, "veileder.heimdal", PASSWORD)
    time.sleep(2.1)  # the library counts whole seconds: more than 1 s after the password
    response = code_step(client, fresh_code(enrolled))
    assert not signed_in(client)
    assert 'name="auth-password"' in response.text
    assert "Din økt har utløpt. Vennligst logg inn igjen." in response.text


def test_a_backup_code_lets_in_once(client: HttpClient, enrolled: User) -> None:
    client.force_login(enrolled)
    made = client.post(reverse("two_factor:backup_tokens"), follow=True)
    codes = re.findall(r"<li>(\w+)</li>", made.text.split('data-testid="backup-codes"')[1])
    assert len(codes) == 10
    assert "Ti nye reservekoder er laget" in made.text
    client.post(reverse("logout"))

    asked = password_step(client, "veileder.heimdal", PASSWORD)
    assert "Bruk en reservekode i stedet" in asked.text
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    assert code_step(client, codes[0], step="backup").status_code == 302
    assert client.get(reverse("followup:caseload")).status_code == 200
    client.post(reverse("logout"))

    password_step(client, "veileder.heimdal", PASSWORD)
    client.post(
        reverse("login"), {"login_view-current_step": "token", "wizard_goto_step": "backup"}
    )
    used = code_step(client, codes[0], step="backup")
    assert used.status_code == 200
    assert not signed_in(client)
    assert StaticDevice.objects.get(user=enrolled).token_set.count() == 9


def test_a_new_user_enrols_with_a_qr_code_and_then_needs_the_code(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    # Not enrolled: the password signs in, but every page sends the user to enrolment.
    response = log_in(client, "veileder.heimdal", PASSWORD)
    assert response.status_code == 302
    caseload = client.get(reverse("followup:caseload"))
    assert caseload.status_code == 302
    assert caseload["Location"].startswith(reverse("two_factor:setup"))
    assert client.get(reverse("clients:list"))["Location"].startswith(reverse("two_factor:setup"))
    welcome = client.get(caseload["Location"])
    assert "Sett opp innlogging med to faktorer" in welcome.text
    assert 'href="/caseload/"' not in welcome.text  # no menu before the second factor

    generator = client.post(reverse("two_factor:setup"), {"setup_view-current_step": "welcome"})
    assert 'alt="QR-kode for autentiseringsappen"' in generator.text
    secret = re.search(r'class="husk-secret">([A-Z2-7 ]+)<', generator.text)
    assert secret is not None
    qr = client.get(reverse("two_factor:qr"))
    assert qr.status_code == 200
    assert qr["Content-Type"].startswith("image/svg+xml")

    code = TOTP(secret.group(1).replace(" ", "")).now()
    wrong = client.post(
        reverse("two_factor:setup"),
        {
            "setup_view-current_step": "generator",
            "generator-token": f"{(int(code) + 1) % 10**6:06d}",
        },
    )
    assert "Koden er feil eller har gått ut" in wrong.text
    assert not TOTPDevice.objects.filter(user=caseworker_heimdal).exists()
    done = client.post(
        reverse("two_factor:setup"),
        {"setup_view-current_step": "generator", "generator-token": code},
        follow=True,
    )
    assert "Innlogging med to faktorer er satt opp" in done.text
    assert TOTPDevice.objects.get(user=caseworker_heimdal).confirmed
    assert client.get(reverse("followup:caseload")).status_code == 200

    # From now on the password alone is not enough.
    client.post(reverse("logout"))
    password_step(client, "veileder.heimdal", PASSWORD)
    assert not signed_in(client)


def test_enrolment_is_reached_only_by_a_signed_in_user(client: HttpClient, db: None) -> None:
    response = client.get(reverse("two_factor:setup"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_administrator_resets_the_second_factor_and_it_is_logged(
    client: HttpClient, enrolled: User, administrator: User
) -> None:
    person = HttpClient()
    password_step(person, "veileder.heimdal", PASSWORD)
    code_step(person, fresh_code(enrolled))
    assert person.get(reverse("followup:caseload")).status_code == 200

    client.force_login(administrator)
    response = client.post(
        reverse("admin:organisation_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [enrolled.pk]},
        follow=True,
    )
    assert "Innlogging med to faktorer er tilbakestilt for 1 bruker" in response.text
    assert not TOTPDevice.objects.filter(user=enrolled).exists()
    entry = LogEntry.objects.get(object_id=str(enrolled.pk), action_flag=CHANGE)
    assert entry.user == administrator
    assert "Two-factor" in entry.get_change_message()

    # No admin page shows a person's secret (django-otp's own device pages are not there).
    assert client.get("/django-admin/otp_totp/totpdevice/").status_code == 404
    assert client.get("/django-admin/otp_static/staticdevice/").status_code == 404

    # The person's session, verified by the removed device, is sent to enrol again.
    caseload = person.get(reverse("followup:caseload"))
    assert caseload.status_code == 302
    assert caseload["Location"].startswith(reverse("two_factor:setup"))


def test_every_role_needs_the_second_factor(
    client: HttpClient, manager_heimdal: User, researcher: User, administrator: User
) -> None:
    for user, page in [
        (manager_heimdal, "dashboards:home"),
        (researcher, "research:home"),
        (administrator, "organisation:home"),
    ]:
        client.post(reverse("logout"))
        log_in(client, user.username, PASSWORD)  # not enrolled: the password only
        response = client.get(reverse(page))
        assert response.status_code == 302, user.username
        assert response["Location"].startswith(reverse("two_factor:setup")), user.username
    assert client.get("/django-admin/").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_the_outside_sign_in_helper_logs_in_twice_within_one_code_step(
    live_server: Any, caseworker_heimdal: User
) -> None:
    """The fault and load tests sign an account in from several places at once: the second
    login in the same 30 seconds has its code refused and gives the next step's instead."""
    enrol(caseworker_heimdal)
    secret = secret_of(caseworker_heimdal)
    for _ in range(2):
        session = requests.Session()
        sign_in(session, live_server.url, "veileder.heimdal", PASSWORD, secret)
        caseload = session.get(f"{live_server.url}/caseload/", allow_redirects=False, timeout=30)
        assert caseload.status_code == 200
