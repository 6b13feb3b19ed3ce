"""Dashboard scopes slow to count are kept, served while fresh and refreshed by a real worker."""

import datetime
import subprocess
import time
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client as HttpClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.loader import load_missing_codes
from codelists.models import CodeList
from dashboards import snapshots
from dashboards.figures import Figures, Scope, collect
from dashboards.models import FigurePage, FigureSnapshot
from followup.models import Intervention, Programme
from organisation.models import Office, User
from organisation.roles import Role
from tests.factories import ClientFactory, ContactFactory, MembershipFactory, code
from tests.workers import start_db_worker

D = datetime.date
PERIOD = {"start": "2025-01", "end": "2025-06"}
SCOPE = {"start": D(2025, 1, 1), "end": D(2025, 6, 30)}
# Every scope counted here is kept, however quickly it was counted.
ALWAYS_KEPT = override_settings(DASHBOARD_SNAPSHOT_AFTER_MS=0)


def add_contacts(office: Office, n: int) -> None:
    with acting_as(system_actor("tests")):
        someone = ClientFactory(office=office)
        ContactFactory.create_batch(n, client=someone, date=D(2025, 1, 15))


def contacts_in(figures: Figures, office: Office) -> int:
    return sum(per_office.get(office.pk, 0) for per_office in figures.contacts.values())


def counting(captured: CaptureQueriesContext) -> list[str]:
    """The statements of the captured ones that count figures (read case data)."""
    tables = ("followup_contact", "clients_caseepisode", "clients_benefitperiod", "followup_int")
    return [q["sql"] for q in captured if any(table in q["sql"] for table in tables)]


def page(client: HttpClient, **extra: str) -> str:
    response = client.get(reverse("dashboards:home"), {**PERIOD, **extra})
    assert response.status_code == 200
    return response.text


@pytest.fixture
def counted(heimdal: Office) -> Scope:
    """A scope with seven contacts, counted once."""
    load_missing_codes()  # a transactional test starts from an empty database
    add_contacts(heimdal, 7)
    return Scope(offices=(heimdal,), **SCOPE)


@pytest.mark.django_db
def test_a_scope_quick_to_count_is_counted_on_every_visit_and_never_kept(
    client: HttpClient, manager_heimdal: User, counted: Scope, heimdal: Office
) -> None:
    client.force_login(manager_heimdal)
    page(client)
    add_contacts(heimdal, 3)
    assert contacts_in(snapshots.figures_of(counted).figures, heimdal) == 10
    assert 'data-testid="counted-at"' not in page(client)
    assert not FigureSnapshot.objects.exists()


@pytest.mark.django_db
@ALWAYS_KEPT
def test_a_kept_scope_is_served_while_fresh_without_counting_again(
    client: HttpClient, manager_heimdal: User, counted: Scope, heimdal: Office
) -> None:
    client.force_login(manager_heimdal)
    first = page(client)
    assert 'data-testid="counted-at"' not in first  # counted on this visit
    snapshot = FigureSnapshot.objects.get()
    assert snapshot.office_ids == [heimdal.pk]
    add_contacts(heimdal, 3)

    with CaptureQueriesContext(connection) as captured:
        again = page(client)
    assert not counting(captured)
    counted_at = timezone.localtime(snapshot.counted_at)
    assert f"{counted_at:%d.%m.%Y %H:%M}" in again
    assert contacts_in(snapshots.figures_of(counted).figures, heimdal) == 7
    assert not DBTaskResult.objects.exists()  # fresh: no one is asked to count again


@pytest.mark.django_db
@ALWAYS_KEPT
def test_the_page_of_kept_figures_is_rendered_once_for_each_way_of_showing_them(
    client: HttpClient,
    manager_of_both: User,
    caseworker_heimdal: User,
    counted: Scope,
    heimdal: Office,
    sagene: Office,
) -> None:
    client.force_login(manager_of_both)
    page(client)  # counted on this visit: rendered, not kept
    assert not FigurePage.objects.exists()
    served = page(client)  # from kept figures: rendered and kept
    kept = FigurePage.objects.get()
    with CaptureQueriesContext(connection) as captured:
        again = page(client)  # read, not rendered again
    assert kept.html in served
    assert kept.html in again
    assert not counting(captured)
    # Session, user, the second factor's device, memberships; offices, programmes to choose
    # from; the snapshot and the page: nothing of the figures or their offices' names is
    # read again.
    assert len(captured) == 8

    heimdal_only = page(client, office=str(heimdal.pk))
    assert heimdal_only != served
    assert FigurePage.objects.count() == 2
    # Someone who may also open Heimdal's clients gets the drill-down links: another page.
    MembershipFactory(user=manager_of_both, office=heimdal, role=Role.CASEWORKER)
    client.force_login(User.objects.get(pk=manager_of_both.pk))
    assert 'data-testid="drill-down"' in page(client)
    assert 'data-testid="drill-down"' not in served
    assert FigurePage.objects.count() == 3


@pytest.mark.django_db
@ALWAYS_KEPT
def test_the_same_choice_written_otherwise_is_the_same_page(
    client: HttpClient, manager_heimdal: User, counted: Scope, heimdal: Office
) -> None:
    with acting_as(system_actor("tests")):
        programme = Programme.objects.create(
            office=heimdal, name="Mattementor", start=D(2024, 1, 1)
        )
    client.force_login(manager_heimdal)
    page(client, programme=str(programme.pk))  # counted
    page(client, programme=str(programme.pk))  # rendered from kept figures, and kept
    written_otherwise = page(client, programme=f"0{programme.pk}", start="2025-1")
    assert FigurePage.objects.count() == 1
    assert f"programme={programme.pk}&amp;start=2025-01" in written_otherwise


