"""Interventions (tiltak): registering one, its status lifecycle, its history and edits."""

import datetime
import itertools
from typing import Any

import factory
import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from audit.versioning import EditConflictError
from clients.models import Client
from codelists.models import CodeList
from followup.models import TRANSITIONS, Intervention, Status
from followup.services import interventions
from followup.services.interventions import TransitionError
from organisation.models import User
from tests.dates import days_ago, today
from tests.factories import TrackedFactory, code

pytestmark = pytest.mark.usefixtures("codes")
FINAL = {Status.COMPLETED, Status.CANCELLED}
DISALLOWED = [
    (start, target)
    for start, target in itertools.product(Status.values, Status.values)
    if target not in TRANSITIONS[start]
]


class InterventionFactory(TrackedFactory):
    class Meta:
        model = Intervention

    type = factory.LazyFunction(lambda: code(CodeList.INTERVENTION_TYPE, "work_training"))
    start = factory.LazyFunction(lambda: days_ago(30))


def make(client: Client, status: str = Status.PLANNED, **fields: Any) -> Intervention:
    """An intervention in ``status``; a finished one has the end and outcome it needs."""
    if status in FINAL:
        fields.setdefault("end", today())
        fields.setdefault("outcome", code(CodeList.INTERVENTION_OUTCOME, "no_change"))
    intervention: Intervention = InterventionFactory(client=client, status=status, **fields)
    return intervention


def url(name: str, intervention: Intervention) -> str:
    return reverse(f"followup:{name}", args=[intervention.pk])


def new_url(client: Client) -> str:
    return reverse("followup:intervention_new", args=[client.pk])


def snapshot(intervention: Intervention) -> tuple[Any, ...]:
    """Everything about the intervention that a refused request must leave as it was."""
    fresh = Intervention.objects.get(pk=intervention.pk)
    return (
        fresh.status,
        fresh.type_id,
        fresh.provider,
        fresh.start,
        fresh.end,
        fresh.outcome_id,
        fresh.version,
        fresh.history.count(),
    )


def status_post(intervention: Intervention, to: str, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"to": to, "version": intervention.version}
    if to in FINAL:
        data["end"] = today().isoformat()
    if to == Status.COMPLETED:
        data["outcome"] = code(CodeList.INTERVENTION_OUTCOME, "into_work_full").pk
    data.update(fields)
    return data


def edit_post(intervention: Intervention, **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": intervention.type_id,
        "provider": intervention.provider,
        "start": intervention.start.isoformat(),
        "end": intervention.end.isoformat() if intervention.end else "",
        "version": intervention.version,
    }
    data.update(fields)
    return data


# Registering --------------------------------------------------------------------------


