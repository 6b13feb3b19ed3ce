"""PostgreSQL's programs (pg_dump, pg_restore, initdb, pg_ctl) run against Django's databases."""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg2
from django.db import connections
from django.db.backends.postgresql.client import DatabaseClient


def bin_dirs() -> list[Path]:
    """Where to look for the programs, in order: PG_BIN_DIR, the pgserver wheel (development
    and tests: PostgreSQL 16, new enough for any server here), the PATH, Debian's servers."""
    dirs = []
    if os.environ.get("PG_BIN_DIR"):
        dirs.append(Path(os.environ["PG_BIN_DIR"]))
    # Found, not imported: importing pgserver sets up its runtime directory.
    wheel = importlib.util.find_spec("pgserver")
    if wheel is not None and wheel.origin:
        dirs.append(Path(wheel.origin).parent / "pginstall" / "bin")
    on_path = shutil.which("pg_dump")
    if on_path:
        dirs.append(Path(on_path).resolve().parent)
    # Newest version first: pg_dump refuses a server newer than itself.
    dirs += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    return dirs


def _major_version(directory: Path) -> int | None:
    """The major version of the programs in a directory (from `pg_config --version`)."""
    result = subprocess.run(  # noqa: S603 - PostgreSQL's own program
        [str(directory / "pg_config"), "--version"], capture_output=True, text=True, check=False
    )
    found = re.search(r"PostgreSQL (\d+)", result.stdout)
    return int(found.group(1)) if found else None


def server_major_version(alias: str = "default") -> int:
    with connections[alias].cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        return int(cursor.fetchone()[0]) // 10000


def program(name: str, major: int | None = None) -> str:
    """The path of one of PostgreSQL's programs, of the server's major version where one is
    installed (a dump restores into the version it came from); a clear error if none."""
    found = [
        directory
        for directory in bin_dirs()
        if (directory / name).is_file() and os.access(directory / name, os.X_OK)
    ]
    if not found:
        raise FileNotFoundError(
            f"PostgreSQL's {name} was not found: install the PostgreSQL client programs "
            "(e.g. apt-get install postgresql-client) or set PG_BIN_DIR to their directory."
        )
    if major is not None:
        for directory in found:
            if _major_version(directory) == major:
                return str(directory / name)
    return str(found[0] / name)


def command_args(
    alias: str = "default", name: str | None = None
) -> tuple[list[str], dict[str, str]]:
    """Connection options (-U, -h, -p) and environment (password, TLS) for pg_dump and
    pg_restore, as Django's dbshell builds them for psql; the database name is not included."""
    settings_dict = {**connections[alias].settings_dict, "NAME": name or "postgres"}
    args, env = DatabaseClient.settings_to_cmd_args_env(settings_dict, [])
    return args[1:-1], {**os.environ, **(env or {})}


def database_name(alias: str = "default") -> str:
    return str(connections[alias].settings_dict["NAME"])


def connect(alias: str = "default", name: str | None = None) -> Any:
    """A psycopg2 connection of its own (not Django's) to the alias's server, to `name`."""
    params = dict(connections[alias].get_connection_params())
    params.pop("cursor_factory", None)
    params["dbname"] = name or params["dbname"]
    return psycopg2.connect(**params)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a program; its own message (not a traceback) if it fails."""
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result
