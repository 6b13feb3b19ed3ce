"""Fail closed: when PostgreSQL refuses the access-log insert, no personal data is served.

The log is broken in the database itself, two ways: a trigger that raises (a full disk, a
failing constraint) and a role without INSERT on the table (a deployment's grants gone
wrong). What the request wrote is read from PostgreSQL's own counters for the transaction
(pg_stat_xact_user_tables), which count rows written and then rolled back too: "nothing
else written" holds for every table, updates and deletes included, and not even a write
undone by a rollback is let through.
"""

import datetime
import io
import zipfile
from collections.abc import Callable

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection, transaction
from django.http import HttpResponse
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from clients.models import Client
from families.models import Family
from organisation.models import Office, User
from research.models import Export, ResearchProject
from tests.research_data import CANARY, make_family, make_project

pytestmark = pytest.mark.usefixtures("codes")

LOG_TABLE = AccessLog._meta.db_table
UNAVAILABLE = "Tilgangsloggen kan ikke skrives"


def refusing_trigger() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION pg_temp.husk_test_log_down() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'test: the access log is down' USING ERRCODE = 'disk_full'; "
            "END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER husk_test_log_down BEFORE INSERT ON {LOG_TABLE} "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.husk_test_log_down()"
        )


def role_without_insert() -> None:
    # Roles belong to the whole cluster, which other test databases share: one per database.
    # Made inside the test's transaction, it is gone when the test ends.
    role = connection.ops.quote_name(f"husk_nolog_{connection.settings_dict['NAME']}")
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {role} NOLOGIN")
        cursor.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
        cursor.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
        cursor.execute(f"REVOKE INSERT ON {LOG_TABLE} FROM {role}")
        cursor.execute(f"SET ROLE {role}")


@pytest.fixture(params=["trigger", "revoked"])
def breakage(request: pytest.FixtureRequest) -> Callable[[], None]:
    return refusing_trigger if request.param == "trigger" else role_without_insert


def rows_written() -> dict[str, int]:
    """Rows inserted, updated or deleted in every table so far in this transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, n_tup_ins + n_tup_upd + n_tup_del FROM pg_stat_xact_user_tables"
        )
        return dict(cursor.fetchall())


class _Undo(Exception):
    """Leaves a block's savepoint, rolling back what it did."""


def written_by(
    send: Callable[[], HttpResponse], breakage: Callable[[], None] | None
) -> tuple[HttpResponse, dict[str, int]]:
    """Send one request (with the log broken, if given) and what it wrote, table by table."""
    before = rows_written()
    # The failed insert aborts the transaction: a savepoint gets it back (and mends the
    # log) for the counting. PostgreSQL's counters keep what was rolled back.
    try:
        with transaction.atomic():
            if breakage is not None:
                breakage()
            response = send()
            raise _Undo
    except _Undo:
        pass
    after = rows_written()
    return response, {t: n - before.get(t, 0) for t, n in after.items() if n != before.get(t, 0)}


def assert_fails_closed(
    send: Callable[[], HttpResponse], breakage: Callable[[], None], *secrets: str
) -> None:
    # First with the log working: the page shows the first secret, and its read is counted.
    response, writes = written_by(send, None)
    assert response.status_code == 200
    assert writes.get(LOG_TABLE) == 1
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert secrets[0].encode() in body

    response, writes = written_by(send, breakage)
    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    for secret in secrets:
        assert secret not in response.content.decode()
    assert writes == {}


@pytest.fixture
def family(heimdal: Office, client_heimdal: Client) -> Family:
    return make_family(heimdal, client_heimdal)


@pytest.fixture
def export(heimdal: Office, researcher: User, manager_heimdal: User) -> Export:
    project: ResearchProject = make_project(
        [heimdal], members=[researcher], approvers=[manager_heimdal]
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("persons.csv", "person,age\n1,40\n")
    stored = storages["exports"].save("tests/fail-closed.zip", ContentFile(buffer.getvalue()))
    return Export.objects.create(
        project=project,
        requested_by=researcher,
        tables=["persons"],
        formats=["csv"],
        status=Export.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=24),
        archive=stored,
        archive_sha256="0" * 64,
    )


def test_client_page(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    breakage: Callable[[], None],
) -> None:
    client.force_login(caseworker_heimdal)
    url = client_heimdal.get_absolute_url()
    assert_fails_closed(lambda: client.get(url), breakage, client_heimdal.last_name)


def test_family_page(
    client: HttpClient, coordinator_heimdal: User, family: Family, breakage: Callable[[], None]
) -> None:
    client.force_login(coordinator_heimdal)
    url = family.get_absolute_url()
    assert_fails_closed(lambda: client.get(url), breakage, CANARY, "Testesen")


def test_caseload(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    breakage: Callable[[], None],
) -> None:
    client.force_login(caseworker_heimdal)
    url = reverse("followup:caseload") + "?view=office"
    assert_fails_closed(lambda: client.get(url), breakage, client_heimdal.last_name)


def test_search_results(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    breakage: Callable[[], None],
) -> None:
    client.force_login(caseworker_heimdal)
    url = reverse("clients:search")
    # The search box itself echoes the query; a result is the name as "last, first".
    hit = f"{client_heimdal.last_name}, {client_heimdal.first_name}"
    assert_fails_closed(lambda: client.post(url, {"query": "Testesen"}), breakage, hit)


def test_export_download(
    client: HttpClient, researcher: User, export: Export, breakage: Callable[[], None]
) -> None:
    client.force_login(researcher)
    url = reverse("research:export_download", args=[export.pk])
    # Written with the read or not at all: the export log's "downloaded" event is among
    # the writes the working download makes and the broken one must not.
    assert_fails_closed(lambda: client.get(url), breakage, "PK\x03\x04", export.project.title)


def test_the_503_page_needs_no_query_after_the_failed_insert(
    client: HttpClient, caseworker_heimdal: User, client_heimdal: Client
) -> None:
    client.force_login(caseworker_heimdal)
    try:
        with transaction.atomic():
            refusing_trigger()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(client_heimdal.get_absolute_url())
            raise _Undo
    except _Undo:
        pass
    assert response.status_code == 503
    assert response["Retry-After"]
    assert "no-store" in response["Cache-Control"]
    # The last statement is the insert that failed: the page after it needed none (in a
    # transaction that the failure aborted, it could not have had one).
    assert LOG_TABLE in queries.captured_queries[-1]["sql"]
