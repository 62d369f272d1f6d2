# Choosing the PostgreSQL cluster Holomap uses (sourced by scripts/bootstrap-db.sh; unit-tested by
# tests/scripts/test_bootstrap_cluster.py with made-up listings). Input: `pg_lsclusters -h` lines
#   Ver Cluster Port Status Owner Data-directory Log-file

# choose_cluster PORT: "VERSION NAME PORT" of the cluster configured for PORT (an online one first, then
# the newest version); nothing when no cluster uses that port. The port decides, never the name's order.
choose_cluster() {
  awk -v port="$1" '$3 == port { print ($4 ~ /^online/ ? 1 : 0), $1, $2, $3 }' \
    | sort -k1,1n -k2,2V | tail -n 1 | cut -d' ' -f2-
}

# new_cluster_name VERSION: "main" unless VERSION already has a cluster of that name, else "holomap".
new_cluster_name() {
  if awk -v v="$1" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    echo holomap
  else
    echo main
  fi
}
