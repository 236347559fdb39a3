# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean install chromium

# Each backend's run is capped well inside CI's budget: a hang ends red, with stacks, not silent.
PYTEST := timeout -k 30 1800 $(BIN)/python -m pytest -q -p no:cacheprovider

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start a server on SQLite with the seed site and ~10 simulated stations; Ctrl-C stops it.
demo: $(STAMP)
	$(BIN)/chargegrid demo

## The browser tests drive Debian's Chromium (never a downloaded one); install it if missing.
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

## Lint, type-check, then run the whole suite on SQLite and on PostgreSQL.
test: $(STAMP) chromium
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	CHARGEGRID_TEST_DATABASE=sqlite $(PYTEST)
	CHARGEGRID_TEST_DATABASE=postgresql $(PYTEST)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_ems.py

clean:
	rm -rf $(VENV) build *.egg-info chargegrid.db
