#!/usr/bin/env bash
# The console's browser test as one command (ctest runs it): starts the platform on free ports
# with a fresh database, runs console.e2e.mjs in headless chromium, stops everything.
#   run_e2e.sh BUILD_DIR [ARTIFACTS_DIR]
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$1" && pwd)
ARTIFACTS=${2:-$PWD/web-e2e-artifacts}
STATE=$(mktemp -d "${TMPDIR:-/tmp}/xuncha-web-e2e.XXXXXX")
mkdir -p "$ARTIFACTS"
cleanup() {
  "$HERE/platform.sh" stop "$STATE"
  cp "$STATE"/logs/*.log "$ARTIFACTS/" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT
if [ -z "${XUNCHA_TEST_PG_URL:-}" ] || [ -z "${XUNCHA_TEST_REDIS:-}" ]; then
  echo "XUNCHA_TEST_PG_URL/XUNCHA_TEST_REDIS not set (tests/run.sh sets them): skipped" >&2; exit 77
fi
test -f "$HERE/../../../gateway/web/dist/index.html" || { echo "gateway/web/dist is not built" >&2; exit 1; }
"$HERE/platform.sh" start "$BUILD" "$STATE"
set -a; source "$STATE/env"; set +a
ARTIFACTS=$ARTIFACTS node "$HERE/console.e2e.mjs"
