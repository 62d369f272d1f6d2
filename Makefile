# Holomap: the two commands are `make run` and `make test` (see README.md).
SHELL := /bin/bash
HOST ?= 127.0.0.1
PORT ?= 8000
export HOST PORT
# Load the generated database settings unless DATABASE_URL is given by the caller.
with_env = if [ -z "$${DATABASE_URL:-}" ]; then set -a; . .holomap/$(1).env; set +a; fi;

.PHONY: run test lint setup-run setup-test seed-county seed-city ha ha-down test-ha bench-ha

run: setup-run
	@$(call with_env,holomap) .venv/bin/holomap serve

# Tests run in a random order (pytest-randomly) so that no test leans on another's leftovers; the seed is
# printed first: `make test PYTEST_SEED=<seed>` replays that order.
test: setup-test
	@.venv/bin/ruff check .
	@cd frontend && node_modules/.bin/eslint .
	@node --test frontend/tests/
	@seed="$${PYTEST_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}"; \
	echo "test order: random, seed $$seed (replay: make test PYTEST_SEED=$$seed)"; \
	$(call with_env,holomap_test) HOLOMAP_TEST_MIGRATIONS_URL="$${HOLOMAP_TEST_MIGRATIONS_URL:-$$(. .holomap/holomap_test_migrations.env 2>/dev/null; echo $${HOLOMAP_OWNER_DATABASE_URL:-})}" \
	  .venv/bin/python -m pytest -q -p randomly --randomly-seed="$$seed" $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	cd frontend && node_modules/.bin/eslint .

setup-run:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

# County-scale data for benchmarks, in its own database (holomap_county).
seed-county:
	@scripts/bootstrap-db.sh holomap_county
	@$(call with_env,holomap_county) .venv/bin/holomap migrate && .venv/bin/holomap seed --scale county --if-empty

# City-bureau sizing (README "Scaling out"): four counties' worth (4M residents, 8M incidents), in holomap_city.
seed-city:
	@scripts/bootstrap-db.sh holomap_city
	@$(call with_env,holomap_city) .venv/bin/holomap migrate && .venv/bin/holomap seed --scale city --if-empty

# The one-machine rehearsal of the production layout (README "Scaling out"): etcd, two PostgreSQL nodes
# under Patroni, two app hosts and nginx on loopback, under .holomap-ha/ (root: it installs with apt and
# runs PostgreSQL as the postgres user). `make ha-down` stops it and removes that directory.
# The rehearsal's data must be reachable by the postgres user: under the checkout when it can get there,
# else under /var/tmp (a checkout in a private directory, e.g. a CI's `mktemp -d`, mode 700).
export HOLOMAP_HA_DIR ?= $(shell if setpriv --reuid=postgres --regid=postgres --clear-groups test -x "$(CURDIR)" \
  2>/dev/null; then echo "$(CURDIR)/.holomap-ha"; else echo "/var/tmp/holomap-ha-$$(printf %s "$(CURDIR)" | md5sum | cut -c1-8)"; fi)

ha:
	@scripts/ha-up.sh

ha-down:
	@scripts/ha-down.sh

# The failover test on a fresh rehearsal (a few minutes), then the rehearsal is removed: kill -9 of the
# leader's postgres under load, one app host stopped. HA_KEEP=1 leaves the cluster up afterwards.
test-ha:
	@scripts/ha-down.sh >/dev/null
	@scripts/ha-up.sh
	@rc=0; .venv/bin/python -m tests.ha.failover || rc=$$?; \
	  if [ -z "$${HA_KEEP:-}" ]; then scripts/ha-down.sh; fi; exit $$rc

# Read scaling on the rehearsal (after `make ha`): 1 vs 2 PostgreSQL nodes, 1 vs 2 app hosts
bench-ha:
	@.venv/bin/python bench/ha_read_scaling.py
