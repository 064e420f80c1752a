# The README's two commands (`make demo`, `make test`) and everything they set up.
# Python packages come from uv.lock only: into .venv/ with uv, itself pinned below and kept in
# var/tools/. Debian packages that a target needs are installed by .ci/ensure-packages when missing.
PYTHON     ?= python3
VENV       := .venv
BIN        := $(VENV)/bin
UV_VERSION := 0.13.8
UV         := var/tools/bin/uv
RESULTS    := var/test-results
PYTEST_ARGS ?=

# uv uses the machine's Python and never downloads one.
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)
# Installed packages get their bytecode at install, as pip gives the image's: without it, a
# machine that sets PYTHONDONTWRITEBYTECODE compiles every imported module again in every
# process (a briefing's first comparison, which imports scipy.stats, took 2.3 s instead of
# 0.84 s; each server and child the tests start paid it too).
export UV_COMPILE_BYTECODE := 1
# The project's own modules are not installed but found in platform/ (an editable install), so
# the setup targets compile them too; Python recompiles a module whose source is newer, in
# memory, so an edit is never run stale. Importing the app and the briefing service: 2.1 s
# uncompiled, 1.2-1.6 s compiled.
COMPILE_OWN := $(BIN)/python -m compileall -q -j 0 platform/civicfutures

# Commands, libraries and files the targets need, and the Debian packages that bring them:
# Graphviz; Pango for WeasyPrint (briefing PDFs) with the Noto fonts they are set in (Latin,
# Cyrillic, Arabic); for the tests Chromium, gettext, LibreOffice and poppler's pdftotext.
DEMO_PACKAGES := dot=graphviz lib:libpangoft2-1.0.so.0=libpango-1.0-0,libpangoft2-1.0-0 \
	/usr/share/fonts/truetype/noto/NotoSansArabic-Regular.ttf=fonts-noto-core
TEST_PACKAGES := $(DEMO_PACKAGES) chromium=chromium,fonts-noto-core msgfmt=gettext \
	soffice=libreoffice-calc-nogui pdftotext=poppler-utils

.PHONY: demo serve test test-sqlite test-postgresql setup-runtime setup-test lint upgrade vendor

$(UV):
	@echo "setup: installing uv $(UV_VERSION) into var/tools/"
	$(PYTHON) -m venv var/tools
	var/tools/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

## The runtime alone: what `make demo` and `make serve` need.
setup-runtime: $(UV)
	@bash .ci/ensure-packages $(DEMO_PACKAGES)
	$(UV) sync --frozen --inexact --no-default-groups --quiet
	@$(COMPILE_OWN)

## The runtime, the test tools and benchmarks' peers, Chromium, Graphviz, gettext, LibreOffice.
setup-test: $(UV)
	@bash .ci/ensure-packages $(TEST_PACKAGES)
	$(UV) sync --frozen --group test --quiet
	@$(COMPILE_OWN)

## Start the platform on SQLite with the demo project, at http://127.0.0.1:8000/
demo: setup-runtime
	$(BIN)/civicfutures serve --demo

serve: setup-runtime
	$(BIN)/civicfutures serve

## The whole suite on SQLite and on PostgreSQL side by side (each run's output is shown whole
## when it ends); both always run to the end; fails if either did. TEST_JOBS=1: one after the other.
TEST_JOBS ?= 2
test: setup-test
	@bash .ci/ensure-postgres
	@status=0; \
	$(MAKE) --no-print-directory --keep-going --jobs=$(TEST_JOBS) --output-sync=target \
		run-sqlite run-postgresql || status=1; \
	if [ $$status -ne 0 ]; then echo "make test: a run failed (reports in $(RESULTS)/)"; fi; \
	exit $$status

test-sqlite: setup-test
	@$(MAKE) --no-print-directory run-sqlite

test-postgresql: setup-test
	@$(MAKE) --no-print-directory run-postgresql

.PHONY: run-sqlite run-postgresql
run-sqlite:
	mkdir -p $(RESULTS)
	$(BIN)/pytest --engine sqlite --junitxml=$(RESULTS)/sqlite.xml $(PYTEST_ARGS)

run-postgresql:
	mkdir -p $(RESULTS)
	bash .ci/ensure-postgres
	$(BIN)/pytest --engine postgresql --junitxml=$(RESULTS)/postgresql.xml $(PYTEST_ARGS)

lint: setup-test
	$(BIN)/ruff check platform tests
	$(BIN)/ruff format --check platform tests

## Move every locked version to the newest release the ranges in pyproject.toml allow.
upgrade: $(UV)
	$(UV) lock --upgrade
	$(UV) sync --group test

## Fetch the JavaScript the package ships again, after a version change in its vendor.json.
vendor:
	$(PYTHON) .ci/vendor-js
