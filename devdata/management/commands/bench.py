"""`make bench`: the figures of docs/performance.md on the national synthetic dataset.

Builds (or reuses) the dataset in a database of its own — DATABASE_URL's name
with `_bench` added, or BENCH_DATABASE_URL — then measures in a second run of
this command connected to it, prints a table of figures, references, ratios and
goals, and writes them to var/bench/results.json. It is a command, not a test.
"""

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg2
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from psycopg2 import sql

from devdata.synthetic import PROFILES

# The parts of the measurement, in the order they run.
PARTS = ["queries", "pages", "dashboards", "search", "export"]


@contextmanager
def _connected(url: str) -> Iterator[psycopg2.extensions.cursor]:
    """A cursor on a database this process's Django is not connected to (the bench's own,
    or the server's maintenance database), in autocommit: CREATE DATABASE and VACUUM cannot
    run inside a transaction."""
    connection = psycopg2.connect(url)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            yield cursor
    finally:
        connection.close()


def bench_database_url() -> str:
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    parts = urlsplit(os.environ["DATABASE_URL"])
    name = parts.path.lstrip("/") or "husk"
    return urlunsplit(parts._replace(path=f"/{name}_bench"))


class Command(BaseCommand):
    help = "Build or reuse the national dataset, then measure every figure of performance.md."
    # DATABASE_URL's own database need not exist: the bench works in its own, and checks run
    # there (migrate). Model checks would connect to DATABASE_URL (generated columns).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=15, help="Per load run.")
        parser.add_argument("--port", type=int, default=8765)
        parser.add_argument("--rebuild", action="store_true", help="Generate the data again.")
        parser.add_argument(
            "--only",
            type=lambda text: [part for part in text.split(",") if part],
            help=f"Measure only these parts, comma-separated: {','.join(PARTS)} (all by default).",
        )
        parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
        parser.add_argument("--out", type=Path, default=Path(settings.BASE_DIR) / "var" / "bench")

    def handle(self, *args: Any, **options: Any) -> None:
        if unknown := set(options["only"] or []) - set(PARTS):
            raise CommandError(f"No such part of the bench: {', '.join(sorted(unknown))}.")
        if options["measure"]:
            self._measure(options)
            return
        url = bench_database_url()
        env = {**os.environ, "DATABASE_URL": url}
        self._ensure_database(url, rebuild=options["rebuild"])
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--no-input", "-v0"], env=env, check=True)  # noqa: S603
        # Generation is one transaction: a dataset is there whole or not at all.
        if self._clients(url) < PROFILES["national"].clients:
            self.stdout.write("Building the national synthetic dataset (once; it is reused)…")
            subprocess.run(  # noqa: S603 - our own command
                [*manage, "generate_synthetic", "--profile", "national", "--yes"],
                env=env,
                check=True,
            )
        else:
            self.stdout.write(f"Reusing the national dataset in {urlsplit(url).path[1:]}.")
        self._vacuum(url)
        subprocess.run(  # noqa: S603 - this command, measuring inside the bench database
            [
                *manage,
                "bench",
                "--measure",
                "--seconds",
                str(options["seconds"]),
                "--port",
                str(options["port"]),
                "--out",
                str(options["out"]),
                *(["--only", ",".join(options["only"])] if options["only"] else []),
            ],
            env=env,
            check=True,
        )

    def _ensure_database(self, url: str, *, rebuild: bool) -> None:
        parts = urlsplit(url)
        name = parts.path.lstrip("/")
        with _connected(urlunsplit(parts._replace(path="/postgres"))) as cursor:
            if rebuild:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def _vacuum(self, url: str) -> None:
        """Measure the data as autovacuum keeps it: a freshly loaded table has no visibility
        map yet, so index-only scans (contacts by client and date) would read the heap."""
        with _connected(url) as cursor:
            cursor.execute("VACUUM (ANALYZE)")

    def _clients(self, url: str) -> int:
        with _connected(url) as cursor:
            cursor.execute("SELECT count(*) FROM clients_client")
            row = cursor.fetchone()
            return int(row[0]) if row else 0

    def _measure(self, options: dict[str, Any]) -> None:
        from devdata.bench import measure

        say = self.stdout.write
        only = set(options["only"] or PARTS)
        people = measure.prepare()
        figures = []
        if "queries" in only:
            say("Queries per page")
            figures += measure.queries_per_page(people)
        if only & {"pages", "dashboards", "search"}:
            with measure.gunicorn(options["port"]) as host:
                if "pages" in only:
                    say("Pages under load (locust on loopback)")
                    figures += measure.pages(host, people, options["seconds"], say)
                if "dashboards" in only:
                    say("Dashboards")
                    figures += measure.dashboards(host, people, say)
                if "search" in only:
                    say("Client search")
                    figures += measure.search(host, people, say)
        if "export" in only:
            say("Research export")
            figures += measure.export(people, say)
        # A partial run does not overwrite the results of a whole one.
        name = "results" if only == set(PARTS) else "results-" + "-".join(sorted(only))
        self._report(figures, options["out"] / f"{name}.json")

    def _report(self, figures: list[Any], results: Path) -> None:
        say = self.stdout.write
        say("")
        say(f"{'figure':<48} {'value':>10} {'reference':>10} {'ratio':>7}  {'goal':<24} ok")
        for f in figures:
            reference = f"{f.reference:.1f}" if f.reference is not None else ""
            ratio = f"{f.ratio:.2f}" if f.ratio is not None else ""
            ok = {True: "yes", False: "NO", None: ""}[f.ok]
            say(f"{f.what:<48} {f.value:>10.1f} {reference:>10} {ratio:>7}  {f.goal:<24} {ok}")
        results.parent.mkdir(parents=True, exist_ok=True)
        results.write_text(
            json.dumps(
                [{**asdict(f), "ratio": f.ratio} for f in figures], indent=2, ensure_ascii=False
            )
        )
        say(f"\nWritten to {results}")
