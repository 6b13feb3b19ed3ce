"""The measurements of `make bench`, each beside the reference it is compared with.

Runs inside `manage.py bench` with Django connected to the benchmark's own
database (the national synthetic dataset). Pages are served by gunicorn on
loopback and loaded by `devdata.bench.load` (locust) in another process; the
dashboards are compared with the same aggregates in psql, the research export
with COPY of the same rows. Figures are medians and p95s in milliseconds.
"""

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client as DjangoClient
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from audit import bulk
from audit.history import acting_as, system_actor
from clients.models import Client
from dashboards.models import FigureSnapshot
from devdata.bench.dashboard_sql import dashboard_sql
from families.models import Family
from organisation.models import Membership, Office, User
from organisation.roles import Role
from research import services
from research.export.runner import Exporter
from research.models import ResearchProject, Table

CASELOAD = 60
ROOT = Path(settings.BASE_DIR)


@dataclass
class Figure:
    what: str
    value: float
    unit: str
    reference: float | None = None
    reference_name: str = ""
    goal: str = ""
    ok: bool | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if not self.reference:
            return None
        return self.value / self.reference


@dataclass
class People:
    office: Office
    caseworker: User
    coordinator: User
    manager: User
    administrator: User
    clients: list[int]
    families: list[int]


def prepare() -> People:
    """The benchmark's own users (idempotent): a caseworker with a caseload of the largest
    office, its coordinator and manager, and an administrator for the national dashboard."""
    actor = system_actor("bench")
    office = Office.objects.annotate(n=Count("clients")).order_by("-n", "pk").first()
    assert office is not None, "the benchmark database holds no offices"
    users = {}
    with acting_as(actor):
        for name, role, at in [
            ("bench.veileder", Role.CASEWORKER, office),
            ("bench.koordinator", Role.COORDINATOR, office),
            ("bench.leder", Role.MANAGER, office),
            ("bench.admin", Role.ADMINISTRATOR, None),
        ]:
            user, created = User.objects.get_or_create(username=name)
            if created:
                user.set_unusable_password()  # signed in by sessions the benchmark makes
                user.save()
            Membership.objects.get_or_create(user=user, role=role, office=at)
            users[name] = User.objects.get(pk=user.pk)
        caseworker = users["bench.veileder"]
        mine = list(
            Client.objects.filter(caseworker=caseworker).values_list("pk", flat=True)[:CASELOAD]
        )
        if not mine:
            chosen = list(
                Client.objects.filter(office=office, status=Client.Status.ACTIVE).order_by("pk")[
                    :CASELOAD
                ]
            )
            for client in chosen:
                client.caseworker = caseworker
            bulk.bulk_update(Client, chosen, ["caseworker"], actor=actor)
            mine = [c.pk for c in chosen]
    families = list(Family.objects.filter(office=office).values_list("pk", flat=True)[:50])
    return People(
        office=office,
        caseworker=caseworker,
        coordinator=users["bench.koordinator"],
        manager=users["bench.leder"],
        administrator=users["bench.admin"],
        clients=mine,
        families=families,
    )


def production_env() -> dict[str, str]:
    """The environment of the measured processes (server, export): DEBUG off, as deployed."""
    return {
        **os.environ,
        "DEBUG": "0",
        "HTTPS": "0",
        # The sessions the benchmark makes in this process must be valid there.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "BENCH_REFERENCE_PAGE": "1",  # the yardstick the pages are compared with
    }


@contextmanager
def gunicorn(port: int, database_url: str | None = None) -> Iterator[str]:
    """The app as in production (DEBUG off, static files by WhiteNoise) on loopback, on this
    process's database or the one given (a test's)."""
    env = production_env()
    if database_url:
        env["DATABASE_URL"] = database_url
    if env.get("STATIC_MANIFEST", "1") != "0":  # the test suite serves from the finders
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    workers = 2 * (os.cpu_count() or 1) + 1
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "husk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            # The national dashboard is measured even where it is slow, not cut off.
            "--timeout",
            "300",
        ],
        cwd=ROOT,
        env=env,
    )
    host = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if requests.get(f"{host}/health/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not answer")
        yield host
    finally:
        server.terminate()
        server.wait(timeout=30)


