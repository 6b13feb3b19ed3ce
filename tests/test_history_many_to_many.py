"""Many-to-many changes in history: one row per save, read on the history page as "Tema: A → B"."""

import datetime
import html
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client as HttpClient
from django.urls import reverse

from audit import bulk
from audit.history import acting_as, one_history_row, system_actor
from clients.models import Client
from codelists.models import Code, CodeList
from families.models import Family, FamilyContact, FamilyMember
from followup.models import Contact
from organisation.models import Office, User
from tests.dates import today
from tests.factories import ClientFactory, ContactFactory, UserFactory, code
from tests.test_query_budgets import BASE, count_queries

pytestmark = pytest.mark.usefixtures("codes")
ENTRY = re.compile(r'<tr data-testid="history-entry">(.*?)</tr>', re.S)
CHANGE = re.compile(r"<li><strong>(.*?)</strong>: (.*?)</li>", re.S)


def life_area(value: str) -> Code:
    return code(CodeList.LIFE_AREA, value)


def history_page(client: HttpClient, person: Client) -> list[list[tuple[str, str]]]:
    """Each entry of the client's history page, newest first, as its (field, change) lines."""
    page = client.get(reverse("clients:history", args=[person.pk])).text
    return [
        [(html.unescape(f), html.unescape(c)) for f, c in CHANGE.findall(row)]
        for row in ENTRY.findall(page)
    ]


def contact_form(contact: Contact | None = None, **data: Any) -> dict[str, Any]:
    """What the contact form posts: the contact's values, or a new contact's, and ``data``."""
    values: dict[str, Any] = {
        "date": today().isoformat(),
        "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
        "duration_minutes": 30,
        "next_contact_on": "",
    }
    if contact is not None:
        values |= {
            "date": contact.date.isoformat(),
            "channel": contact.channel_id,
            "duration_minutes": contact.duration_minutes,
            "topics": [t.pk for t in contact.topics.all()],
            "note": contact.note,
            "version": contact.version,
        }
    return values | data


@pytest.fixture
def person(heimdal: Office, caseworker_heimdal: User) -> Client:
    return ClientFactory(office=heimdal, caseworker=caseworker_heimdal)


@pytest.fixture
def logged(client: HttpClient, caseworker_heimdal: User, person: Client) -> Contact:
    """A contact about work and education, logged through the form by the caseworker."""
    client.force_login(caseworker_heimdal)
    topics = [life_area("work").pk, life_area("education").pk]
    response = client.post(
        reverse("followup:contact_new", args=[person.pk]), contact_form(topics=topics)
    )
    assert response.status_code == 302
    return Contact.objects.get(client=person)


def test_a_contact_logged_with_topics_is_one_history_row_that_names_them(
    client: HttpClient, caseworker_heimdal: User, person: Client, logged: Contact
) -> None:
    assert logged.history.count() == 1
    [created] = history_page(client, person)[:1]
    assert ("Tema", "Arbeid, Utdanning og kvalifisering") in created
    assert ("Ansatte til stede", str(caseworker_heimdal)) in created


def test_changing_the_topics_in_the_form_is_one_row_by_the_user_showing_before_and_after(
    client: HttpClient, caseworker_heimdal: User, person: Client, logged: Contact
) -> None:
    topics = [life_area("work").pk, life_area("housing").pk]
    response = client.post(
        reverse("followup:contact_edit", args=[logged.pk]), contact_form(logged, topics=topics)
    )
    assert response.status_code == 302
    assert logged.history.count() == 2
    latest = logged.history.latest()
    assert (latest.history_type, latest.history_user) == ("~", caseworker_heimdal)

    page = client.get(reverse("clients:history", args=[person.pk])).text
    assert f"Kontakt {logged.date:%d.%m.%Y}: endret" in page
    changed = history_page(client, person)[0]
    assert changed == [("Tema", "Arbeid, Utdanning og kvalifisering → Arbeid, Bolig")]


def test_a_save_that_leaves_the_links_alone_shows_no_line_for_them(
    client: HttpClient, person: Client, logged: Contact
) -> None:
    response = client.post(
        reverse("followup:contact_edit", args=[logged.pk]), contact_form(logged, note="Ringte.")
    )
    assert response.status_code == 302
    assert history_page(client, person)[0] == [("Notat", "– → Ringte.")]


def test_staff_added_with_a_save_is_in_that_saves_row_and_staff_removed_alone_in_its_own(
    client: HttpClient, caseworker_heimdal: User, person: Client, logged: Contact
) -> None:
    colleague = UserFactory(first_name="Kari", last_name="Kollega")
    contact = Contact.objects.get(pk=logged.pk)
    with acting_as(caseworker_heimdal), transaction.atomic(), one_history_row(contact):
        contact.duration_minutes = 60
        contact.save()
        contact.staff.add(colleague)
    assert contact.history.count() == 2
    both = f"{caseworker_heimdal}, {colleague}"
    assert history_page(client, person)[0] == [
        ("Varighet (minutter)", "30 → 60"),
        ("Ansatte til stede", f"{caseworker_heimdal} → {both}"),
    ]

    with acting_as(caseworker_heimdal):
        contact.staff.remove(caseworker_heimdal)
    assert contact.history.count() == 3
    assert contact.history.latest().history_user == caseworker_heimdal
    assert history_page(client, person)[0] == [("Ansatte til stede", f"{both} → {colleague}")]


