# Two entry points (README.md): `make demo` runs the main job, `make test` the whole suite.
# Both create .venv on first use and install hepar into it, so they work on a fresh machine.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP_RUN  := $(VENV)/.installed-run
STAMP_TEST := $(VENV)/.installed-test

.PHONY: demo test lint typecheck contracts unit benchmarks clean weasyprint-libs

# WeasyPrint (hepar.reports: PDF) needs Pango, HarfBuzz (with its subsetter) and fonts from the
# system (Debian packages). Installed only when missing; apt-get needs root.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
                   libfontconfig1 fonts-dejavu-core

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_TEST): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP_RUN)

weasyprint-libs:
	@missing=$$(for p in $(WEASYPRINT_DEBS); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	  done); \
	if [ -n "$$missing" ]; then \
	  echo "installing system libraries for WeasyPrint: $$missing"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	fi

demo: $(STAMP_RUN) weasyprint-libs
	$(BIN)/hepar demo --out demo-output --overwrite

lint: $(STAMP_TEST)
	$(BIN)/ruff check src tests benchmarks

typecheck: $(STAMP_TEST)
	$(BIN)/mypy

contracts: $(STAMP_TEST)
	$(BIN)/lint-imports

unit: $(STAMP_TEST) weasyprint-libs
	$(BIN)/pytest -n 2 -q

test: lint typecheck contracts unit

benchmarks: $(STAMP_RUN)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) demo-output .pytest_cache .mypy_cache .ruff_cache
