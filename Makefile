# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
# the compiled message catalogues, build products of the .po files (core/i18n.py)
CATALOGUES := $(patsubst %.po,%.mo,$(wildcard core/locale/*/LC_MESSAGES/messages.po))
# most tests wait on subprocesses, sockets and databases: more processes than cores pay off
PYTEST_WORKERS ?= 3
XDIST := -n $(PYTEST_WORKERS) --dist loadfile

.PHONY: run test lint format clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# the install compiles the message catalogues (setup.py)
$(STAMP): pyproject.toml setup.py | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

# a .po file edited since the install is compiled again
$(CATALOGUES): %.mo: %.po | $(STAMP)
	$(BIN)/pybabel compile --domain messages --input-file $< --output-file $@

## After changing wording in the code or templates: extract it into core/locale/messages.pot and
## merge it into each language's .po; then translate the empty and fuzzy entries.
messages: $(STAMP)
	$(BIN)/aduan translations update

## Start the service on the embedded default (SQLite, in-process delivery) with the demo catalogue.
run: $(STAMP) $(CATALOGUES)
	$(BIN)/aduan db upgrade
	$(BIN)/aduan demo users
	test -f routing-model.joblib || $(BIN)/aduan routing train
	$(BIN)/aduan demo cases
	$(BIN)/aduan serve --host $${HOST:-127.0.0.1} --port $${PORT:-8000}

## Install everything and run the whole suite (SQLite and PostgreSQL, real Redis).
## The console's browser tests drive the system Chromium; Playwright never downloads one.
## Test files run in PYTEST_WORKERS parallel processes (pytest-xdist), a whole file per process
## (module fixtures are built once), each with databases of its own; PYTEST_WORKERS=0 runs
## everything in one process.
test: $(STAMP) $(CATALOGUES)
	$(BIN)/ruff check .
	@test -x "$(CHROMIUM)" || echo "note: no Chromium at $(CHROMIUM); browser tests will be skipped (apt-get install chromium)"
	CHROMIUM_PATH="$(CHROMIUM)" PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
