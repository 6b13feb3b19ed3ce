"""A client merged into another record is read-only: every write path is refused with a link."""

import datetime
from typing import Any

import pytest
from django.db import connection, models, transaction
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import (
    Assessment,
    AssessmentItem,
    BenefitPeriod,
    CaseEpisode,
    Client,
    ClientMerge,
)
from clients.readonly import ClientMergedError, merge_writes
from clients.services import merging
from codelists.models import CodeList
from families.models import Family, FamilyMember
from followup.models import Contact, Enrolment, Intervention, Reminder
from organisation.models import Office, User
from research.models import Consent
from tests.dates import today
from tests.factories import ClientFactory, code

pytestmark = pytest.mark.usefixtures("codes")
BIRTH = datetime.date(1979, 6, 2)


@pytest.fixture
def kept(heimdal: Office, caseworker_heimdal: User) -> Client:
    return ClientFactory(office=heimdal, caseworker=caseworker_heimdal, birth_date=BIRTH)


@pytest.fixture
def absorbed(heimdal: Office, kept: Client, caseworker_heimdal: User) -> Client:
    duplicate = ClientFactory(office=heimdal, caseworker=caseworker_heimdal, birth_date=BIRTH)
    with acting_as(caseworker_heimdal):
        merging.client_merge(keep=kept, merge=duplicate, by=caseworker_heimdal)
    duplicate.refresh_from_db()
    return duplicate


def assert_refused_with_link(response: object, kept: Client) -> None:
    assert response.status_code == 409  # type: ignore[attr-defined]
    page = response.content.decode()  # type: ignore[attr-defined]
    assert "kan ikke lenger endres" in page
    assert f'href="{kept.get_absolute_url()}"' in page


def test_logging_a_contact_on_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:contact_new", args=[absorbed.pk]),
        {
            "date": today().isoformat(),
            "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
            "duration_minutes": 30,
        },
    )
    assert_refused_with_link(response, kept)
    assert not Contact.objects.filter(client=absorbed).exists()


@pytest.mark.parametrize(
    ("name", "records"),
    [
        ("followup:contact_new", Contact.objects),
        ("followup:intervention_new", Intervention.objects),
        ("followup:enrolment_new", Enrolment.objects),
        ("research:client_consents", Consent.objects),
    ],
)
def test_the_write_pages_of_a_merged_client_refuse_before_showing_a_form(
    client: HttpClient,
    caseworker_heimdal: User,
    kept: Client,
    absorbed: Client,
    name: str,
    records: "models.Manager[Any]",
) -> None:
    # Refused on GET already, so that nobody fills in a form only to lose it on submit.
    client.force_login(caseworker_heimdal)
    url = reverse(name, args=[absorbed.pk])
    get = client.get(url)
    assert_refused_with_link(get, kept)
    assert "<form" not in get.content.decode().split("<main", 1)[-1]
    assert_refused_with_link(client.post(url, {"start": today().isoformat()}), kept)
    assert not records.filter(client=absorbed).exists()


def test_a_reminder_about_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("followup:reminder_new", args=[absorbed.pk]),
        {"text": "Ring", "due_on": today().isoformat()},
    )
    assert_refused_with_link(response, kept)
    assert not Reminder.objects.exists()


def test_opening_an_episode_on_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    url = reverse("clients:episode_new", args=[absorbed.pk])
    assert_refused_with_link(client.get(url), kept)
    response = client.post(
        url,
        {
            "opened_on": today().isoformat(),
            "reasons": [code(CodeList.CONTACT_REASON, "no_income").pk],
        },
    )
    assert_refused_with_link(response, kept)
    assert not CaseEpisode.objects.filter(client=absorbed).exists()


def test_adding_a_benefit_to_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:benefit_new", args=[absorbed.pk]),
        {
            "kind": code(CodeList.BENEFIT_KIND, "bostotte").pk,
            "start": today().isoformat(),
            "end": "",
        },
    )
    assert_refused_with_link(response, kept)
    assert not BenefitPeriod.objects.filter(client=absorbed).exists()


