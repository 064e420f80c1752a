# The two commands of the README, and their set-up. Everything happens in .venv/.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
RESULTS := var/test-results
PYTEST_ARGS ?=

.PHONY: setup demo serve test test-sqlite test-postgresql lint

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

## Start the platform on SQLite with the demo project, at http://127.0.0.1:8000/
demo: setup
	$(BIN)/civicfutures serve --demo

serve: setup
	$(BIN)/civicfutures serve

## Run the whole suite on SQLite, then on PostgreSQL (started, or installed, when needed)
test: setup test-sqlite test-postgresql

test-sqlite: setup
	mkdir -p $(RESULTS)
	$(BIN)/pytest --engine sqlite --junitxml=$(RESULTS)/sqlite.xml $(PYTEST_ARGS)

test-postgresql: setup
	mkdir -p $(RESULTS)
	bash .ci/ensure-postgres
	$(BIN)/pytest --engine postgresql --junitxml=$(RESULTS)/postgresql.xml $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check platform tests
	$(BIN)/ruff format --check platform tests
