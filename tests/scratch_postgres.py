"""A PostgreSQL cluster of a test's own, in a temporary directory on a free port, to stop at will.

Never the machine's server: initdb and pg_ctl (of the test database's major version: the
pgserver wheel's or Debian's) make and run a cluster nobody else uses. As root, PostgreSQL
runs as the `postgres` system user (or pgserver's own `pgserver` user where there is none),
as the embedded server does.
"""

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from core import pgtools


def _system_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        from pgserver.utils import ensure_user_exists

        ensure_user_exists("pgserver")
        return "pgserver"
    return "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ScratchCluster:
    def __init__(self, major: int | None = None) -> None:
        """A new cluster of the given major version where installed (that of the server a
        dump comes from restores it), else of the newest programs found."""
        self.major = major
        self.user = _system_user()
        # Directly under /tmp: a short socket path, and traversable by the system user.
        self.directory = Path(tempfile.mkdtemp(prefix="husk-pg-", dir="/tmp"))
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.port = free_port()
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.directory, entry.pw_uid, entry.pw_gid)
        self._run(
            pgtools.program("initdb", self.major),
            "--pgdata",
            str(self.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-sync",
        )

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - PostgreSQL's own programs
            args, user=self.user, capture_output=True, text=True, check=check, timeout=60
        )

    def start(self) -> None:
        # fsync off: a test cluster need not survive the machine, only its own stops (the
        # operating system keeps what was written); commits stay synchronous, so an
        # acknowledged write is on the server when the server is stopped.
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=50"
        )
        self._run(
            pgtools.program("pg_ctl", self.major),
            "start",
            "--wait",
            "--pgdata",
            str(self.data),
            "--log",
            str(self.log),
            "-o",
            options,
        )

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` is a crash as far as the clients see it: every connection cut at once,
        open transactions lost, and WAL recovery at the next start."""
        self._run(
            pgtools.program("pg_ctl", self.major),
            "stop",
            "--wait",
            "--pgdata",
            str(self.data),
            "--mode",
            mode,
        )

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> Any:
        import psycopg2

        return psycopg2.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database)

    def remove(self) -> None:
        self._run(
            pgtools.program("pg_ctl", self.major),
            "stop",
            "--pgdata",
            str(self.data),
            "--mode",
            "immediate",
            check=False,
        )
        shutil.rmtree(self.directory, ignore_errors=True)
