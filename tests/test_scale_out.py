"""Scale-out: reads go to a read replica only where the code asks, and workers share the tasks."""

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.tasks import TaskResultStatus, task
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.loader import load_missing_codes
from core.db_router import REPLICA, read_alias, reading_from_replica
from organisation.models import Office, User
from research import services
from research.export import runner
from research.models import Export, Table
from tests.factories import OfficeFactory
from tests.research_data import make_population, make_project
from tests.workers import start_db_worker

ROOT = Path(__file__).resolve().parent.parent
BOTH = ["default", REPLICA]
WRITES = ("INSERT", "UPDATE", "DELETE")


def sql_of(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def is_write(sql: str) -> bool:
    return sql.lstrip().upper().startswith(WRITES)


# Settings and routing as a deployment gets them: in a process of their own, from the
# environment, as web and worker start.
ROUTING = """
import json
import django

django.setup()
from django.conf import settings
from django.db import router
from clients.models import Client
from core.db_router import read_alias, reading_from_replica

outside = [Client.objects.all().db, read_alias(), router.db_for_write(Client)]
with reading_from_replica():
    inside = [Client.objects.all().db, read_alias(), router.db_for_write(Client)]
replica = settings.DATABASES.get("replica", {})
print(json.dumps({
    "aliases": sorted(settings.DATABASES),
    "replica": {key: replica.get(key) for key in ("HOST", "NAME", "TEST")},
    "outside": outside,
    "inside": inside,
}))
"""


def routing_in_a_new_process(**environment: str) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_REPLICA_URL"}
    result = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", ROUTING],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "husk.settings",
            "DATABASE_URL": "postgres://husk@db.example/husk",
            **environment,
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    parsed: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return parsed


def test_without_a_replica_url_every_read_and_write_goes_to_the_primary() -> None:
    routing = routing_in_a_new_process()
    assert routing["aliases"] == ["default"]
    assert routing["outside"] == ["default", "default", "default"]
    # Asking for the replica where there is none changes nothing.
    assert routing["inside"] == ["default", "default", "default"]


def test_a_replica_url_adds_a_replica_used_only_by_reads_that_ask_for_it() -> None:
    routing = routing_in_a_new_process(
        DATABASE_REPLICA_URL="postgres://husk:secret@db-replica.example:5432/husk"
    )
    assert routing["aliases"] == ["default", "replica"]
    assert routing["replica"]["HOST"] == "db-replica.example"
    assert routing["replica"]["NAME"] == "husk"
    # Under test there is no replica: the alias reads the test database of the primary.
    assert routing["replica"]["TEST"]["MIRROR"] == "default"
    assert routing["outside"] == ["default", "default", "default"]
    assert routing["inside"] == ["replica", "replica", "default"]


def test_only_the_primary_is_migrated_and_objects_of_both_may_be_related() -> None:
    assert router.allow_migrate("default", "clients")
    assert not router.allow_migrate(REPLICA, "clients")
    office, client = Office(), Client()
    office._state.db, client._state.db = REPLICA, "default"
    assert router.allow_relation(office, client)


@pytest.fixture(scope="class")
def replica(django_db_setup: None) -> Iterator[str]:
    """A "replica" alias, as DATABASE_REPLICA_URL gives one: a second connection to the test
    database, marked as its mirror, and read-only as a hot standby is, so that a write sent
    there fails. Class-scoped, so that it exists before pytest-django sets up each test's
    databases (which must name it)."""
    primary = connections["default"].settings_dict
    connections.settings[REPLICA] = {
        **primary,
        "OPTIONS": {**primary["OPTIONS"], "options": "-c default_transaction_read_only=on"},
        "TEST": {**primary["TEST"], "MIRROR": "default"},
    }
    yield REPLICA
    connections[REPLICA].close()
    del connections[REPLICA]
    del connections.settings[REPLICA]


@pytest.mark.usefixtures("replica")
class TestWithAReplica:
    def test_reads_go_to_the_replica_only_inside_the_context(self) -> None:
        @reading_from_replica()
        def decorated() -> str:
            return read_alias()

        assert read_alias() == "default"
        with reading_from_replica():
            assert read_alias() == REPLICA
            assert Client.objects.all().db == REPLICA
            assert router.db_for_write(Client) == "default"
            # A new thread starts without the context: nothing else reads the replica.
            seen: list[str] = []
            thread = threading.Thread(target=lambda: seen.append(read_alias()))
            thread.start()
            thread.join()
            assert seen == ["default"]
        assert decorated() == REPLICA
        with pytest.raises(RuntimeError), reading_from_replica():
            raise RuntimeError
        assert read_alias() == "default"
        assert Client.objects.all().db == "default"

    @pytest.mark.django_db(transaction=True, databases=BOTH)
    def test_inside_the_context_reads_run_on_the_replica_and_writes_on_the_primary(
        self,
    ) -> None:
        heimdal = OfficeFactory(name="NAV Heimdal")
        actor = system_actor("tests")
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            with reading_from_replica(), acting_as(actor):
                assert Office.objects.get(pk=heimdal.pk).name == "NAV Heimdal"
                # The replica is read-only: this would fail there.
                sagene = Office.objects.create(
                    name="NAV Sagene", municipality_number="0301", unit_number="0312"
                )
            assert Office.objects.filter(pk__in=[heimdal.pk, sagene.pk]).count() == 2
        (read,) = sql_of(on_replica)
        assert read.startswith("SELECT")
        assert '"organisation_office"' in read
        primary_sql = sql_of(on_primary)
        assert any(sql.startswith('INSERT INTO "organisation_office"') for sql in primary_sql)
        assert "COUNT(*)" in primary_sql[-1]

    @pytest.mark.django_db(transaction=True, databases=BOTH)
    def test_the_dashboard_and_its_downloads_count_on_the_replica(
        self, codes: None, client: HttpClient, manager_heimdal: User, client_heimdal: Client
    ) -> None:
        client.force_login(manager_heimdal)
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            page = client.get(reverse("dashboards:home"))
            download = client.get(reverse("dashboards:download", args=["key-figures", "csv"]))
        assert page.status_code == 200
        assert download.status_code == 200
        replica_sql, primary_sql = sql_of(on_replica), sql_of(on_primary)
        # The raw SQL of the figures (assistance, by month, quality of life) and the ORM's
        # counts, for the page and again for the download.
        for marker in ("percentile_cont", "generate_series", "array_agg", "clients_client"):
            assert sum(marker in sql for sql in replica_sql) >= 2, marker
            assert not any(marker in sql for sql in primary_sql), marker
        assert not any(is_write(sql) for sql in replica_sql)
        # Which offices the manager may see is decided on the primary.
        assert any('"organisation_office"' in sql for sql in primary_sql)

    @pytest.mark.django_db(transaction=True, databases=BOTH)
    @override_settings(DASHBOARD_SNAPSHOT_AFTER_MS=0)
    def test_kept_dashboard_figures_are_read_on_the_replica_and_kept_on_the_primary(
        self, codes: None, client: HttpClient, manager_heimdal: User, client_heimdal: Client
    ) -> None:
        client.force_login(manager_heimdal)
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            for _visit in range(3):  # counted and kept; page rendered and kept; page read
                assert client.get(reverse("dashboards:home")).status_code == 200
        replica_sql, primary_sql = sql_of(on_replica), sql_of(on_primary)
        assert not any(is_write(sql) for sql in replica_sql)
        assert sum('FROM "dashboards_figurepage"' in sql for sql in replica_sql) == 2
        # Kept on the primary, the snapshot checked there under a lock (a read-only replica
        # would refuse the lock, and could not hold it against a worker counting again).
        assert any('INSERT INTO "dashboards_figuresnapshot"' in sql for sql in primary_sql)
        assert any('INSERT INTO "dashboards_figurepage"' in sql for sql in primary_sql)
        assert any("FOR UPDATE" in sql for sql in primary_sql)

    @pytest.mark.django_db(transaction=True, databases=BOTH)
    def test_the_export_task_reads_its_data_from_the_replica_and_writes_to_the_primary(
        self,
        monkeypatch: pytest.MonkeyPatch,
        heimdal: Office,
        caseworker_heimdal: User,
        researcher: User,
        manager_heimdal: User,
    ) -> None:
        load_missing_codes()
        make_population(heimdal, caseworker_heimdal, size=20)
        project = make_project([heimdal], members=[researcher], approvers=[manager_heimdal])
        snapshots = spy_on_snapshots(monkeypatch)
        export = services.export_request(
            project=project, by=researcher, tables=list(Table.values), formats=["csv"]
        )
        with (
            CaptureQueriesContext(connections[REPLICA]) as on_replica,
            CaptureQueriesContext(connections["default"]) as on_primary,
        ):
            # The queue, worked through once in this process: the task as a worker runs it.
            call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
        export.refresh_from_db()
        assert export.status == Export.Status.DONE, export.error
        assert export.summary["persons"] > 0

        # The data: one snapshot, on the replica, that read the population and every table.
        ((alias, snapshot_sql),) = snapshots
        assert alias == REPLICA
        assert any("c.refugee_background" in sql for sql in snapshot_sql)  # persons
        assert sum("person AS MATERIALIZED" in sql for sql in snapshot_sql) >= len(Table) - 1
        replica_sql, primary_sql = sql_of(on_replica), sql_of(on_primary)
        assert any('"research_researchproject"' in sql for sql in replica_sql)
        assert any('"codelists_code"' in sql for sql in replica_sql)
        assert not any(is_write(sql) for sql in replica_sql + snapshot_sql)
        # Progress, the events and the access log: written on the primary.
        writes = [sql for sql in primary_sql if is_write(sql)]
        assert any(sql.startswith('UPDATE "research_export"') for sql in writes)
        assert any(sql.startswith('INSERT INTO "research_exportevent"') for sql in writes)
        assert any(sql.startswith('INSERT INTO "audit_accesslog"') for sql in writes)
        assert not any("person AS MATERIALIZED" in sql for sql in primary_sql)


def spy_on_snapshots(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[str]]]:
    """Record on which alias each export snapshot reads, and what it reads."""
    snapshots: list[tuple[str, list[str]]] = []
    real: Callable[..., AbstractContextManager[BaseDatabaseWrapper]] = runner.snapshot

    @contextmanager
    def spy(alias: str | None = None) -> Iterator[BaseDatabaseWrapper]:
        with real(alias) as connection:
            connection.force_debug_cursor = True
            yield connection
            snapshots.append((connection.alias, [q["sql"] for q in connection.queries_log]))

    monkeypatch.setattr(runner, "snapshot", spy)
    return snapshots


