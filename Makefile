# HUSK: `make run` starts the demo, `make test` runs the whole suite.
# Both create .venv and install everything on a fresh machine.

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DEV_ENV := DEBUG=1 HTTPS=0 ALLOW_SYNTHETIC_IDS=1

.PHONY: run test bench lint format typecheck migrations-check check-deploy translations install worker clean

$(STAMP): pyproject.toml
	@python=$$(scripts/find-python) && echo "Using $$python" && \
	  { [ -x $(PY) ] || $$python -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	@$(PY) -m husk.translations

run: install
	$(DEV_ENV) $(PY) manage.py migrate --no-input
	$(DEV_ENV) $(PY) manage.py seed_demo
	@echo "HUSK runs at http://127.0.0.1:8000 (stop with Ctrl-C)"
	@trap 'kill 0' INT TERM EXIT; \
	  $(DEV_ENV) $(PY) manage.py db_worker & \
	  $(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:8000

# The figures of docs/performance.md on the national synthetic dataset (built once, in a
# database of its own, then reused). Prints a table; results in var/bench/results.json.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[dev,bench]"
	@touch $(BENCH_STAMP)

bench: install $(BENCH_STAMP)
	$(DEV_ENV) $(PY) manage.py bench

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
	  ALLOWED_HOSTS=husk.example DATABASE_URL=$${DATABASE_URL:-$$($(PY) -m husk.embedded_db)} \
	  $(PY) -m django check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var/static
