"""History of a family, the client's "who has seen my case" report, and the access log's search."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.models import Client
from clients.services import merging
from families.models import Family, FamilyMember
from organisation import views as organisation_views
from organisation.models import Office, User
from organisation.roles import Role
from research.models import ExportEvent
from tests.dates import days_ago
from tests.factories import ClientFactory, MembershipFactory
from tests.research_data import make_project

D = datetime.date


def logged_read(
    user: User, view_name: str, client_ids: list[int], *, action: str = "view"
) -> AccessLog:
    """An allowed read as record_read logs it, made outside this test's requests."""
    return AccessLog.objects.create(
        user=user,
        roles=",".join(sorted(user.roles)),
        action=action,
        view_name=view_name,
        client_ids=client_ids,
        allowed=True,
    )


@pytest.fixture
def family(heimdal: Office, client_heimdal: Client) -> Family:
    with acting_as(system_actor("tests")):
        family = Family.objects.create(
            office=heimdal, name="Familien Berg", created_on=D(2024, 1, 1)
        )
        FamilyMember.objects.create(
            family=family, client=client_heimdal, role="parent", joined_on=D(2024, 1, 1)
        )
    return family


def test_the_family_history_shows_who_changed_what(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    with acting_as(coordinator_heimdal):
        family.name = "Familien Berg Hansen"
        family.save()
        FamilyMember.objects.create(
            family=family,
            first_name="Lise",
            birth_date=D(2015, 5, 1),
            role="child",
            joined_on=D(2025, 1, 1),
        )
    client.force_login(coordinator_heimdal)
    page = client.get(reverse("families:history", args=[family.pk])).text
    assert "Familien Berg → Familien Berg Hansen" in page
    assert "Familiemedlem: opprettet" in page
    assert coordinator_heimdal.get_full_name() in page


def test_the_family_history_is_404_for_another_office(
    client: HttpClient, coordinator_sagene: User, family: Family
) -> None:
    client.force_login(coordinator_sagene)
    assert client.get(reverse("families:history", args=[family.pk])).status_code == 404


def test_the_family_history_costs_the_same_whatever_its_length(
    client: HttpClient, coordinator_heimdal: User, family: Family
) -> None:
    client.force_login(coordinator_heimdal)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("families:history", args=[family.pk])).status_code == 200
        return len(captured)

    queries()
    few = queries()
    with acting_as(coordinator_heimdal):
        for n in range(10):
            family.name = f"Familien {n}"
            family.save()
    assert queries() == few


def test_a_client_can_be_told_who_has_seen_their_case(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
    client_sagene: Client,
    log_reader: User,
) -> None:
    client.force_login(coordinator_heimdal)
    client.get(client_heimdal.get_absolute_url())
    logged_read(coordinator_heimdal, "research:export", [client_heimdal.pk, 999], action="export")
    # A read of a duplicate record, since merged into this one, was a read of the same person.
    duplicate = ClientFactory(office=client_heimdal.office)
    logged_read(caseworker_sagene, "clients:detail", [duplicate.pk])
    # And so was a read of a record merged into that duplicate before (a chain of merges),
    # on a page the report names in words rather than by its URL name.
    older = ClientFactory(office=client_heimdal.office)
    logged_read(log_reader, "families:plan_revisions", [older.pk])
    with acting_as(caseworker_heimdal):
        merging.client_merge(keep=duplicate, merge=older, by=caseworker_heimdal)
        merging.client_merge(keep=client_heimdal, merge=duplicate, by=caseworker_heimdal)
    # The report is a part of the access log: a caseworker needs the log's role as well.
    report = reverse("clients:access_report", args=[client_heimdal.pk])
    client.force_login(caseworker_heimdal)
    assert client.get(report).status_code == 404
    assert "Hvem har sett saken" not in client.get(client_heimdal.get_absolute_url()).text
    MembershipFactory(user=caseworker_heimdal, office=None, role=Role.ACCESS_LOG_READER)
    assert "Hvem har sett saken" in client.get(client_heimdal.get_absolute_url()).text
    page = client.get(report).text
    assert caseworker_sagene.get_full_name() in page
    assert log_reader.get_full_name() in page
    assert "En annen side om familien" in page
    assert "families:plan_revisions" not in page
    assert coordinator_heimdal.get_full_name() in page
    assert "Brukersiden" in page
    assert "Et anonymisert forskningsuttrekk" in page
    assert "Familiekoordinator" in page
    # Reading the report is itself a logged read of the client.
    assert AccessLog.objects.filter(
        view_name="clients:access_report", client_ids__contains=[client_heimdal.pk]
    ).exists()
    assert client.get(reverse("clients:access_report", args=[client_sagene.pk])).status_code == 404
    # Reading the log alone gives no way into a client's records.
    client.force_login(log_reader)
    assert client.get(report).status_code == 404


