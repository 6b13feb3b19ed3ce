"""A private PostgreSQL under ./var/ for the demo and the tests when DATABASE_URL is unset.

It is a real PostgreSQL server shipped in the ``pgserver`` wheel (dev extra):
no system install and no Docker. It keeps running between commands and is
reused by the next one.
"""

import logging
import os
import sys
import warnings
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(__file__).resolve().parent.parent / "var" / "postgres"
DATABASE = "husk"
# PostgreSQL's socket lives in the data directory; Unix socket paths are short.
MAX_SOCKET_DIR_LENGTH = 90


def start() -> str:
    """Start (or reuse) the embedded server and return a DATABASE_URL for it."""
    if len(str(DATA_DIR)) > MAX_SOCKET_DIR_LENGTH:
        raise SystemExit(
            f"The checkout path is too long for the embedded PostgreSQL's socket ({DATA_DIR}). "
            "Clone to a shorter path, or set DATABASE_URL to a PostgreSQL server."
        )
    # pgserver chats on INFO and platformdirs warns about XDG_RUNTIME_DIR: neither matters here.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
        import psycopg2
    except ImportError:
        raise SystemExit(
            "DATABASE_URL is not set and the embedded PostgreSQL (pgserver) is not installed. "
            "Set DATABASE_URL, or install the dev extra: pip install -e '.[dev]'."
        ) from None
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    pgserver.get_server(DATA_DIR, cleanup_mode=None)  # type: ignore[attr-defined]
    connection = psycopg2.connect(dbname="postgres", user="postgres", host=str(DATA_DIR))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{DATABASE}"')
    connection.close()
    return f"postgres://postgres@{quote(str(DATA_DIR), safe='')}/{DATABASE}"


def ensure_database_url() -> None:
    """Point DATABASE_URL at the embedded server unless it is already set."""
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = start()


if __name__ == "__main__":
    sys.stdout.write(start() + "\n")
