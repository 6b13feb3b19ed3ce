"""Impossible dates are refused by follow-up's domain rules (model clean()), at the field."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import CodeList
from followup import interventions
from followup.interventions import TransitionError
from followup.models import Intervention, Status
from organisation.models import User
from tests.factories import code

pytestmark = pytest.mark.usefixtures("codes")
TODAY = timezone.localdate()
A_YEAR_AHEAD = TODAY + datetime.timedelta(days=365)
LAST_MONTH = TODAY - datetime.timedelta(days=30)


def running(person: Client, **fields: Any) -> Intervention:
    fields.setdefault("start", LAST_MONTH)
    with acting_as(system_actor("tests")):
        return Intervention.objects.create(
            client=person,
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            status=Status.IN_PROGRESS,
            **fields,
        )


def state(intervention: Intervention) -> tuple[Any, ...]:
    fresh = Intervention.objects.get(pk=intervention.pk)
    return (fresh.status, fresh.start, fresh.end, fresh.outcome_id, fresh.history.count())


def complete(
    client: HttpClient, intervention: Intervention, to: str = "completed", **fields: Any
) -> Any:
    data = {
        "to": to,
        "version": intervention.version,
        "end": TODAY.isoformat(),
        "outcome": code(CodeList.INTERVENTION_OUTCOME, "into_work_full").pk,
        **fields,
    }
    return client.post(reverse("followup:intervention_status", args=[intervention.pk]), data)


def step_errors(response: Any, target: str) -> dict[str, Any]:
    step = next(s for s in response.context["steps"] if s.target == target)
    return dict(step.errors)


# Interventions ------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["completed", "cancelled"])
def test_an_intervention_cannot_end_a_year_ahead(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, target: str
) -> None:
    intervention = running(client_heimdal)
    before = state(intervention)
    client.force_login(caseworker_heimdal)
    response = complete(client, intervention, target, end=A_YEAR_AHEAD.isoformat())
    assert response.status_code == 200
    assert step_errors(response, target)["end"] == ["Sluttdatoen kan ikke være fram i tid."]
    assert "Sluttdatoen kan ikke være fram i tid." in response.text
    # Not completed, so not locked: it can still be edited.
    assert state(intervention) == before
    edit = client.get(reverse("followup:intervention_edit", args=[intervention.pk]))
    assert edit.status_code == 200


def test_an_intervention_can_end_today(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = running(client_heimdal)
    client.force_login(caseworker_heimdal)
    assert complete(client, intervention).status_code == 302
    intervention.refresh_from_db()
    assert (intervention.status, intervention.end) == (Status.COMPLETED, TODAY)


def test_the_service_refuses_a_completion_in_the_future(client_heimdal: Client) -> None:
    intervention = running(client_heimdal)
    before = state(intervention)
    with pytest.raises(TransitionError, match="fram i tid"):
        interventions.intervention_change_status(
            intervention=intervention,
            to=Status.COMPLETED,
            end=A_YEAR_AHEAD,
            outcome=code(CodeList.INTERVENTION_OUTCOME, "no_change"),
            expected_version=intervention.version,
        )
    assert state(intervention) == before


def new_intervention(client: HttpClient, person: Client, **fields: Any) -> Any:
    data = {
        "type": code(CodeList.INTERVENTION_TYPE, "work_training").pk,
        "start": TODAY.isoformat(),
        **fields,
    }
    return client.post(reverse("followup:intervention_new", args=[person.pk]), data)


def test_a_new_intervention_cannot_start_before_the_client_was_born(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    before_birth = client_heimdal.birth_date - datetime.timedelta(days=1)
    response = new_intervention(client, client_heimdal, start=before_birth.isoformat())
    assert response.status_code == 200
    assert response.context["form"].errors["start"] == ["Starten er før brukerens fødselsdato."]
    assert not Intervention.objects.exists()


def test_a_planned_intervention_may_start_and_end_ahead_but_a_started_one_not(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    next_month = TODAY + datetime.timedelta(days=30)
    started = new_intervention(
        client, client_heimdal, start=next_month.isoformat(), already_started="on"
    )
    assert started.status_code == 200
    assert "fram i tid" in started.context["form"].errors["start"][0]
    assert not Intervention.objects.exists()
    planned = new_intervention(
        client, client_heimdal, start=next_month.isoformat(), end=A_YEAR_AHEAD.isoformat()
    )
    assert planned.status_code == 302
    assert Intervention.objects.get().status == Status.PLANNED


def test_an_edit_cannot_move_the_start_before_birth(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = running(client_heimdal)
    before = state(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:intervention_edit", args=[intervention.pk]),
        {
            "type": intervention.type_id,
            "start": datetime.date(1900, 1, 1).isoformat(),
            "version": intervention.version,
        },
    )
    assert response.status_code == 200
    assert "start" in response.context["form"].errors
    assert state(intervention) == before


def test_the_model_rules_are_the_same_for_everyone(client_heimdal: Client) -> None:
    finished = Intervention(
        client=client_heimdal,
        type=code(CodeList.INTERVENTION_TYPE, "work_training"),
        start=LAST_MONTH,
        end=A_YEAR_AHEAD,
        status=Status.COMPLETED,
    )
    with pytest.raises(ValidationError) as refused:
        finished.full_clean()
    assert set(refused.value.message_dict) == {"end", "outcome"}


@pytest.mark.parametrize(
    ("status", "fields", "constraint"),
    [
        (Status.COMPLETED, {"end": None, "outcome": "no_change"}, "intervention_finished_has_end"),
        (Status.CANCELLED, {"end": None}, "intervention_finished_has_end"),
    ],
)
def test_the_database_refuses_a_finished_intervention_without_an_end(
    client_heimdal: Client, status: str, fields: dict[str, Any], constraint: str
) -> None:
    outcome = fields.pop("outcome", None)
    with (
        pytest.raises(IntegrityError, match=constraint),
        transaction.atomic(),
        acting_as(system_actor("tests")),
    ):
        Intervention.objects.create(
            client=client_heimdal,
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            start=LAST_MONTH,
            status=status,
            outcome=code(CodeList.INTERVENTION_OUTCOME, outcome) if outcome else None,
            **fields,
        )
