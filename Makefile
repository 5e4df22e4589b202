# Two commands set everything up: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PG_TEST_URL ?= postgres://postgres@127.0.0.1:5432/compatriot
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo organisation that receives self-registrations from the public pages.
DEMO_INTAKE ?= International Migration Agency – Poland Mission

.PHONY: web-install system-packages assets messages bench-pages bench-directory
.PHONY: install demo serve test test-sqlite test-postgres lint bench bench-ingest bench-api clean

install: $(VENV)/.installed web-install

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

demo: install
	$(VENV)/bin/compatriot migrate --noinput
	$(VENV)/bin/compatriot demo
	WEB_PUBLIC_INTAKE_ORGANISATION="$${WEB_PUBLIC_INTAKE_ORGANISATION:-$(DEMO_INTAKE)}" \
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
	$(VENV)/bin/mypy compatriot conftest.py

bench: bench-ingest bench-api bench-pages bench-matching bench-directory bench-linkage bench-tracing

bench-ingest: install
	$(PY) bench/ingest.py --persons $${PERSONS:-1000000}

bench-api: install
	$(PY) bench/api_load.py --seconds $${SECONDS_:-60}

clean:
	rm -rf var/*.sqlite3* var/static

# Web (compatriot/web, docs/web.md): Debian's gettext (msgfmt, xgettext) and Chromium (browser
# tests), front-end assets from npm copied into the app, translations compiled to .mo.
WEB_VENDOR := compatriot/web/static/vendor
web-install: system-packages assets messages

system-packages:
	@command -v msgfmt >/dev/null && command -v xgettext >/dev/null || (apt-get update && apt-get install -y gettext)
	@test -x /usr/bin/chromium || (apt-get update && apt-get install -y chromium)

assets: $(WEB_VENDOR)/.installed

$(WEB_VENDOR)/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(WEB_VENDOR)/images $(WEB_VENDOR)/licences
	cp node_modules/@picocss/pico/css/pico.min.css node_modules/htmx.org/dist/htmx.min.js \
	   node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	   node_modules/uplot/dist/uPlot.iife.min.js node_modules/uplot/dist/uPlot.min.css \
	   node_modules/axe-core/axe.min.js $(WEB_VENDOR)/
	cp node_modules/leaflet/dist/images/* $(WEB_VENDOR)/images/
	for package in @picocss/pico htmx.org leaflet uplot axe-core; do \
	  cp node_modules/$$package/LICENSE $(WEB_VENDOR)/licences/$$(basename $$package).txt 2>/dev/null \
	  || cp node_modules/$$package/LICENSE.md $(WEB_VENDOR)/licences/$$(basename $$package).txt; done
	touch $@

messages: $(VENV)/.installed system-packages
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=var

bench-pages: install
	$(PY) bench/pages.py --persons $${PERSONS:-2000}
.PHONY: bench-matching
bench-matching: install
	$(PY) bench/matching.py --sizes 1000 10000 100000

# Radius search over the service directory (docs/benchmarks.md): SQLite under bench/out/, then
# the PostgreSQL database compatriot_bench_dir (dropped and recreated).
bench-directory: install
	$(PY) bench/directory.py --database sqlite --sizes $${SIZES:-100000,1000000}
	$(PY) bench/directory.py --database postgres --sizes $${SIZES:-100000,1000000}
.PHONY: bench-linkage bench-tracing
bench-linkage: install
	$(PY) bench/linkage.py --records 10000 100000
bench-tracing: install
	$(PY) bench/tracing.py --records 2000 10000 50000 --requests 200
