# Two commands: `make run` serves the portal, `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements.lock

# Django 6.1 needs Python 3.12 or newer: take the first interpreter that is new enough.
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)

.PHONY: run test venv lock migrate messages lint format clean screenshots bench

# The venv installs exactly what requirements.lock pins, hash-checked (as `npm ci` installs package-lock.json),
# then the project itself without dependencies. `pip check` stops the build when the lock no longer satisfies
# pyproject.toml's runtime dependencies (one added or raised without `make lock`; it does not read the test extra).
$(STAMP): $(LOCK) pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed: install python3.12 (or run 'pyenv install 3.12')." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps -e .
	@$(PY) -m pip check >/dev/null || { $(PY) -m pip check >&2; \
		echo "!! $(LOCK) does not satisfy pyproject.toml: run 'make lock' and commit $(LOCK)" >&2; exit 1; }
	@touch $(STAMP)

venv: $(STAMP)

# Refresh requirements.lock after changing dependencies in pyproject.toml, then commit it:
#   make lock                                 add what pyproject.toml asks for, keep every other pin
#   make lock LOCK_ARGS=--upgrade             move every package to its newest allowed release
#   make lock LOCK_ARGS='--upgrade-package django'    move one package
# uv resolves the lock (with hashes, for the Python in .python-version, on every platform) in a few seconds;
# it lives in its own small venv, since installing from the lock needs only pip.
UV_VERSION := 0.13.9
LOCK_VENV := .venv-lock
LOCK_ARGS ?=

$(LOCK_VENV)/.uv-$(UV_VERSION):
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed: install python3.12 (or run 'pyenv install 3.12')." >&2; exit 1; fi
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet uv==$(UV_VERSION)
	@touch $@

lock: $(LOCK_VENV)/.uv-$(UV_VERSION)
	$(LOCK_VENV)/bin/uv pip compile pyproject.toml --extra test --generate-hashes --universal \
		--python-version $$(cat .python-version) --custom-compile-command 'make lock' --quiet $(LOCK_ARGS) -o $(LOCK)

# Compile translations with Babel (pure Python), so a fresh machine needs no gettext. A Babel error stops the
# build, and so does a warning: it means a malformed line (a merge marker, say) that Babel would skip.
messages: $(STAMP)
	@out=$$($(VENV)/bin/pybabel compile --use-fuzzy --statistics -d locale -D django 2>&1); status=$$?; \
	echo "$$out"; \
	if [ $$status -ne 0 ] || grep -q '^WARNING' <<<"$$out"; then \
		echo "!! make messages: Babel could not compile the catalogues in locale/ (see above)" >&2; exit 1; fi

migrate: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py refresh_contact_status

# The web server, a task worker (every email goes through it) and the sweeper (lost tasks, escalations), together:
# Ctrl-C stops all three, and so does any one of them stopping.
run: migrate
	$(PY) manage.py loaddemo
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' EXIT; \
	$(PY) manage.py db_worker --interval 1 & \
	$(PY) manage.py sweep --every 60 & \
	$(PY) manage.py runserver 127.0.0.1:8000 & \
	wait -n

# axe-core comes from the npm registry; the accessibility tests inject it into pages.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "!! npm not found: the accessibility (axe-core) checks will be skipped" >&2; fi

# The suite runs on every core (pytest-xdist); `make test TEST_WORKERS=0` runs it in one process.
TEST_WORKERS ?= auto

test: $(STAMP) messages node_modules/.installed
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		echo "!!!!!! Chromium is missing: browser tests will be SKIPPED (apt-get install chromium) !!!!!!" >&2
	$(PY) -m pytest -n $(TEST_WORKERS)

# Load benchmark (not part of `make test`): writes bench/results.md.
bench: $(STAMP) messages
	@command -v wrk >/dev/null 2>&1 || { echo "make bench needs wrk: install it (apt-get install wrk), then run make bench again." >&2; exit 1; }
	$(PY) bench/run.py
	$(PY) bench/pages.py
	$(PY) bench/api.py

# PNGs of the modal, its error state, Settings and the dashboard for the README; not part of `make test`.
screenshots: $(STAMP) messages
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		{ echo "Chromium is needed for screenshots: apt-get install chromium" >&2; exit 1; }
	$(PY) -m pytest -q docs/screenshots.py
	@ls docs/screenshots/*.png

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean:
	rm -rf $(VENV) $(LOCK_VENV) staticfiles
