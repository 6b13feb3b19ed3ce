"""pytest plugin (loaded with -p before Django starts): the test suite's environment.

Tests run with production settings except plain-http transport and
unhashed static files, against a real PostgreSQL: DATABASE_URL if set,
else the embedded server.
"""

import os
from pathlib import Path

from core.embedded_db import ensure_database_url

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-any-deployment-0123456789")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("ALLOW_SYNTHETIC_IDS", "1")
os.environ.setdefault("BENCH_REFERENCE_PAGE", "1")
# The suite adds its own replica alias where it tests one (tests/test_scale_out.py).
os.environ.pop("DATABASE_REPLICA_URL", None)
os.environ.setdefault("FAST_PASSWORD_HASHING", "1")
# Dashboard figures are kept only where a test asks for it (tests/test_dashboard_snapshots.py):
# on a busy machine an ordinary test's counting could take the default second.
os.environ.setdefault("DASHBOARD_SNAPSHOT_AFTER_MS", "600000")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
ensure_database_url()
# WhiteNoise warns at every start when STATIC_ROOT is missing; tests serve from the finders.
(Path(__file__).resolve().parents[2] / "var" / "static").mkdir(parents=True, exist_ok=True)
