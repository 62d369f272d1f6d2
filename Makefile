# Holomap: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# Load the generated database settings unless DATABASE_URL is given by the caller.
with_env = if [ -z "$${DATABASE_URL:-}" ]; then set -a; . .holomap/$(1).env; set +a; fi;

.PHONY: run test lint setup-run setup-test seed-county bench clean-db

run: setup-run
	@$(call with_env,holomap) .venv/bin/holomap serve

test: setup-test
	@.venv/bin/ruff check .
	@node --test frontend/tests/
	@$(call with_env,holomap_test) HOLOMAP_TEST_MIGRATIONS_URL="$${HOLOMAP_TEST_MIGRATIONS_URL:-$$(. .holomap/holomap_test_migrations.env 2>/dev/null; echo $${HOLOMAP_OWNER_DATABASE_URL:-})}" \
	  .venv/bin/python -m pytest -q $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .

setup-run:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

# County-scale data for benchmarks, in its own database (holomap_county).
seed-county:
	@scripts/bootstrap-db.sh holomap_county
	@$(call with_env,holomap_county) .venv/bin/holomap migrate && .venv/bin/holomap seed --scale county --if-empty
