#!/usr/bin/env bash
# Idempotent setup shared by `make run` and `make test`:
#   scripts/setup.sh run   → demo database "holomap", migrated and seeded
#   scripts/setup.sh test  → "holomap_test" (seeded) + "holomap_test_migrations" (empty), browser deps
set -euo pipefail
cd "$(dirname "$0")/.."
MODE="${1:-run}"
say() { printf '\033[1m[holomap]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[holomap] %s\033[0m\n' "$*" >&2; exit 1; }
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
APT_UPDATED=0
apt_install() {
  can_apt || die "Missing: $*. Run as root: apt-get update && apt-get install -y $*"
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  say "apt-get install $*"; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Python: a venv with the project installed (re-installed when pyproject.toml changes).
PY=python3
command -v "$PY" >/dev/null || apt_install python3 python3-venv
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv 2>/dev/null || { apt_install python3-venv; rm -rf .venv; "$PY" -m venv .venv; }
fi
if [ ! -f .venv/.installed ] || [ pyproject.toml -nt .venv/.installed ]; then
  say "installing Python packages into .venv"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q --config-settings editable_mode=compat -e '.[test]'
  touch .venv/.installed
fi

# Frontend packages from npm (served locally; never a CDN).
command -v npm >/dev/null || apt_install nodejs npm
if [ ! -f frontend/node_modules/.installed ] || [ frontend/package-lock.json -nt frontend/node_modules/.installed ]; then
  say "installing frontend packages (npm ci)"
  (cd frontend && npm ci --no-audit --no-fund --loglevel=error)
  touch frontend/node_modules/.installed
fi

# Database.
if [ "$MODE" = test ]; then
  DB="${HOLOMAP_TEST_DB:-holomap_test}"
  NEED=()
  command -v chromium >/dev/null || NEED+=(chromium)
  dpkg -s fonts-wqy-zenhei >/dev/null 2>&1 || dpkg -s fonts-noto-cjk >/dev/null 2>&1 || NEED+=(fonts-wqy-zenhei)
  command -v ogrinfo >/dev/null || NEED+=(gdal-bin)
  [ ${#NEED[@]} -eq 0 ] || apt_install "${NEED[@]}"
else
  DB="${HOLOMAP_DB:-holomap}"
fi
if [ -z "${DATABASE_URL:-}" ]; then
  if [ "$MODE" = test ]; then HOLOMAP_RECREATE_DBS="${DB}_migrations" scripts/bootstrap-db.sh "$DB" "${DB}_migrations"
  else scripts/bootstrap-db.sh "$DB"; fi
  set -a; . ".holomap/$DB.env"; set +a
else
  say "using DATABASE_URL from the environment"
fi
# a test database also drops program objects no file defines any more (a function renamed or replaced):
# tests/test_dbprogram.py holds the installed program equal to the files
if [ "$MODE" = test ]; then .venv/bin/holomap migrate --prune; else .venv/bin/holomap migrate; fi
.venv/bin/holomap seed --if-empty
