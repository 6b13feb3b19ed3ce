"""`make loadtest`: staff of every role on mixed journeys against gunicorn, each page's p95.

Runs inside `manage.py loadtest` (or a test) with Django connected to a database holding
the demo data. Gives each simulated user an account of its own (made here, idempotent),
starts the app as in production (devdata.bench.measure.gunicorn) unless given a server, and
runs devdata.bench.journeys (locust) in a process of its own.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.db.models import Q
from django.utils import timezone

from audit.history import acting_as, system_actor
from clients.models import Client
from codelists.models import Code
from devdata.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, OFFICES
from families.models import Family
from organisation.models import Membership, Office, User
from organisation.roles import Role
from organisation.two_factor import enrol_with_secret, has_second_factor

ROOT = Path(__file__).resolve().parents[2]
# A NAV office's staff, roughly: most are caseworkers.
SHARES = [(Role.CASEWORKER, 0.6), (Role.COORDINATOR, 0.25), (Role.MANAGER, 0.15)]
USERNAME = {Role.CASEWORKER: "veileder", Role.COORDINATOR: "koordinator", Role.MANAGER: "leder"}


# The pages of the journeys: a run in which one was never measured measured nothing of it.
PAGES = (
    "caseload",
    "client page",
    "contact form",
    "contact POST",
    "families",
    "family page",
    "family plan",
    "dashboard",
)


def roles_for(users: int) -> list[Role]:
    """Each user's role: the shares above, every role at least once."""
    caseworkers = max(1, round(users * SHARES[0][1]))
    coordinators = max(1, round(users * SHARES[1][1]))
    managers = max(1, users - caseworkers - coordinators)
    roles = [Role.CASEWORKER] * caseworkers + [Role.COORDINATOR] * coordinators
    return (roles + [Role.MANAGER] * managers)[:users]


def accounts(users: int) -> list[dict[str, Any]]:
    """One account a simulated user, spread over the demo offices, with what it works on."""
    offices = list(
        Office.objects.filter(unit_number__in=[o["unit_number"] for o in OFFICES.values()])
    )
    assert offices, "no demo offices: run seed_demo first"
    channel = Code.objects.filter(list_name="contact_channel", active=True).order_by("sort_order")
    first_channel = channel.first()
    assert first_channel is not None
    today = timezone.localdate().isoformat()
    made = []
    with acting_as(system_actor("loadtest")):
        for number, role in enumerate(roles_for(users), start=1):
            office = offices[number % len(offices)]
            user, created = User.objects.get_or_create(
                username=f"last.{USERNAME[role]}.{number:02d}",
                defaults={"first_name": "Last", "last_name": f"Test {number:02d}"},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            if not has_second_factor(user):
                # Signs in with the password and a code, as the demo users do.
                enrol_with_secret(user, DEMO_TOTP_SECRET)
            Membership.objects.get_or_create(user=user, role=role, office=office)
            made.append(
                {
                    "username": user.username,
                    "password": DEMO_PASSWORD,
                    "totp_secret": DEMO_TOTP_SECRET,
                    "role": str(role),
                    "today": today,
                    "channel": str(first_channel.pk),
                    "clients": list(
                        Client.objects.filter(office=office, status=Client.Status.ACTIVE)
                        .filter(Q(merged_into__isnull=True))
                        .order_by("pk")
                        .values_list("pk", flat=True)[:50]
                    ),
                    "families": list(
                        Family.objects.filter(office=office)
                        .order_by("pk")
                        .values_list("pk", flat=True)[:50]
                    ),
                }
            )
    return made


def run(
    host: str,
    users: int,
    seconds: float,
    warmup: float = 5,
    think: float = 1.0,
    at_most: float = 0,
) -> Any:
    """One run of the journeys against a server; the generator's figures. With `at_most`,
    the run goes on past `seconds` (up to that) until every page has been answered."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(accounts(users), file)
    try:
        result = subprocess.run(  # noqa: S603 - our own module, fixed arguments
            [
                sys.executable,
                "-m",
                "devdata.bench.journeys",
                "--host",
                host,
                "--accounts",
                file.name,
                "--users",
                str(users),
                "--seconds",
                str(seconds),
                "--warmup",
                str(warmup),
                "--think",
                str(think),
                "--at-most",
                str(at_most),
                "--pages",
                *PAGES,
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=max(seconds, at_most) + warmup + 300,
        )
    finally:
        Path(file.name).unlink()
    if result.returncode != 0:
        raise RuntimeError(f"the load generator failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def problems(result: dict[str, Any]) -> list[str]:
    """Why a run fails: errors, users who never signed in, pages never measured."""
    found = []
    if result["errors"]:
        found.append(f"{result['errors']} errors under load")
    if result["signed_in"] < result["users"]:
        found.append(f"only {result['signed_in']} of {result['users']} users signed in")
    measured = {page["page"] for page in result["pages"] if page["requests"]}
    if missing := [page for page in PAGES if page not in measured]:
        found.append(f"never answered after the warm-up: {', '.join(missing)}")
    return found


def report(result: dict[str, Any]) -> list[str]:
    lines = [
        f"{result['signed_in']} of {result['users']} users signed in; figures of "
        f"{result['seconds']:.0f} s after the warm-up:",
        f"{'page':<16} {'method':<6} {'requests':>8} {'errors':>6} {'median ms':>9} "
        f"{'p95 ms':>7} {'max ms':>7} {'per s':>6}",
    ]
    for page in result["pages"]:
        if not page["requests"]:
            continue  # signing in, all of it in the warm-up
        lines.append(
            f"{page['page']:<16} {page['method']:<6} {page['requests']:>8} {page['errors']:>6} "
            f"{page['median_ms']:>9.0f} {page['p95_ms']:>7.0f} {page['max_ms']:>7.0f} "
            f"{page['rps']:>6.1f}"
        )
    lines.append(f"errors in the whole run, warm-up included: {result['errors']}")
    lines += [f"  {sample}" for sample in result["error_samples"]]
    return lines
