"""Real `manage.py db_worker` processes on the test database, for the tests that need them."""

import os
import subprocess
import sys
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url_of_tests() -> str:
    """DATABASE_URL of the test database, for processes the tests start (a task worker)."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + str(connection.settings_dict["NAME"])))


def start_db_worker(
    *,
    interval: str = "0.2",
    worker_id: str | None = None,
    env: dict[str, str] | None = None,
    output: IO[bytes] | None = None,
) -> subprocess.Popen[bytes]:
    """A worker as in production, on the test database; run from the repository's root,
    where `tests` (and so a task defined in a test module) can be imported."""
    return subprocess.Popen(  # noqa: S603 - our own manage.py, fixed arguments
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            interval,
            *(["--worker-id", worker_id] if worker_id else []),
        ],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": database_url_of_tests(), **(env or {})},
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
    )
