"""Hostile input to every page a demo user reaches: never a server error, never half-saved,
and every refusal is a form error.

For each demo user (with the demo data seeded) the test walks the site as a browser would,
from the home page, following links and reading forms; every URL pattern of the resolver that
the walk did not reach is filled with ids of the user's own demo objects and tried too. Then
hypothesis sends generated values (empty, huge, unicode, NUL bytes, negative and 2^70 numbers,
malformed dates, unknown choices and ids) to every form and, as query strings, to every page.
All problems of one user are collected and reported together, each naming the URL pattern,
the user and the input. The whole module keeps to FUZZ_BUDGET_SECONDS.
"""

import hashlib
import logging
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib import messages
from django.core.management import call_command
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.test import Client as HttpClient
from django.urls import NoReverseMatch, Resolver404, path, resolve, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from devdata.demo import DEMO_USERS, DemoUser
from husk import urls as root_urls
from organisation.access import LOGGED_IN, policy
from organisation.models import User
from tests.fuzzing import (
    CSRF_FIELD,
    EXTRA_QUERY_PARAMETERS,
    HUGE,
    Form,
    Route,
    form_data,
    ids_for,
    parse_page,
    query_data,
    route_models,
    row_counts,
    same_site_path,
    shorten,
    site_routes,
    tracked_tables,
)

pytestmark = pytest.mark.django_db

PROJECT = Path(__file__).resolve().parents[1]
# The walking and fuzzing of all users, shared equally by them (the test database and the
# seeding come on top): the module keeps to about 3 minutes on a 2-core machine.
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "120"))
CLIENTS_PER_OFFICE = 4
INSTANCES_PER_ROUTE = 2
MAX_PAGES = 100
FORMS_PER_ROUTE = 2
MAX_ONE_BY_ONE = 6
# The (method, route) pairs fuzzed in full already, by an earlier user of the module.
FUZZED: set[tuple[str, str]] = set()
WALKED: set[str] = set()
MIN_EXAMPLES, MAX_EXAMPLES = 2, 30

# Never sent: they end the session the walk runs in.
NOT_REQUESTED = {"logout", "admin:logout", "admin:password_change", "admin:password_change_done"}
# The admin pages of other packages' models (Django's groups, axes' login attempts, the
# task queue) are those packages' code, not HUSK's: the walk leaves them out.
THIRD_PARTY_ADMIN = ("admin:auth_", "admin:axes_", "admin:django_tasks_database_")


def requested(name: str) -> bool:
    return name not in NOT_REQUESTED and not name.startswith(THIRD_PARTY_ADMIN)


# Sent, but not forms of the record: they answer every POST with a redirect by design.
NOT_FORMS = {"login", "set_language", "admin:login"}
# A refusal must say why: Django's and crispy's field errors, or an error message.
ERROR_MARKERS = (
    "invalid-feedback",
    "is-invalid",
    "errorlist",
    "errornote",
    "alert-danger",
    "alert-warning",
    'role="alert"',
)
REFUSAL_STATUSES = {200, 400, 409, 422}
# Forms that only read (searches by name or national id are posted to keep them out of URLs).
READ_ONLY_POSTS = {"clients:search", "families:picker_search", "families:picker_choose"}


class Problem(AssertionError):
    """One thing wrong, with everything the lead needs to route the fix."""


@dataclass
class Target:
    """A URL to fuzz: with the forms found on it (or aiming at it) and its query names."""

    route: Route
    url: str
    forms: list[Form] = field(default_factory=list)
    get_forms: list[Form] = field(default_factory=list)
    query_names: set[str] = field(default_factory=set)
    reached: bool = True  # by the walk; else filled in from the route's models
    open: bool = False  # answered the user's GET with a page

    @property
    def takes_get(self) -> bool:
        return self.route.methods is None or "GET" in self.route.methods


