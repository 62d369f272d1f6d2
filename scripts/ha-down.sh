#!/usr/bin/env bash
# Stop the rehearsal started by scripts/ha-up.sh (by the process ids it recorded, nothing else) and remove
# its directory ($HOLOMAP_HA_DIR, default .holomap-ha/). Safe to run twice.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/ha-env.sh
[ -d "$HA_DIR" ] || { ha_say "nothing to stop ($HA_DIR does not exist)"; exit 0; }

stop_pid() {  # stop_pid PIDFILE NAME: TERM, then KILL after 20 s
  local f="$1" pid
  ha_alive "$f" || return 0
  pid="$(cat "$f")"; ha_say "stopping $2 (pid $pid)"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
}
NG="$HA_DIR/nginx"
if ha_alive "$NG/nginx.pid"; then nginx -c "$NG/nginx.conf" -p "$NG" -s quit 2>/dev/null || stop_pid "$NG/nginx.pid" nginx; fi
for f in "$HA_DIR"/app-*.pid; do [ -e "$f" ] && stop_pid "$f" "app host $(basename "$f" .pid)"; done
for d in "$HA_DIR"/pg*/; do
  [ -d "$d" ] || continue
  stop_pid "$d/patroni.pid" "Patroni $(basename "$d")"  # Patroni stops its PostgreSQL on the way out
  if [ -f "$d/data/postmaster.pid" ]; then           # a postmaster left by a killed Patroni
    pm="$(head -1 "$d/data/postmaster.pid")"
    if kill -0 "$pm" 2>/dev/null; then ha_say "stopping PostgreSQL $(basename "$d") (pid $pm)"; kill -INT "$pm" || true; fi
    for _ in $(seq 1 40); do kill -0 "$pm" 2>/dev/null || break; sleep 0.5; done
  fi
done
stop_pid "$HA_DIR/etcd.pid" etcd
rm -rf "$HA_DIR"
ha_say "down; $HA_DIR removed"
