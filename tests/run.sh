#!/usr/bin/env bash
# The test command: installs what is missing, builds, starts throwaway PostgreSQL 15 and Redis on
# free loopback ports, runs every test (unit, integration, end-to-end) with ctest, and stops the
# servers whatever happens. Exits non-zero on any failure.
#   XUNCHA_BUILD_DIR   build directory (default ./build)
#   XUNCHA_CTEST_ARGS  extra ctest arguments, e.g. "-R directory"
set -euo pipefail
source "$(cd "$(dirname "$0")/.." && pwd)/deploy/lib/common.sh"

BUILD=${XUNCHA_BUILD_DIR:-$XUNCHA_ROOT/build}
xuncha_install_deps
xuncha_log "building in $BUILD"
xuncha_build "$BUILD"
xuncha_build_console

TMP=$(mktemp -d /tmp/xuncha-test.XXXXXX)
chmod 755 "$TMP"
PG_PORT=$(xuncha_free_port)
REDIS_PORT=$(xuncha_free_port)
cleanup() {
  xuncha_pg_stop "$TMP/pg/data"
  xuncha_redis_stop "$TMP/redis"
  rm -rf "$TMP"
}
trap cleanup EXIT

# Tests need no durability; fsync off keeps the many throwaway databases fast.
XUNCHA_PG_FSYNC=off xuncha_pg_start "$TMP/pg/data" "$PG_PORT"
xuncha_redis_start "$TMP/redis" "$REDIS_PORT"
xuncha_log "PostgreSQL on 127.0.0.1:$PG_PORT, Redis on 127.0.0.1:$REDIS_PORT"

export XUNCHA_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export XUNCHA_TEST_REDIS="127.0.0.1:$REDIS_PORT"
mkdir -p "$TMP/work" && chmod 777 "$TMP/work"
export TMPDIR="$TMP/work"

# shellcheck disable=SC2086
ctest --test-dir "$BUILD" --output-on-failure -j2 --timeout 300 ${XUNCHA_CTEST_ARGS:-}
