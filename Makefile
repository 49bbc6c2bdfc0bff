# Two commands on a fresh clone with only Python 3:  make run   and   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install install-dev migrate lint format bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --no-input

## make run: set up everything, then serve HTTP + websockets on http://127.0.0.1:8000, with one
## background worker beside the server (both stop with Ctrl-C)
run: migrate
	@echo
	@echo "  Open http://$(HOST):$(PORT)/ and sign up."
	@echo "  Admin: $(BIN)/python manage.py createsuperuser, then http://$(HOST):$(PORT)/admin/"
	@echo "  Demo data: $(BIN)/python manage.py seed_demo"
	@echo
	@$(BIN)/python manage.py worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make test: install the test tools into the same venv and run the whole suite
test: install-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make lint: ruff, the import contracts (lint-imports) and the type check (mypy), as CI runs them
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## make bench: the benchmarks of docs/benchmarks.md (PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set)
bench: install-dev
	$(BIN)/python -m bench $(BENCH_ARGS)

## make chaos: kill Redis, PostgreSQL and server processes under load; fails on any loss
## (CHAOS_ARGS="--short" is CI's run; "--write-docs" updates docs/reliability.md; LONG=1 adds R5,
## an hour of mixed load)
chaos: install-dev
	$(BIN)/python -m chaos $(if $(filter 1,$(LONG)),--long) $(CHAOS_ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
