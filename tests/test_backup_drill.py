"""The backup drill restores a real pg_dump and catches a copy that lost rows or protections."""

import os
import subprocess
import sys

import pytest

from audit.history import acting_as
from audit.models import AccessLog
from clients.models import Client
from core import backup_drill, pgtools
from organisation.models import User
from tests.workers import ROOT, database_url_of_tests


@pytest.fixture
def some_data(transactional_db: None, caseworker_heimdal: User, client_heimdal: Client) -> None:
    client_heimdal.first_name = "Kari Anne"  # a second history row
    with acting_as(caseworker_heimdal):
        client_heimdal.save()
    AccessLog.objects.create(
        user=caseworker_heimdal,
        roles="caseworker",
        action="view",
        view_name="clients:detail",
        client_ids=[client_heimdal.pk],
        allowed=True,
    )


def test_the_drill_restores_every_row_and_guard_and_notices_what_a_copy_lost(
    some_data: None,
) -> None:
    drill = subprocess.run(
        [sys.executable, "manage.py", "backup_drill", "--keep"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_tests()},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert drill.returncode == 0, drill.stdout + drill.stderr
    report = drill.stdout
    assert "PASSED" in report
    assert "audit_accesslog" in report
    lines = {line.split()[0]: line.split()[1:3] for line in report.splitlines() if line.strip()}
    assert lines["audit_accesslog"] == ["1", "1"]
    assert lines["clients_historicalclient"] == ["2", "2"]
    assert lines["clients_client"] == ["1", "1"]
    assert "append-only guards: " in report
    assert "NOT GUARDED" not in report

    # The drill's comparison on a copy that lost a guard and the access log: the restore
    # kept above, spoiled here as a bad backup would be.
    name = pgtools.database_name()
    source = pgtools.connect()
    copy = pgtools.connect(name=f"{name}_drill")
    try:
        with source.cursor() as cursor:
            counts, protections = backup_drill.count_rows(cursor), backup_drill.protections(cursor)
        with copy.cursor() as cursor:
            cursor.execute("DROP TRIGGER husk_append_only ON clients_historicalclient")
            cursor.execute("TRUNCATE audit_accesslog")
        copy.commit()
        spoiled = backup_drill.Report(database=name, scratch=f"{name}_drill")
        backup_drill.compare(spoiled, counts, protections, copy)
    finally:
        source.close()
        copy.close()
        backup_drill._drop("default", f"{name}_drill")
    assert not spoiled.ok
    assert spoiled.row_differences == [("audit_accesslog", 1, 0)]
    lacking, extra = spoiled.protection_differences["triggers"]
    assert [item.split(":")[0] for item in lacking] == ["clients_historicalclient"]
    assert not extra
    assert [failure.split(":")[0] for failure in spoiled.guard_failures] == [
        "clients_historicalclient",
        "clients_historicalclient",
    ]
    assert "FAILED" in spoiled.lines()[-1]
