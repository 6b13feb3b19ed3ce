"""The demo data: every documented login works, and loading twice changes nothing."""

from django.apps import apps
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse
from simple_history.models import HistoricalChanges

from devdata.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS
from organisation.models import Membership, Office, User
from tests.logins import TOTP, code_step, password_step


def row_counts() -> dict[str, int]:
    models = [Office, User, Membership] + [
        m for m in apps.get_models() if issubclass(m, HistoricalChanges)
    ]
    return {model._meta.label: model._default_manager.count() for model in models}


def test_seed_demo_is_idempotent(db: None) -> None:
    call_command("seed_demo", clients_per_office=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = row_counts()
    call_command("seed_demo", clients_per_office=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert row_counts() == first
    assert first["organisation.Office"] == 2


def test_every_demo_login_works(db: None, client: HttpClient) -> None:
    """With the documented password and a code from the documented secret, as an
    authenticator app (or `oathtool --totp -b HUSKDEMOHUSKDEMO`) gives it."""
    call_command("seed_demo", clients_per_office=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert DEMO_TOTP_SECRET == "HUSKDEMOHUSKDEMO"
    for demo in DEMO_USERS:
        asked = password_step(client, demo.username, DEMO_PASSWORD)
        assert "token-otp_token" in asked.text, demo.username
        response = code_step(client, TOTP(DEMO_TOTP_SECRET).now())
        assert response.status_code == 302, demo.username
        home = client.get(response.url, follow=True)
        assert home.status_code == 200
        assert not home.request["PATH_INFO"].startswith(("/login/", "/two-factor/")), demo.username
        client.post(reverse("logout"))


def test_demo_history_names_the_seeding_command(db: None) -> None:
    call_command("seed_demo", clients_per_office=30, stdout=open("/dev/null", "w"))  # noqa: SIM115
    office = Office.objects.get(name="NAV Heimdal")
    assert office.history.get().history_user.username == "system:seed_demo"
