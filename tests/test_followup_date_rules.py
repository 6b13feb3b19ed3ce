"""Impossible dates are refused by follow-up's domain rules (model clean()), at the field."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import CodeList
from followup.models import Contact, Enrolment, Intervention, Programme, Status
from followup.services import contacts, interventions
from followup.services.interventions import TransitionError
from organisation.models import Office, User
from tests.dates import days_ago, days_ahead, today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")


def running(person: Client, **fields: Any) -> Intervention:
    fields.setdefault("start", days_ago(30))
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
        "end": today().isoformat(),
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
    response = complete(client, intervention, target, end=days_ahead(365).isoformat())
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
    assert (intervention.status, intervention.end) == (Status.COMPLETED, today())


def test_the_service_refuses_a_completion_in_the_future(client_heimdal: Client) -> None:
    intervention = running(client_heimdal)
    before = state(intervention)
    with pytest.raises(TransitionError, match="fram i tid"):
        interventions.intervention_change_status(
            intervention=intervention,
            to=Status.COMPLETED,
            end=days_ahead(365),
            outcome=code(CodeList.INTERVENTION_OUTCOME, "no_change"),
            expected_version=intervention.version,
        )
    assert state(intervention) == before


def new_intervention(client: HttpClient, person: Client, **fields: Any) -> Any:
    data = {
        "type": code(CodeList.INTERVENTION_TYPE, "work_training").pk,
        "start": today().isoformat(),
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
    next_month = today() + datetime.timedelta(days=30)
    started = new_intervention(
        client, client_heimdal, start=next_month.isoformat(), already_started="on"
    )
    assert started.status_code == 200
    assert "fram i tid" in started.context["form"].errors["start"][0]
    assert not Intervention.objects.exists()
    planned = new_intervention(
        client, client_heimdal, start=next_month.isoformat(), end=days_ahead(365).isoformat()
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
        start=days_ago(30),
        end=days_ahead(365),
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
            start=days_ago(30),
            status=status,
            outcome=code(CodeList.INTERVENTION_OUTCOME, outcome) if outcome else None,
            **fields,
        )


# Contacts -----------------------------------------------------------------------------


def test_a_contact_cannot_be_dated_before_the_client_was_born(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    before_birth = client_heimdal.birth_date - datetime.timedelta(days=1)
    response = client.post(
        reverse("followup:contact_new", args=[client_heimdal.pk]),
        {
            "date": before_birth.isoformat(),
            "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
            "duration_minutes": 30,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == ["Datoen er før brukerens fødselsdato."]
    assert not Contact.objects.exists()


def test_the_contact_service_keeps_the_same_rules(
    caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with pytest.raises(ValidationError) as refused, acting_as(caseworker_heimdal):
        contacts.contact_log(
            client=client_heimdal,
            by=caseworker_heimdal,
            date=today() + datetime.timedelta(days=1),
            channel=code(CodeList.CONTACT_CHANNEL, "phone"),
            duration_minutes=30,
        )
    assert set(refused.value.message_dict) == {"date"}
    assert not Contact.objects.exists()


# Programme enrolments -----------------------------------------------------------------


@pytest.fixture
def programme(heimdal: Office) -> Programme:
    with acting_as(system_actor("tests")):
        return Programme.objects.create(
            office=heimdal, name="71 familier", start=datetime.date(2024, 1, 1)
        )


def enrol(client: HttpClient, person: Client, programme: Programme, when: datetime.date) -> Any:
    return client.post(
        reverse("followup:enrolment_new", args=[person.pk]),
        {"programme": programme.pk, "enrolled_on": when.isoformat()},
    )


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (lambda: days_ahead(1), "Innskrivingsdatoen kan ikke være fram i tid."),
        (
            lambda: datetime.date(2023, 12, 31),
            "Programmet startet 01.01.2024: ingen kan skrives inn før det.",
        ),
    ],
)
def test_an_impossible_enrolment_date_is_refused_at_the_field(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    programme: Programme,
    when: Callable[[], datetime.date],
    message: str,
) -> None:
    person = ClientFactory(office=heimdal, birth_date=datetime.date(1990, 1, 1))
    client.force_login(caseworker_heimdal)
    response = enrol(client, person, programme, when())
    assert response.status_code == 200
    assert response.context["form"].errors["enrolled_on"] == [message]
    assert not Enrolment.objects.exists()


def test_nobody_is_enrolled_before_birth(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    person = ClientFactory(office=heimdal, birth_date=today() - datetime.timedelta(days=10))
    client.force_login(caseworker_heimdal)
    response = enrol(client, person, programme, today() - datetime.timedelta(days=11))
    assert "enrolled_on" in response.context["form"].errors
    assert not Enrolment.objects.exists()


@pytest.mark.parametrize(
    ("left_on", "message"),
    [
        # Days from the day the test runs; the enrolment is from 30 days ago.
        (1, "Sluttdatoen kan ikke være fram i tid."),
        (-31, "Sluttdatoen er før innskrivingsdatoen."),
    ],
)
def test_an_enrolment_cannot_end_ahead_or_before_it_began(
    client: HttpClient,
    caseworker_heimdal: User,
    heimdal: Office,
    programme: Programme,
    left_on: int,
    message: str,
) -> None:
    person = ClientFactory(office=heimdal)
    with acting_as(system_actor("tests")):
        enrolment = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=days_ago(30)
        )
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:enrolment_end", args=[enrolment.pk]),
        {"left_on": days_ahead(left_on).isoformat()},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["left_on"] == [message]
    enrolment.refresh_from_db()
    assert enrolment.left_on is None


def test_ending_an_enrolment_that_breaks_another_rule_says_so_above_the_form(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    """An old enrolment from before the programme began (bulk-loaded data): no crash."""
    person = ClientFactory(office=heimdal, birth_date=datetime.date(1990, 1, 1))
    with acting_as(system_actor("tests")):
        enrolment = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=datetime.date(2023, 6, 1)
        )
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:enrolment_end", args=[enrolment.pk]), {"left_on": today().isoformat()}
    )
    assert response.status_code == 200
    assert "Programmet startet 01.01.2024" in response.context["form"].non_field_errors()[0]


def test_the_enrolment_form_speaks_of_a_programme_in_bokmal(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, programme: Programme
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get(
        reverse("followup:enrolment_new", args=[ClientFactory(office=heimdal).pk])
    )
    assert response.context["form"]["programme"].label == "Program"
    assert ">Programme" not in response.text


def test_a_programme_cannot_end_before_it_starts(
    client: HttpClient, administrator: User, heimdal: Office
) -> None:
    client.force_login(administrator)
    response = client.post(
        reverse("admin:followup_programme_add"),
        {
            "office": heimdal.pk,
            "name": "Baklengs",
            "start": "2025-06-01",
            "end": "2025-01-01",
            "study": "",
            "arms-TOTAL_FORMS": "0",
            "arms-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "end" in response.context["adminform"].form.errors
    assert not Programme.objects.exists()
