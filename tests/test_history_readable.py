"""People are named, not usernamed, and history reads as bokmål: labels, values, dates, reasons."""

from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import system_actor
from organisation.models import User


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