def test_only_readers_of_the_access_log_search_it(
    client: HttpClient, administrator: User, log_reader: User, manager_heimdal: User
) -> None:
    for user in (administrator, manager_heimdal):
        client.force_login(user)
        assert client.get(reverse("organisation:access_log")).status_code == 403
        assert client.get(reverse("research:export_log")).status_code == 403
    client.force_login(log_reader)
    assert client.get(reverse("organisation:access_log")).status_code == 200
    assert client.get(reverse("research:export_log")).status_code == 200


def test_the_access_log_is_searched_by_user_client_and_period(
    client: HttpClient,
    log_reader: User,
    caseworker_heimdal: User,
    coordinator_heimdal: User,
    client_heimdal: Client,
) -> None:
    client.force_login(caseworker_heimdal)
    client.get(client_heimdal.get_absolute_url())
    client.force_login(coordinator_heimdal)
    client.get(reverse("clients:list"))
    client.force_login(log_reader)
    url = reverse("organisation:access_log")
    by_user = client.get(url, {"user": caseworker_heimdal.pk}).text
    assert by_user.count('data-testid="log-entry"') == 1
    assert "clients:detail" in by_user
    by_client = client.get(url, {"client": client_heimdal.pk}).text
    assert by_client.count('data-testid="log-entry"') >= 1
    assert "clients:list" not in by_client or str(client_heimdal.pk) in by_client
    yesterday = days_ago(1).isoformat()
    assert 'data-testid="log-entry"' not in client.get(url, {"end": yesterday}).text
    # The log's readers are in the log too.
    assert AccessLog.objects.filter(user=log_reader, view_name="organisation:access_log").exists()


def test_the_export_log_lists_requests_and_downloads(
    client: HttpClient, log_reader: User, researcher: User, heimdal: Office, manager_heimdal: User
) -> None:
    project = make_project(
        [heimdal], members=[researcher], approvers=[manager_heimdal], code_name="logg"
    )
    ExportEvent.objects.create(
        project=project, kind="requested", user=researcher, detail={"tables": ["persons"]}
    )
    ExportEvent.objects.create(project=project, kind="downloaded", user=researcher, detail={})
    client.force_login(log_reader)
    page = client.get(reverse("research:export_log"), {"project": project.pk}).text
    assert page.count('data-testid="export-event"') == 2
    assert "Bestilt" in page
    assert "Lastet ned" in page


def test_the_export_log_is_not_in_the_admin(client: HttpClient, administrator: User) -> None:
    client.force_login(administrator)
    with pytest.raises(NoReverseMatch):
        reverse("admin:research_exportevent_changelist")
    assert client.get("/django-admin/research/exportevent/").status_code == 404


def test_the_access_log_pages_keep_the_search(
    client: HttpClient, log_reader: User, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    for _ in range(51):
        logged_read(caseworker_heimdal, "clients:detail", [client_heimdal.pk])
    client.force_login(log_reader)
    url = reverse("organisation:access_log")
    first = client.get(url, {"user": caseworker_heimdal.pk}).text
    assert f'href="?user={caseworker_heimdal.pk}&amp;page=2"' in first
    # The next page's link replaces the page rather than adding another one.
    second = client.get(url, {"user": caseworker_heimdal.pk, "page": 2}).text
    assert f'href="?user={caseworker_heimdal.pk}&amp;page=1"' in second
    assert second.count('data-testid="log-entry"') == 1


def test_a_search_the_access_log_cannot_read_finds_nothing(
    client: HttpClient, log_reader: User, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    logged_read(caseworker_heimdal, "clients:detail", [client_heimdal.pk])
    client.force_login(log_reader)
    response = client.get(reverse("organisation:access_log"), {"end": "31.02.2025"})
    assert "end" in response.context["form"].errors
    assert 'data-testid="log-entry"' not in response.text
    # A number beyond any client's (a bigint) is refused at the field, not a server error.
    response = client.get(reverse("organisation:access_log"), {"client": str(2**70)})
    assert response.status_code == 200
    assert "client" in response.context["form"].errors


def test_the_access_log_counts_no_further_than_it_needs(
    client: HttpClient,
    log_reader: User,
    caseworker_heimdal: User,
    client_heimdal: Client,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The log grows with every page opened: an unfiltered visit must not count all of it."""
    monkeypatch.setattr(organisation_views, "COUNT_LIMIT", 3)
    for _ in range(5):
        logged_read(caseworker_heimdal, "clients:detail", [client_heimdal.pk])
    client.force_login(log_reader)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("organisation:access_log"))
    paginator = response.context["page"].paginator
    assert (paginator.count, paginator.more) == (3, True)
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "audit_accesslog" in q["sql"]]
    assert counts
    assert all("LIMIT 4" in sql for sql in counts)