def test_assessing_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.post(
        reverse("clients:assessment_new", args=[absorbed.pk]),
        {"assessed_on": today().isoformat(), "status_housing": "3", "need_housing": "some"},
    )
    assert_refused_with_link(response, kept)
    assert not Assessment.objects.filter(client=absorbed).exists()


def test_editing_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    url = reverse("clients:edit", args=[absorbed.pk])
    assert_refused_with_link(client.get(url), kept)
    response = client.post(
        url,
        {
            "first_name": "Endret",
            "last_name": absorbed.last_name,
            "birth_date": BIRTH.isoformat(),
            "gender": "U",
            "office": heimdal.pk,
            "status": "active",
            "version": absorbed.version,
        },
    )
    assert_refused_with_link(response, kept)
    absorbed.refresh_from_db()
    assert (absorbed.first_name, absorbed.status) != ("Endret", "active")


def test_transferring_or_merging_a_merged_client_is_refused(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    for name in ("clients:transfer", "clients:merge"):
        assert_refused_with_link(client.get(reverse(name, args=[absorbed.pk])), kept)


def test_the_model_layer_refuses_every_write_whatever_the_caller(
    absorbed: Client, heimdal: Office, coordinator_heimdal: User
) -> None:
    """Services, scripts and the admin all end in save(): the guard holds there."""
    with acting_as(system_actor("tests")):
        family = Family.objects.create(office=heimdal, name="Familien Test")
        writes = [
            lambda: Client.objects.get(pk=absorbed.pk).save(),
            lambda: CaseEpisode.objects.create(client=absorbed, opened_on=today()),
            lambda: Intervention.objects.create(
                client=absorbed, type=code(CodeList.INTERVENTION_TYPE, "kvp"), start=today()
            ),
            lambda: FamilyMember.objects.create(
                family=family, client=absorbed, role=FamilyMember.Role.PARENT, joined_on=today()
            ),
            lambda: Reminder.objects.create(
                owner=coordinator_heimdal, client=absorbed, text="x", due_on=today()
            ),
        ]
        for write in writes:
            with pytest.raises(ClientMergedError):
                write()


def test_a_stale_copy_of_the_client_cannot_write_either(absorbed: Client) -> None:
    stale = Client.objects.get(pk=absorbed.pk)
    stale.status = Client.Status.ACTIVE  # as loaded before the merge
    with acting_as(system_actor("tests")), pytest.raises(ClientMergedError):
        stale.save()


def test_merged_is_never_a_status_to_choose(
    client: HttpClient, caseworker_heimdal: User, heimdal: Office, kept: Client
) -> None:
    client.force_login(caseworker_heimdal)
    for url in (reverse("clients:register"), reverse("clients:edit", args=[kept.pk])):
        choices = dict(client.get(url).context["form"].fields["status"].choices)
        assert "merged" not in choices
        assert set(choices) == {"active", "inactive"}
    response = client.post(
        reverse("clients:edit", args=[kept.pk]),
        {
            "first_name": kept.first_name,
            "last_name": kept.last_name,
            "birth_date": BIRTH.isoformat(),
            "gender": "U",
            "office": heimdal.pk,
            "status": "merged",
            "version": kept.version,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    kept.refresh_from_db()
    assert kept.status == "active"


def test_a_client_cannot_be_marked_merged_without_a_merge(kept: Client) -> None:
    kept.status = Client.Status.MERGED
    with acting_as(system_actor("tests")), pytest.raises(ClientMergedError):
        kept.save()


def test_the_page_of_a_merged_client_links_to_the_kept_one_and_offers_no_writes(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    page = client.get(absorbed.get_absolute_url()).content.decode()
    assert 'data-testid="merged-banner"' in page
    assert f'href="{kept.get_absolute_url()}"' in page
    for name in (
        "followup:contact_new",
        "followup:reminder_new",
        "clients:assessment_new",
        "clients:edit",
        "clients:episode_new",
        "clients:benefit_new",
        "clients:merge",
        "clients:transfer",
        "followup:intervention_new",
        "followup:enrolment_new",
    ):
        assert reverse(name, args=[absorbed.pk]) not in page, name
    assert reverse("clients:history", args=[absorbed.pk]) in page


def test_the_merge_undo_still_works_and_the_record_is_writable_again(
    client: HttpClient, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    client.force_login(caseworker_heimdal)
    record = ClientMerge.objects.get()
    response = client.post(reverse("clients:merge_undo", args=[record.pk]))
    assert response.status_code == 302
    absorbed.refresh_from_db()
    assert (absorbed.status, absorbed.merged_into) == ("active", None)
    response = client.post(
        reverse("clients:episode_new", args=[absorbed.pk]),
        {
            "opened_on": today().isoformat(),
            "reasons": [code(CodeList.CONTACT_REASON, "no_income").pk],
        },
    )
    assert response.status_code == 302
    assert CaseEpisode.objects.filter(client=absorbed).exists()


def test_a_merge_whose_kept_record_is_merged_since_cannot_be_undone_first(
    heimdal: Office, caseworker_heimdal: User, kept: Client, absorbed: Client
) -> None:
    newest = ClientFactory(office=heimdal, birth_date=BIRTH)
    with acting_as(caseworker_heimdal):
        merging.client_merge(keep=newest, merge=kept, by=caseworker_heimdal)
        first = ClientMerge.objects.get(merged=absorbed)
        with pytest.raises(merging.MergeError):
            merging.client_merge_undo(merge_record=first, by=caseworker_heimdal)
        second = ClientMerge.objects.get(merged=kept)
        merging.client_merge_undo(merge_record=second, by=caseworker_heimdal)
        merging.client_merge_undo(merge_record=first, by=caseworker_heimdal)
    absorbed.refresh_from_db()
    assert absorbed.status == "active"


def test_parts_and_many_to_many_of_a_merged_clients_records_are_refused(
    absorbed: Client, caseworker_heimdal: User
) -> None:
    """An assessment's items and an episode's reasons are writes to the client's records."""
    with acting_as(system_actor("tests")):
        with merge_writes():  # records left on the merged client, as a bulk move could leave
            assessment = Assessment.objects.create(
                client=absorbed, assessed_on=today(), assessed_by=caseworker_heimdal
            )
            episode = CaseEpisode.objects.create(client=absorbed, opened_on=today())
        housing = code(CodeList.LIFE_AREA, "housing")
        writes = [
            lambda: AssessmentItem.objects.create(
                assessment=assessment,
                life_area=housing,
                status=code(CodeList.ASSESSMENT_STATUS, "3"),
                need=code(CodeList.NEED_LEVEL, "some"),
            ),
            lambda: episode.reasons.set([code(CodeList.CONTACT_REASON, "no_income")]),
            episode.delete,
        ]
        for write in writes:
            with pytest.raises(ClientMergedError), transaction.atomic():
                write()


def test_logging_a_contact_checks_for_a_merge_once_not_per_many_to_many(
    client: HttpClient, caseworker_heimdal: User, kept: Client
) -> None:
    """The contact's save is checked; its topics and staff, saved right after, are not again."""
    client.force_login(caseworker_heimdal)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("followup:contact_new", args=[kept.pk]),
            {
                "date": today().isoformat(),
                "channel": code(CodeList.CONTACT_CHANNEL, "phone").pk,
                "duration_minutes": 30,
                "topics": [code(CodeList.LIFE_AREA, "housing").pk],
            },
        )
    assert response.status_code == 302
    checks = [q for q in queries.captured_queries if "'merged'" in q["sql"]]
    assert len(checks) == 1
