#!/usr/bin/env bash
# Stops a platform started with deploy/local/up.sh --detach. Data stays in $XUNCHA_HOME.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/deploy/lib/common.sh"
XUNCHA_HOME=${XUNCHA_HOME:-$XUNCHA_ROOT/.xuncha}
xuncha_stop_platform "$XUNCHA_HOME"
xuncha_log "stopped"
