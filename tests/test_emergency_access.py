"""Break-the-glass: a client of another office opens only by a stated reason, for a while,
marked in the access log and followed up by the managers of the client's office."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from audit.models import AccessLog, EmergencyAccess
from clients.models import Client
from clients.national_id import synthetic_national_id
from organisation.models import User
from organisation.roles import Role
from tests.factories import ClientFactory, MembershipFactory
from tests.test_query_budgets import BASE

EMERGENCY = reverse("clients:emergency_access")
MANAGER_LIST = reverse("dashboards:emergency_access")
REASON = "Klienten er på kontoret vårt i krise og trenger nødhjelp i dag."


@pytest.fixture
def national_id(client_heimdal: Client) -> str:
    number = synthetic_national_id(client_heimdal.birth_date, 0)
    with acting_as(system_actor("tests")):
        client_heimdal.national_id = number
        client_heimdal.save()
    return number


def break_the_glass(http: HttpClient, national_id: str, **reason: str) -> object:
    return http.post(
        EMERGENCY,
        {"national_id": national_id, "purpose": "client_here", "reason": REASON, **reason},
    )


def grant_for(user: User, person: Client) -> EmergencyAccess:
    return EmergencyAccess.objects.get(user=user, client_id=person.pk)


def test_a_guessed_url_of_another_office_stays_404(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_sagene)
    assert client.get(client_heimdal.get_absolute_url()).status_code == 404
    assert not EmergencyAccess.objects.exists()


def test_the_page_names_the_office_asks_the_reason_and_opens_the_client(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client, national_id: str
) -> None:
    client.force_login(caseworker_sagene)
    step_one = client.post(EMERGENCY, {"national_id": national_id})
    assert step_one.status_code == 200
    assert "Klienten hører til NAV Heimdal" in step_one.text
    # The office, never the name, before the reason is given.
    assert client_heimdal.last_name not in step_one.text
    assert AccessLog.objects.filter(
        view_name="clients:emergency_access", client_ids=[client_heimdal.pk], action="search"
    ).exists()
    assert not EmergencyAccess.objects.exists()

    response = break_the_glass(client, national_id)
    assert response.status_code == 302
    assert response["Location"] == client_heimdal.get_absolute_url()
    grant = grant_for(caseworker_sagene, client_heimdal)
    assert (grant.office, grant.purpose, grant.reason) == (
        client_heimdal.office,
        "client_here",
        REASON,
    )
    hours = (grant.ends_at - grant.starts_at).total_seconds() / 3600
    assert hours == 2
    # In history, by the user who broke the glass.
    assert grant.history.get().history_user == caseworker_sagene

    page = client.get(client_heimdal.get_absolute_url())
    assert page.status_code == 200
    assert client_heimdal.last_name in page.text
    assert 'data-testid="emergency-banner"' in page.text
    assert REASON in page.text
    # Read-only: no way to write, and no link to the pages that stay closed.
    assert reverse("clients:edit", args=[client_heimdal.pk]) not in page.text
    assert reverse("clients:history", args=[client_heimdal.pk]) not in page.text
    read = AccessLog.objects.get(view_name="clients:detail", allowed=True)
    assert (read.user, read.client_ids, read.emergency_access) == (
        caseworker_sagene,
        [client_heimdal.pk],
        grant,
    )


def test_the_time_limit_is_a_setting(
    client: HttpClient, caseworker_sagene: User, national_id: str, settings: object
) -> None:
    settings.EMERGENCY_ACCESS_HOURS = 1  # type: ignore[attr-defined]
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    grant = EmergencyAccess.objects.get()
    assert grant.ends_at - grant.starts_at == datetime.timedelta(hours=1)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Oppgi begrunnelsen"),
        ("   ", "Oppgi begrunnelsen"),
        ("Akutt", "minst 10 tegn"),
        ("x" * 501, "501"),
    ],
)
def test_no_reason_no_access(
    client: HttpClient,
    caseworker_sagene: User,
    client_heimdal: Client,
    national_id: str,
    reason: str,
    message: str,
) -> None:
    client.force_login(caseworker_sagene)
    response = break_the_glass(client, national_id, reason=reason)
    assert response.status_code == 200
    assert message in response.text
    assert not EmergencyAccess.objects.exists()
    assert client.get(client_heimdal.get_absolute_url()).status_code == 404


def test_a_purpose_is_required(
    client: HttpClient, caseworker_sagene: User, national_id: str
) -> None:
    client.force_login(caseworker_sagene)
    response = break_the_glass(client, national_id, purpose="curiosity")
    assert response.status_code == 200
    assert "Velg et gyldig valg" in response.text
    assert not EmergencyAccess.objects.exists()


@pytest.mark.parametrize(
    ("number", "message"),
    [("12345", "Et fødselsnummer har 11 sifre"), ("01010112345", "Kontrollsifrene stemmer ikke")],
)
def test_a_malformed_number_is_refused_at_the_field(
    client: HttpClient, caseworker_sagene: User, number: str, message: str
) -> None:
    client.force_login(caseworker_sagene)
    response = break_the_glass(client, number)
    assert response.status_code == 200
    assert message in response.text
    assert not EmergencyAccess.objects.exists()


def test_an_unknown_number_finds_no_one(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_sagene)
    unknown = synthetic_national_id(client_heimdal.birth_date, 1)
    response = break_the_glass(client, unknown)
    assert response.status_code == 200
    assert "Ingen klient i HUSK har dette fødselsnummeret" in response.text
    assert not EmergencyAccess.objects.exists()


def test_a_client_of_ones_own_office_needs_no_glass(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client, national_id: str
) -> None:
    client.force_login(caseworker_heimdal)
    response = break_the_glass(client, national_id)
    assert response["Location"] == client_heimdal.get_absolute_url()
    assert not EmergencyAccess.objects.exists()


def test_an_expired_grant_is_404_again(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client, national_id: str
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    assert client.get(client_heimdal.get_absolute_url()).status_code == 200
    # Time travel: the grant began three hours ago and ended one minute ago.
    grant = EmergencyAccess.objects.get()
    now = timezone.now()
    grant.starts_at = now - datetime.timedelta(hours=3)
    grant.ends_at = now - datetime.timedelta(minutes=1)
    with acting_as(system_actor("tests")):
        grant.save()
    response = client.get(client_heimdal.get_absolute_url())
    assert response.status_code == 404
    assert client_heimdal.last_name not in response.text
    refused = AccessLog.objects.filter(view_name="clients:detail").order_by("-pk").first()
    assert refused is not None
    assert (refused.allowed, refused.emergency_access) == (False, None)


def test_a_grant_opens_the_client_page_only(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client, national_id: str
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    for name in ("clients:edit", "clients:history", "clients:transfer", "followup:contact_new"):
        assert client.get(reverse(name, args=[client_heimdal.pk])).status_code == 404
    assert client.post(reverse("clients:edit", args=[client_heimdal.pk])).status_code == 404


def test_a_grant_is_for_its_user_and_client_only(
    client: HttpClient,
    caseworker_sagene: User,
    coordinator_sagene: User,
    client_heimdal: Client,
    national_id: str,
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    other = ClientFactory(office=client_heimdal.office)
    assert client.get(other.get_absolute_url()).status_code == 404
    client.force_login(coordinator_sagene)
    assert client.get(client_heimdal.get_absolute_url()).status_code == 404


def test_the_access_report_marks_reads_under_emergency_access_with_the_reason(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    client_heimdal: Client,
    national_id: str,
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    client.get(client_heimdal.get_absolute_url())
    MembershipFactory(user=caseworker_heimdal, office=None, role=Role.ACCESS_LOG_READER)
    client.force_login(caseworker_heimdal)
    client.get(client_heimdal.get_absolute_url())  # an ordinary read, not marked
    report = client.get(reverse("clients:access_report", args=[client_heimdal.pk])).text
    assert report.count('data-testid="emergency-read"') == 1
    assert f"Nødtilgang:</strong> Klienten har kommet til mitt kontor – {REASON}" in report
    assert caseworker_sagene.get_full_name() in report


def test_the_managers_of_the_clients_office_follow_it_up(
    client: HttpClient,
    caseworker_sagene: User,
    manager_heimdal: User,
    manager_sagene: User,
    client_heimdal: Client,
    national_id: str,
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    client.get(client_heimdal.get_absolute_url())
    grant = EmergencyAccess.objects.get()

    client.force_login(manager_heimdal)
    page = client.get(MANAGER_LIST).text
    assert page.count('data-testid="emergency-access"') == 1
    assert REASON in page
    assert caseworker_sagene.get_full_name() in page
    # By number: a manager sees no client's name.
    assert client_heimdal.last_name not in page
    follow_up = reverse("dashboards:emergency_access_followed_up", args=[grant.pk])

    # The other office's manager sees nothing of it and cannot mark it.
    client.force_login(manager_sagene)
    assert 'data-testid="emergency-access"' not in client.get(MANAGER_LIST).text
    assert client.post(follow_up).status_code == 404
    grant.refresh_from_db()
    assert grant.followed_up_at is None

    client.force_login(manager_heimdal)
    assert client.post(follow_up)["Location"] == MANAGER_LIST
    grant.refresh_from_db()
    assert grant.followed_up_by == manager_heimdal
    assert grant.followed_up_at is not None
    latest = grant.history.order_by("-history_id").first()
    assert latest is not None
    assert latest.history_user == manager_heimdal
    assert "Fulgt opp" in client.get(MANAGER_LIST).text
    # Marking it again changes nothing.
    client.post(follow_up)
    assert grant.history.count() == 2


def test_caseworkers_and_administrators_have_no_managers_list(
    client: HttpClient, caseworker_heimdal: User, administrator: User
) -> None:
    for user in (caseworker_heimdal, administrator):
        client.force_login(user)
        assert client.get(MANAGER_LIST).status_code == 403


def test_the_managers_list_budget(
    client: HttpClient, manager_heimdal: User, caseworker_sagene: User
) -> None:
    def grants(count: int) -> None:
        now = timezone.now()
        with acting_as(system_actor("tests")):
            for _ in range(count):
                person = ClientFactory(office=manager_heimdal.offices[0])
                access = EmergencyAccess.objects.create(
                    user=caseworker_sagene,
                    client_id=person.pk,
                    office=person.office,
                    purpose="danger",
                    reason=REASON,
                    ends_at=now + datetime.timedelta(hours=2),
                )
                AccessLog.objects.create(
                    user=caseworker_sagene,
                    roles="caseworker",
                    action="view",
                    view_name="clients:detail",
                    client_ids=[person.pk],
                    allowed=True,
                    emergency_access=access,
                )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(MANAGER_LIST).status_code == 200
        return len(captured)

    client.force_login(manager_heimdal)
    grants(1)
    few = queries()
    grants(20)
    # + count, the page of grants (users, office, follow-up joined; reads counted),
    # access-log insert
    assert few == queries() == BASE + 3


def test_a_grant_in_force_is_reused_and_a_new_reason_replaces_it(
    client: HttpClient, caseworker_sagene: User, client_heimdal: Client, national_id: str
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    first = EmergencyAccess.objects.get()
    # Looking the number up again leads straight to the client, with the time left.
    again = client.post(EMERGENCY, {"national_id": national_id}, follow=True)
    assert again.redirect_chain[-1][0] == client_heimdal.get_absolute_url()
    assert "Du har allerede nødtilgang til denne klienten til" in again.text
    assert EmergencyAccess.objects.count() == 1
    # A new reason ends the first grant (in its history) and starts another.
    break_the_glass(client, national_id, reason="Ny situasjon: klienten ringer fra sykehuset.")
    first.refresh_from_db()
    second = EmergencyAccess.objects.exclude(pk=first.pk).get()
    assert first.ends_at <= second.starts_at
    assert first.history.count() == 2
    client.get(client_heimdal.get_absolute_url())
    assert (
        AccessLog.objects.filter(view_name="clients:detail").latest("pk").emergency_access == second
    )


def test_the_access_log_finds_the_reads_under_emergency_access(
    client: HttpClient,
    caseworker_sagene: User,
    caseworker_heimdal: User,
    client_heimdal: Client,
    national_id: str,
    log_reader: User,
) -> None:
    client.force_login(caseworker_sagene)
    break_the_glass(client, national_id)
    client.get(client_heimdal.get_absolute_url())
    client.force_login(caseworker_heimdal)
    client.get(client_heimdal.get_absolute_url())
    client.force_login(log_reader)
    found = client.get(reverse("organisation:access_log"), {"emergency": "on"}).text
    # The users' names in the rows (the search's user list names everyone).
    assert found.count('data-testid="log-entry"') == 1
    assert f"<td>{caseworker_sagene.get_full_name()}</td>" in found
    assert f"<td>{caseworker_heimdal.get_full_name()}</td>" not in found
    everything = client.get(reverse("organisation:access_log")).text
    assert f"<td>{caseworker_heimdal.get_full_name()}</td>" in everything
