"""Every write leaves history with the acting user, including bulk writes."""

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.urls import reverse
from simple_history.models import HistoricalChanges

from audit import bulk
from audit.history import (
    HistoryBypassError,
    MissingActorError,
    TrackedQuerySet,
    acting_as,
    system_actor,
)
from clients.models import Client
from organisation.models import Office, User


def history_models() -> list[type]:
    """Every history table, including those of many-to-many fields."""
    return [model for model in apps.get_models() if issubclass(model, HistoricalChanges)]


def tracked_models() -> list[type]:
    """The models whose saves write history. The m2m history tables hang off their
    parent's history row (no history_user of their own) and are left out."""
    return [
        model.instance_type
        for model in history_models()
        if any(field.name == "history_user" for field in model._meta.fields)
    ]


def test_the_case_models_are_tracked() -> None:
    expected = {
        "Client",
        "Office",
        "Membership",
        "Code",
        "CaseEpisode",
        "BenefitPeriod",
        "Assessment",
        "AssessmentItem",
        "Transfer",
        "Contact",
        "Intervention",
        "Programme",
        "Enrolment",
        "Reminder",
    }
    assert expected <= {model.__name__ for model in tracked_models()}


@pytest.mark.parametrize("model", tracked_models(), ids=lambda m: m.__name__)
def test_tracked_models_refuse_bulk_paths_without_history(model: type) -> None:
    assert isinstance(model._default_manager.all(), TrackedQuerySet)


def test_a_web_edit_is_attributed_to_the_signed_in_user(
    client: HttpClient, administrator: User, heimdal: Office
) -> None:
    client.force_login(administrator)
    response = client.post(
        reverse("admin:organisation_office_change", args=[heimdal.pk]),
        {"name": "NAV Heimdal og Byåsen", "municipality_number": "5001", "unit_number": "1662"},
    )
    assert response.status_code == 302
    latest = heimdal.history.latest()
    assert latest.name == "NAV Heimdal og Byåsen"
    assert latest.history_user == administrator
    assert latest.prev_record is not None
    assert latest.prev_record.name == "NAV Heimdal"


def test_a_write_without_any_actor_is_refused(heimdal: Office) -> None:
    with pytest.raises(MissingActorError):
        Client.objects.create(
            office=heimdal, first_name="Ingen", last_name="Aktør", birth_date="1990-01-01"
        )
    assert not Client.objects.exists()


def test_a_system_actor_is_named_in_history(heimdal: Office) -> None:
    with acting_as(system_actor("import")):
        created = Client.objects.create(
            office=heimdal, first_name="Per", last_name="Import", birth_date="1990-01-01"
        )
    assert created.history.get().history_user.username == "system:import"
    assert created.history.get().history_user.is_active is False


def test_queryset_update_is_refused(client_heimdal: Client) -> None:
    with pytest.raises(HistoryBypassError):
        Client.objects.filter(pk=client_heimdal.pk).update(last_name="Omgått")
    client_heimdal.refresh_from_db()
    assert client_heimdal.last_name == "Testesen"


def test_plain_bulk_create_is_refused(heimdal: Office) -> None:
    with pytest.raises(HistoryBypassError):
        Client.objects.bulk_create(
            [Client(office=heimdal, first_name="A", last_name="B", birth_date="1990-01-01")]
        )


def test_bulk_helpers_write_one_history_row_per_object(heimdal: Office) -> None:
    actor = system_actor("bulk-test")
    created = bulk.bulk_create(
        Client,
        [
            Client(
                office=heimdal, first_name=f"Person{i}", last_name="Bulk", birth_date="1990-01-01"
            )
            for i in range(3)
        ],
        actor=actor,
    )
    assert Client.history.filter(history_type="+", history_user=actor).count() == 3
    for person in created:
        person.last_name = "Oppdatert"
    bulk.bulk_update(Client, created, ["last_name"], actor=actor)
    assert (
        Client.history.filter(history_type="~", history_user=actor, last_name="Oppdatert").count()
        == 3
    )


def test_every_history_row_names_someone(client_heimdal: Client, heimdal: Office) -> None:
    for model in tracked_models():
        assert not model.history.filter(history_user__isnull=True).exists(), model.__name__