def test_links_written_in_bulk_are_in_the_history_so_a_later_edit_shows_only_its_change(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    actor = system_actor("tests")
    [contact] = bulk.bulk_create(
        Contact,
        [
            Contact(
                client=person,
                date=today(),
                channel=code(CodeList.CONTACT_CHANNEL, "phone"),
                recorded_by=caseworker_heimdal,
            )
        ],
        actor=actor,
    )
    bulk.bulk_link(Contact.topics, [(contact, [life_area("work"), life_area("education")])])
    bulk.bulk_link(Contact.staff, [(contact, [caseworker_heimdal])])
    created = contact.history.get()
    assert {t.code.code for t in created.topics.all()} == {"work", "education"}
    assert [s.user for s in created.staff.all()] == [caseworker_heimdal]

    client.force_login(caseworker_heimdal)
    topics = [life_area("work").pk, life_area("housing").pk]
    client.post(
        reverse("followup:contact_edit", args=[contact.pk]), contact_form(contact, topics=topics)
    )
    assert history_page(client, person)[0] == [
        ("Tema", "Arbeid, Utdanning og kvalifisering → Arbeid, Bolig")
    ]


def test_every_record_label_fits_its_models_fields() -> None:
    for model in apps.get_models():
        label = getattr(model, "history_label", None)
        if label is not None:
            fields = {f.name: "x" for f in model.instance_type._meta.concrete_fields}
            assert "x" in str(label) % fields, model.__name__


def test_the_client_history_costs_the_same_however_many_contacts_and_links(
    client: HttpClient, caseworker_heimdal: User, person: Client
) -> None:
    def contact_with_links() -> None:
        with acting_as(caseworker_heimdal):
            contact = ContactFactory(client=person, recorded_by=caseworker_heimdal)
            contact.topics.set([life_area("work"), life_area("housing")])
            contact.staff.add(caseworker_heimdal, UserFactory())

    url = reverse("clients:history", args=[person.pk])
    client.force_login(caseworker_heimdal)
    contact_with_links()
    count_queries(client, url)  # warms the content-type cache
    few = count_queries(client, url)
    for _ in range(5):
        contact_with_links()
    # + the client, access-log insert, the history of each of its 9 models, the office and
    # users the client's own history names, the links of each of the contact's 3 tracked
    # many-to-many fields (one query for all rows), and the clients, codes and users the
    # contacts name or link to
    assert count_queries(client, url) == few == BASE + 19


@pytest.fixture
def family(heimdal: Office, coordinator_heimdal: User) -> Family:
    """Two parents who are clients and a child who is not."""
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Karimi", coordinator=coordinator_heimdal
        )
        for first in ("Zahra", "Reza"):
            FamilyMember.objects.create(
                family=family,
                role="parent",
                joined_on=datetime.date(2023, 1, 1),
                client=ClientFactory(office=heimdal, first_name=first, last_name="Karimi"),
            )
        FamilyMember.objects.create(
            family=family,
            first_name="Sina",
            last_name="Karimi",
            role="child",
            birth_date=datetime.date(2015, 1, 1),
            joined_on=datetime.date(2023, 1, 1),
        )
    return family


def log_family_contact(client: HttpClient, family: Family) -> None:
    response = client.post(
        reverse("families:contact_new", args=[family.pk]),
        contact_form(participants=[m.pk for m in family.memberships.all()]),
    )
    assert response.status_code == 302


def test_who_took_part_in_a_family_contact_is_in_its_one_history_row(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)
    log_family_contact(client, family)
    assert FamilyContact.objects.get().history.count() == 1
    page = client.get(reverse("families:history", args=[family.pk])).text
    changes = [html.unescape(c) for f, c in CHANGE.findall(page) if f == "Hvem som deltok"]
    assert changes == ["Sina Karimi, Zahra Karimi, Reza Karimi"]


def test_the_family_history_costs_the_same_however_many_contacts_and_participants(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    url = reverse("families:history", args=[family.pk])
    client.force_login(coordinator_heimdal)
    log_family_contact(client, family)
    count_queries(client, url)  # warms the content-type cache
    few = count_queries(client, url)
    for _ in range(3):
        log_family_contact(client, family)
    assert count_queries(client, url) == few


def test_a_stale_edit_is_told_the_topics_the_other_person_chose_by_name(
    client: HttpClient, coordinator_heimdal: User, logged: Contact
) -> None:
    stale = contact_form(logged)
    url = reverse("followup:contact_edit", args=[logged.pk])
    assert (
        client.post(url, contact_form(logged, topics=[life_area("housing").pk])).status_code == 302
    )
    client.force_login(coordinator_heimdal)
    response = client.post(url, {**stale, "note": "Koordinatorens tekst"})
    assert response.status_code == 409
    conflict = html.unescape(response.text)
    assert "Arbeid, Utdanning og kvalifisering" in conflict
    assert "Bolig" in conflict
    assert "Historical" not in conflict
    assert "None" not in conflict
