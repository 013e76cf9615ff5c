# make run   - install everything, migrate, seed the demo on first start, serve on :3000
# make test  - install everything (Chromium from Debian if missing), run the whole suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(abspath $(VENV))/bin
PORT ?= 3000
# The Reflex toolchain (bun, node) comes from PyPI wheels inside the venv.
export PATH := $(BIN):$(PATH)
export REFLEX_TELEMETRY_ENABLED := false
PG_URL ?= postgresql://postgres@127.0.0.1:5432/postgres

.PHONY: install run dev test test-fast test-scale bench chromium pgtools migrate clean

$(VENV)/.installed: requirements.txt constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt -c constraints.txt
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python -m lms_app migrate

run: migrate
	$(BIN)/python -m lms_app seed --demo --first-start
	$(BIN)/reflex run --env prod --single-port --frontend-port $(PORT)

dev: migrate
	$(BIN)/python -m lms_app seed --demo --first-start
	$(BIN)/reflex run --env dev

chromium:
	@command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null)

# pg_dump and pg_restore, for the backup tests on PostgreSQL.
pgtools:
	@command -v pg_dump >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-client >/dev/null)

# Everything: SQLite suite with the browser tests, then the scale-out run when PostgreSQL answers.
# Tests without a browser run in two processes (each with its own database and files); the
# browser tests share one build of the app, so they run in one.
XDIST := -n 2
test: install chromium pgtools
	$(BIN)/python -m pytest -m "not e2e" $(XDIST)
	$(BIN)/python -m pytest -m e2e
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=3).close()" 2>/dev/null; then \
		$(MAKE) --no-print-directory test-scale; \
	else echo "PostgreSQL does not answer on 127.0.0.1:5432: scale-out tests skipped"; fi

test-fast: install
	$(BIN)/python -m pytest -m "not e2e" $(XDIST)

# Services, API and state tests on PostgreSQL; tagged browser tests against Redis + two workers.
test-scale: install chromium
	LMS_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -m "not e2e" $(XDIST)
	LMS_TEST_DATABASE_URL=$(PG_URL) LMS_E2E_SCALE=1 $(BIN)/python -m pytest -m "e2e and scale"

bench: install chromium
	$(BIN)/python -m bench $(if $(AREA),--area $(AREA))

clean:
	rm -rf .web .states tests/artifacts bench/results
