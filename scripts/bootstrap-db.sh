#!/usr/bin/env bash
# Prepare a local PostgreSQL + PostGIS database for Holomap, idempotently.
#   scripts/bootstrap-db.sh DBNAME [EXTRA_EMPTY_DBNAME ...]
#   scripts/bootstrap-db.sh --which-cluster     print the cluster it would use ("VERSION NAME PORT"), change nothing
# The cluster is the one on HOLOMAP_PGPORT (default 5432), whatever other clusters exist; when none uses
# that port, one is created on it (as root), named main (or holomap when that version has a main).
# Installs PostGIS with apt when missing, starts the cluster when stopped, creates the owner role
# (runs migrations and seeds) and the application role (non-owner, no BYPASSRLS), the databases and
# the extensions. Writes .holomap/DBNAME.env with DATABASE_URL / HOLOMAP_OWNER_DATABASE_URL.
# Never changes the server's authentication settings.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/pg-cluster.sh
. scripts/pg-cluster.sh
WHICH_ONLY=0
if [ "${1:-}" = "--which-cluster" ]; then WHICH_ONLY=1; set -- _; fi
DB="${1:?usage: bootstrap-db.sh DBNAME [EXTRA_DB ...]}"; shift
EXTRA_DBS=("$@")
PGHOST_TCP="${HOLOMAP_PGHOST:-127.0.0.1}"
PGPORT_TCP="${HOLOMAP_PGPORT:-5432}"
OWNER=holomap_owner
APP=holomap_app
STATE=.holomap

say() { printf '\033[1m[holomap]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[holomap] %s\033[0m\n' "$*" >&2; exit 1; }

