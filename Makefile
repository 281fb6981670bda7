# Two entry points on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	# Build-time data source of analyzers/data/divisions.txt; only its data files are read.
	$(BIN)/pip install -q --no-deps 'cpca==0.5.5'
	touch $(STAMP)

install: $(STAMP)

## Run the service on the embedded default (SQLite) with the sample records.
demo: $(STAMP)
	$(BIN)/lantai demo

## Run the whole test suite (lint first).
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