def load(
    host: str,
    user: User,
    scenario: str,
    paths: list[str],
    users: int,
    seconds: float,
    form: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One run of the load generator, in its own process."""
    result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "devdata.bench.load",
            "--host",
            host,
            "--sessions",
            *[_session_key(user) for _ in range(users)],
            "--scenario",
            scenario,
            "--users",
            str(users),
            "--seconds",
            str(seconds),
            "--form",
            json.dumps(form or {}),
            "--paths",
            *paths,
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def pages(host: str, people: People, seconds: float, say: Callable[[str], None]) -> list[Figure]:
    """The caseworker's and coordinator's pages and the contact POST, at 1 and 16 users,
    each beside the reference view measured at the same concurrency."""
    today = timezone.localdate().isoformat()
    channel = _first_code("contact_channel")
    scenarios: list[tuple[str, User, list[str], dict[str, Any] | None, float]] = [
        ("caseload page", people.caseworker, ["/caseload/"], None, 150),
        ("client page", people.caseworker, [f"/clients/{pk}/" for pk in people.clients], None, 150),
        (
            "family plan page",
            people.coordinator,
            [f"/families/{pk}/plan/" for pk in people.families],
            None,
            150,
        ),
        (
            "contact_post",
            people.caseworker,
            [f"/caseload/clients/{pk}/contacts/new/" for pk in people.clients],
            {"date": today, "channel": channel, "duration_minutes": "30", "note": "Benchmark."},
            200,
        ),
    ]
    figures = []
    for users in (1, 16):
        reference = load(host, people.caseworker, "reference", ["/reference/"], users, seconds)
        if not _healthy(reference):
            raise RuntimeError(f"the reference view failed under load: {reference}")
        say(f"  reference view, {users:>2} users: median {reference['median_ms']} ms")
        for name, user, paths, form, p95_goal in scenarios:
            measured = load(host, user, name, paths, users, seconds, form)
            say(
                f"  {name}, {users:>2} users: median {measured['median_ms']} ms, "
                f"p95 {measured['p95_ms']} ms, {measured['failures']} failures"
            )
            label = "contact form POST" if name == "contact_post" else name
            median = Figure(
                f"{label}, median, {users} user{'s' if users > 1 else ''}",
                measured["median_ms"],
                "ms",
                reference["median_ms"],
                "reference view",
                "≤ 4 ×",
                extra={"run": measured, "reference_run": reference},
            )
            median.ok = _healthy(measured) and median.ratio is not None and median.ratio <= 4
            figures.append(median)
            if users == 16:
                p95 = Figure(
                    f"{label}, p95, 16 users",
                    measured["p95_ms"],
                    "ms",
                    reference["p95_ms"],
                    "reference view",
                    f"≤ {p95_goal:.0f} ms",
                )
                p95.ok = _healthy(measured) and measured["p95_ms"] <= p95_goal
                figures.append(p95)
    return figures


def _healthy(run: dict[str, Any]) -> bool:
    """A run counts only if requests were answered and none failed (a page slower than the
    whole run answers none, and its median of 0 must not pass)."""
    return bool(run["requests"]) and not run["failures"]


def _first_code(code_list: str) -> str:
    from codelists.models import Code

    code = Code.objects.filter(list_name=code_list, active=True).order_by("sort_order").first()
    assert code is not None
    return str(code.pk)


def _session_key(user: User) -> str:
    """A new signed-in Django session for the user (no password hashing on the way)."""
    django_client = DjangoClient(HTTP_HOST="127.0.0.1")
    django_client.force_login(user)
    return str(django_client.cookies[settings.SESSION_COOKIE_NAME].value)


def _session(host: str, user: User) -> requests.Session:
    """A signed-in HTTP session against the server."""
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, _session_key(user))
    signed_in = session.get(f"{host}/reference/", allow_redirects=False, timeout=30)
    if signed_in.status_code != 200:
        raise RuntimeError("the benchmark's session is not accepted by the server")
    return session


def _timed(
    call: Callable[[], Any], times: int, before: Callable[[], Any] = lambda: None
) -> list[float]:
    """Milliseconds of each call after a warm-up; `before` runs ahead of each, untimed."""
    before()
    call()  # warm-up
    spent = []
    for _ in range(times):
        before()
        began = time.perf_counter()
        call()
        spent.append((time.perf_counter() - began) * 1000)
    return spent


def _psql_ms(sql: str, times: int) -> list[float]:
    """Execution time of a statement as psql reports it (`\\timing`)."""
    # Django's own psql arguments for this database (host or socket, port, password).
    args, env = connection.client.settings_to_cmd_args_env(connection.settings_dict, [])
    script = "\\timing on\n" + "\n".join([sql.rstrip().rstrip(";") + ";"] * (times + 1))
    result = subprocess.run(  # noqa: S603 - psql with our own script
        # ON_ERROR_STOP: a failing statement is an error, not a fast reference.
        [*args, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-o", "/dev/null"],
        input=script,
        capture_output=True,
        text=True,
        check=True,
        # The session settings Django's connections use (no JIT; see husk.settings).
        env={
            **os.environ,
            **(env or {}),
            "PGOPTIONS": connection.settings_dict["OPTIONS"].get("options", ""),
        },
    )
    found = [float(t.replace(",", ".")) for t in re.findall(r"Time: ([\d.,]+) ms", result.stdout)]
    return found[1:]  # the first run warms the cache, like the page's warm-up


def dashboards(host: str, people: People, say: Callable[[str], None]) -> list[Figure]:
    today = timezone.localdate()
    end_month = today.replace(day=1)
    start = end_month.replace(year=end_month.year - 1)
    period = {"start": f"{start:%Y-%m}", "end": f"{today:%Y-%m}"}
    period_end = today
    figures = []
    cases = [
        ("office dashboard", people.manager, [people.office.pk]),
        (
            "national dashboard",
            people.administrator,
            list(Office.objects.values_list("pk", flat=True)),
        ),
    ]

    for name, user, office_ids in cases:
        session = _session(host, user)

        def fetch(session: requests.Session = session) -> None:
            response = session.get(f"{host}/dashboard/", params=period, timeout=120)
            response.raise_for_status()

        # Counted on the visit (nothing kept), then served as kept by that counting.
        counted_ms = statistics.median(_timed(fetch, 3, before=_forget_kept))
        served_ms = statistics.median(_timed(fetch, 3))
        sql_ms = statistics.median(_psql_ms(dashboard_sql(office_ids, start, period_end, today), 3))
        say(
            f"  {name}: counted on the visit {counted_ms:.0f} ms, the same aggregates in psql "
            f"{sql_ms:.0f} ms; served from the kept figures {served_ms:.0f} ms"
        )
        counted = Figure(
            f"{name}, counted on the visit",
            counted_ms,
            "ms",
            sql_ms,
            "hand-written SQL in psql",
            "≤ 2 ×",
        )
        counted.ok = (counted.ratio or 99) <= 2
        served = Figure(f"{name}, served from kept figures", served_ms, "ms")
        if name == "national dashboard":
            served.goal = "≤ 1500 ms"
            served.ok = served_ms <= 1500
        figures += [counted, served]
    _forget_kept()
    return figures


def _forget_kept() -> None:
    """Nothing kept: the next visit to a dashboard counts (dashboards.snapshots)."""
    FigureSnapshot.objects.all().delete()


def search(host: str, people: People, say: Callable[[str], None]) -> list[Figure]:
    session = _session(host, people.caseworker)
    form = session.get(f"{host}/clients/search/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
    assert token is not None
    # The same client in every run, so that runs can be compared.
    someone = Client.objects.exclude(national_id=None).order_by("pk").first()
    assert someone is not None
    figures = []
    for what, query in [("by name", someone.last_name), ("by national id", someone.national_id)]:

        def post(query: str | None = query) -> None:
            response = session.post(
                f"{host}/clients/search/",
                {"query": query, "csrfmiddlewaretoken": token.group(1)},
                headers={"Referer": f"{host}/clients/search/"},
                timeout=30,
            )
            response.raise_for_status()

        ms = statistics.median(_timed(post, 10))
        say(f"  client search {what}: {ms:.0f} ms")
        figures.append(Figure(f"client search {what}", ms, "ms", goal="≤ 100 ms", ok=ms <= 100))
    return figures


def queries_per_page(people: People) -> list[Figure]:
    """Queries each page makes on the national dataset (the budgets are pinned in tests)."""
    figures = []
    for name, user, path in [
        ("caseload page", people.caseworker, "/caseload/"),
        ("client page", people.caseworker, f"/clients/{people.clients[0]}/"),
        ("family plan page", people.coordinator, f"/families/{people.families[0]}/plan/"),
        ("office dashboard", people.manager, "/dashboard/"),
    ]:
        django_client = DjangoClient(HTTP_HOST="127.0.0.1")
        django_client.force_login(user)
        # The dashboard as counted on a visit, as its budget is pinned: nothing kept before
        # (an interrupted run's), and nothing kept here.
        _forget_kept()
        with override_settings(DASHBOARD_SNAPSHOT_AFTER_MS=10**9):
            django_client.get(path)
            with CaptureQueriesContext(connection) as captured:
                response = django_client.get(path)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
        figures.append(
            Figure(
                f"queries, {name}",
                len(captured),
                "queries",
                goal="fixed budget (tests/test_query_budgets.py)",
            )
        )
    return figures


def export(people: People, say: Callable[[str], None]) -> list[Figure]:
    """A research export of every table for every office, CSV, beside COPY of its rows."""
    project = _project(people)
    out = Path(tempfile.mkdtemp(prefix="husk-bench-export-"))
    # The reference: COPY of the same rows the export reads, to nowhere. This exporter only
    # gives the queries; it never runs, so nothing is written to its directory.
    exporter = Exporter(
        project=project,
        tables=list(Table.values),
        formats=["csv"],
        directory=out,
        as_of=timezone.localdate(),
    )
    began = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "research_export", project.code, "--out", str(out)],
        cwd=ROOT,
        env=production_env(),
        stdout=subprocess.DEVNULL,
    )
    # wait4: the peak memory of this one process (the export), not of every child.
    _pid, status, usage = os.wait4(process.pid, 0)
    export_s = time.perf_counter() - began
    shutil.rmtree(out, ignore_errors=True)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("the research export failed")
    peak_mb = usage.ru_maxrss / 1024
    # The reference after the export, so that both read from a warm cache: COPY of the same
    # rows, sent over the socket and thrown away; COPY's own row count.
    rows = 0
    began = time.perf_counter()
    with connection.cursor() as cursor:
        for _table, sql, params in exporter.source_queries():
            inlined = cursor.mogrify(sql, params).decode()
            cursor.cursor.copy_expert(f"COPY ({inlined}) TO STDOUT", _Discard())
            rows += cursor.cursor.rowcount
    copy_s = time.perf_counter() - began
    say(
        f"  research export: {rows:,} rows in {export_s:.1f} s, COPY of the same rows "
        f"{copy_s:.1f} s, peak memory {peak_mb:.0f} MB"
    )
    throughput = Figure(
        "research export throughput (share of COPY)",
        copy_s / export_s,
        "× COPY",
        goal="≥ 0.25",
        ok=copy_s / export_s >= 0.25,
        extra={"rows": rows, "export_s": export_s, "copy_s": copy_s},
    )
    memory = Figure(
        "research export peak memory", peak_mb, "MB", goal="≤ 300 MB", ok=peak_mb <= 300
    )
    return [throughput, memory]


class _Discard:
    """A file that receives all of COPY's output and keeps none of it."""

    def write(self, data: Any) -> int:
        return len(data)


def _project(people: People) -> ResearchProject:
    with acting_as(system_actor("bench")):
        project, created = ResearchProject.objects.get_or_create(
            code="bench",
            defaults={
                "title": "Benchmark",
                "institution": "HUSK",
                "responsible_researcher": "Benchmark",
                "legal_basis": ResearchProject.LegalBasis.EXEMPTION,
                "period_start": timezone.localdate().replace(year=timezone.localdate().year - 10),
                "period_end": timezone.localdate(),
                "tables": list(Table.values),
                "expires_on": timezone.localdate().replace(year=timezone.localdate().year + 1),
            },
        )
        if created:
            project.offices.set(Office.objects.all())
    if created:
        services.project_approve(project=project, by=people.administrator)
    return project
