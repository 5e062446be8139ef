# Hostico Billing — the README's two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test test-sqlite test-postgres lint bench system-deps browser-deps clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# WeasyPrint (invoice PDFs) needs pango and a Unicode font; installed once when missing.
system-deps:
	@scripts/ensure-system-deps.sh pdf

browser-deps:
	@scripts/ensure-system-deps.sh browser

run: $(VENV)/.runtime system-deps
	$(FLASK) db upgrade
	$(FLASK) demo seed
	HOSTICO_INLINE_WORKER=1 $(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then on PostgreSQL when HOSTICO_TEST_POSTGRES_URL is set or PostgreSQL
# answers on 127.0.0.1:5432.
test: $(VENV)/.dev system-deps browser-deps
	$(BIN)/ruff check .
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$HOSTICO_TEST_POSTGRES_URL" ] || $(BIN)/python scripts/pg_ready.py; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable: suite ran on SQLite only"; fi

test-sqlite: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --db=sqlite

test-postgres: $(VENV)/.dev
	$(BIN)/python -m pytest -n 2 --db=postgres

lint: $(VENV)/.dev
	$(BIN)/ruff check .

bench: $(VENV)/.dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache
