"""PostgreSQL stopped and started under a load of signed-in users against gunicorn, as deployed.

The test's own PostgreSQL cluster (tests/scratch_postgres.py) holds the migrated schema of
the test database and the demo data; HUSK runs as gunicorn with production settings against
it; six demo users (caseworkers logging contacts, coordinators and a manager reading) work
in threads while the server is cut off for a few seconds (an immediate stop: every
connection dropped mid-request) and started again. Proves: clean error pages during the
outage, no half-saved contact, /health/ 503 then 200, and recovery without restarting HUSK.
"""

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest
import requests
from django.utils import timezone

from core import pgtools
from devdata.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from devdata.testing.signin import sign_in
from tests.scratch_postgres import ScratchCluster, free_port
from tests.workers import ROOT

pytestmark = pytest.mark.fault

OUTAGE_SECONDS = 3
BEFORE_DEADLINE = 30  # seconds for every caseworker to save a contact before the outage
RECOVERY_DEADLINE = 30  # seconds after the restart for every user to work again
REQUEST_TIMEOUT = 15
CALM_PAGES = ("Noe gikk galt", "Tilgangsloggen kan ikke skrives")
# What an error page must never show: a traceback, the database's words, SQL.
LEAKS = re.compile(
    r"Traceback|File \"|psycopg|OperationalError|InterfaceError|DatabaseError|"
    r"connection to server|server closed|SELECT |INSERT |UPDATE |\bFROM \"|django/",
)


@dataclass
class Answer:
    at: float
    user: str
    page: str
    status: int | None  # None: no answer at all
    body: str
    note: str = ""  # of a contact POST


@dataclass
class Step:
    page: str
    path: str
    post: bool = False


@pytest.fixture
def cluster(db: None) -> Iterator[ScratchCluster]:
    """The cluster, holding the migrated schema of the test database (dumped and restored:
    a full migrate on a busy CI machine would take the whole time limit by itself)."""
    # The test database's version: the schema is restored from its dump.
    scratch = ScratchCluster(pgtools.server_major_version())
    try:
        scratch.start()
        dump = scratch.directory / "schema.dump"
        args, env = pgtools.command_args()
        pgtools.run(
            [
                pgtools.program("pg_dump", scratch.major),
                *args,
                "--format=custom",
                f"--file={dump}",
                pgtools.database_name(),
            ],
            env,
        )
        admin = scratch.connect()
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("CREATE DATABASE husk")
        admin.close()
        pgtools.run(
            [
                pgtools.program("pg_restore", scratch.major),
                "--host=127.0.0.1",
                f"--port={scratch.port}",
                "--username=postgres",
                "--no-owner",
                "--no-acl",
                "--exit-on-error",
                "--dbname=husk",
                str(dump),
            ],
            env,
        )
        yield scratch
    finally:
        scratch.remove()