def test_the_form_starts_today(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get(new_url(client_heimdal))
    assert response.status_code == 200
    assert response.context["form"].initial["start"] == today()


def test_starting_an_intervention(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        new_url(client_heimdal),
        {
            "type": code(CodeList.INTERVENTION_TYPE, "debt_counselling").pk,
            "provider": "Gjeldsrådgiver Heimdal",
            "start": today().isoformat(),
            "end": (today() + datetime.timedelta(days=90)).isoformat(),
        },
    )
    intervention = Intervention.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("intervention_detail", intervention)
    assert intervention.client == client_heimdal
    assert intervention.status == Status.PLANNED
    assert intervention.type.code == "debt_counselling"
    assert intervention.end == today() + datetime.timedelta(days=90)
    assert [row.history_user for row in intervention.history.all()] == [caseworker_heimdal]


def test_an_intervention_already_started_is_in_progress(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    client.post(
        new_url(client_heimdal),
        {
            "type": code(CodeList.INTERVENTION_TYPE, "mentoring").pk,
            "start": days_ago(30).isoformat(),
            "already_started": "on",
        },
    )
    intervention = Intervention.objects.get()
    assert intervention.status == Status.IN_PROGRESS
    assert intervention.history.get().history_user == caseworker_heimdal


def test_the_service_names_the_actor_outside_a_request(
    caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = interventions.intervention_start(
        client=client_heimdal,
        by=caseworker_heimdal,
        type=code(CodeList.INTERVENTION_TYPE, "other"),
        start=today(),
    )
    assert intervention.history.get().history_user == caseworker_heimdal


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("end", "yesterday"),
        ("type", "retired"),
        ("type", 999999),
        ("start", ""),
    ],
)
def test_bad_new_intervention_is_refused(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    field: str,
    value: object,
) -> None:
    retired = code(CodeList.INTERVENTION_TYPE, "youth_job")
    with acting_as(system_actor("tests")):
        retired.active = False
        retired.save()
    if value == "yesterday":  # read when the test runs, not when the module is imported
        value = days_ago(1).isoformat()
    data: dict[str, Any] = {
        "type": code(CodeList.INTERVENTION_TYPE, "work_training").pk,
        "start": today().isoformat(),
        field: retired.pk if value == "retired" else value,
    }
    client.force_login(caseworker_heimdal)
    response = client.post(new_url(client_heimdal), data)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert not Intervention.objects.exists()


# The lifecycle ------------------------------------------------------------------------


def test_the_full_lifecycle(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    intervention = make(client_heimdal)
    client.force_login(caseworker_heimdal)
    started = client.post(
        url("intervention_status", intervention), status_post(intervention, "in_progress")
    )
    assert started.status_code == 302
    assert started["Location"] == url("intervention_detail", intervention)
    intervention.refresh_from_db()
    assert intervention.status == Status.IN_PROGRESS
    assert intervention.end is None

    client.force_login(coordinator_heimdal)
    done = client.post(
        url("intervention_status", intervention),
        status_post(intervention, "completed", end=today().isoformat()),
    )
    assert done.status_code == 302
    intervention.refresh_from_db()
    assert intervention.status == Status.COMPLETED
    assert intervention.end == today()
    assert intervention.outcome is not None
    assert intervention.outcome.code == "into_work_full"
    assert intervention.is_locked
    rows = list(intervention.history.order_by("history_id"))
    assert [(row.status, row.history_user) for row in rows[1:]] == [
        (Status.IN_PROGRESS, caseworker_heimdal),
        (Status.COMPLETED, coordinator_heimdal),
    ]


def test_completing_needs_an_outcome_and_an_end(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal, Status.IN_PROGRESS)
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_status", intervention),
        status_post(intervention, "completed", outcome="", end=""),
    )
    assert response.status_code == 200
    step = next(s for s in response.context["steps"] if s.target == "completed")
    assert set(step.errors) == {"outcome", "end"}
    assert snapshot(intervention) == before


def test_an_end_before_the_start_is_refused_when_ending(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal, Status.IN_PROGRESS)
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_status", intervention),
        status_post(
            intervention, "cancelled", end=(days_ago(30) - datetime.timedelta(days=1)).isoformat()
        ),
    )
    assert response.status_code == 200
    step = next(s for s in response.context["steps"] if s.target == "cancelled")
    assert "end" in step.errors
    assert snapshot(intervention) == before


def test_cancelling_may_record_an_outcome(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    with_outcome = make(client_heimdal, Status.IN_PROGRESS)
    without = make(client_heimdal)
    discontinued = code(CodeList.INTERVENTION_OUTCOME, "discontinued")
    client.force_login(caseworker_heimdal)
    client.post(
        url("intervention_status", with_outcome),
        status_post(with_outcome, "cancelled", outcome=discontinued.pk),
    )
    client.post(url("intervention_status", without), status_post(without, "cancelled"))
    with_outcome.refresh_from_db()
    without.refresh_from_db()
    assert (with_outcome.status, with_outcome.outcome, with_outcome.end) == (
        Status.CANCELLED,
        discontinued,
        today(),
    )
    assert (without.status, without.outcome, without.end) == (Status.CANCELLED, None, today())


@pytest.mark.parametrize(("start", "target"), DISALLOWED)
def test_a_disallowed_move_is_refused_and_nothing_changes(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    start: str,
    target: str,
) -> None:
    intervention = make(client_heimdal, start)
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_status", intervention), status_post(intervention, target)
    )
    assert response.status_code == 409
    assert 'data-testid="refused"' in response.text
    assert snapshot(intervention) == before
    with pytest.raises(TransitionError), acting_as(caseworker_heimdal):
        interventions.intervention_change_status(
            intervention=intervention,
            to=target,
            end=today(),
            outcome=code(CodeList.INTERVENTION_OUTCOME, "other"),
            expected_version=intervention.version,
        )
    assert snapshot(intervention) == before


