"""The client's history page, editing contacts without lost updates, and reminders."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessLog
from codelists.models import CodeList
from followup.models import Contact, Reminder
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, ContactFactory, code

pytestmark = pytest.mark.usefixtures("codes")


def contact_post(contact: Contact, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "date": contact.date.isoformat(),
        "channel": contact.channel_id,
        "duration_minutes": contact.duration_minutes,
        "note": contact.note,
        "version": contact.version,
    }
    data.update(overrides)
    return data


def test_history_shows_who_changed_what(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal, phone="")
    contact = ContactFactory(client=person, note="Første notat")
    client.force_login(caseworker_heimdal)
    client.post(
        reverse("followup:contact_edit", args=[contact.pk]),
        contact_post(contact, note="Rettet notat"),
    )
    response = client.get(reverse("clients:history", args=[person.pk]))
    assert response.status_code == 200
    entries = response.context["entries"]
    latest = entries[0]
    assert latest.who == caseworker_heimdal
    assert ("Første notat", "Rettet notat") in {(c.before, c.after) for c in latest.changes}
    assert AccessLog.objects.filter(view_name="clients:history", client_ids=[person.pk]).exists()


def test_history_of_another_office_is_404(
    client: HttpClient, caseworker_sagene: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_sagene)
    assert client.get(reverse("clients:history", args=[person.pk])).status_code == 404


def test_history_page_query_count_does_not_grow(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    url = reverse("clients:history", args=[person.pk])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    ContactFactory(client=person)
    few = count()
    for contact in ContactFactory.create_batch(10, client=person):
        client.post(
            reverse("followup:contact_edit", args=[contact.pk]),
            contact_post(contact, note="endret"),
        )
    assert count() == few


def test_a_stale_contact_edit_is_refused(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    contact = ContactFactory(client=ClientFactory(office=heimdal), note="Opprinnelig")
    stale = contact_post(contact)
    url = reverse("followup:contact_edit", args=[contact.pk])
    client.force_login(coordinator_heimdal)
    assert client.post(url, {**stale, "note": "Koordinatorens tekst"}).status_code == 302
    client.force_login(caseworker_heimdal)
    response = client.post(url, {**stale, "note": "Veilederens tekst"})
    assert response.status_code == 409
    assert 'data-testid="conflict"' in response.text
    assert "Veilederens tekst" in response.text  # kept in the form
    contact.refresh_from_db()
    assert contact.note == "Koordinatorens tekst"


def test_contact_edit_of_another_office_is_404(
    client: HttpClient, caseworker_sagene: User, heimdal: Office
) -> None:
    contact = ContactFactory(client=ClientFactory(office=heimdal), note="Hemmelig")
    client.force_login(caseworker_sagene)
    url = reverse("followup:contact_edit", args=[contact.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, contact_post(contact, note="Overskrevet")).status_code == 404
    contact.refresh_from_db()
    assert contact.note == "Hemmelig"


def test_reminders_are_personal(
    client: HttpClient, caseworker_heimdal: User, coordinator_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    due = (today() + datetime.timedelta(days=3)).isoformat()
    client.post(
        reverse("followup:reminder_new", args=[person.pk]), {"text": "Ring huseier", "due_on": due}
    )
    reminder = Reminder.objects.get()
    assert (reminder.owner, reminder.client) == (caseworker_heimdal, person)
    assert "Ring huseier" in client.get(reverse("followup:caseload")).text
    client.force_login(coordinator_heimdal)
    assert client.post(reverse("followup:reminder_done", args=[reminder.pk])).status_code == 404
    client.force_login(caseworker_heimdal)
    client.post(reverse("followup:reminder_done", args=[reminder.pk]))
    reminder.refresh_from_db()
    assert reminder.done_at is not None


def test_a_reminder_in_the_past_is_refused(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    person = ClientFactory(office=heimdal)
    client.force_login(caseworker_heimdal)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    client.post(
        reverse("followup:reminder_new", args=[person.pk]),
        {"text": "For sent", "due_on": yesterday},
    )
    assert not Reminder.objects.exists()


def test_the_channel_code_must_exist(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office
) -> None:
    contact = ContactFactory(client=ClientFactory(office=heimdal))
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:contact_edit", args=[contact.pk]),
        contact_post(
            contact, channel=code(CodeList.LIFE_AREA, "housing").pk
        ),  # a code of another list
    )
    assert response.status_code == 200
    contact.refresh_from_db()
    assert contact.channel.list_name == CodeList.CONTACT_CHANNEL
