#!/usr/bin/env bash
# A one-machine rehearsal of the production layout, on loopback (README "Scaling out"), idempotently:
#   one etcd → two PostgreSQL nodes under Patroni (synchronous replication) → the holomap_ha database,
#   migrated and seeded with the demo data → two `holomap serve` app hosts → nginx in front.
# Run as root (it installs what is missing with apt and runs PostgreSQL as the postgres user). Everything
# lives under $HOLOMAP_HA_DIR (default .holomap-ha/, not committed); ports in scripts/ha-env.sh.
# scripts/ha-down.sh stops it all and removes that directory. The main PostgreSQL cluster is not touched.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ha-env.sh

[ "$(id -u)" = 0 ] || ha_die "run as root (sudo make ha): it starts PostgreSQL as the postgres user"
NEED=()
command -v patroni >/dev/null || NEED+=(patroni)
command -v etcd >/dev/null || NEED+=(etcd-server)
command -v etcdctl >/dev/null || NEED+=(etcd-client)
command -v nginx >/dev/null || NEED+=(nginx)
command -v curl >/dev/null || NEED+=(curl)
command -v psql >/dev/null || NEED+=(postgresql-client)
[ -n "$HA_PGBIN" ] || NEED+=(postgresql)
if [ ${#NEED[@]} -gt 0 ]; then
  ha_say "apt-get install ${NEED[*]}"
  apt-get update -qq
  # Debian starts a newly installed service by default: the rehearsal runs its own, so keep them stopped
  # (RUNLEVEL=1 makes invoke-rc.d skip the start; a container's policy-rc.d does the same)
  RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${NEED[@]}" >/dev/null
  HA_PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
fi
PGV="$(basename "$(dirname "$HA_PGBIN")")"
if [ ! -f "/usr/share/postgresql/$PGV/extension/postgis.control" ]; then
  ha_say "apt-get install postgresql-$PGV-postgis-3"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "postgresql-$PGV-postgis-3" postgresql-contrib >/dev/null
fi
if [ ! -x .venv/bin/holomap ]; then  # the Python environment only (scripts/setup.sh would also make a database)
  command -v python3 >/dev/null && python3 -m venv --help >/dev/null 2>&1 || {
    apt-get update -qq; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv >/dev/null; }
  python3 -m venv .venv && .venv/bin/pip install -q -e . || ha_die "could not install the Python packages"
fi

mkdir -p "$HA_DIR"; chmod 755 "$HA_DIR"
SECRETS="$HA_DIR/secrets.env"
if [ ! -f "$SECRETS" ]; then
  pw() { head -c 18 /dev/urandom | base64 | tr -d '/+='; }
  (umask 077; printf 'SUPER_PW=%s\nREPL_PW=%s\nOWNER_PW=%s\nAPP_PW=%s\nAPP_SECRET=%s\n' \
    "$(pw)" "$(pw)" "$(pw)" "$(pw)" "$(pw)$(pw)" > "$SECRETS")
fi
# shellcheck disable=SC1090
. "$SECRETS"
read -r -a PG_PORTS <<<"$HA_PG_PORTS"; read -r -a API_PORTS <<<"$HA_API_PORTS"; read -r -a APP_PORTS <<<"$HA_APP_PORTS"
[ ${#PG_PORTS[@]} = ${#API_PORTS[@]} ] || ha_die "HOLOMAP_HA_PG_PORTS and HOLOMAP_HA_API_PORTS differ in length"

wait_for() {  # wait_for SECONDS WHAT COMMAND…
  local seconds="$1" what="$2"; shift 2
  for _ in $(seq 1 $((seconds * 2))); do "$@" && return 0; sleep 0.5; done
  ha_die "$what did not come up within ${seconds} s (logs: $HA_DIR/*.log, $HA_DIR/pg*/patroni.log)"
}

# 1. etcd, the store of the cluster's leader key (one member here; three on three hosts in production)
ETCD_URL="http://127.0.0.1:$HA_ETCD_PORT"
if ! ha_alive "$HA_DIR/etcd.pid"; then
  ha_say "starting etcd on 127.0.0.1:$HA_ETCD_PORT"
  mkdir -p "$HA_DIR/etcd"; chmod 700 "$HA_DIR/etcd"
  PEER="http://127.0.0.1:$((HA_ETCD_PORT + 1))"
  setsid nohup etcd --name holomap-ha --data-dir "$HA_DIR/etcd" \
    --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
    --listen-peer-urls "$PEER" --initial-advertise-peer-urls "$PEER" \
    --initial-cluster "holomap-ha=$PEER" --initial-cluster-state new \
    --listen-metrics-urls "http://127.0.0.1:$((HA_ETCD_PORT + 2))" >>"$HA_DIR/etcd.log" 2>&1 </dev/null &
  echo $! > "$HA_DIR/etcd.pid"
fi
wait_for 30 etcd etcdctl --endpoints="$ETCD_URL" endpoint health >/dev/null 2>&1

# 2. PostgreSQL nodes under Patroni, as the postgres user
for i in "${!PG_PORTS[@]}"; do
  n=$((i + 1)); pg="${PG_PORTS[$i]}"; api="${API_PORTS[$i]}"; dir="$HA_DIR/pg$n"
  mkdir -p "$dir"; chown postgres:postgres "$dir"; chmod 700 "$dir"
  cfg="$dir/patroni.yml"
  (umask 077; cat > "$cfg" <<YAML
scope: $HA_SCOPE
name: pg$n
restapi:
  listen: 127.0.0.1:$api
  connect_address: 127.0.0.1:$api
etcd3:
  hosts: 127.0.0.1:$HA_ETCD_PORT
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 2
    retry_timeout: 5
    maximum_lag_on_failover: 1048576
    # a crashed primary is failed over at once instead of restarted in place (default: wait 300 s)
    master_start_timeout: 0
    # only the synchronous standby may be promoted, so an acknowledged commit survives a failover
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters:
        wal_level: replica
        hot_standby: "on"
        wal_log_hints: "on"
        max_wal_senders: 10
        max_replication_slots: 10
        max_connections: 200
        # a commit returns once the synchronous standby has applied it: a read there sees it at once
        synchronous_commit: remote_apply
        hot_standby_feedback: "on"
  initdb:
    - encoding: UTF8
    - locale: C.UTF-8
    - data-checksums
  pg_hba:
    - local all all peer
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/data
  bin_dir: $HA_PGBIN
  pgpass: $dir/pgpass
  authentication:
    superuser: {username: postgres, password: "$SUPER_PW"}
    replication: {username: replicator, password: "$REPL_PW"}
  parameters:
    unix_socket_directories: $dir
    shared_buffers: 128MB
YAML
  )
  chown postgres:postgres "$cfg"
  if ! ha_alive "$dir/patroni.pid"; then
    ha_say "starting Patroni node pg$n (PostgreSQL on 127.0.0.1:$pg, REST API on $api)"
    # started from its own directory: Patroni's worker processes change to the parent's working directory,
    # which the postgres user may not enter (a checkout in a private directory)
    (cd "$dir" && exec setsid nohup setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$dir" \
      patroni "$cfg" >>"$dir/patroni.log" 2>&1 </dev/null) &
    echo $! > "$dir/patroni.pid"
  fi
done
has_leader() { [ -n "$(ha_leader_port)" ]; }
wait_for 120 "a Patroni leader" has_leader
all_running() {
  local api
  for api in "${API_PORTS[@]}"; do curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$api/health" || return 1; done
}
wait_for 180 "every PostgreSQL node" all_running
has_sync() {
  local api
  for api in "${API_PORTS[@]}"; do curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$api/sync" && return 0; done
  return 1
}
[ ${#PG_PORTS[@]} -lt 2 ] || wait_for 120 "a synchronous standby" has_sync
LEADER="$(ha_leader_port)"
ha_say "leader on 127.0.0.1:$LEADER"

# 3. Roles, database and extensions on the leader (the standbys receive them by replication)
admin_psql() { PGOPTIONS="-c client_min_messages=warning" PGPASSWORD="$SUPER_PW" psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$LEADER" -U postgres "$@"; }
admin_psql -d postgres -v owner_pw="$OWNER_PW" -v app_pw="$APP_PW" <<'SQL'
SELECT 'CREATE ROLE holomap_owner LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'holomap_owner') \gexec
SELECT 'CREATE ROLE holomap_app LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'holomap_app') \gexec
ALTER ROLE holomap_owner LOGIN NOSUPERUSER CREATEDB BYPASSRLS PASSWORD :'owner_pw';
ALTER ROLE holomap_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD :'app_pw';
GRANT holomap_app TO holomap_owner;
SQL
admin_psql -d postgres -v db="$HA_DB" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER holomap_owner', :'db') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db') \gexec
SQL
admin_psql -d "$HA_DB" -v db="$HA_DB" <<'SQL'
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS pg_trgm;
ALTER SCHEMA public OWNER TO holomap_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO holomap_app;
GRANT CONNECT ON DATABASE :"db" TO holomap_app;
SQL

# 4. The app's settings: every node in the URLs; libpq picks the primary (writes) or a standby (reads)
HOSTS="$(printf '127.0.0.1:%s,' "${PG_PORTS[@]}")"; HOSTS="${HOSTS%,}"
url() { printf 'postgresql+psycopg://%s:%s@%s/%s?target_session_attrs=%s' "$1" "$2" "$HOSTS" "$HA_DB" "$3"; }
(umask 077; {
  printf 'DATABASE_URL=%s\n' "$(url holomap_app "$APP_PW" read-write)"
  printf 'HOLOMAP_READ_DATABASE_URL=%s\n' "$(url holomap_app "$APP_PW" prefer-standby)"
  printf 'HOLOMAP_OWNER_DATABASE_URL=%s\n' "$(url holomap_owner "$OWNER_PW" read-write)"
  printf 'HOLOMAP_SECRET=%s\n' "$APP_SECRET"           # the same on every app host: any host checks any token
  printf 'HOLOMAP_TRUSTED_PROXIES=127.0.0.1\n'          # nginx: its X-Forwarded-For names the client
} > "$HA_DIR/holomap_ha.env")
set -a; . "$HA_DIR/holomap_ha.env"; set +a
ha_say "migrating and seeding $HA_DB (demo data)"
.venv/bin/holomap migrate >"$HA_DIR/migrate.log" 2>&1 || { cat "$HA_DIR/migrate.log"; ha_die "migrate failed"; }
.venv/bin/holomap seed --if-empty >"$HA_DIR/seed.log" 2>&1 || { cat "$HA_DIR/seed.log"; ha_die "seed failed"; }

# 5. The app hosts
for p in "${APP_PORTS[@]}"; do
  if ! ha_alive "$HA_DIR/app-$p.pid"; then
    ha_say "starting app host on 127.0.0.1:$p"
    setsid nohup .venv/bin/holomap serve --host 127.0.0.1 --port "$p" >>"$HA_DIR/app-$p.log" 2>&1 </dev/null &
    echo $! > "$HA_DIR/app-$p.pid"
  fi
done
for p in "${APP_PORTS[@]}"; do
  wait_for 60 "app host $p" curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$p/api/health"
done

# 6. nginx in front: proxies /, balances over the app hosts, caches /tiles by ETag
NG="$HA_DIR/nginx"; mkdir -p "$NG/cache" "$NG/tmp"; chown -R www-data "$NG/cache" "$NG/tmp" 2>/dev/null || true
UPSTREAMS="$(printf '    server 127.0.0.1:%s max_fails=1 fail_timeout=5s;\n' "${APP_PORTS[@]}")"
cat > "$NG/nginx.conf" <<NGINX
# generated by scripts/ha-up.sh
worker_processes 2;
pid $NG/nginx.pid;
error_log $NG/error.log warn;
events { worker_connections 1024; }
http {
  access_log $NG/access.log;
  client_body_temp_path $NG/tmp/body; proxy_temp_path $NG/tmp/proxy;
  fastcgi_temp_path $NG/tmp/fastcgi; uwsgi_temp_path $NG/tmp/uwsgi; scgi_temp_path $NG/tmp/scgi;
  client_max_body_size 25m;
  upstream holomap {
$UPSTREAMS
    keepalive 32;
  }
  # rendered tiles shared by every app host, keyed by the tile (not the token)
  proxy_cache_path $NG/cache levels=1:2 keys_zone=tiles:10m max_size=256m inactive=10m use_temp_path=off;
  map \$http_authorization\$arg_access_token \$no_credentials { "" 1; default 0; }
  server {
    listen 127.0.0.1:$HA_NGINX_PORT;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    proxy_set_header Host \$host;
    proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;  # believed by the app (HOLOMAP_TRUSTED_PROXIES)
    proxy_set_header X-Forwarded-Proto \$scheme;
    # an app host that cannot be reached is skipped (for fail_timeout) and the request goes to the next; a
    # request already sent is never sent twice, and the app's own 503 (database failing over, busy) is its
    # answer, not a reason to mark the host down (both hosts share the database)
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 2;
    proxy_connect_timeout 2s;
    location / { proxy_pass http://holomap; }
    location /tiles/ {
      proxy_pass http://holomap;
      proxy_cache tiles;
      proxy_cache_key \$uri;
      # the app marks tiles private/no-cache with Vary: Authorization for browsers; here one copy serves
      # everyone for one second, then is revalidated with its ETag (If-None-Match → 304 from the app,
      # which checks the caller's token and the layer's version in one statement)
      proxy_ignore_headers Cache-Control Expires Vary;
      proxy_cache_valid 200 204 1s;
      proxy_cache_revalidate on;
      proxy_cache_lock on;
      proxy_cache_bypass \$no_credentials;   # no token: always to the app (401), never from the cache
      proxy_no_cache \$no_credentials;
      add_header X-Cache \$upstream_cache_status always;
    }
  }
}
NGINX
if ha_alive "$NG/nginx.pid"; then
  nginx -t -q -c "$NG/nginx.conf" -p "$NG" && nginx -c "$NG/nginx.conf" -p "$NG" -s reload 2>/dev/null
else
  ha_say "starting nginx on 127.0.0.1:$HA_NGINX_PORT"
  nginx -c "$NG/nginx.conf" -p "$NG"
fi
wait_for 30 nginx curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$HA_NGINX_PORT/api/health"

ha_say "up: http://127.0.0.1:$HA_NGINX_PORT (nginx) → app hosts ${APP_PORTS[*]} → PostgreSQL ${PG_PORTS[*]} (leader $LEADER)"
ha_say "settings: $HA_DIR/holomap_ha.env; cluster: patronictl -c $HA_DIR/pg1/patroni.yml list; stop: make ha-down"
