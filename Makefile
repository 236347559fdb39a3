# Two commands set everything up on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench clean install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Start a server on SQLite with the seed site and ~10 simulated stations; Ctrl-C stops it.
demo: $(STAMP)
	$(BIN)/chargegrid demo

## Lint, type-check, then run the whole suite on SQLite and on PostgreSQL.
test: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	CHARGEGRID_TEST_DATABASE=sqlite $(BIN)/python -m pytest -q -p no:cacheprovider
	CHARGEGRID_TEST_DATABASE=postgresql $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/bench_ems.py

clean:
	rm -rf $(VENV) build *.egg-info chargegrid.db