can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
APT_UPDATED=0
apt_install() {
  if ! can_apt; then
    die "Missing packages: $*. Run as root:  apt-get update && apt-get install -y $*   (or use: docker compose up)"
  fi
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# 1. A PostgreSQL server.
if [ "$WHICH_ONLY" = 0 ] && { ! command -v pg_lsclusters >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; }; then
  apt_install postgresql postgresql-contrib
fi
# The cluster on HOLOMAP_PGPORT: chosen by port, so another cluster (a drill, an old version) on another
# port is never taken by the accident of its name or version sorting first.
LISTING="$(pg_lsclusters -h 2>/dev/null || true)"
CHOSEN="$(printf '%s\n' "$LISTING" | choose_cluster "$PGPORT_TCP")"
if [ "$WHICH_ONLY" = 1 ]; then
  [ -n "$CHOSEN" ] || die "no PostgreSQL cluster uses port $PGPORT_TCP; bootstrap would create one there"
  echo "$CHOSEN"; exit 0
fi
if [ -z "$CHOSEN" ]; then
  PGV="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  NAME="$(printf '%s\n' "$LISTING" | new_cluster_name "$PGV")"
  OTHERS="$(printf '%s\n' "$LISTING" | awk 'NF {printf "%s%s/%s on port %s", sep, $1, $2, $3; sep=", "}')"
  say "no PostgreSQL cluster uses port $PGPORT_TCP (HOLOMAP_PGPORT)${OTHERS:+; existing: $OTHERS}"
  [ "$(id -u)" = 0 ] || die "Run as root to create one: pg_createcluster $PGV $NAME --port $PGPORT_TCP --start; or set HOLOMAP_PGPORT to the port of the cluster to use (pg_lsclusters)"
  say "creating cluster $PGV/$NAME on port $PGPORT_TCP"
  pg_createcluster "$PGV" "$NAME" --port "$PGPORT_TCP" >/dev/null
  CHOSEN="$PGV $NAME $PGPORT_TCP"
fi
read -r PGV CLUSTER PORT_OF_CLUSTER <<<"$CHOSEN"
say "using PostgreSQL $PGV/$CLUSTER on port $PORT_OF_CLUSTER"
mkdir -p "$STATE"; chmod 700 "$STATE"

# 2. PostGIS for that server.
if [ ! -f "/usr/share/postgresql/$PGV/extension/postgis.control" ]; then
  apt_install "postgresql-$PGV-postgis-3"
fi
if [ ! -f "/usr/share/postgresql/$PGV/extension/pg_trgm.control" ]; then
  apt_install postgresql-contrib
fi

# 3. The cluster is running.
if ! pg_lsclusters -h | awk -v v="$PGV" -v c="$CLUSTER" '$1==v && $2==c' | grep -q online; then
  [ "$(id -u)" = 0 ] || die "PostgreSQL $PGV/$CLUSTER is stopped. Run: sudo pg_ctlcluster $PGV $CLUSTER start"
  say "starting PostgreSQL $PGV/$CLUSTER"
  pg_ctlcluster --skip-systemctl-redirect "$PGV" "$CLUSTER" start 2>/dev/null || pg_ctlcluster "$PGV" "$CLUSTER" start
fi
for _ in $(seq 1 30); do pg_isready -q -p "$PORT_OF_CLUSTER" && break; sleep 0.5; done

# 4. Admin SQL as the postgres superuser: trust on the socket, else peer via runuser.
admin_psql() {
  if psql -X -q -v ON_ERROR_STOP=1 -U postgres -p "$PORT_OF_CLUSTER" -d "${PSQL_DB:-postgres}" -c 'select 1' >/dev/null 2>&1; then
    psql -X -q -v ON_ERROR_STOP=1 -U postgres -p "$PORT_OF_CLUSTER" -d "${PSQL_DB:-postgres}" "$@"
  elif [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$PORT_OF_CLUSTER" -d "${PSQL_DB:-postgres}" "$@"
  else
    die "Cannot run admin SQL as postgres. Run this script as root, or: sudo -u postgres psql, or set DATABASE_URL"
  fi
}

# 5. Roles with generated passwords (kept in .holomap/, never committed; unused where auth is trust).
PWFILE="$STATE/db-passwords"
if [ ! -f "$PWFILE" ]; then
  umask 077
  printf 'OWNER_PW=%s\nAPP_PW=%s\n' "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" \
    "$(head -c 18 /dev/urandom | base64 | tr -d '/+=')" > "$PWFILE"
fi
# shellcheck disable=SC1090
. "$PWFILE"
admin_psql -v owner="$OWNER" -v app="$APP" -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'app') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app') \gexec
-- the owner migrates and bulk-loads (BYPASSRLS so seeding is not filtered by row-level security)
ALTER ROLE :"owner" LOGIN NOSUPERUSER CREATEDB BYPASSRLS PASSWORD :'owner_pw';
-- the application connects as a plain role: not owner, not superuser, no BYPASSRLS
ALTER ROLE :"app" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
-- the owner may SET ROLE to the application role (tests run the app's requests as that role inside
-- one owner transaction); this gives the owner nothing it did not have, and the app role nothing
GRANT :"app" TO :"owner";
SQL

# 6. Databases and extensions. Names in HOLOMAP_RECREATE_DBS (scratch databases, e.g. the one the
#    migration test downgrades and upgrades) are dropped first so every run starts from nothing.
for d in ${HOLOMAP_RECREATE_DBS:-}; do
  admin_psql -v db="$d" <<'SQL'
SELECT format('DROP DATABASE %I WITH (FORCE)', :'db') WHERE EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
done
for d in "$DB" "${EXTRA_DBS[@]}"; do
  admin_psql -v db="$d" -v owner="$OWNER" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
  PSQL_DB="$d" admin_psql -v owner="$OWNER" -v app="$APP" -v db="$d" <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO :"owner";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";
GRANT CONNECT ON DATABASE :"db" TO :"app";
SQL
done

url() { printf 'postgresql+psycopg://%s:%s@%s:%s/%s' "$1" "$2" "$PGHOST_TCP" "$PORT_OF_CLUSTER" "$3"; }
for d in "$DB" "${EXTRA_DBS[@]}"; do
  umask 077
  {
    printf 'DATABASE_URL=%s\n' "$(url "$APP" "$APP_PW" "$d")"
    printf 'HOLOMAP_OWNER_DATABASE_URL=%s\n' "$(url "$OWNER" "$OWNER_PW" "$d")"
  } > "$STATE/$d.env"
done
say "database $DB ready (PostgreSQL $PGV, PostGIS $(PSQL_DB="$DB" admin_psql -At -c 'select postgis_lib_version()'))"
