# The two set-up commands are `make run` and `make test`; everything else is a step they use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install lint test run bench diagrams up down clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

run: install
	$(BIN)/egov run

# Benchmarks measure against real servers: the EGOV_* variables, else the local defaults.
bench: install
	EGOV_AMQP_URL="$${EGOV_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672/}" \
	EGOV_PG_DSN="$${EGOV_PG_DSN:-postgresql://postgres@127.0.0.1:5432/test}" \
	$(BIN)/python -m bench

# Regenerates docs/regulations/ from the definitions; tests/regulation fails when they drift.
diagrams: install
	$(BIN)/python -m shared.regulation.render_docs

COMPOSE = deploy/compose.yaml

up:
	@test -f $(COMPOSE) || { echo "$(COMPOSE) is not written yet (it comes with the compose issue); use 'make run'"; exit 2; }
	docker compose -f $(COMPOSE) up -d --wait

down:
	@test -f $(COMPOSE) || { echo "$(COMPOSE) is not written yet"; exit 2; }
	docker compose -f $(COMPOSE) down

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
