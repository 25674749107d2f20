# Tandem — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck pytest bench install messages clean help

help:
	@echo "make run    - install, migrate, load demo data, start web + Celery worker + beat"
	@echo "make test   - ruff + mypy + pytest"
	@echo "make bench  - benchmarks (needs DATABASE_URL pointing at PostgreSQL)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Python 3.11+ is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Local run: SQLite and Celery's filesystem broker unless DATABASE_URL / REDIS_URL are set.
run: export DJANGO_DEBUG ?= 1
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo; \
	echo "  Tandem is starting at http://$(HOST):$(PORT)/   (Ctrl-C stops web, worker and beat)"; \
	echo "  Demo logins (password: tandem-demo):"; \
	echo "    manager  - management, head      admin    - superuser"; \
	echo "    mhead    - marketing head        marketer - marketing"; \
	echo "    shead    - sales head            sales1, sales2, sales3 - sales"; \
	echo "  API docs: http://$(HOST):$(PORT)/api/v1/docs/"; \
	echo
	@# One supervisor for web, worker and beat: a single Ctrl-C stops all three within seconds.
	$(BIN)/python scripts/run_local.py $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy config org leads deals feedback kpi ops

pytest: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

# Always these options (default wrapping, no tests/ or bench/): the catalogue is written in this
# one shape, so running it again gives no diff.
messages: $(STAMP)
	$(BIN)/python manage.py makemessages -l ru --ignore=.venv --ignore=bench --ignore=tests
	$(BIN)/python manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var db.sqlite3 staticfiles
