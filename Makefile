# The two set-up commands are `make run` and `make test`; everything else is a step they use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

.PHONY: install lint test run bench diagrams contract up down clean broker-passwords

install: $(STAMP)

$(STAMP): pyproject.toml shared/pages/vendor.json
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The pages' third-party front-end files: pinned npm packages, checked by sha512 (no Node).
	$(BIN)/python -m shared.pages.vendor
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

# Regenerates docs/asyncapi/ (AsyncAPI 3 document and JSON Schemas) from the pydantic models;
# tests/contract fails when they drift.
contract: install
	$(BIN)/python -m egov.contract write

# The compose topology (needs a Docker engine with the compose plugin); docs/deploy.md.
# Without Docker, `egov up` runs the same topology as local processes (docs/stack.md).
COMPOSE = deploy/compose.yaml

up:
	docker compose -f $(COMPOSE) up -d --wait

down:
	docker compose -f $(COMPOSE) down

# Random broker passwords for the compose topology in deploy/.env (owner-only; the compose file
# reads them), and their hashes in deploy/rabbitmq/definitions.json (docs/deploy.md).
broker-passwords: install
	$(BIN)/egov broker definitions --env-file deploy/.env --generate

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
