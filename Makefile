# Two entry points (README.md): `make demo` runs the main job, `make test` the whole suite.
# Both create .venv on first use and install hepar into it, so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint typecheck contracts chromium unit benchmarks clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

demo: $(STAMP_RUN)
	$(BIN)/hepar demo --out demo-output --overwrite

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

contracts: $(STAMP_TEST)
	$(BIN)/lint-imports

unit: $(STAMP_TEST)
	$(BIN)/pytest -n 2 -q

# The browser test (tests/app/test_app_browser.py) drives Debian's Chromium by its path; install
# it only when missing (as root), never a browser downloaded by Playwright.
CHROMIUM := /usr/bin/chromium

chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && apt-get install -y -qq chromium; } \
	  || echo "chromium could not be installed: the browser test will be skipped"

test: lint typecheck contracts chromium unit

benchmarks: $(STAMP_RUN)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
