"""`make loadtest`: 16 staff on mixed journeys for a few minutes; each page's p95; no errors.

Works in a database of its own — DATABASE_URL's name with `_loadtest` added, or
LOADTEST_DATABASE_URL — migrated and given the demo data (seed_demo) on first use, then
runs a second time connected to it (--run) to serve and load it. Exits non-zero on any error.
"""

import argparse
import os
import subprocess
import sys
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from psycopg2 import sql

from devdata.management.commands.bench import _connected


def loadtest_database_url() -> str:
    if os.environ.get("LOADTEST_DATABASE_URL"):
        return os.environ["LOADTEST_DATABASE_URL"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") or "husk"
    return urlunsplit(parts._replace(path=f"/{name}_loadtest"))


class Command(BaseCommand):
    help = "Staff of every role on mixed journeys against gunicorn; each page's p95; no errors."
    # DATABASE_URL's own database need not exist: the load test works in its own.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--users", type=int, default=16)
        parser.add_argument("--seconds", type=float, default=180, help="Of load, after warm-up.")
        parser.add_argument("--think", type=float, default=1.0, help="Mean pause (s) per round.")
        parser.add_argument("--port", type=int, default=8766)
        parser.add_argument("--run", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["run"]:
            self._run(options)
            return
        url = loadtest_database_url()
        parts = urlsplit(url)
        with _connected(urlunsplit(parts._replace(path="/postgres"))) as cursor:
            name = parts.path.lstrip("/")
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        env = {**os.environ, "DATABASE_URL": url}
        manage = [sys.executable, "manage.py"]
        self.stdout.write(f"Load test database {name}: migrate and the demo data (idempotent)")
        for step in (["migrate", "--no-input", "-v0"], ["seed_demo"]):
            subprocess.run(  # noqa: S603 - our own manage.py
                [*manage, *step],
                cwd=settings.BASE_DIR,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        forwarded = [f"--{key}={options[key]}" for key in ("users", "seconds", "think", "port")]
        result = subprocess.run(  # noqa: S603 - our own manage.py
            [*manage, "loadtest", "--run", *forwarded],
            cwd=settings.BASE_DIR,
            env=env,
            check=False,
        )
        if result.returncode != 0:
            raise CommandError("The load test failed (see above).")

    def _run(self, options: dict[str, Any]) -> None:
        from devdata.bench import loadtest
        from devdata.bench.measure import gunicorn

        with gunicorn(options["port"]) as host:
            self.stdout.write(
                f"{options['users']} users on mixed journeys against {host} "
                f"for {options['seconds']:.0f} s …"
            )
            result = loadtest.run(
                host, options["users"], options["seconds"], think=options["think"]
            )
        for line in loadtest.report(result):
            self.stdout.write(line)
        if failed := loadtest.problems(result):
            raise CommandError("The load test failed: " + "; ".join(failed) + ".")
        self.stdout.write(self.style.SUCCESS("Every page answered, no errors under load."))
