# The README's commands. Each target finds a Python 3.12+ by itself.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# Development and tests run with DEBUG on unless told otherwise; production sets its own env.
export DEBUG ?= true

# First Python 3.12+ among: $PYTHON, pyenv's versions, python3.13, python3.12, python3.
FIND_PYTHON := for c in "$$PYTHON" python3.13 python3.12 \
	$$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null) python3 python; do \
	[ -n "$$c" ] || continue; command -v "$$c" >/dev/null 2>&1 || continue; \
	"$$c" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$c"; break; }; \
	done

.PHONY: run test lint seed bench install clean

$(VENV)/.installed: pyproject.toml
	@py="$$($(FIND_PYTHON))"; \
	if [ -z "$$py" ]; then \
		echo "error: this project needs Python 3.12 or newer, and none was found." >&2; \
		echo "Install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2; \
		exit 1; \
	fi; \
	if [ ! -x $(PY) ] || ! $(PY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
		echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV); \
	fi
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds
	$(PY) manage.py create_demo_accounts
	@# The task worker (bulk imports) runs beside the server and stops with it.
	$(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT; \
	$(PY) manage.py runserver $(HOST):$(PORT)

seed: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_seeds

test: install
	@# No connection pool for this check: the test database does not exist yet.
	DB_POOLER=none $(PY) manage.py makemigrations --check --dry-run >/dev/null || \
		{ echo "error: models and migrations disagree: run makemigrations" >&2; exit 1; }
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports

# The load tool for the throughput part: Debian's wrk (apt-get as root, else sudo when present).
# The benchmark fills its own database with a synthetic corpus, never the development one,
# unless DATABASE_URL says otherwise.
bench: export DATABASE_URL ?= sqlite:///$(CURDIR)/bench/bench.sqlite3
bench: install
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk (load tool for the throughput measurements)"; \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; \
		elif command -v sudo >/dev/null 2>&1; then sudo apt-get install -y -q wrk >/dev/null; \
		else echo "warning: wrk is missing and cannot be installed; throughput is skipped" >&2; fi; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache test-output