@pytest.fixture
def server(cluster: ScratchCluster, tmp_path: Path) -> Iterator[tuple[str, psutil.Process]]:
    """The demo data seeded by `seed_demo`, and gunicorn as in the Dockerfile (sync workers,
    persistent database connections) with production settings but plain http on loopback;
    the two start side by side."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url("husk"),
        "DEBUG": "0",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "gunicorn.log").open("wb")
    seeding = subprocess.Popen(
        [sys.executable, "manage.py", "seed_demo", "--clients-per-office", "4"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            "husk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    host = f"http://127.0.0.1:{port}"
    try:
        _out, seed_errors = seeding.communicate(timeout=120)
        assert seeding.returncode == 0, seed_errors
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{host}/health/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            time.sleep(0.2)
        else:
            pytest.fail("gunicorn did not answer /health/ within a minute")
        yield host, psutil.Process(process.pid)
    finally:
        seeding.kill()
        process.terminate()
        process.wait(timeout=30)
        log.close()


def first(cluster: ScratchCluster, query: str, *params: str) -> int:
    connection = cluster.connect("husk")
    try:
        with connection.cursor() as cursor:
            cursor.execute(query, params)
            row = cursor.fetchone()
    finally:
        connection.close()
    assert row is not None, query
    return int(row[0])


def journeys(cluster: ScratchCluster) -> dict[str, list[Step]]:
    """Each user's round of pages; the caseworkers end theirs by logging a contact."""
    rounds: dict[str, list[Step]] = {}
    for username, office in [
        ("veileder.heimdal", "1662"),
        ("innsyn.heimdal", "1662"),
        ("veileder.sagene", "0312"),
    ]:
        client = first(
            cluster,
            "SELECT c.id FROM clients_client c JOIN organisation_office o ON o.id = c.office_id "
            "WHERE o.unit_number = %s AND c.status = 'active' ORDER BY c.id",
            office,
        )
        # The contact first: the outage waits until every caseworker has saved one.
        rounds[username] = [
            Step("contact form", f"/caseload/clients/{client}/contacts/new/"),
            Step("contact POST", f"/caseload/clients/{client}/contacts/new/", post=True),
            Step("client page", f"/clients/{client}/"),
            Step("caseload", "/caseload/"),
        ]
    for username, office in [("koordinator.heimdal", "1662"), ("koordinator.sagene", "0312")]:
        family = first(
            cluster,
            "SELECT f.id FROM families_family f JOIN organisation_office o ON o.id = f.office_id "
            "WHERE o.unit_number = %s ORDER BY f.id",
            office,
        )
        rounds[username] = [
            Step("families", "/families/"),
            Step("family page", f"/families/{family}/"),
            Step("family plan", f"/families/{family}/plan/"),
        ]
    rounds["leder.heimdal"] = [Step("dashboard", "/dashboard/")]
    return rounds