def test_the_page_offers_only_the_allowed_next_steps(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    for status in Status.values:
        page = client.get(url("intervention_detail", make(client_heimdal, status))).text
        offered = {target for target in Status.values if f'data-testid="step-{target}"' in page}
        assert offered == set(TRANSITIONS[status]), status


# Locked -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", sorted(FINAL))
def test_a_finished_intervention_is_locked(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, status: str
) -> None:
    intervention = make(client_heimdal, status)
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    shown = client.get(url("intervention_edit", intervention))
    assert shown.status_code == 409
    assert 'data-testid="locked"' in shown.text
    assert "form" not in shown.context or shown.context.get("form") is None
    posted = client.post(
        url("intervention_edit", intervention), edit_post(intervention, provider="Endret")
    )
    assert posted.status_code == 409
    detail = client.get(url("intervention_detail", intervention))
    assert 'data-testid="locked"' in detail.text
    assert 'data-testid="edit-link"' not in detail.text
    assert 'data-testid="step-' not in detail.text
    assert snapshot(intervention) == before
    intervention.provider = "Endret"
    with pytest.raises(TransitionError), acting_as(caseworker_heimdal):
        interventions.intervention_update(
            intervention=intervention, expected_version=intervention.version
        )
    assert snapshot(intervention) == before


# Editing ------------------------------------------------------------------------------


def test_editing_an_intervention(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal, Status.IN_PROGRESS)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_edit", intervention),
        edit_post(
            intervention,
            type=code(CodeList.INTERVENTION_TYPE, "wage_subsidy").pk,
            provider="Bedrift AS",
            end=(today() + datetime.timedelta(days=60)).isoformat(),
        ),
    )
    assert response.status_code == 302
    edited = Intervention.objects.get(pk=intervention.pk)
    assert (edited.type.code, edited.provider, edited.end) == (
        "wage_subsidy",
        "Bedrift AS",
        today() + datetime.timedelta(days=60),
    )
    assert edited.status == Status.IN_PROGRESS
    assert edited.version == intervention.version + 1
    assert edited.history.latest("history_id").history_user == caseworker_heimdal


def test_an_edit_with_the_end_before_the_start_is_refused(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal)
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_edit", intervention),
        edit_post(intervention, end=(days_ago(30) - datetime.timedelta(days=1)).isoformat()),
    )
    assert response.status_code == 200
    assert "end" in response.context["form"].errors
    assert snapshot(intervention) == before


def test_a_retired_type_already_chosen_stays_valid_on_edit(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    retired = code(CodeList.INTERVENTION_TYPE, "youth_job")
    intervention = make(client_heimdal, type=retired)
    with acting_as(system_actor("tests")):
        retired.active = False
        retired.save()
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_edit", intervention), edit_post(intervention, provider="Kommunen")
    )
    assert response.status_code == 302
    assert Intervention.objects.get(pk=intervention.pk).provider == "Kommunen"


# Optimistic locking -------------------------------------------------------------------


