# Settings of the one-machine high-availability rehearsal (sourced by scripts/ha-up.sh, ha-down.sh and
# tests/ha). Every port and the state directory can be set from the environment; the defaults clash with
# neither the main PostgreSQL cluster (5432) nor `make run` (8000).
HA_DIR="${HOLOMAP_HA_DIR:-$PWD/.holomap-ha}"
HA_ETCD_PORT="${HOLOMAP_HA_ETCD_PORT:-2391}"        # etcd client port (its peer port is this + 1)
HA_PG_PORTS="${HOLOMAP_HA_PG_PORTS:-5441 5442}"     # one PostgreSQL node per port, each under Patroni
HA_API_PORTS="${HOLOMAP_HA_API_PORTS:-8441 8442}"   # Patroni REST API of each node, in the same order
HA_APP_PORTS="${HOLOMAP_HA_APP_PORTS:-8111 8112}"   # one `holomap serve` per port
HA_NGINX_PORT="${HOLOMAP_HA_NGINX_PORT:-8110}"      # nginx in front of the app hosts
HA_DB="${HOLOMAP_HA_DB:-holomap_ha}"
HA_SCOPE="${HOLOMAP_HA_SCOPE:-holomap-ha}"          # the Patroni cluster's name in etcd
HA_PGBIN="${HOLOMAP_HA_PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}"

ha_say() { printf '\033[1m[holomap-ha]\033[0m %s\n' "$*"; }
ha_die() { printf '\033[31m[holomap-ha] %s\033[0m\n' "$*" >&2; exit 1; }

# ha_alive PIDFILE: the process named in PIDFILE is running
ha_alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ha_patroni_api PORT PATH: GET on a node's Patroni REST API (no output when it does not answer)
ha_patroni_api() { curl -fsS --max-time 2 "http://127.0.0.1:$1$2" 2>/dev/null || true; }

# ha_leader_port: the PostgreSQL port of the current Patroni leader (nothing when there is none)
ha_leader_port() {
  local pg api
  set -- $HA_API_PORTS
  for pg in $HA_PG_PORTS; do
    api="$1"; shift
    if curl -fs --max-time 2 -o /dev/null "http://127.0.0.1:$api/primary" 2>/dev/null; then echo "$pg"; return; fi
  done
}
