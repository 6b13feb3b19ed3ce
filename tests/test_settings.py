"""Production settings, security headers and the fail-loudly environment helpers."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test import Client as HttpClient
from django.urls import reverse

from husk.env import env_bool, env_int, env_list, env_str
from organisation.models import User

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "husk.settings",
    "SECRET_KEY": "a-long-random-production-key-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e",
    "ALLOWED_HOSTS": "husk.nav.example",
    "DATABASE_URL": "postgres://husk@db.example/husk",
    "PATH": os.environ["PATH"],
}


def test_deploy_check_passes_with_production_settings(db: None) -> None:
    # The model checks ask the server its version (generated columns): the test database.
    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    database = urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**PRODUCTION_ENV, "DATABASE_URL": database},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.parametrize(
    ("raw", "expected"), [("1", True), ("true", True), ("0", False), ("off", False)]
)
def test_env_bool_reads_booleans(monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("HUSK_FLAG", raw)
    assert env_bool("HUSK_FLAG", not expected) is expected


@pytest.mark.parametrize(
    ("reader", "raw"),
    [(lambda: env_bool("HUSK_X", False), "kanskje"), (lambda: env_int("HUSK_X", 1), "ti")],
)
def test_env_helpers_fail_loudly_on_bad_values(
    monkeypatch: pytest.MonkeyPatch, reader, raw: str
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUSK_X", raw)
    with pytest.raises(ImproperlyConfigured, match="HUSK_X"):
        reader()


def test_env_list_and_required_str(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUSK_HOSTS", "a.example, b.example ,")
    assert env_list("HUSK_HOSTS", []) == ["a.example", "b.example"]
    monkeypatch.delenv("HUSK_MISSING", raising=False)
    with pytest.raises(ImproperlyConfigured):
        env_str("HUSK_MISSING")


def test_pages_carry_a_nonce_csp_without_unsafe_inline(client: HttpClient, db: None) -> None:
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp
    assert "script-src 'self' 'nonce-" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_pages_of_signed_in_users_are_never_cached(
    client: HttpClient, caseworker_heimdal: User
) -> None:
    client.force_login(caseworker_heimdal)
    response = client.get(reverse("clients:list"))
    assert "no-store" in response["Cache-Control"]


def test_health_opens_a_fresh_connection(client: HttpClient, db: None) -> None:
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_connections_run_without_jit_compilation() -> None:
    """The dashboards' aggregates took longer to compile than to run (husk.settings)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_the_bench_reference_page_is_not_served_in_production() -> None:
    """`/reference/` exists for `make bench` (and this suite's access matrix) only."""
    resolved = {}
    for switch in ("0", "1"):
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); from django.urls import resolve; "
                "resolve('/reference/')",
            ],
            cwd=ROOT,
            env={**PRODUCTION_ENV, "BENCH_REFERENCE_PAGE": switch},
            capture_output=True,
            text=True,
            check=False,
        )
        resolved[switch] = result.returncode == 0 or result.stderr
    assert "Resolver404" in str(resolved["0"])
    assert resolved["1"] is True


def test_jit_is_turned_off_beside_the_options_of_the_database_url() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['OPTIONS']['options'])",
        ],
        cwd=ROOT,
        env={
            **PRODUCTION_ENV,
            "DATABASE_URL": PRODUCTION_ENV["DATABASE_URL"]
            + "?options=-c%20statement_timeout%3D5000",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip() == "-c statement_timeout=5000 -c jit=off", result.stderr
