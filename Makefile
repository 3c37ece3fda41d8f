# Two entry points (README.md): `make demo` runs the main job, `make test` the whole suite.
# Both create .venv on first use and install hepar into it, so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test
# The versions CI installs, pinned: every install applies them (pip -c). Regenerate with
# `make constraints` after a change to the dependencies in pyproject.toml.
CONSTRAINTS := constraints.txt
FRESH_VENV  := .venv-constraints

.PHONY: demo test lint typecheck contracts unit benchmarks clean constraints pg-test-server \
        weasyprint-libs chromium viewer catalogs

# WeasyPrint (hepar.reports: PDF) needs Pango, HarfBuzz (with its subsetter) and fonts from the
# system (Debian packages). Installed only when missing; apt-get needs root.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
                   libfontconfig1 fonts-dejavu-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e .
	$(MAKE) --no-print-directory catalogs
	touch $@

$(STAMP_TEST): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	$(MAKE) --no-print-directory catalogs
	touch $@ $(STAMP_RUN)

# The interface's translations: Babel compiles each gettext catalogue (.po, in git) to its .mo
# (not in git) at install; hepar.app compiles a .po in memory where its .mo is missing or older.
LOCALE := src/hepar/app/locale

catalogs:
	$(BIN)/pybabel compile -D messages -d $(LOCALE)

# Resolve pyproject.toml's dependencies afresh (newest versions its bounds allow) in a throw-away
# venv, and pin what was installed. Run `make test` afterwards: the pins are what it tests.
constraints:
	rm -rf $(FRESH_VENV)
	$(PYTHON) -m venv $(FRESH_VENV)
	$(FRESH_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(FRESH_VENV)/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# Pinned by 'make constraints' from pyproject.toml (Python $$($(FRESH_VENV)/bin/python -c 'import sys; print(*sys.version_info[:2], sep=".")')); applied by every install."; \
	  $(FRESH_VENV)/bin/python -m pip freeze --exclude-editable; } > $(CONSTRAINTS).tmp
	mv $(CONSTRAINTS).tmp $(CONSTRAINTS)
	rm -rf $(FRESH_VENV)


weasyprint-libs:
	@missing=$$(for p in $(WEASYPRINT_DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system libraries for WeasyPrint: $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

demo: $(STAMP_RUN) weasyprint-libs
	$(BIN)/hepar demo --patients 34 --preset tiny --workers 2 --out demo-output --overwrite

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

contracts: $(STAMP_TEST)
	$(BIN)/lint-imports

# The store tests run on SQLite and on PostgreSQL: tests/store/pg_server.sh finds a reachable test
# database or installs (apt-get, as root), starts and prepares a local one, and exports its URL;
# where that is impossible it exports the reason, which the skipped tests print.
unit: $(STAMP_TEST) weasyprint-libs
	eval "$$(bash tests/store/pg_server.sh)" && $(BIN)/pytest -n 2 -q

pg-test-server:
	@bash tests/store/pg_server.sh

# The browser test (tests/app/test_app_browser.py) drives Debian's Chromium by its path; install
# it only when missing (as root), never a browser downloaded by Playwright.
CHROMIUM := /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && apt-get install -y -qq chromium; } \
	  || echo "chromium could not be installed: the browser test will be skipped"

test: lint typecheck contracts chromium unit

benchmarks: $(STAMP_RUN)
	@eval "$$(bash tests/store/pg_server.sh)"; for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) $(FRESH_VENV) demo-output .pytest_cache .mypy_cache .ruff_cache

# The dose viewer of hepar.app: NiiVue (npm, pinned by frontend/package-lock.json) and the page's
# script, bundled by esbuild into the package's static folder (not in git). Every install builds
# it; without npm the viewer page says it is not installed (and its browser test is skipped).
VIEWER_BUNDLE := src/hepar/app/static/viewer/dose_viewer.js

$(VIEWER_BUNDLE): frontend/package.json frontend/package-lock.json frontend/src/dose_viewer.js
	@command -v npm >/dev/null || { echo "npm is missing: the dose viewer is not bundled"; exit 0; }; \
	  cd frontend && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

viewer: $(VIEWER_BUNDLE)

$(STAMP_RUN) $(STAMP_TEST): | $(VIEWER_BUNDLE)
