# Hostico Billing — the README's two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
# `make run` works offline: emails are rendered and kept in the outbox (read them at /staff/outbox),
# their links pointing at the HOST and PORT served (`make run PORT=5071`: links to :5071) unless HOSTICO_BASE_URL is set;
# SMS are appended to instance/sms.jsonl. Override e.g. `make run MAIL_BACKEND=smtp SMS_BACKEND=log`.
MAIL_BACKEND ?= outbox
SMS_BACKEND ?= file
# RO e-Factura against the built-in SPV stand-in (no ANAF credentials needed); `make run EFACTURA=off`.
EFACTURA ?= simulate

.PHONY: run test test-fast test-sqlite test-postgres lint bench bench-outbox system-deps browser-deps clean \
	i18n-extract i18n-update i18n-compile i18n-check i18n-resolve

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# Translations (hostico/translations/<locale>/LC_MESSAGES/messages.po; sources listed in babel.cfg).
# The compiled .mo files are not committed: run, test and the bench build them from the .po files.
PO_FILES := $(wildcard hostico/translations/*/LC_MESSAGES/messages.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(MO_FILES): %.mo: %.po | $(VENV)/.runtime
	$(BIN)/python -m hostico.message_catalog compile

i18n-compile: $(MO_FILES)

# Write build/messages.pot (every message with where it is used, for context).
i18n-extract: $(VENV)/.runtime
	$(BIN)/python -m hostico.message_catalog extract

# Add new messages to the .po files (empty, to translate), drop the ones no longer used.
i18n-update: $(VENV)/.runtime
	$(BIN)/python -m hostico.message_catalog update

# After a `git merge` that conflicts in a .po: keep both sides' entries (then run i18n-update).
i18n-resolve: $(VENV)/.runtime
	$(BIN)/python -m hostico.message_catalog resolve

# Fail on any message missing, untranslated or fuzzy (the same check as tests/test_catalogue.py).
i18n-check: $(VENV)/.runtime
	$(BIN)/python -m hostico.message_catalog check

# Invoice PDFs embed DejaVu Sans (fonts-dejavu-core); installed once when missing.
system-deps:
	@scripts/ensure-system-deps.sh pdf

browser-deps:
	@scripts/ensure-system-deps.sh browser

run: $(VENV)/.runtime $(MO_FILES) system-deps
	$(FLASK) db upgrade
	$(FLASK) demo seed
	HOSTICO_INLINE_WORKER=1 HOSTICO_MAIL_BACKEND=$(MAIL_BACKEND) HOSTICO_SMS_BACKEND=$(SMS_BACKEND) \
		HOSTICO_BASE_URL="$${HOSTICO_BASE_URL:-http://$(HOST):$(PORT)}" \
		HOSTICO_EFACTURA=$(EFACTURA) HOSTICO_EFACTURA_SYNC_SECONDS=5 $(FLASK) run --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then on PostgreSQL when HOSTICO_TEST_POSTGRES_URL is set or PostgreSQL
# answers on 127.0.0.1:5432.
test: $(VENV)/.dev $(MO_FILES) system-deps browser-deps
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$HOSTICO_TEST_POSTGRES_URL" ] || $(BIN)/python scripts/pg_ready.py; then \
		$(MAKE) --no-print-directory test-postgres; \
	else echo "PostgreSQL not reachable: suite ran on SQLite only"; fi

# The loop while working (under 2 minutes): SQLite only, without the tests marked slow (browsers, gunicorn,
# backups, benches, sweeps of every route), the 15 slowest listed. `make test` still runs everything.
test-fast: $(VENV)/.dev $(MO_FILES)
	$(BIN)/python -m pytest -n 2 --db=sqlite -m "not slow" --durations=15

test-sqlite: $(VENV)/.dev $(MO_FILES)
	$(BIN)/python -m pytest -n 2 --db=sqlite

test-postgres: $(VENV)/.dev $(MO_FILES)
	$(BIN)/python -m pytest -n 2 --db=postgres

# ruff, then mypy (strict on the domain packages and the models; its configuration is in pyproject.toml).
lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# the PDF row's yardstick is a minimal WeasyPrint document: pango installed once when missing
bench: $(VENV)/.dev $(MO_FILES)
	@scripts/ensure-system-deps.sh bench
	$(BIN)/python bench/run.py

# 10,000 SMS through 1 and 4 outbox workers on PostgreSQL to a local fake provider over HTTP.
bench-outbox: $(VENV)/.dev
	$(BIN)/python -m bench.outbox

clean:
	rm -rf $(VENV) .pytest_cache build $(MO_FILES)
