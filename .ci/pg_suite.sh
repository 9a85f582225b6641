#!/usr/bin/env bash
# CI, after the SQLite suite: the same tests again on PostgreSQL (issue 20). Installs the
# distribution's postgresql when no initdb is found, starts a throwaway cluster (.ci/pg_cluster.sh)
# on a free local port, runs pytest with XINFANG_TEST_DATABASE_URL pointing at it, and stops and
# removes the cluster.
#
#   XINFANG_PG_TESTS="tests/a.py tests/b.py"   run only these (default: the whole suite)
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=.ci/pg_cluster.sh
. .ci/pg_cluster.sh

work=$(mktemp -d /tmp/xinfang-pg-XXXXXX)
trap 'pg_cluster_stop "$work"' EXIT
pg_cluster_start "$work" max_connections=200 ||
  { echo "PostgreSQL not available: the PostgreSQL run is skipped" >&2; exit 1; }

export XINFANG_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on port $PG_PORT: running the tests again"
# shellcheck disable=SC2086
uv run pytest ${XINFANG_PG_TESTS:-}
