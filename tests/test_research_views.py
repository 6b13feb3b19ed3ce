"""The research pages: who reaches what, requesting and downloading, approvals and consent."""

import datetime
import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.history import acting_as, system_actor
from audit.models import AccessLog
from clients.models import Client
from organisation.models import Office, User
from organisation.roles import Role
from research import services
from research.models import (
    Consent,
    Export,
    ExportEvent,
    ProjectApproval,
    ResearchProject,
    Sample,
)
from tests.dates import today
from tests.factories import staff
from tests.research_data import make_population, make_project

pytestmark = pytest.mark.usefixtures("codes")


@pytest.fixture
def project(heimdal: Office, researcher: User, manager_heimdal: User) -> ResearchProject:
    return make_project([heimdal], members=[researcher], approvers=[manager_heimdal])


@pytest.fixture
def other_researcher(db: None) -> User:
    return staff("forsker.annen", Role.RESEARCHER)


def finished_export(project: ResearchProject, by: User, *, hours_left: int = 24) -> Export:
    name = f"tests/{project.code}-{timezone.now().timestamp()}.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.md", "test")
    stored = storages["exports"].save(name, ContentFile(buffer.getvalue()))
    return Export.objects.create(
        project=project,
        requested_by=by,
        tables=["persons"],
        formats=["csv"],
        status=Export.Status.DONE,
        progress=100,
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=hours_left),
        archive=stored,
        archive_sha256="0" * 64,
        summary={"persons": 12},
    )


def test_the_researcher_sees_their_projects_and_exports(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    finished_export(project, researcher)
    client.force_login(researcher)
    page = client.get(reverse("research:home")).text
    assert project.title in page
    assert "Godkjent" in page
    assert "Klar til nedlasting" in page


def test_a_researcher_of_another_project_gets_404(
    client: HttpClient, other_researcher: User, researcher: User, project: ResearchProject
) -> None:
    export = finished_export(project, researcher)
    client.force_login(other_researcher)
    assert project.title not in client.get(reverse("research:home")).text
    for url in [
        reverse("research:project", args=[project.pk]),
        reverse("research:export_status", args=[export.pk]),
        reverse("research:export_download", args=[export.pk]),
    ]:
        assert client.get(url).status_code == 404
    response = client.post(
        reverse("research:export_new", args=[project.pk]),
        {"tables": ["persons"], "formats": ["csv"]},
    )
    assert response.status_code == 404
    assert not Export.objects.filter(requested_by=other_researcher).exists()


def test_requesting_an_export_queues_it_for_the_worker_and_logs_it(
    client: HttpClient,
    researcher: User,
    project: ResearchProject,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    client.force_login(researcher)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("research:export_new", args=[project.pk]),
            {"tables": ["persons", "contacts"], "formats": ["csv", "sav"]},
        )
    assert response.status_code == 302
    export = Export.objects.get()
    assert (export.tables, export.formats, export.status) == (
        ["persons", "contacts"],
        ["csv", "sav"],
        "queued",
    )
    assert export.task_id  # enqueued on the database backend, for any worker
    from django_tasks_db.models import DBTaskResult

    task = DBTaskResult.objects.get(pk=export.task_id)
    assert task.args_kwargs["args"] == [export.pk]
    event = ExportEvent.objects.get(kind="requested")
    assert (event.user, event.detail["tables"]) == (researcher, ["contacts", "persons"])
    page = client.get(project.get_absolute_url()).text
    assert "Venter i kø" in page
    assert 'hx-trigger="every 2s"' in page


def test_a_table_the_project_may_not_receive_is_refused(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    with acting_as(system_actor("tests")):
        project.tables = ["persons"]
        project.save()
    services.project_approve(project=project, by=User.objects.get(username="leder.heimdal"))
    client.force_login(researcher)
    response = client.post(
        reverse("research:export_new", args=[project.pk]),
        {"tables": ["contacts"], "formats": ["csv"]},
    )
    assert "Velg et gyldig valg" in response.text
    assert not Export.objects.exists()


def test_an_unapproved_project_cannot_request_and_the_refusal_is_logged(
    client: HttpClient, researcher: User, heimdal: Office, sagene: Office, manager_heimdal: User
) -> None:
    project = make_project(
        [heimdal, sagene], members=[researcher], approvers=[manager_heimdal], code_name="x"
    )
    client.force_login(researcher)
    page = client.get(project.get_absolute_url()).text
    assert "venter på godkjenning" in page
    response = client.post(
        reverse("research:export_new", args=[project.pk]),
        {"tables": ["persons"], "formats": ["csv"]},
    )
    assert response.status_code == 200
    assert "ikke godkjent for alle kontorene" in response.text
    assert not Export.objects.exists()
    assert ExportEvent.objects.get().kind == "refused"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("office added", "Prosjektet er ikke godkjent for alle kontorene det omfatter"),
        ("member removed", "Bare prosjektets medlemmer kan bestille uttrekk."),
        ("table taken off", "Velg tabeller prosjektet har lov til å få."),
    ],
)
def test_the_worker_checks_again_what_the_request_was_allowed(
    researcher: User,
    project: ResearchProject,
    sagene: Office,
    manager_heimdal: User,
    change: str,
    reason: str,
) -> None:
    export = Export.objects.create(
        project=project, requested_by=researcher, tables=["persons", "contacts"], formats=["csv"]
    )
    with acting_as(system_actor("tests")):
        if change == "office added":
            project.offices.add(sagene)
        elif change == "member removed":
            project.members.remove(researcher)
        else:
            project.tables = ["persons"]
            project.save()
    if change == "table taken off":
        services.project_approve(project=project, by=manager_heimdal)  # the new scope approved
    services.export_perform(export=Export.objects.select_related("requested_by").get())
    export.refresh_from_db()
    assert (export.status, export.archive) == ("failed", "")
    assert export.error.startswith(reason)
    assert ExportEvent.objects.get().kind == "failed"