@pytest.mark.django_db
@ALWAYS_KEPT
def test_a_snapshot_past_keep_is_counted_again_on_the_visit(
    counted: Scope, heimdal: Office
) -> None:
    snapshots.figures_of(counted)
    add_contacts(heimdal, 3)
    FigureSnapshot.objects.update(counted_at=timezone.now() - snapshots.KEEP)
    again = snapshots.figures_of(counted)
    assert (contacts_in(again.figures, heimdal), again.counted_at) == (10, None)
    assert FigureSnapshot.objects.get().counted_at > timezone.now() - snapshots.FRESH


@pytest.mark.django_db
@ALWAYS_KEPT
def test_scopes_are_kept_apart_by_offices_period_programme_and_language(
    client: HttpClient,
    administrator: User,
    manager_heimdal: User,
    counted: Scope,
    heimdal: Office,
    sagene: Office,
) -> None:
    with acting_as(system_actor("tests")):
        ended = Intervention.objects.create(
            client=Client.objects.get(),
            type=code(CodeList.INTERVENTION_TYPE, "work_training"),
            start=D(2025, 1, 1),
            end=D(2025, 2, 1),
            status="completed",
        )
        programme = Programme.objects.create(
            office=heimdal, name="Mattementor", start=D(2024, 1, 1)
        )
    client.force_login(administrator)
    page(client)  # both offices
    page(client, start="2025-02")
    page(client, office=str(heimdal.pk))  # one office shown, both counted: the same scope
    page(client, programme=str(programme.pk))  # its figures, and all clients' (as above)
    client.force_login(manager_heimdal)
    norwegian = page(client)  # Heimdal only
    client.force_login(administrator)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    english = page(client)
    assert FigureSnapshot.objects.count() == 5
    # Kept per language: the English page names the intervention type in English.
    assert ended.type.label_en in english
    assert ended.type.label_nb not in english
    assert ended.type.label_nb in norwegian


@pytest.mark.django_db
def test_the_figures_are_the_same_when_kept(counted: Scope, heimdal: Office) -> None:
    with acting_as(system_actor("tests")):
        ClientFactory(office=heimdal)  # without a caseworker: a row keyed None
    figures = collect(counted)
    assert snapshots.decode(snapshots.encode(figures)) == figures
    assert figures.contacts == {D(2025, 1, 1): {heimdal.pk: 7}}
    assert None in figures.caseload


@pytest.mark.django_db
def test_a_scope_counted_again_quickly_is_no_longer_kept(counted: Scope) -> None:
    with ALWAYS_KEPT:
        snapshots.figures_of(counted)
    FigureSnapshot.objects.update(refresh_requested_at=timezone.now())
    snapshots.refresh(FigureSnapshot.objects.get().pk)  # well under the (test) threshold
    assert not FigureSnapshot.objects.exists()


@pytest.mark.django_db
def test_a_deploy_forgets_what_the_version_before_kept(
    client: HttpClient, manager_heimdal: User, counted: Scope
) -> None:
    client.force_login(manager_heimdal)
    with ALWAYS_KEPT:
        page(client)
        page(client)
    assert FigurePage.objects.exists()
    call_command("migrate", verbosity=0)  # as every deploy does
    assert not FigureSnapshot.objects.exists()
    assert not FigurePage.objects.exists()


@pytest.mark.django_db
def test_a_scope_whose_office_is_gone_is_dropped_on_refresh(counted: Scope) -> None:
    with ALWAYS_KEPT:
        snapshots.figures_of(counted)
    FigureSnapshot.objects.update(office_ids=[0], refresh_requested_at=timezone.now())
    snapshots.refresh(FigureSnapshot.objects.get().pk)
    assert not FigureSnapshot.objects.exists()


@pytest.fixture
def keeping_worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """A real task worker that keeps what it counts, however quickly."""
    worker = start_db_worker(env={"DASHBOARD_SNAPSHOT_AFTER_MS": "0"})
    yield worker
    worker.terminate()
    worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
@ALWAYS_KEPT
def test_a_stale_snapshot_is_served_and_a_worker_counts_it_again(
    keeping_worker: object,
    client: HttpClient,
    manager_heimdal: User,
    counted: Scope,
    heimdal: Office,
) -> None:
    client.force_login(manager_heimdal)
    page(client)
    add_contacts(heimdal, 3)
    stale = timezone.now() - snapshots.FRESH
    FigureSnapshot.objects.update(counted_at=stale)

    # Served the stale figures at once (with when they were counted), and one worker asked
    # to count again, however many visits come before it has.
    assert f"{timezone.localtime(stale):%d.%m.%Y %H:%M}" in page(client)
    page(client)
    deadline = time.monotonic() + 60
    while FigureSnapshot.objects.get().refresh_requested_at is not None:
        assert time.monotonic() < deadline, "the worker did not count the scope again"
        time.sleep(0.2)
    assert DBTaskResult.objects.filter(task_path="dashboards.tasks.refresh_snapshot").count() == 1
    snapshot = FigureSnapshot.objects.get()
    assert snapshot.counted_at > stale
    assert contacts_in(snapshots.decode(snapshot.figures), heimdal) == 10
    # The page rendered from the stale figures went with them; the new ones are shown.
    assert not FigurePage.objects.filter(html__contains=f"{timezone.localtime(stale):%H:%M}")
    assert f"{timezone.localtime(snapshot.counted_at):%d.%m.%Y %H:%M}" in page(client)
