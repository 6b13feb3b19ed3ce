"""Exports run on a real worker process, and the command line makes the same data files."""

import io
import time
import zipfile
from pathlib import Path

import pytest
from django.core.files.storage import storages
from django.core.management import call_command
from django.test import Client as HttpClient
from django.urls import reverse

from audit.history import acting_as, system_actor
from codelists.loader import load_missing_codes
from organisation.models import Office, User
from research import services
from research.models import Export, ExportEvent, ResearchProject, Table
from tests.research_data import make_family, make_population, make_project


def wait_until_finished(export: Export, seconds: float = 120) -> Export:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        export.refresh_from_db()
        if export.is_finished:
            return export
        time.sleep(0.3)
    raise AssertionError(f"The export was still {export.status} after {seconds} s")


def archive_members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.fixture
def project(
    heimdal: Office, caseworker_heimdal: User, researcher: User, manager_heimdal: User
) -> ResearchProject:
    load_missing_codes()  # a transactional test starts from an empty database
    population = make_population(heimdal, caseworker_heimdal, size=20)
    make_family(heimdal, population.clients[0])
    return make_project([heimdal], members=[researcher], approvers=[manager_heimdal])


@pytest.mark.django_db(transaction=True)
def test_a_worker_process_makes_the_export_and_the_researcher_downloads_it(
    task_worker: object,
    client: HttpClient,
    researcher: User,
    project: ResearchProject,
    tmp_path: Path,
) -> None:
    client.force_login(researcher)
    client.post(
        reverse("research:export_new", args=[project.pk]),
        {"tables": list(Table.values), "formats": ["csv", "sav", "parquet"]},
    )
    export = wait_until_finished(Export.objects.get())
    assert export.status == Export.Status.DONE, export.error
    assert export.progress == 100
    assert export.summary["persons"] > 0
    assert set(export.summary["files"]) >= {"persons.csv", "panel.parquet", "codebook.csv"}
    assert ExportEvent.objects.filter(export=export, kind="completed").exists()

    response = client.get(reverse("research:export_download", args=[export.pk]))
    web = archive_members(b"".join(response.streaming_content))
    assert {f"{t}.{f}" for t in Table.values for f in ("csv", "sav", "parquet")} <= set(web)

    # The same export from the command line: the same data files, byte for byte.
    call_command(
        "research_export", project.code, "--format", "csv,sav,parquet", "--out", str(tmp_path)
    )
    (archive,) = tmp_path.glob("*.zip")
    command = archive_members(archive.read_bytes())
    data_files = {name for name in web if name not in {"README.md"}}
    assert data_files == {name for name in command if name != "README.md"}
    for name in sorted(data_files):
        assert web[name] == command[name], name
    storages["exports"].delete(export.archive)


@pytest.mark.django_db(transaction=True)
def test_a_worker_refuses_an_export_whose_project_lost_its_approval(
    researcher: User, project: ResearchProject, sagene: Office
) -> None:
    export = services.export_request(
        project=project, by=researcher, tables=["persons"], formats=["csv"]
    )
    with acting_as(system_actor("tests")):
        project.offices.add(sagene)  # the scope changed after the request: not approved any more
    # The queue, worked through once in this process.
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    assert "ikke godkjent" in export.error
    assert not export.archive


@pytest.mark.django_db(transaction=True)
def test_the_command_line_export_is_logged_with_whose_data_it_holds(
    project: ResearchProject, tmp_path: Path
) -> None:
    from audit.models import AccessLog

    call_command("research_export", project.code, "--format", "csv", "--out", str(tmp_path))
    log = AccessLog.objects.get(action="export")
    assert log.user.username == "system:research_export"
    assert log.client_ids
    assert ExportEvent.objects.get(kind="completed").detail["command"] == "research_export"
