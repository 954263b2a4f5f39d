# The two set-up commands are `make run` and `make test`; everything else is a step they use.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed

# The locks (docs/architecture.md, "Reproducible installs: the locks"): every package make
# install puts in .venv, pinned with its hashes (runtime, the dev extra and the build group), and
# the runtime subset at the same pins for deploy/Dockerfile. `make lock` writes both from
# pyproject.toml.
LOCK         = requirements/dev.txt
RUNTIME_LOCK = requirements/runtime.txt

.PHONY: install lock lint test run bench diagrams contract up down clean broker-passwords

install: $(STAMP)

# A changed lock (or pyproject.toml) installs again.
$(STAMP): pyproject.toml $(LOCK) shared/pages/vendor.json
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	@echo "make install: creating $(VENV) with $$($(PYTHON) --version 2>&1)..."
	$(PYTHON) -m venv $(VENV)
	@echo "make install: installing $$(grep -c '^[a-z0-9]' $(LOCK)) locked packages from $(LOCK), hashes checked..."
	$(BIN)/python -m pip install --require-hashes --progress-bar off -r $(LOCK)
	@echo "make install: installing egov-sim itself (editable, no dependencies)..."
	$(BIN)/python -m pip install --no-deps --no-build-isolation --progress-bar off -e .
	@echo "make install: fetching the pages' front-end files..."
	# The pages' third-party front-end files: pinned npm packages, checked by sha512 (no Node).
	$(BIN)/python -m shared.pages.vendor
	touch $(STAMP)
	@echo "make install: done"

# Writes both locks from pyproject.toml with uv (itself pinned in the dev lock), resolved for
# CPython 3.11 on Linux x86_64 whatever machine runs it. A pin that still satisfies
# pyproject.toml is kept; `make lock LOCK_FLAGS=--upgrade` moves every pin to the newest release
# allowed, `make lock LOCK_FLAGS="--upgrade-package NAME"` one. tests/test_lock.py fails when
# pyproject.toml and the locks drift apart.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --group build --generate-hashes \
	--python-version 3.11 --python-platform x86_64-unknown-linux-gnu \
	--custom-compile-command "make lock" $(LOCK_FLAGS)

# uv prints the lock it writes on stdout as well; its summary ("Resolved N packages") is on stderr.
lock: install
	@echo "make lock: resolving runtime, dev and build requirements into $(LOCK)..."
	$(UV_COMPILE) --extra dev --output-file $(LOCK) >/dev/null
	@echo "make lock: the runtime subset at the same pins into $(RUNTIME_LOCK)..."
	$(UV_COMPILE) --constraints $(LOCK) --output-file $(RUNTIME_LOCK) >/dev/null

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

# The compose topology (docs/deploy.md): deploy/compose.sh runs Compose v2 (`docker compose`)
# or v1 (`docker-compose`), builds the images (from the official bases, or from bases built
# here by deploy/local-images.sh where no registry answers) and waits until every container is
# healthy. Without Docker, `egov up` runs the same topology as local processes (docs/stack.md).
up:
	deploy/compose.sh up

down:
	deploy/compose.sh down

# Random broker passwords for the compose topology in deploy/.env (owner-only; the compose file
# reads them), and their hashes in deploy/rabbitmq/definitions.json (docs/deploy.md).
broker-passwords: install
	$(BIN)/egov broker definitions --env-file deploy/.env --generate

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
