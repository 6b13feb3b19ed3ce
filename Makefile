# HUSK: `make run` starts the demo, `make test` runs the whole suite.
# Both create .venv and install everything on a fresh machine.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DEBUG=1 HTTPS=0 ALLOW_SYNTHETIC_IDS=1

.PHONY: run sso-demo test bench lint format typecheck migrations-check check-deploy translations install worker clean

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) && echo "Using $$python" && \
	  { [ -x $(PY) ] || $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@$(PY) -m core.translations

run: install
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "HUSK runs at http://127.0.0.1:8000 (stop with Ctrl-C)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEV_ENV) $(PY) manage.py db_worker & \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The demo with single sign-on: a local OpenID Connect provider (panva's oidc-provider, from
# tests/oidc_provider's lock file) on 127.0.0.1:$(OIDC_DEMO_PORT) and HUSK configured against it. Its sign-in
# page takes a demo username (veileder.heimdal ...) with any password.
OIDC_DEMO := tests/oidc_provider
DEMO_PORT ?= 8000
OIDC_DEMO_PORT ?= 9000
OIDC_DEMO_ENV := OIDC_ISSUER=http://127.0.0.1:$(OIDC_DEMO_PORT) OIDC_CLIENT_ID=husk OIDC_CLIENT_SECRET=husk-local-secret \
  OIDC_PROVIDER_NAME="lokal testpålogging" OIDC_USER_CLAIM=preferred_username OIDC_USER_FIELD=username
$(OIDC_DEMO)/node_modules/.package-lock.json: $(OIDC_DEMO)/package-lock.json
	cd $(OIDC_DEMO) && npm ci --no-audit --no-fund --loglevel=error

sso-demo: install $(OIDC_DEMO)/node_modules/.package-lock.json
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "HUSK runs at http://127.0.0.1:$(DEMO_PORT) with \"Logg inn med lokal testpålogging\" (stop with Ctrl-C)"
	@trap 'kill 0' INT TERM EXIT; \
	  PORT=$(OIDC_DEMO_PORT) CLIENT_ID=husk CLIENT_SECRET=husk-local-secret \
	    REDIRECT_URIS=http://127.0.0.1:$(DEMO_PORT)/sso/callback/ \
	    POST_LOGOUT_REDIRECT_URIS=http://127.0.0.1:$(DEMO_PORT)/login/ node $(OIDC_DEMO)/server.mjs & \
	  $(DEV_ENV) $(PY) manage.py db_worker & \
	  $(DEV_ENV) $(OIDC_DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(DEMO_PORT)

# The figures of docs/performance.md on the national synthetic dataset (built once, in a
# database of its own, then reused). Prints a table; results in var/bench/results.json.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	$(DEV_ENV) $(PY) manage.py bench

# 16 staff on mixed journeys for 3 minutes against gunicorn, in a database of its own with
# the demo data: each page's p95, and a failure on any error. LOADTEST_SECONDS=30 for less.
loadtest: install
	$(DEV_ENV) $(PY) manage.py loadtest --users $${LOADTEST_USERS:-16} --seconds $${LOADTEST_SECONDS:-180}

worker: install
	$(DEV_ENV) $(PY) manage.py db_worker

test: install
	$(PY) -m pytest

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

typecheck: $(STAMP)
	DATABASE_URL=postgres://unused/husk $(DEV_ENV) $(PY) -m mypy .

migrations-check: $(STAMP)
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

# The production settings must pass Django's deployment checklist.
# The model checks ask the database server its version (generated columns), so the check
# runs against DATABASE_URL, or the embedded PostgreSQL where that is unset.
check-deploy: $(STAMP)
	DJANGO_SETTINGS_MODULE=husk.settings SECRET_KEY=check-deploy-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	  ALLOWED_HOSTS=husk.example DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m core.embedded_db)} \
	  $(PY) -m django check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/static