# Background workers on several machines: two real worker processes on one queue.


@task()
def leave_a_mark(directory: str, number: int) -> int:
    """A task of these tests: each run leaves a file named by the task's number and process."""
    # A barrier: wait (for a while) until the other worker runs a task too, so that both
    # take part however a busy machine schedules the two processes.
    running = Path(directory).parent / "running"
    running.mkdir(exist_ok=True)
    (running / str(os.getpid())).touch()
    deadline = time.monotonic() + 30
    while len(list(running.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.25)  # long enough for the other worker to claim the next task meanwhile
    Path(directory, f"{number}.{os.getpid()}.{uuid.uuid4().hex}").touch()
    return os.getpid()


def wait_for(check: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"Still waiting after {seconds} s for {what}")
        time.sleep(0.2)


@pytest.fixture
def two_workers(transactional_db: None, tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Two `manage.py db_worker` processes on the test database, as on two machines; the
    log of each, by worker id."""
    logs = {worker_id: tmp_path / f"{worker_id}.log" for worker_id in ("machine-a", "machine-b")}
    processes = []
    for worker_id, log in logs.items():
        with log.open("wb") as output:
            processes.append(
                start_db_worker(
                    interval="0.1", worker_id=worker_id, env={"LOG_LEVEL": "INFO"}, output=output
                )
            )
    try:
        yield logs
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def test_two_workers_share_the_queue_and_run_each_task_once(
    two_workers: dict[str, Path], tmp_path: Path
) -> None:
    def started(log: Path) -> bool:
        return "Starting worker" in log.read_text(errors="replace")

    wait_for(lambda: all(started(log) for log in two_workers.values()), 60, "both workers")
    marks = tmp_path / "marks"
    marks.mkdir()
    count = 12
    ids = [str(leave_a_mark.enqueue(str(marks), number).id) for number in range(count)]
    results = DBTaskResult.objects.filter(id__in=ids)
    wait_for(lambda: results.finished().count() == count, 60, "the tasks")

    assert set(results.values_list("status", flat=True)) == {TaskResultStatus.SUCCESSFUL}
    runs = Counter(int(mark.name.split(".")[0]) for mark in marks.iterdir())
    assert runs == dict.fromkeys(range(count), 1)  # every task ran, none twice
    claims = list(results.values_list("worker_ids", flat=True))
    assert all(len(worker_ids) == 1 for worker_ids in claims)
    assert {worker_ids[0] for worker_ids in claims} == set(two_workers)  # both took part
    assert len(set(results.values_list("return_value", flat=True))) == 2  # two processes
