#!/usr/bin/env bash
# CI, after the SQLite suite: the same tests again on PostgreSQL (issue 20). Installs the
# distribution's postgresql when no initdb is found, starts a throwaway cluster as the
# `postgres` user (or `xinfangci`, created) on a free local port, runs pytest with
# XINFANG_TEST_DATABASE_URL pointing at it, and stops and removes the cluster.
#
#   XINFANG_PG_TESTS="tests/a.py tests/b.py"   run only these (default: the whole suite)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

pg_bin() {
  local d
  for d in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
  done
  return 1
}

if ! bin=$(pg_bin); then
  if command -v apt-get >/dev/null 2>&1; then
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null ||
      { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >/dev/null; }
  fi
  bin=$(pg_bin) || { echo "PostgreSQL not available: the PostgreSQL run is skipped" >&2; exit 1; }
fi

# initdb refuses root: run the cluster as an ordinary account.
if [ "$(id -u)" = 0 ]; then
  account=postgres
  if ! id "$account" >/dev/null 2>&1; then
    account=xinfangci
    id "$account" >/dev/null 2>&1 || useradd -M -r -s /bin/sh "$account"
  fi
  as_account() { su "$account" -s /bin/sh -c "$*"; }
else
  as_account() { sh -c "$*"; }
fi

work=$(mktemp -d /tmp/xinfang-pg-XXXXXX)
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown "$account" "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
stop() {
  as_account "'$bin/pg_ctl' -D '$work/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap stop EXIT

# C.UTF-8: code-point order like SQLite's, whatever locales the machine has; a throwaway
# cluster needs no durability (fsync off), which makes CREATE DATABASE and commits cheap.
as_account "'$bin/initdb' -D '$work/data' -U postgres --auth=trust -E UTF8 --locale=C.UTF-8" >/dev/null
as_account "'$bin/pg_ctl' -D '$work/data' -l '$work/log' -w -o \"-p $port -k '$work' \
  -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c max_connections=200\" start" >/dev/null

export XINFANG_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on port $port: running the tests again"
# shellcheck disable=SC2086
uv run pytest ${XINFANG_PG_TESTS:-}