def test_a_stale_status_change_is_a_conflict(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    intervention = make(client_heimdal)
    opened = intervention.version
    # The coordinator starts it after the caseworker opened the page.
    with acting_as(coordinator_heimdal):
        interventions.intervention_change_status(
            intervention=intervention,
            to=Status.IN_PROGRESS,
            end=None,
            outcome=None,
            expected_version=opened,
        )
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(
        url("intervention_status", intervention),
        status_post(intervention, "cancelled", version=opened),
    )
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.text
    conflict = response.context["conflict"]
    assert conflict.changed_by == coordinator_heimdal
    assert [change.after for change in conflict.changes] == [str(Status.IN_PROGRESS.label)]
    assert snapshot(intervention) == before
    # The step the caseworker chose is still offered, now with the current version.
    kept = next(s for s in response.context["steps"] if s.target == "cancelled")
    assert kept.data["version"] == str(before[6])


def test_a_stale_edit_is_a_conflict(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    intervention = make(client_heimdal, provider="Før")
    client.force_login(caseworker_heimdal)
    form_data = edit_post(intervention, provider="Caseworker's")
    theirs = Intervention.objects.get(pk=intervention.pk)
    theirs.provider = "Coordinator's"
    with acting_as(coordinator_heimdal):
        interventions.intervention_update(
            intervention=theirs, expected_version=intervention.version
        )
    before = snapshot(intervention)
    response = client.post(url("intervention_edit", intervention), form_data)
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.text
    assert response.context["conflict"].changed_by == coordinator_heimdal
    assert snapshot(intervention) == before
    assert Intervention.objects.get(pk=intervention.pk).provider == "Coordinator's"
    # The caseworker's input is kept, with the version it would now overwrite.
    form = response.context["form"]
    assert form.data["provider"] == "Caseworker's"
    assert form.data["version"] == str(intervention.version + 1)


def test_a_stale_edit_of_an_intervention_finished_meanwhile_is_locked(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    intervention = make(client_heimdal, Status.IN_PROGRESS)
    form_data = edit_post(intervention, provider="Sent")
    with acting_as(coordinator_heimdal):
        interventions.intervention_change_status(
            intervention=intervention,
            to=Status.COMPLETED,
            end=today(),
            outcome=code(CodeList.INTERVENTION_OUTCOME, "improved_situation"),
            expected_version=intervention.version,
        )
    before = snapshot(intervention)
    client.force_login(caseworker_heimdal)
    response = client.post(url("intervention_edit", intervention), form_data)
    assert response.status_code == 409
    assert 'data-testid="locked"' in response.text
    assert snapshot(intervention) == before


def test_the_service_refuses_a_stale_version(
    caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal)
    before = snapshot(intervention)
    with pytest.raises(EditConflictError), acting_as(caseworker_heimdal):
        interventions.intervention_change_status(
            intervention=intervention,
            to=Status.IN_PROGRESS,
            end=None,
            outcome=None,
            expected_version=intervention.version - 1,
        )
    assert snapshot(intervention) == before


# The page -----------------------------------------------------------------------------


def test_the_status_history_lists_each_change_with_its_user(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    client.force_login(caseworker_heimdal)
    client.post(
        new_url(client_heimdal),
        {"type": code(CodeList.INTERVENTION_TYPE, "housing_help").pk, "start": today().isoformat()},
    )
    intervention = Intervention.objects.get()
    client.post(url("intervention_status", intervention), status_post(intervention, "in_progress"))
    intervention.refresh_from_db()
    # An edit is history too, but not a change of status.
    client.post(
        url("intervention_edit", intervention), edit_post(intervention, provider="Boligkontoret")
    )
    intervention.refresh_from_db()
    client.force_login(coordinator_heimdal)
    client.post(url("intervention_status", intervention), status_post(intervention, "completed"))
    assert Intervention.history.filter(id=intervention.pk).count() == 4

    response = client.get(url("intervention_detail", intervention))
    assert response.status_code == 200
    rows = response.context["history"]
    assert [(row.status, row.history_user) for row in rows] == [
        (Status.PLANNED, caseworker_heimdal),
        (Status.IN_PROGRESS, caseworker_heimdal),
        (Status.COMPLETED, coordinator_heimdal),
    ]
    assert response.text.count('data-testid="status-change"') == 3
    for row in rows:
        assert f'data-status="{row.status}" data-user="{row.history_user.pk}"' in response.text
        assert row.history_user.get_full_name() in response.text


def test_detail_page_query_count_does_not_grow_with_history(
    client: HttpClient,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    intervention = make(client_heimdal)
    client.force_login(caseworker_heimdal)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("intervention_detail", intervention)).status_code == 200
        return len(queries)

    count()  # warms the content-type cache
    few = count()
    for number in range(20):
        current = Intervention.objects.get(pk=intervention.pk)
        current.provider = f"Leverandør {number}"
        with acting_as(caseworker_heimdal if number % 2 else coordinator_heimdal):
            interventions.intervention_update(
                intervention=current, expected_version=current.version
            )
    current = Intervention.objects.get(pk=intervention.pk)
    with acting_as(coordinator_heimdal):
        interventions.intervention_change_status(
            intervention=current,
            to=Status.IN_PROGRESS,
            end=None,
            outcome=None,
            expected_version=current.version,
        )
    assert intervention.history.count() == 22
    assert count() == few


# Access -------------------------------------------------------------------------------


def test_the_other_office_gets_404_everywhere_and_nothing_is_written(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal)
    before = snapshot(intervention)
    client.force_login(caseworker_sagene)
    urls = {
        new_url(client_heimdal): {
            "type": code(CodeList.INTERVENTION_TYPE, "other").pk,
            "start": today().isoformat(),
        },
        url("intervention_detail", intervention): {},
        url("intervention_status", intervention): status_post(intervention, "in_progress"),
        url("intervention_edit", intervention): edit_post(intervention, provider="Sagene"),
    }
    for address, data in urls.items():
        assert client.get(address).status_code == 404, address
        assert client.post(address, data).status_code == 404, address
    assert Intervention.objects.count() == 1
    assert snapshot(intervention) == before


def test_the_status_url_answers_post_only(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    intervention = make(client_heimdal)
    client.force_login(caseworker_heimdal)
    assert client.get(url("intervention_status", intervention)).status_code == 404
