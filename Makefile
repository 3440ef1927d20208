# Two commands: `make run` serves the portal, `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

# Django 6.1 needs Python 3.12 or newer: take the first interpreter that is new enough.
PYTHON ?= $(shell for c in python3.13 python3.12 python3; do \
	if command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then echo $$c; break; fi; done)

.PHONY: run test venv migrate messages lint format clean screenshots bench

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.12 or newer is needed: install python3.12 (or run 'pyenv install 3.12')." >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

# Compile translations with Babel (pure Python), so a fresh machine needs no gettext.
messages: $(STAMP)
	$(VENV)/bin/pybabel compile --use-fuzzy --statistics -d locale -D django 2>&1 | grep -v '^$$' || true

migrate: $(STAMP) messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py refresh_contact_status

run: migrate
	$(PY) manage.py loaddemo
	$(PY) manage.py runserver 127.0.0.1:8000

# axe-core comes from the npm registry; the accessibility tests inject it into pages.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "!! npm not found: the accessibility (axe-core) checks will be skipped" >&2; fi

test: $(STAMP) messages node_modules/.installed
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		echo "!!!!!! Chromium is missing: browser tests will be SKIPPED (apt-get install chromium) !!!!!!" >&2
	$(PY) -m pytest

# Load benchmark (not part of `make test`): writes bench/results.md.
bench: $(STAMP) messages
	@command -v wrk >/dev/null 2>&1 || apt-get install -y -q wrk >/dev/null
	$(PY) bench/run.py

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
	rm -rf $(VENV) staticfiles