class Worker(threading.Thread):
    """One signed-in user going round their pages until told to stop."""

    def __init__(
        self,
        channel: int,
        host: str,
        username: str,
        steps: list[Step],
        answers: list[Answer],
        stop: threading.Event,
    ) -> None:
        super().__init__(daemon=True)
        self.host, self.username, self.steps = host, username, steps
        self.answers, self.stop = answers, stop
        # Set by the test: wait with the next contact (ready) until let go (release).
        self.hold, self.ready, self.release = (
            threading.Event(),
            threading.Event(),
            threading.Event(),
        )
        self.session = requests.Session()
        sign_in(
            self.session,
            host,
            username,
            DEMO_PASSWORD,
            DEMO_TOTP_SECRET,
            timeout=REQUEST_TIMEOUT,
        )
        self.channel = str(channel)

    def run(self) -> None:
        while not self.stop.is_set():
            token = ""
            for step in self.steps:
                if step.post and self.hold.is_set() and not self.release.is_set():
                    self.ready.set()
                    self.release.wait(BEFORE_DEADLINE)
                answer = self.ask(step, token)
                # A contact refused with an error page is sent again, as a person presses
                # the button again; an error page elsewhere starts the round anew.
                while step.post and answer.status not in (None, 302) and not self.stop.is_set():
                    time.sleep(0.2)
                    answer = self.ask(step, token)
                if not ok(answer.status, step):
                    break
                found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
                token = found.group(1) if found else token

    def ask(self, step: Step, token: str) -> Answer:
        note = f"Fault test {uuid.uuid4()}" if step.post else ""
        try:
            if step.post:
                response = self.session.post(
                    f"{self.host}{step.path}",
                    {
                        "csrfmiddlewaretoken": token,
                        "date": timezone.localdate().isoformat(),
                        "channel": self.channel,
                        "duration_minutes": "30",
                        "note": note,
                    },
                    headers={"Referer": f"{self.host}{step.path}"},
                    allow_redirects=False,
                    timeout=REQUEST_TIMEOUT,
                )
            else:
                response = self.session.get(f"{self.host}{step.path}", timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            answer = Answer(time.monotonic(), self.username, step.page, None, str(error), note)
        else:
            answer = Answer(
                time.monotonic(),
                self.username,
                step.page,
                response.status_code,
                response.text,
                note,
            )
        self.answers.append(answer)
        return answer


def ok(status: int | None, step: Step) -> bool:
    return status == (302 if step.post else 200)


def health_poller(host: str, seen: list[tuple[float, int | None]], stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            status: int | None = requests.get(
                f"{host}/health/", timeout=REQUEST_TIMEOUT
            ).status_code
        except requests.RequestException:
            status = None
        seen.append((time.monotonic(), status))
        stop.wait(0.2)


def test_a_database_restart_under_load_gives_clean_errors_and_recovers_without_a_restart(
    cluster: ScratchCluster, server: tuple[str, psutil.Process]
) -> None:
    host, gunicorn = server
    workers_before = {child.pid for child in gunicorn.children()}
    answers: list[Answer] = []
    health: list[tuple[float, int | None]] = []
    stop = threading.Event()
    rounds = journeys(cluster)
    channel = first(
        cluster,
        "SELECT id FROM codelists_code WHERE list_name = 'contact_channel' AND active "
        "ORDER BY sort_order",
    )
    users = [
        Worker(channel, host, username, steps, answers, stop) for username, steps in rounds.items()
    ]
    poller = threading.Thread(target=health_poller, args=(host, health, stop), daemon=True)
    began = time.monotonic()
    for thread in [*users, poller]:
        thread.start()
    try:
        # Normal service first, until every caseworker has saved a contact.
        deadline = time.monotonic() + BEFORE_DEADLINE
        writers = [user for user in users if any(step.post for step in user.steps)]
        while time.monotonic() < deadline and not all(
            any(a.user == writer.username and a.status == 302 for a in answers)
            for writer in writers
        ):
            time.sleep(0.2)
        # The caseworkers' next contacts are sent as the server is cut off: some meet it
        # in the middle of their transaction, the rest are sent again during the outage.
        for writer in writers:
            writer.hold.set()
        for writer in writers:
            writer.ready.wait(BEFORE_DEADLINE)
        for writer in writers:
            writer.release.set()
        time.sleep(0.05)
        down = time.monotonic()
        cluster.stop("immediate")
        time.sleep(OUTAGE_SECONDS)
        cluster.start()
        up = time.monotonic()
        # Recovered: every user has been through a whole round after the restart.
        deadline = up + RECOVERY_DEADLINE
        while time.monotonic() < deadline and not all(
            whole_round_after(answers, username, steps, up) for username, steps in rounds.items()
        ):
            time.sleep(0.2)
        recovered = time.monotonic()
        time.sleep(1)
    finally:
        stop.set()
        for thread in [*users, poller]:
            thread.join(timeout=REQUEST_TIMEOUT + 5)
    took = time.monotonic() - began

    before = [a for a in answers if a.at < down]
    during = [a for a in answers if down <= a.at <= up]
    after = [a for a in answers if a.at > up]
    posts = [a for a in answers if a.page == "contact POST"]
    print(
        f"\n{len(answers)} answers in {took:.1f} s: {len(before)} before the outage, "
        f"{len(during)} during it, {len(after)} after; {len(posts)} contact POSTs. "
        f"Normal service {down - began:.1f} s, outage {up - down:.1f} s, every user through "
        f"a whole round {recovered - up:.1f} s after the restart"
    )

    # Normal service before the outage, with writes.
    assert before
    assert all(a.status in (200, 302) for a in before), summary(before)
    assert any(a.page == "contact POST" and a.status == 302 for a in before)

    # Every user works again after the restart, in the same gunicorn processes.
    for username, steps in rounds.items():
        assert whole_round_after(answers, username, steps, up), (
            f"{username} did not get through a round within {RECOVERY_DEADLINE} s of the "
            f"restart: {summary([a for a in after if a.user == username])}"
        )
    assert gunicorn.is_running()
    assert {child.pid for child in gunicorn.children()} == workers_before

    # During the outage: answers, each a clean error page (or a page that needed no database).
    assert all(a.status is not None for a in answers), summary(
        [a for a in answers if a.status is None]
    )
    errors = [a for a in answers if a.status is not None and a.status >= 500]
    assert errors, "no request met the outage: the test proved nothing"
    names = personal_data(cluster)
    for error in errors:
        assert error.status in (500, 503), summary([error])
        # HUSK's own page: the server error's, or fail-closed's when the access log was the
        # first write to meet the outage.
        assert any(page in error.body for page in CALM_PAGES), error.body[:500]
        assert not LEAKS.search(error.body), error.body
        assert not [name for name in names if name in error.body], error.body
    assert all(a.status in (200, 302) for a in answers if a not in errors), summary(
        [a for a in answers if a not in errors]
    )

    # /health/ said so: 200, 503 while the database was down, 200 again.
    statuses = [status for _at, status in health]
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[0] == 200, statuses
    assert statuses[-1] == 200, statuses
    assert any(status == 503 and down <= at <= up + 1 for at, status in health), statuses
    assert all(status == 200 for at, status in health if at < down), statuses

    # No half-saved contact: each has its history, its recorder among the staff, and every
    # history row its contact; each acknowledged POST saved exactly once.
    check_writes(cluster, posts)


def whole_round_after(
    answers: list[Answer], username: str, steps: list[Step], after: float
) -> bool:
    """The user's answers after the time hold the whole round, each step answered well."""
    mine = [a for a in answers if a.user == username and a.at > after]
    position = 0
    for answer in mine:
        step = steps[position]
        if answer.page == step.page and ok(answer.status, step):
            position += 1
            if position == len(steps):
                return True
        else:
            position = 0
    return False


def personal_data(cluster: ScratchCluster) -> list[str]:
    """Names and national ids of every client of the demo data.

    A name a member of staff shares (the signed-in "Jonas Dahl" in the menu, beside a client
    called Jonas) is left out: the menu shows whoever is signed in, and that is not a leak.
    """
    connection = cluster.connect("husk")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT first_name, last_name, national_id FROM clients_client")
            people = cursor.fetchall()
            cursor.execute("SELECT first_name, last_name FROM organisation_user")
            staff = {part for person in cursor.fetchall() for part in person}
    finally:
        connection.close()
    return sorted(
        {
            part
            for person in people
            for part in person
            if part and len(part) > 2 and part not in staff
        }
    )


def check_writes(cluster: ScratchCluster, posts: list[Answer]) -> None:
    connection = cluster.connect("husk")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM followup_contact")
            contacts = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM followup_historicalcontact WHERE history_type = '+'"
            )
            created = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM followup_contact c WHERE NOT EXISTS (SELECT 1 FROM "
                "followup_historicalcontact h WHERE h.id = c.id AND h.history_type = '+')"
            )
            without_history = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM followup_historicalcontact h WHERE NOT EXISTS "
                "(SELECT 1 FROM followup_contact c WHERE c.id = h.id)"
            )
            history_without_contact = cursor.fetchone()[0]
            cursor.execute(
                "SELECT count(*) FROM followup_contact c WHERE NOT EXISTS (SELECT 1 FROM "
                "followup_contact_staff s WHERE s.contact_id = c.id "
                "AND s.user_id = c.recorded_by_id)"
            )
            recorder_missing = cursor.fetchone()[0]
            cursor.execute(
                "SELECT note, count(*) FROM followup_contact WHERE note LIKE 'Fault test %%' "
                "GROUP BY note"
            )
            saved = dict(cursor.fetchall())
    finally:
        connection.close()
    acknowledged = [post.note for post in posts if post.status == 302]
    refused = [post.note for post in posts if post.status != 302]
    print(
        f"contacts {contacts}, their creation history rows {created}; POSTs saved "
        f"{len(acknowledged)}, refused {len(refused)} (of those, on the server: "
        f"{sum(1 for note in refused if note in saved)})"
    )
    assert contacts == created
    assert without_history == 0
    assert history_without_contact == 0
    assert recorder_missing == 0
    assert all(saved.get(note) == 1 for note in acknowledged)
    # A POST cut off at its COMMIT may have been saved without its answer: once, if at all.
    assert all(saved.get(note, 0) <= 1 for note in refused)
    assert set(saved) <= set(acknowledged) | set(refused)


def summary(answers: list[Answer]) -> str:
    return "; ".join(f"{a.user} {a.page} {a.status} {a.body[:200]!r}" for a in answers[:10])
