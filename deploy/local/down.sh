#!/usr/bin/env bash
# Stops a platform started with deploy/local/up.sh --detach. Data stays in $XUNCHA_HOME.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/deploy/lib/common.sh"
XUNCHA_HOME=${XUNCHA_HOME:-$XUNCHA_ROOT/.xuncha}
RUN=$XUNCHA_HOME/run
if [ -f "$RUN/pids" ]; then
  tac "$RUN/pids" | while read -r name pid; do
    kill -TERM "$pid" 2>/dev/null && xuncha_log "stopping $name ($pid)" || true
  done
  for _ in $(seq 100); do
    alive=0
    while read -r _ pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$RUN/pids"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  : > "$RUN/pids"
fi
xuncha_redis_stop "$XUNCHA_HOME/redis"
xuncha_pg_stop "$XUNCHA_HOME/pg/data"
xuncha_log "stopped"
