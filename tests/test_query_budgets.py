"""Query budgets: list and detail pages cost a fixed number of queries, whatever the data."""

from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.models import Client
from organisation.models import Office, User
from tests.factories import ClientFactory, OfficeFactory

# Every signed-in page: session, user, memberships, and the session save
# (SAVEPOINT, UPDATE, RELEASE) that renews the idle timeout.
BASE = 6


def count_queries(client: HttpClient, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_client_list_budget(client: HttpClient, caseworker_heimdal: User, heimdal: Office) -> None:
    client.force_login(caseworker_heimdal)
    ClientFactory(office=heimdal, caseworker=caseworker_heimdal)
    few = count_queries(client, reverse("clients:list"))
    ClientFactory.create_batch(60, office=heimdal, caseworker=caseworker_heimdal)
    many = count_queries(client, reverse("clients:list"))
    # + count, page rows (office and caseworker joined), access-log insert
    assert few == many == BASE + 3


def test_client_detail_budget(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    count_queries(client, client_heimdal.get_absolute_url())  # warms the content-type cache
    # + the client (office and caseworker joined), access-log insert
    assert count_queries(client, client_heimdal.get_absolute_url()) == BASE + 2


def test_dashboard_budget(client: HttpClient, administrator: User) -> None:
    client.force_login(administrator)
    OfficeFactory()
    few = count_queries(client, reverse("dashboards:home"))
    OfficeFactory.create_batch(5)
    # + one grouped query for every office
    assert few == count_queries(client, reverse("dashboards:home")) == BASE + 1
