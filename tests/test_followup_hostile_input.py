"""Hostile values in every field of every follow-up form: never a server error, never half-saved."""

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.test import Client as HttpClient
from django.urls import reverse
from simple_history.models import HistoricalChanges

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import CodeList
from followup.models import Enrolment, Intervention, Programme, SavedFilter, Status
from organisation.models import User
from tests.dates import today
from tests.factories import ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")
HOSTILE = [
    "",
    "\x00",
    "-1",
    str(2**70),
    "99999-12-31",
    "1800-01-01",
    "ærøå🙂" * 50,
    "x" * 20_000,
]


def records(person: Client) -> dict[str, Any]:
    with acting_as(system_actor("tests")):
        contact = ContactFactory(client=person, date=today() - datetime.timedelta(days=3))
        running = Intervention.objects.create(
            client=person,
            type=code(CodeList.INTERVENTION_TYPE, "kvp"),
            start=today() - datetime.timedelta(days=10),
            status=Status.IN_PROGRESS,
        )
        programme = Programme.objects.create(
            office=person.office, name="Mentor", start=datetime.date(2020, 1, 1)
        )
        enrolment = Enrolment.objects.create(
            client=person, programme=programme, enrolled_on=today() - datetime.timedelta(days=5)
        )
    return {
        "contact": contact,
        "intervention": running,
        "enrolment": enrolment,
        "programme": programme,
    }


FORMS: dict[
    str, tuple[Callable[[dict[str, Any], Client], str], Callable[[dict[str, Any]], dict[str, Any]]]
] = {
    "contact_new": (
        lambda r, p: reverse("followup:contact_new", args=[p.pk]),
        lambda r: {
            "date": today().isoformat(),
            "channel": r["contact"].channel_id,
            "duration_minutes": "30",
            "then": "caseload",
            "next_contact_on": "",
            "topics": "",
        },
    ),
    "contact_edit": (
        lambda r, p: reverse("followup:contact_edit", args=[r["contact"].pk]),
        lambda r: {
            "date": today().isoformat(),
            "channel": r["contact"].channel_id,
            "duration_minutes": "30",
            "version": "1",
            "note": "",
        },
    ),
    "contact_correct": (
        lambda r, p: reverse("followup:contact_correct", args=[r["contact"].pk]),
        lambda r: {
            "date": today().isoformat(),
            "channel": r["contact"].channel_id,
            "duration_minutes": "30",
            "version": "1",
            "reason": "Feil",
            "entered_in_error": "",
        },
    ),
    "intervention_new": (
        lambda r, p: reverse("followup:intervention_new", args=[p.pk]),
        lambda r: {
            "type": r["intervention"].type_id,
            "start": today().isoformat(),
            "end": "",
            "provider": "",
            "already_started": "",
        },
    ),
    "intervention_edit": (
        lambda r, p: reverse("followup:intervention_edit", args=[r["intervention"].pk]),
        lambda r: {
            "type": r["intervention"].type_id,
            "start": today().isoformat(),
            "end": "",
            "version": "1",
        },
    ),
    "intervention_status": (
        lambda r, p: reverse("followup:intervention_status", args=[r["intervention"].pk]),
        lambda r: {
            "to": "completed",
            "version": "1",
            "end": today().isoformat(),
            "outcome": code(CodeList.INTERVENTION_OUTCOME, "no_change").pk,
        },
    ),
    "intervention_correct": (
        lambda r, p: reverse("followup:intervention_correct", args=[r["intervention"].pk]),
        lambda r: {
            "type": r["intervention"].type_id,
            "start": today().isoformat(),
            "end": "",
            "outcome": "",
            "version": "1",
            "reason": "Feil",
        },
    ),
    "enrolment_new": (
        lambda r, p: reverse("followup:enrolment_new", args=[p.pk]),
        lambda r: {
            "programme": r["programme"].pk,
            "enrolled_on": today().isoformat(),
            "index_date": "",
        },
    ),
    "enrolment_end": (
        lambda r, p: reverse("followup:enrolment_end", args=[r["enrolment"].pk]),
        lambda r: {"left_on": today().isoformat(), "outcome": ""},
    ),
    "enrolment_correct": (
        lambda r, p: reverse("followup:enrolment_correct", args=[r["enrolment"].pk]),
        lambda r: {
            "enrolled_on": today().isoformat(),
            "left_on": "",
            "version": "0",
            "reason": "Feil",
        },
    ),
    "reminder_new": (
        lambda r, p: reverse("followup:reminder_new", args=[p.pk]),
        lambda r: {"text": "Ring", "due_on": today().isoformat()},
    ),
    "save_filter": (
        lambda r, p: reverse("followup:save_filter"),
        lambda r: {"name": "Mine", "query": "view=office"},
    ),
    "rename_filter": (
        lambda r, p: reverse("followup:rename_filter", args=[r["saved"].pk]),
        lambda r: {"name": "Nytt"},
    ),
}


def history_rows() -> int:
    return sum(m.objects.count() for m in apps.get_models() if issubclass(m, HistoricalChanges))


@pytest.mark.parametrize("form", sorted(FORMS))
def test_no_hostile_value_in_any_field_is_a_server_error(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, form: str
) -> None:
    found = records(client_heimdal)
    found["saved"] = SavedFilter.objects.create(owner=caseworker_heimdal, name="F", query="")
    url_of, valid = FORMS[form]
    url = url_of(found, client_heimdal)
    client.force_login(caseworker_heimdal)
    for name in valid(found):
        for value in HOSTILE:
            before = history_rows()
            response = client.post(url, {**valid(found), name: value})
            assert response.status_code < 500, (form, name, value)
            if response.status_code != 302:
                # Refused: nothing written, and the refusal is on the page.
                assert history_rows() == before, (form, name, value)


@pytest.mark.parametrize("key", ["view", "due", "status", "programme", "benefit", "page", "other"])
def test_no_hostile_query_string_is_a_server_error(
    client: HttpClient, caseworker_heimdal: User, key: str
) -> None:
    client.force_login(caseworker_heimdal)
    for value in HOSTILE:
        assert client.get(reverse("followup:caseload"), {key: value}).status_code == 200, value


@pytest.mark.parametrize("form", ["contact_new", "contact_edit", "intervention_edit"])
def test_a_damaged_version_is_refused_with_a_message(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, form: str
) -> None:
    found = records(client_heimdal)
    url_of, valid = FORMS[form]
    client.force_login(caseworker_heimdal)
    before = history_rows()
    response = client.post(url_of(found, client_heimdal), {**valid(found), "version": str(2**70)})
    assert response.status_code == 200
    assert "Skjemaet ble ikke forstått" in response.text
    assert history_rows() == before
