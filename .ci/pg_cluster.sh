# Sourced by .ci/pg_suite.sh and .ci/bundle_check.sh: a throwaway PostgreSQL cluster.
#
#   pg_cluster_start WORK [postgres -c options…]   initdb in WORK/data, start it on a free local
#                                                  port; sets PG_PORT
#   pg_cluster_stop WORK                           stop it and remove WORK
#
# Installs the distribution's postgresql when no initdb is found. initdb refuses root, so as root
# the cluster runs as `postgres` (or `xinfangci`, created).

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

pg_install() {
  PG_BIN=$(pg_bin) && return 0
  if command -v apt-get >/dev/null 2>&1; then
    local apt=(apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql)
    DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null ||
      { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
        DEBIAN_FRONTEND=noninteractive "${apt[@]}" >/dev/null; }
  fi
  PG_BIN=$(pg_bin)
}

pg_account_setup() {
  if [ "$(id -u)" = 0 ]; then
    PG_ACCOUNT=postgres
    if ! id "$PG_ACCOUNT" >/dev/null 2>&1; then
      PG_ACCOUNT=xinfangci
      id "$PG_ACCOUNT" >/dev/null 2>&1 || useradd -M -r -s /bin/sh "$PG_ACCOUNT"
    fi
  else
    PG_ACCOUNT=""
  fi
}

as_pg_account() {
  if [ -n "$PG_ACCOUNT" ]; then su "$PG_ACCOUNT" -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

pg_cluster_start() {
  local work=$1
  shift
  pg_install || { echo "PostgreSQL not available" >&2; return 1; }
  pg_account_setup
  mkdir -p "$work"
  chmod 755 "$work"
  [ -n "$PG_ACCOUNT" ] && chown "$PG_ACCOUNT" "$work"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  local extra="" opt
  for opt in "$@"; do extra="$extra -c $opt"; done
  # C.UTF-8: code-point order like SQLite's, whatever locales the machine has; a throwaway
  # cluster needs no durability (fsync off), which makes CREATE DATABASE and commits cheap.
  as_pg_account "'$PG_BIN/initdb' -D '$work/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
  as_pg_account "'$PG_BIN/pg_ctl' -D '$work/data' -l '$work/log' -w -o \"-p $PG_PORT -k '$work' \
    -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
    $extra\" start" >/dev/null
}

pg_cluster_stop() {
  local work=$1
  [ -d "$work/data" ] && as_pg_account "'$PG_BIN/pg_ctl' -D '$work/data' -m immediate stop" >/dev/null 2>&1
  rm -rf "$work"
}
