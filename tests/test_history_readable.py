"""People are named, not usernamed, and history reads as bokmål: labels, values, dates, reasons."""

import datetime
import re

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.timeline import plain_value, readable_dates
from clients.models import Client
from organisation.models import User
from tests.factories import ContactFactory

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def test_a_person_is_named_by_full_name(caseworker_heimdal: User) -> None:
    assert str(caseworker_heimdal) == caseworker_heimdal.get_full_name()
    assert caseworker_heimdal.username not in str(caseworker_heimdal)


def test_a_person_without_a_name_falls_back_to_the_username(db: None) -> None:
    assert str(User(username="uten.navn")) == "uten.navn"


def test_a_system_actor_is_named_by_what_it_did(db: None) -> None:
    assert str(system_actor("seed_demo")) == "System (demodata)"
    assert "system:" not in str(system_actor("import"))


def test_caseworker_choices_show_names_not_usernames(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("clients:register")).content.decode()
    assert f">{caseworker_heimdal.get_full_name()}</option>" in page
    assert caseworker_heimdal.username not in page


def test_coordinator_choices_show_names_not_usernames(
    client: HttpClient, coordinator_heimdal: User
) -> None:
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:new")).content.decode()
    assert f">{coordinator_heimdal.get_full_name()}</option>" in page


def history_page(client: HttpClient, person: Client) -> str:
    response = client.get(reverse("clients:history", args=[person.pk]))
    assert response.status_code == 200
    return response.text


@pytest.mark.usefixtures("codes")
def test_a_field_never_translated_is_named_by_the_model_it_points_at(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    ContactFactory(client=client_heimdal, recorded_by=caseworker_heimdal)
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert "<strong>Bruker</strong>: Kari Testesen" in page
    assert "<strong>Client</strong>" not in page


def test_a_user_as_a_value_is_named_and_dates_read_dd_mm_yyyy(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.caseworker = caseworker_heimdal
        client_heimdal.birth_date = datetime.date(1990, 2, 3)
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert f"– → {caseworker_heimdal.get_full_name()}" in page
    assert "→ 03.02.1990" in page
    assert caseworker_heimdal.username not in page
    assert not ISO_DATE.search(page.split("<tbody>")[1])


def test_the_reason_for_a_change_is_shown(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.phone = "12345678"
        client_heimdal._change_reason = "Feil nummer ble registrert"  # type: ignore[attr-defined]
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    page = history_page(client, client_heimdal)
    assert "Begrunnelse: Feil nummer ble registrert" in page


def test_a_save_that_changed_nothing_readable_is_left_out(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with acting_as(caseworker_heimdal):
        client_heimdal.save()
    client.force_login(caseworker_heimdal)
    response = client.get(reverse("clients:history", args=[client_heimdal.pk]))
    assert [entry.kind for entry in response.context["entries"]] == ["+"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("2026-12-01", "01.12.2026"),
        ("2026-12-01T10:30:00+00:00", "01.12.2026 11:30"),
        (["2026-12-01", "2027-01-02"], "01.12.2026, 02.01.2027"),
        ({"from": "2026-12-01"}, "from: 01.12.2026"),
        ("2026-13-45", "2026-13-45"),
        (datetime.date(2026, 12, 1), "01.12.2026"),
        (True, "Ja"),
        ([], "–"),
    ],
)
def test_values_of_any_stored_type_read_as_a_person_says_them(value: object, shown: str) -> None:
    assert plain_value(value) == shown


def test_an_iso_date_in_a_label_reads_dd_mm_yyyy() -> None:
    assert readable_dates("Familien Haddad: 2026-09-03") == "Familien Haddad: 03.09.2026"
