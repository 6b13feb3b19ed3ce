"""Every page a demo user reaches passes axe-core's WCAG 2.1 AA rules without a serious or
critical violation.

Each demo user signs in through the login page; their pages are found by following the
same-site links of the home page, the menu and every page after (fetched with the browser's
own session, not rendered, to keep the walk quick); then each URL pattern is opened in
Chromium once (by the first user who reaches it; every user's home page too) and axe-core
runs on it. Logout, downloads and binary answers are left out. All violations are reported
together, each naming the user, the URL pattern, the URL, the rule and the elements.
"""

import logging
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from django.urls import Resolver404, resolve
from playwright.sync_api import BrowserContext, Page
from pytest_django.live_server_helper import LiveServer

from devdata.demo import DEMO_USERS, DemoUser
from organisation.roles import Role
from tests.browser.test_login_journey import WCAG_21_AA, log_in
from tests.fuzzing import parse_page, same_site_path

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Opening pages and running axe in them, for all users of a test; the walk and seeding
# come on top.
BUDGET_SECONDS = float(os.environ.get("AXE_BUDGET_SECONDS", "180"))
MAX_FETCHES_PER_USER = 150
SERIOUS = {"serious", "critical"}
# Never opened: logging out ends the walk; downloads and the export's file are not pages.
NOT_OPENED = {
    "logout",
    "admin:logout",
    "set_language",
    "dashboards:download",
    "research:export_download",
    "research:export_status",  # an htmx fragment polled by the project page
}
# Other packages' admin pages (Django's groups, axes, the task queue) are not HUSK's pages.
THIRD_PARTY_ADMIN = ("admin:auth_", "admin:axes_", "admin:django_tasks_database_")


@dataclass(frozen=True)
class Violation:
    user: str
    route: str
    url: str
    rule: str
    impact: str
    help: str
    elements: tuple[str, ...]

    def __str__(self) -> str:
        shown = "\n    ".join(self.elements[:3]) + (" …" if len(self.elements) > 3 else "")
        return (
            f"[{self.route}] {self.url} as {self.user}: {self.rule} ({self.impact}) "
            f"{self.help} – {len(self.elements)} element(s):\n    {shown}"
        )


def route_name(path: str) -> str | None:
    try:
        name = resolve(urlsplit(path).path).view_name
    except Resolver404:
        return None
    if name in NOT_OPENED or name.startswith(THIRD_PARTY_ADMIN):
        return None
    return name


def reachable_pages(context: BrowserContext, host: str, start: str) -> dict[str, str]:
    """URL pattern -> the first URL of it the user reaches, walking same-site links from
    the home page with the signed-in browser's cookies."""
    first: dict[str, str] = {}
    queue, seen = [start], {start}
    fetches = 0
    while queue and fetches < MAX_FETCHES_PER_USER:
        path = queue.pop(0)
        name = route_name(path)
        if name is None or (name in first and first[name] != path):
            continue
        response = context.request.get(path, max_redirects=5)
        fetches += 1
        final = same_site_path(response.url, host) or path
        if response.status != 200 or "text/html" not in response.headers.get("content-type", ""):
            continue
        final_name = route_name(final)
        if final_name is None:
            continue
        first.setdefault(final_name, final)
        page = parse_page(response.url, response.text())
        links = list(page.links) + [f.action for f in page.forms if f.method == "get"]
        for link in links:
            target = same_site_path(link, host)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    return first


def describe_node(node: dict[str, Any]) -> str:
    """The element's selector, its markup's start and why it fails (e.g. the contrast)."""
    html = " ".join(str(node.get("html", "")).split())[:100]
    why = " ".join(str(node.get("failureSummary", "")).split()[-30:])[:200]
    return f"{' '.join(node['target'])} {html!r} ({why})"


def axe_violations(page: Page, user: str, route: str, url: str) -> list[Violation]:
    page.goto(url)
    results = Axe().run(page, options=WCAG_21_AA)
    return [
        Violation(
            user,
            route,
            url,
            violation["id"],
            violation["impact"],
            violation["help"],
            tuple(describe_node(node) for node in violation["nodes"]),
        )
        for violation in results.response["violations"]
        if violation["impact"] in SERIOUS
    ]


@pytest.fixture
def demo(transactional_db: None) -> Iterator[None]:
    call_command("seed_demo", clients_per_office=3, stdout=open(os.devnull, "w"))  # noqa: SIM115
    # Each refusal met on the walk (a researcher's link to a project of another) would log.
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def axe_every_page(
    page: Page, live_server: LiveServer, users: list[DemoUser], wanted: Callable[[str], bool]
) -> None:
    """Walk as each user, run axe on each wanted URL pattern once, report all at the end."""
    host = urlsplit(live_server.url).netloc
    deadline = time.monotonic() + BUDGET_SECONDS
    checked: set[str] = set()
    violations: list[Violation] = []
    skipped: list[str] = []
    for demo_user in users:
        log_in(page, demo_user.username)
        page.wait_for_load_state()
        home = same_site_path(page.url, host) or "/"
        home_route = route_name(home)
        for route, url in reachable_pages(page.context, host, home).items():
            if not wanted(route) or (route in checked and route != home_route):
                continue
            if time.monotonic() > deadline:
                skipped.append(f"{route} ({demo_user.username})")
                continue
            checked.add(route)
            violations += axe_violations(page, demo_user.username, route, url)
        log_out(page)
    print(f"axe ran on {len(checked)} URL patterns: {sorted(checked)}")
    assert not violations, "\n".join(str(v) for v in violations)
    assert not skipped, f"Out of time (AXE_BUDGET_SECONDS) before these pages: {skipped}"


def log_out(page: Page) -> None:
    page.goto("/")
    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/login/**")


def test_no_page_of_a_demo_user_has_a_serious_accessibility_violation(
    page: Page, demo: None, live_server: LiveServer
) -> None:
    axe_every_page(page, live_server, DEMO_USERS, lambda route: not route.startswith("admin:"))
    # And under the Content Security Policy, nothing on them was blocked (the page fixture
    # collects the browser's reports). Django's own admin pages still apply inline styles.
    assert page.csp_violations == []  # type: ignore[attr-defined]


def test_no_admin_page_of_a_husk_model_has_a_serious_accessibility_violation(
    page: Page, demo: None, live_server: LiveServer
) -> None:
    """The Django admin, as the administrator reaches it for HUSK's own models: Django's
    templates, but HUSK's choices (inlines, list_editable, autocomplete) shape them."""
    administrators = [d for d in DEMO_USERS if d.role == Role.ADMINISTRATOR]
    axe_every_page(page, live_server, administrators, lambda route: route.startswith("admin:"))
