# Two commands set everything up: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/compatriot
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo serve test test-sqlite test-postgres lint bench bench-ingest bench-api clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

demo: install
	$(VENV)/bin/compatriot migrate --noinput
	$(VENV)/bin/compatriot demo
	$(VENV)/bin/compatriot serve --host $(HOST) --port $(PORT)

test: install test-sqlite test-postgres

test-sqlite: install
	DATABASE_URL= $(PY) -m pytest

test-postgres: install
	DATABASE_URL=$(PG_TEST_URL) $(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

bench: bench-ingest bench-api

bench-ingest: install
	$(PY) bench/ingest.py --persons $${PERSONS:-1000000}

bench-api: install
	$(PY) bench/api_load.py --seconds $${SECONDS_:-60}

clean:
	rm -rf var/*.sqlite3* var/static

.PHONY: bench-matching
bench-matching: install
	$(PY) bench/matching.py --sizes 1000 10000 100000
