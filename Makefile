# Two entry points on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TRANSLATIONS := app/translations
MO := $(TRANSLATIONS)/en/LC_MESSAGES/messages.mo

.PHONY: demo test lint install translations packages

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	# Build-time data source of analyzers/data/divisions.txt; only its data files are read.
	$(BIN)/pip install -q --no-deps 'cpca==0.5.5'
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS) -D messages
	touch $(STAMP)

# The interface's compiled catalogs (committed, so pip and Docker installs have them too);
# rebuilt here whenever a .po is newer.
$(MO): $(TRANSLATIONS)/en/LC_MESSAGES/messages.po | $(STAMP)
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS) -D messages

install: $(STAMP) $(MO)

## Collect the interface's messages into the catalogs; translate the new ones, then `make`.
translations: $(STAMP)
	mkdir -p build
	$(BIN)/pybabel -q extract -F $(TRANSLATIONS)/babel.cfg -k lazy_gettext -k _l --no-location \
		--sort-output -w 100 -o build/messages.pot .
	$(BIN)/pybabel -q update -i build/messages.pot -d $(TRANSLATIONS) -D messages -w 100
	$(BIN)/pybabel -q compile -d $(TRANSLATIONS) -D messages --statistics

## The Debian packages the tests need (Chromium, a CJK font, Tesseract with chi_sim and
## chi_tra, poppler), from the one list in scripts/ensure-packages; installs what is missing.
packages:
	scripts/ensure-packages test

## Run the service on the embedded default (SQLite) with the sample records.
demo: $(STAMP) $(MO)
	$(BIN)/lantai demo

## Run the whole test suite (lint first).
test: $(STAMP) $(MO) packages lint
	$(BIN)/pytest -q

## ruff and mypy over the packages (the pre-commit hooks run the same).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