def route_of(path: str) -> tuple[str, str] | None:
    """The namespaced name and route string of a path on this site."""
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return None
    return match.view_name, match.route


def exception_summary(response: HttpResponse) -> str:
    exc_info = getattr(response, "exc_info", None)
    if not exc_info:
        return f"status {response.status_code}"
    kind, value, tb = exc_info
    # The project's innermost frame: where the fix goes, or where the bad value went in.
    frames = [
        f"{Path(frame.filename).relative_to(PROJECT)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(tb)
        if frame.filename.startswith(str(PROJECT)) and "/.venv/" not in frame.filename
    ] or ["?"]
    innermost = traceback.extract_tb(tb)[-1]
    deepest = f"{innermost.filename.split('site-packages/')[-1]}:{innermost.lineno}"
    if not deepest.startswith(frames[-1].split(":")[0]):
        frames[-1] += f", raised in {deepest}"
    return f"{kind.__name__}: {str(value)[:300]} (at {frames[-1]})"


class Fuzzer:
    """Walks the site as one demo user and sends hostile input to what it finds."""

    def __init__(self, demo: DemoUser, deadline: float) -> None:
        self.demo = demo
        self.user = User.objects.get(username=demo.username)
        self.http = HttpClient(raise_request_exception=False)
        self.http.force_login(self.user)
        self.deadline = deadline
        self.tables = tracked_tables()
        self.routes = {r.name: r for r in site_routes()}
        self.targets: dict[str, list[Target]] = {}
        self.problems: list[str] = []
        self.requests = 0
        self.request_seconds = 0.0
        self.counts: dict[str, int] | None = None
        self.seconds_by_route: Counter[str] = Counter()
        self.walked_before = set(WALKED)

    # Sending ------------------------------------------------------------------

    def send(
        self, method: str, url: str, data: dict[str, list[str]]
    ) -> tuple[HttpResponse, dict[str, int], dict[str, int]]:
        """One request in a savepoint of its own (a server error's aborted transaction is
        rolled back, so the next request still works), with the rows counted around it."""
        # Only a post is judged by what it saved: reading is not counted, to save time; the
        # rows after one post are the rows before the next (reading writes none of them).
        if method == "post":
            before = self.counts if self.counts is not None else row_counts(self.tables)
        else:
            before, self.counts = {}, None
        savepoint = transaction.savepoint_create()
        started = time.monotonic()
        response = self.http.get(url, data) if method == "get" else self.http.post(url, data)
        took = time.monotonic() - started
        self.request_seconds += took
        route = route_of(url)
        self.seconds_by_route[route[0] if route else url] += took
        self.requests += 1
        self.last_response = response
        if response.status_code >= 500:
            transaction.savepoint_rollback(savepoint)
            transaction.set_rollback(False)
            return response, before, before
        transaction.savepoint_commit(savepoint)
        if method == "post":
            self.counts = row_counts(self.tables)
        return response, before, self.counts or {}

    def check(
        self,
        name: str,
        method: str,
        url: str,
        data: dict[str, list[str]],
        defaults: dict[str, list[str]] | None = None,
        form: Form | None = None,
    ) -> None:
        """Send the input and raise Problem if the answer breaks a rule. Without the form
        (a route no page offered a form for) a refusal need not look like a form error."""
        response, before, after = self.send(method, url, data)
        where = (
            f"[{name}] {method.upper()} {url} as {self.demo.username} "
            f"with {shorten(data, defaults)}"
        )
        status = response.status_code
        dump(where, response)
        if status >= 500:
            raise Problem(f"{where}: server error {status}: {exception_summary(response)}")
        if method == "get" or name in NOT_FORMS:
            return
        # The admin's own views answer as Django made them (an action with nothing
        # selected re-shows the list, a forged _to_field is a 400): judged by the rules
        # above and below, not by how a refusal looks.
        admin = name.startswith("admin:")
        changed = sorted(table for table in self.tables if before[table] != after[table])
        if status in REFUSAL_STATUSES and name in READ_ONLY_POSTS:
            if changed:
                raise Problem(f"{where}: a search wrote rows in {changed}")
            return
        body = response.content.decode(errors="replace") if status in REFUSAL_STATUSES else ""
        shows_error = self.message_queued(response) or any(m in body for m in ERROR_MARKERS)
        # A bare 400 is fair for a forged request: only hidden controls (hx-vals, versions)
        # or names no page offered were changed, nothing a user types or picks.
        visible = {c.name for c in form.fields if c.type != "hidden"} if form else set()
        typed = any(k in visible and data[k] != (defaults or {}).get(k) for k in data)
        forged_400 = status == 400 and not typed
        must_explain = form is not None and not admin and not forged_400
        # A 200 that saved is an htmx form's answer; a 200 that shows an error must not save.
        if status in REFUSAL_STATUSES and not changed and not shows_error and must_explain:
            raise Problem(f"{where}: refused with {status} but no form error or message shown")
        if status in REFUSAL_STATUSES and changed and (shows_error or status != 200):
            raise Problem(f"{where}: refused with {status} but rows changed in {changed}")
        if status in {403, 404, 405} and changed:
            raise Problem(f"{where}: refused with {status} but rows changed in {changed}")
        # An untouched form may well change nothing; anything else must say what happened.
        untouched = data == defaults
        changelist = admin and name.endswith("_changelist")  # a forged formset changes nothing
        if (
            300 <= status < 400
            and form is not None
            and not (changed or untouched or changelist)
            and not self.message_queued(response)
        ):
            raise Problem(
                f"{where}: silent redirect to {response.get('Location')} "
                "(nothing saved, no message)"
            )

    @staticmethod
    def message_queued(response: HttpResponse) -> bool:
        storage = getattr(getattr(response, "wsgi_request", None), "_messages", None)
        return bool(getattr(storage, "_queued_messages", None))

    def record(self, problem: Problem) -> None:
        self.problems.append(str(problem))

    # Walking ------------------------------------------------------------------

    def target_for(self, path: str, reached: bool = True) -> Target | None:
        found = route_of(path)
        if found is None or not requested(found[0]) or found[0] not in self.routes:
            return None
        name = found[0]
        bare = urlsplit(path).path
        known = self.targets.setdefault(name, [])
        for target in known:
            if target.url == bare:
                return target
        # A second instance only where no earlier user walked the route, and one admin page
        # of a kind (they are all Django's templates around the model's form).
        second = name not in self.walked_before and not name.startswith("admin:")
        if len(known) >= (INSTANCES_PER_ROUTE if second else 1):
            return None
        if bare.startswith(f"/django-admin/organisation/user/{self.user.pk}/"):
            return None  # the administrator would lock themself out
        target = Target(self.routes[name], bare, reached=reached)
        known.append(target)
        return target

    def visit(self, path: str, target: Target) -> list[str]:
        """GET a page, note its forms and query names; return the paths it links to."""
        try:
            self.check(target.route.name, "get", path, {})
        except Problem as problem:
            self.record(problem)
            return []
        response = self.last_response
        if 300 <= response.status_code < 400:
            return [response["Location"]]
        target.open = response.status_code == 200
        if not target.open or "html" not in response.get("Content-Type", ""):
            return []
        page = parse_page(f"http://testserver{path}", response.content.decode())
        query = urlsplit(path).query
        if query:
            target.query_names |= {part.split("=")[0] for part in query.split("&")}
        links = list(page.links)
        for form in page.forms:
            action_path = same_site_path(form.action)
            aimed = action_path and self.target_for(urlsplit(action_path).path)
            if not aimed:
                continue
            if form.method == "get":
                aimed.query_names |= set(form.names)
                if not any(f.names == form.names for f in aimed.get_forms):
                    aimed.get_forms.append(form)
                links.append(action_path)
            elif not any(f.names == form.names for f in aimed.forms):
                aimed.forms.append(form)
        return links

    def walk(self, start: str = "/") -> None:
        """Breadth first from the home page: same-site GET links, and GET forms' actions."""
        queue, seen = [start], {start}
        pages = 0
        while queue and pages < MAX_PAGES:
            path = queue.pop(0)
            target = self.target_for(path)
            if target is None:
                continue
            pages += 1
            for link in self.visit(path, target):
                link_path = same_site_path(link)
                if link_path and link_path not in seen:
                    seen.add(link_path)
                    queue.append(link_path)
        WALKED.update(self.targets)

    def fill_unreached(self) -> None:
        """Every route the walk missed, with ids of the user's own demo objects, so that no
        view escapes for want of a link to it."""
        for route in self.routes.values():
            if not requested(route.name) or self.targets.get(route.name):
                continue
            models = route_models(route)
            if any(model is None for model in models.values()):
                continue  # a slug or a format: only a link gives one
            kwargs: dict[str, int] = {}
            for name, model in models.items():
                ids = ids_for(model, self.user) if model else []
                if not ids:
                    break
                kwargs[name] = ids[0]
            else:
                try:
                    url = reverse(route.name, kwargs=kwargs)
                except NoReverseMatch:  # an admin regex reverse() cannot fill
                    continue
                target = self.target_for(url, reached=False)
                if target and (target.route.methods is None or "GET" in target.route.methods):
                    self.visit(url, target)

    # Fuzzing ------------------------------------------------------------------

    def examples(self, remaining_runs: int, first_time: bool) -> int:
        """As many examples as the user's share of the budget allows; fewer where another
        user already had this view fuzzed (a second office reaches the same view)."""
        left = self.deadline - time.monotonic()
        per_request = self.request_seconds / max(self.requests, 1) or 0.05
        fitting = int(left / max(remaining_runs, 1) / per_request)
        least = MIN_EXAMPLES if first_time else 1
        return max(least, min(MAX_EXAMPLES if first_time else MAX_EXAMPLES // 3, fitting))

    def run(
        self,
        strategy: st.SearchStrategy[Any],
        body: Callable[[Any], None],
        examples: int,
    ) -> None:
        """Hypothesis drives `body`; its first counterexample is recorded, not raised, so
        that one run reports every broken view."""

        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(strategy)
        def property_holds(value: Any) -> None:
            body(value)

        try:
            property_holds()
        except Problem as problem:
            self.record(problem)

    @staticmethod
    def fixed_cases(form: Form, depth: str) -> list[dict[str, list[str]]]:
        """Untouched, filled in, every control empty or huge, and each control in turn
        given its worst value (2^70, 31.02., an unknown choice, a NUL byte) in an otherwise
        filled-in form; where the view was fuzzed before (as another user, or the route's
        other form), only filled in."""
        controls = [f for f in form.fields if f.type != "submit" and f.name != CSRF_FIELD]
        names = [f.name for f in controls]
        defaults, filled = form.defaults(), form.filled()
        if depth == "again":
            return [filled]
        cases = [defaults, filled]
        if depth == "thorough":
            cases += [{**filled, **{name: [value] for name in names}} for value in ("", HUGE)]
            # Selects last: a form of thirty ratings needs only a few of them tried.
            ordered = sorted(controls, key=lambda c: c.tag == "select")[:MAX_ONE_BY_ONE]
            cases += [{**filled, c.name: [form.worst_for(c)]} for c in ordered]
        return cases

    def fuzz(self) -> None:
        targets = [t for ts in self.targets.values() for t in ts]
        # A refused page gets one hostile request: the refusal must hold for any input.
        for target in (t for t in targets if not t.open and not t.forms):
            method = "get" if target.takes_get else "post"
            try:
                self.check(target.route.name, method, target.url, {"q": [str(2**70)]})
            except Problem as problem:
                self.record(problem)
        # Query strings first: posts may transfer or merge the user's clients away; the
        # language form last, so that the pages answer in the user's language until then.
        gets = [ts[0] for ts in self.targets.values() if ts and ts[0].open and ts[0].takes_get]
        posts = sorted(
            (
                (target, form, index == 0)
                for ts in self.targets.values()
                for index, (target, form) in enumerate(
                    (t, f) for t in ts if t.open or t.forms for f in t.forms
                )
                if index < FORMS_PER_ROUTE
            ),
            key=lambda run: run[0].route.name in NOT_FORMS,
        )
        runs_left = len(gets) + len(posts)
        for target in gets:
            names = sorted(target.query_names | set(EXTRA_QUERY_PARAMETERS))
            first_time = ("get", target.route.name) not in FUZZED
            FUZZED.add(("get", target.route.name))

            def get_once(data: dict[str, list[str]], target: Target = target) -> None:
                self.check(target.route.name, "get", target.url, data)

            if first_time:
                try:
                    for form in target.get_forms[:FORMS_PER_ROUTE]:
                        for case in self.fixed_cases(form, "thorough")[2:]:
                            get_once(case)
                except Problem as problem:
                    self.record(problem)
                    runs_left -= 1
                    continue

            self.run(query_data(names), get_once, self.examples(runs_left, first_time))
            runs_left -= 1
        for target, form, first in posts:
            url = urlsplit(form.action).path if form.action else target.url
            name = target.route.name
            defaults = form.defaults()
            # The admin's forms are Django's, around the model's own validation (which the
            # forms of the case pages exercise in full): filled in and a few examples.
            first_time = first and ("post", name) not in FUZZED and not name.startswith("admin:")
            FUZZED.add(("post", name))
            try:
                for case in self.fixed_cases(form, "thorough" if first_time else "again"):
                    self.check(name, "post", url, case, defaults, form)
            except Problem as problem:
                self.record(problem)
                runs_left -= 1
                continue  # one problem per form is enough to route the fix

            def post_once(
                data: dict[str, list[str]],
                name: str = name,
                url: str = url,
                defaults: dict[str, list[str]] = defaults,
                form: Form = form,
            ) -> None:
                self.check(name, "post", url, data, defaults, form)

            self.run(form_data(form), post_once, self.examples(runs_left, first_time))
            runs_left -= 1

    def summary(self) -> str:
        reached = [n for n, ts in self.targets.items() if any(t.reached for t in ts)]
        filled = [n for n, ts in self.targets.items() if ts and not any(t.reached for t in ts)]
        forms = sum(len(t.forms) for ts in self.targets.values() for t in ts)
        return (
            f"{self.demo.username}: {self.requests} requests "
            f"({self.request_seconds:.0f} s in the views), {len(reached)} routes reached "
            f"by links, {len(filled)} filled from ids, {forms} forms; slowest: "
            + ", ".join(f"{n} {t:.1f} s" for n, t in self.seconds_by_route.most_common(6))
        )


def dump(where: str, response: HttpResponse) -> None:
    """FUZZ_DUMP_DIR=...: every answer written there, to see what a refusal looked like."""
    if directory := os.environ.get("FUZZ_DUMP_DIR"):
        digest = hashlib.sha1(where.encode(), usedforsecurity=False).hexdigest()[:12]
        path = Path(directory) / f"{digest}-{response.status_code}.html"
        path.write_bytes(f"<!-- {where} -->\n".encode() + response.content)


@pytest.fixture(autouse=True)
def _quiet_request_log() -> Iterator[None]:
    """Thousands of refused requests would each log a warning (and a 500 its traceback:
    the failure message carries the exception)."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    yield
    logger.setLevel(level)


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo data, seeded once for the module inside a transaction that is rolled back
    at its end; each test runs in a savepoint of it (as setUpTestData does)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            call_command(
                "seed_demo",
                clients_per_office=CLIENTS_PER_OFFICE,
                stdout=open(os.devnull, "w"),  # noqa: SIM115
            )
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def demo_data(_seeded_once: None, db: None) -> None:
    """A test sees the seeded demo data, and its own changes vanish after it."""


@pytest.mark.parametrize("demo", DEMO_USERS, ids=lambda d: d.username)
def test_hostile_input_breaks_no_page_of_a_demo_user(demo_data: None, demo: DemoUser) -> None:
    deadline = time.monotonic() + BUDGET_SECONDS / len(DEMO_USERS)
    fuzzer = Fuzzer(demo, deadline)
    fuzzer.walk()
    fuzzer.fill_unreached()
    fuzzer.fuzz()
    print(fuzzer.summary())
    assert fuzzer.problems == [], "\n".join([fuzzer.summary(), *fuzzer.problems])


def test_the_walk_finds_the_forms_of_a_caseworker(demo_data: None) -> None:
    """The discovery itself: a caseworker's walk reaches the client and contact forms."""
    fuzzer = Fuzzer(DEMO_USERS[0], time.monotonic())
    fuzzer.walk()
    reached = {name for name, targets in fuzzer.targets.items() if targets}
    assert {"followup:caseload", "clients:detail", "clients:edit"} <= reached
    forms = {t.route.name for ts in fuzzer.targets.values() for t in ts if t.forms}
    assert {"clients:edit", "followup:contact_new"} <= forms


# The fuzzer itself: a site of two deliberately broken forms, which it must report.
NUMBER_FORM = '<form method="post"><input type="number" name="number"><button>Go</button></form>'
NAME_FORM = '<form method="post"><input type="text" name="name"><button>Save</button></form>'


@policy(LOGGED_IN)
def broken_index(request: HttpRequest) -> HttpResponse:
    return HttpResponse('<a href="/broken/number/">Number</a> <a href="/broken/name/">Name</a>')


@policy(LOGGED_IN)
def broken_number(request: HttpRequest) -> HttpResponse:
    """Takes any number to the database: 2^70 is a server error."""
    number = request.POST.get("number", "")
    if request.method == "POST" and number.lstrip("-").isdigit():
        with connection.cursor() as cursor:
            cursor.execute("SELECT %s::bigint", [int(number)])
        messages.success(request, "Found.")
        return redirect("/broken/")
    if request.method == "POST":
        return HttpResponse(NUMBER_FORM + '<p class="invalid-feedback">Not a number.</p>')
    return HttpResponse(NUMBER_FORM)


@policy(LOGGED_IN)
def broken_name(request: HttpRequest) -> HttpResponse:
    """Refuses an empty name without a word."""
    if request.method == "POST" and request.POST.get("name"):
        messages.success(request, "Saved.")
        return redirect("/broken/")
    return HttpResponse(NAME_FORM)


# The site's own URLs stay: the error pages link to them.
urlpatterns = [
    path("broken/", broken_index, name="broken-index"),
    path("broken/number/", broken_number, name="broken-number"),
    path("broken/name/", broken_name, name="broken-name"),
    *root_urls.urlpatterns,
]


@pytest.mark.urls("tests.test_fuzz_views")
def test_the_fuzzer_reports_the_url_the_user_and_the_input(demo_data: None) -> None:
    fuzzer = Fuzzer(DEMO_USERS[0], time.monotonic() + 5)
    fuzzer.walk(start="/broken/")
    fuzzer.fuzz()
    report = "\n".join(fuzzer.problems)
    assert (
        "[broken-number] POST /broken/number/ as veileder.heimdal "
        "with number='1180591620717411303424'" in report
    )
    assert "server error 500: DataError" in report
    assert "[broken-name] POST /broken/name/ as veileder.heimdal" in report
    assert "refused with 200 but no form error or message shown" in report
    assert len(fuzzer.problems) == 2, report