def test_the_status_row_shows_progress_while_running(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    export = Export.objects.create(
        project=project,
        requested_by=researcher,
        tables=["persons"],
        formats=["csv"],
        status=Export.Status.RUNNING,
        progress=40,
        stage="contacts",
    )
    client.force_login(researcher)
    row = client.get(reverse("research:export_status", args=[export.pk])).text
    assert '<progress id="progress-' in row
    assert 'value="40"' in row
    assert "hx-get" in row


def test_download_is_logged_and_gives_the_archive(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    export = finished_export(project, researcher)
    client.force_login(researcher)
    response = client.get(reverse("research:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert (
        response["Content-Disposition"] == f'attachment; filename="{project.code}-{export.pk}.zip"'
    )
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist() == [
        "README.md"
    ]
    assert ExportEvent.objects.get(kind="downloaded").user == researcher
    log = AccessLog.objects.get(action="download")
    assert (log.user, log.subject_id) == (researcher, export.pk)


def test_an_expired_download_is_gone_and_its_archive_deleted(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    export = finished_export(project, researcher, hours_left=-1)
    client.force_login(researcher)
    response = client.get(reverse("research:export_download", args=[export.pk]))
    assert response.status_code == 410
    export.refresh_from_db()
    assert export.status == "expired"
    assert export.archive == ""
    assert not ExportEvent.objects.filter(kind="downloaded").exists()


def test_an_expired_project_downloads_nothing(
    client: HttpClient, researcher: User, project: ResearchProject
) -> None:
    export = finished_export(project, researcher)
    with acting_as(system_actor("tests")):
        project.expires_on = today() - datetime.timedelta(days=1)
        project.save()
    client.force_login(researcher)
    assert client.get(reverse("research:export_download", args=[export.pk])).status_code == 410


def test_a_project_no_longer_approved_downloads_nothing(
    client: HttpClient, researcher: User, project: ResearchProject, sagene: Office
) -> None:
    # A new office in the project's scope needs that office's approval before any download,
    # even of an archive made while the project was approved.
    export = finished_export(project, researcher)
    with acting_as(system_actor("tests")):
        project.offices.add(sagene)
    client.force_login(researcher)
    assert client.get(reverse("research:export_download", args=[export.pk])).status_code == 410
    assert not ExportEvent.objects.filter(kind="downloaded").exists()


def test_research_pages_have_fixed_query_budgets(
    client: HttpClient,
    researcher: User,
    project: ResearchProject,
    heimdal: Office,
    manager_heimdal: User,
) -> None:
    client.force_login(researcher)
    finished_export(project, researcher)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    home, detail = count(reverse("research:home")), count(project.get_absolute_url())
    for n in range(4):
        make_project(
            [heimdal], members=[researcher], approvers=[manager_heimdal], code_name=f"p{n}"
        )
        finished_export(project, researcher)
    assert count(reverse("research:home")) == home
    assert count(project.get_absolute_url()) == detail


# Managers and administrators ---------------------------------------------------


@pytest.fixture
def unapproved(heimdal: Office, sagene: Office, researcher: User) -> ResearchProject:
    """A project covering Heimdal and Sagene that neither has approved yet."""
    return make_project([heimdal, sagene], members=[researcher], approvers=[], code_name="to")


def approve(client: HttpClient, project: ResearchProject, *, follow: bool = False):  # type: ignore[no-untyped-def]
    """The approval page's button, as the logged-in user."""
    return client.post(reverse("research:project_approve", args=[project.pk]), follow=follow)


def test_a_manager_approves_for_their_own_office_only(
    client: HttpClient,
    manager_sagene: User,
    manager_heimdal: User,
    sagene: Office,
    unapproved: ResearchProject,
) -> None:
    client.force_login(manager_sagene)
    page = client.get(reverse("research:approvals")).text
    assert unapproved.title in page
    approve(client, unapproved)
    state = unapproved.approval_state()
    assert state.approved == {sagene.pk}
    assert not state.complete
    client.force_login(manager_heimdal)
    approve(client, unapproved)
    assert unapproved.approval_state().complete


def test_an_office_that_has_approved_is_not_asked_again(
    client: HttpClient, manager_sagene: User, unapproved: ResearchProject
) -> None:
    client.force_login(manager_sagene)
    approve(client, unapproved)
    page = client.get(reverse("research:approvals")).text
    assert f'Godkjenn<span class="visually-hidden"> {unapproved.title}' not in page
    response = approve(client, unapproved, follow=True)
    assert "Prosjektet er allerede godkjent for kontorene du svarer for." in response.text
    assert ProjectApproval.objects.filter(project=unapproved).count() == 1


def test_a_manager_of_an_office_not_covered_gets_404(
    client: HttpClient, manager_sagene: User, project: ResearchProject
) -> None:
    client.force_login(manager_sagene)
    assert project.title not in client.get(reverse("research:approvals")).text
    assert approve(client, project).status_code == 404
    assert client.get(reverse("research:sample_new", args=[project.pk])).status_code == 404


def test_an_administrator_approves_every_office_at_once(
    client: HttpClient, administrator: User, unapproved: ResearchProject
) -> None:
    client.force_login(administrator)
    approve(client, unapproved)
    assert unapproved.approval_state().complete


def test_a_sample_is_drawn_reproducibly_and_recorded(
    client: HttpClient,
    manager_heimdal: User,
    project: ResearchProject,
    heimdal: Office,
    caseworker_heimdal: User,
) -> None:
    make_population(heimdal, caseworker_heimdal, size=20)
    client.force_login(manager_heimdal)
    form = {
        "size": 5,
        "start": project.period_start.isoformat(),
        "end": today().isoformat(),
        "seed": 42,
    }
    assert client.post(reverse("research:sample_new", args=[project.pk]), form).status_code == 302
    assert client.post(reverse("research:sample_new", args=[project.pk]), form).status_code == 302
    first, second = Sample.objects.order_by("number")
    assert (first.eligible, first.drawn, first.seed, first.drawn_by) == (20, 5, 42, manager_heimdal)
    assert set(first.members.values_list("client", flat=True)) == set(
        second.members.values_list("client", flat=True)
    )
    refugees = {**form, "refugee_background": "1", "seed": ""}
    client.post(reverse("research:sample_new", args=[project.pk]), refugees)
    third = Sample.objects.get(number=3)
    assert third.criteria["refugee_background"] is True
    assert all(m.client.refugee_background for m in third.members.select_related("client"))


def test_caseworkers_see_their_own_sampled_clients_only(
    client: HttpClient,
    caseworker_heimdal: User,
    caseworker_sagene: User,
    project: ResearchProject,
    heimdal: Office,
) -> None:
    population = make_population(heimdal, caseworker_heimdal, size=6)
    services.sample_draw(
        project=project,
        by=caseworker_heimdal,
        offices=[heimdal],
        criteria={"start": project.period_start.isoformat(), "end": today().isoformat()},
        size=3,
        seed=1,
    )
    client.force_login(caseworker_heimdal)
    page = client.get(reverse("research:sampled_clients")).text
    shown = [c for c in population.clients if c.full_name in page]
    assert len(shown) == 3
    # Two people of one name are told apart by their birth date.
    assert all(c.birth_date.strftime("%d.%m.%Y") in page for c in shown)
    assert AccessLog.objects.get(view_name="research:sampled_clients").client_ids == sorted(
        c.pk for c in shown
    )
    client.force_login(caseworker_sagene)
    page = client.get(reverse("research:sampled_clients")).text
    assert not any(c.last_name in page for c in population.clients)


def test_a_manager_draws_among_their_own_offices_clients_only(
    client: HttpClient,
    manager_sagene: User,
    manager_heimdal: User,
    heimdal: Office,
    sagene: Office,
    researcher: User,
    caseworker_heimdal: User,
    caseworker_sagene: User,
) -> None:
    project = make_project(
        [heimdal, sagene], members=[researcher], approvers=[manager_heimdal, manager_sagene]
    )
    make_population(heimdal, caseworker_heimdal, size=8)
    make_population(sagene, caseworker_sagene, size=3, first=100)
    client.force_login(manager_sagene)
    form = {"size": 10, "start": project.period_start.isoformat(), "end": today().isoformat()}
    response = client.post(reverse("research:sample_new", args=[project.pk]), form, follow=True)
    sample = Sample.objects.get()
    assert sample.criteria["offices"] == [sagene.pk]
    assert {m.client.office_id for m in sample.members.select_related("client")} == {sagene.pk}
    # Three clients: a count below k is not shown as a number.
    assert "&lt;5 av &lt;5 aktuelle brukere" in response.text


def test_an_unapproved_project_draws_no_sample(
    client: HttpClient, manager_heimdal: User, unapproved: ResearchProject
) -> None:
    client.force_login(manager_heimdal)
    form = {"size": 3, "start": unapproved.period_start.isoformat(), "end": today().isoformat()}
    response = client.post(reverse("research:sample_new", args=[unapproved.pk]), form)
    assert "ikke godkjent for alle kontorene" in response.text
    assert not Sample.objects.exists()


# Caseworkers: consent ----------------------------------------------------------


@pytest.fixture
def consent_project(heimdal: Office, researcher: User, manager_heimdal: User) -> ResearchProject:
    return make_project(
        [heimdal],
        members=[researcher],
        approvers=[manager_heimdal],
        code_name="samtykke",
        legal_basis=ResearchProject.LegalBasis.CONSENT,
    )


def test_a_caseworker_records_and_withdraws_consent(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    consent_project: ResearchProject,
) -> None:
    client.force_login(caseworker_heimdal)
    url = reverse("research:client_consents", args=[client_heimdal.pk])
    response = client.post(url, {"project": consent_project.pk, "given_on": today().isoformat()})
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert (consent.client, consent.recorded_by) == (client_heimdal, caseworker_heimdal)
    assert consent.history.get().history_user == caseworker_heimdal
    # The project is no longer offered while the consent stands.
    again = client.post(url, {"project": consent_project.pk, "given_on": today().isoformat()})
    assert "Ingen andre forskningsprosjekter ved brukerens kontor ber om samtykke" in again.text
    assert Consent.objects.count() == 1
    client.post(
        reverse("research:consent_withdraw", args=[consent.pk]),
        {"withdrawn_on": today().isoformat()},
    )
    consent.refresh_from_db()
    assert consent.withdrawn_on == today()
    assert AccessLog.objects.filter(
        view_name="research:client_consents", client_ids=[client_heimdal.pk]
    ).exists()


def test_consent_in_the_future_is_refused_in_bokmal(
    client: HttpClient,
    caseworker_heimdal: User,
    client_heimdal: Client,
    consent_project: ResearchProject,
) -> None:
    client.force_login(caseworker_heimdal)
    future = (today() + datetime.timedelta(days=3)).isoformat()
    response = client.post(
        reverse("research:client_consents", args=[client_heimdal.pk]),
        {"project": consent_project.pk, "given_on": future},
    )
    assert "Samtykke kan ikke dateres fram i tid." in response.text
    assert not Consent.objects.exists()


def test_another_office_gets_404_on_consents(
    client: HttpClient,
    caseworker_sagene: User,
    client_heimdal: Client,
    consent_project: ResearchProject,
    caseworker_heimdal: User,
) -> None:
    with acting_as(system_actor("tests")):
        consent = Consent.objects.create(
            project=consent_project,
            client=client_heimdal,
            given_on=today(),
            recorded_by=caseworker_heimdal,
        )
    client.force_login(caseworker_sagene)
    assert (
        client.get(reverse("research:client_consents", args=[client_heimdal.pk])).status_code == 404
    )
    response = client.post(
        reverse("research:consent_withdraw", args=[consent.pk]),
        {"withdrawn_on": today().isoformat()},
    )
    assert response.status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_on is None


def test_expired_archives_are_deleted_by_the_command(
    researcher: User, project: ResearchProject
) -> None:
    from django.core.management import call_command

    gone = finished_export(project, researcher, hours_left=-1)
    archive = gone.archive
    kept = finished_export(project, researcher)
    call_command("research_expire_exports", stdout=io.StringIO())
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.status, gone.archive) == ("expired", "")
    assert not storages["exports"].exists(archive)
    assert kept.status == "done"
    assert storages["exports"].exists(kept.archive)
    assert ExportEvent.objects.get(kind="expired").export == gone
