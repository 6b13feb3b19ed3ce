"""Query budgets: list and detail pages cost a fixed number of queries, whatever the data."""

import datetime

import pytest
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import CodeList
from followup.models import Programme
from organisation.models import Office, User
from tests.factories import ClientFactory, ContactFactory, OfficeFactory, code

# Every signed-in page: session, user, memberships, and the device that gave the second factor
# (django-otp looks it up on each request, so a reset takes effect at once). The session save
# that renews the idle timeout comes at most once a minute: organisation.middleware.
BASE = 4


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


@pytest.mark.usefixtures("codes")
def test_client_detail_budget(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    # One record of every kind, so that every prefetch on the page runs.
    with acting_as(system_actor("tests")):
        ContactFactory(client=client_heimdal).topics.set([code(CodeList.LIFE_AREA, "housing")])
    client.force_login(caseworker_heimdal)
    count_queries(client, client_heimdal.get_absolute_url())  # warms the content-type cache
    # + the client with its codes joined, episodes, benefits, interventions,
    # enrolments, merges, family, family contacts, contacts, contact topics, assessments,
    # access-log insert
    assert count_queries(client, client_heimdal.get_absolute_url()) == BASE + 12


def test_dashboard_budget(client: HttpClient, administrator: User) -> None:
    client.force_login(administrator)
    OfficeFactory()
    few = count_queries(client, reverse("dashboards:home"))
    OfficeFactory.create_batch(5)
    # + the offices, the programmes to choose from, the look-up of a kept snapshot (none: quick
    # to count), the kinds of social assistance, and 14 grouped statements for the figures of
    # every office at once (see dashboards.figures and dashboards.snapshots)
    assert few == count_queries(client, reverse("dashboards:home")) == BASE + 18
    # With a programme: the chosen one looked up, then its own snapshot look-up and 14
    # statements for its figures (no interventions table: it is shown without a programme
    # only), beside all of the above for all clients, to protect the rest.
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(
            office=Office.objects.first(), name="Mattementor", start=datetime.date(2024, 1, 1)
        )
    with_programme = f"{reverse('dashboards:home')}?programme={programme.pk}"
    assert count_queries(client, with_programme) == BASE + 18 + 16
