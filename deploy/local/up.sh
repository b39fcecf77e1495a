#!/usr/bin/env bash
# Runs the whole platform on this machine: installs what is missing (apt), builds, starts
# PostgreSQL 15 and Redis on loopback with data under $XUNCHA_HOME (default ./.xuncha), applies
# migrations (each service does at start-up), starts every built service and the gateway, prints
# the addresses and the admin credentials, and stops everything on Ctrl-C. Data survives restarts.
#   deploy/local/up.sh            run in the foreground
#   deploy/local/up.sh --detach   start and return; stop with deploy/local/down.sh
# Settings (environment): XUNCHA_HOME, XUNCHA_HTTP_PORT (8080), XUNCHA_PG_PORT (15432),
# XUNCHA_REDIS_PORT (16379), XUNCHA_ADMIN_PASSWORD (generated on first run), XUNCHA_BUILD_DIR.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/deploy/lib/common.sh"

DETACH=0
for arg in "$@"; do
  case "$arg" in
    --detach) DETACH=1 ;;
    *) echo "usage: $0 [--detach]" >&2; exit 2 ;;
  esac
done

export XUNCHA_HOME=${XUNCHA_HOME:-$XUNCHA_ROOT/.xuncha}
mkdir -p "$XUNCHA_HOME"
XUNCHA_HOME=$(cd "$XUNCHA_HOME" && pwd)
BUILD=${XUNCHA_BUILD_DIR:-$XUNCHA_ROOT/build}
HTTP_PORT=${XUNCHA_HTTP_PORT:-8080}
PG_PORT=${XUNCHA_PG_PORT:-15432}
REDIS_PORT=${XUNCHA_REDIS_PORT:-16379}
RUN=$XUNCHA_HOME/run
LOGS=$XUNCHA_HOME/logs
mkdir -p "$RUN" "$LOGS"
chmod 755 "$XUNCHA_HOME"

if [ -f "$RUN/pids" ] && [ -s "$RUN/pids" ]; then
  while read -r _ pid; do
    if kill -0 "$pid" 2>/dev/null; then
      xuncha_log "already running (pid $pid); stop it with deploy/local/down.sh"; exit 1
    fi
  done < "$RUN/pids"
fi

xuncha_install_deps
xuncha_log "building in $BUILD (first build takes several minutes)"
xuncha_build "$BUILD"
xuncha_build_console

# Port of each gRPC service; the same env names as the Kubernetes manifests.
declare -A GRPC_PORTS=([directory]=7101 [planning]=7102 [fieldwork]=7103 [issues]=7104
                       [rectification]=7105 [clues]=7106 [webhooks]=7107)
SERVICES=()
for svc in directory planning fieldwork issues rectification clues webhooks; do
  [ -x "$BUILD/services/$svc/xuncha-$svc" ] && SERVICES+=("$svc")
done

xuncha_ensure_keys "$XUNCHA_HOME/keys"
if [ -z "${XUNCHA_ADMIN_PASSWORD:-}" ]; then
  if [ ! -s "$XUNCHA_HOME/admin-password" ]; then
    (umask 077; openssl rand -hex 12 > "$XUNCHA_HOME/admin-password")
  fi
  XUNCHA_ADMIN_PASSWORD=$(cat "$XUNCHA_HOME/admin-password")
fi

: > "$RUN/pids"
stop_all() {
  trap - INT TERM EXIT
  xuncha_stop_platform "$XUNCHA_HOME"
}
trap stop_all INT TERM
trap 'rc=$?; [ $rc -ne 0 ] && stop_all; exit $rc' EXIT

xuncha_pg_start "$XUNCHA_HOME/pg/data" "$PG_PORT"
xuncha_redis_start "$XUNCHA_HOME/redis" "$REDIS_PORT" persist

export XUNCHA_DB_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
export XUNCHA_REDIS="127.0.0.1:$REDIS_PORT"
export XUNCHA_TOKEN_PUBLIC_KEY_FILE="$XUNCHA_HOME/keys/token_public_key.pem"
for svc in "${!GRPC_PORTS[@]}"; do
  export "XUNCHA_${svc^^}_ADDR=127.0.0.1:${GRPC_PORTS[$svc]}"
done

start() {  # start NAME BINARY [env assignments...]
  local name=$1 binary=$2; shift 2
  env "$@" "$binary" >> "$LOGS/$name.log" 2>&1 &
  echo "$name $!" >> "$RUN/pids"
}

wait_port() {  # wait_port NAME PORT PID
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || { xuncha_log "$1 exited; see $LOGS/$1.log"; tail -5 "$LOGS/$1.log" >&2; return 1; }
    sleep 0.1
  done
  xuncha_log "$1 did not open port $2; see $LOGS/$1.log"; return 1
}

for svc in "${SERVICES[@]}"; do
  port=${GRPC_PORTS[$svc]}
  extra=()
  if [ "$svc" = directory ]; then
    extra=(XUNCHA_TOKEN_PRIVATE_KEY_FILE="$XUNCHA_HOME/keys/token_signing_key.pem"
           XUNCHA_ADMIN_PASSWORD="$XUNCHA_ADMIN_PASSWORD")
  elif [ "$svc" = fieldwork ]; then
    # Evidence files (content-addressed) and the office's petition key (public half only).
    mkdir -p "$XUNCHA_HOME/evidence"
    extra=(XUNCHA_EVIDENCE_DIR="$XUNCHA_HOME/evidence"
           XUNCHA_PETITION_PUBLIC_KEY_FILE="$XUNCHA_HOME/keys/petition_public_key")
  fi
  start "$svc" "$BUILD/services/$svc/xuncha-$svc" XUNCHA_LISTEN="127.0.0.1:$port" "${extra[@]}"
  wait_port "$svc" "$port" "$(tail -1 "$RUN/pids" | cut -d' ' -f2)"
done

if [ -x "$BUILD/gateway/xuncha-gateway" ]; then
  static=()
  [ -f "$XUNCHA_ROOT/gateway/web/dist/index.html" ] && static=(XUNCHA_STATIC_DIR="$XUNCHA_ROOT/gateway/web/dist")
  start gateway "$BUILD/gateway/xuncha-gateway" XUNCHA_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" "${static[@]}"
  wait_port gateway "$HTTP_PORT" "$(tail -1 "$RUN/pids" | cut -d' ' -f2)"
  for _ in $(seq 100); do
    curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
fi

cat <<INFO

Xuncha is running (data in $XUNCHA_HOME, logs in $LOGS)
  web console   http://127.0.0.1:$HTTP_PORT/
  HTTP API      http://127.0.0.1:$HTTP_PORT/api/v1   (OpenAPI: /api/v1/openapi.json)
  health        http://127.0.0.1:$HTTP_PORT/readyz
$(for svc in "${SERVICES[@]}"; do printf '  %-13s grpc 127.0.0.1:%s\n' "$svc" "${GRPC_PORTS[$svc]}"; done)
  PostgreSQL    127.0.0.1:$PG_PORT (user postgres)    Redis 127.0.0.1:$REDIS_PORT
  admin login   username admin, password $XUNCHA_ADMIN_PASSWORD
  try:  curl -s http://127.0.0.1:$HTTP_PORT/api/v1/auth/token -H 'Content-Type: application/json' \\
          -d '{"username":"admin","password":"$XUNCHA_ADMIN_PASSWORD"}'
INFO

trap - EXIT
if [ $DETACH = 1 ]; then
  trap - INT TERM
  xuncha_log "detached; stop with deploy/local/down.sh"
  exit 0
fi
xuncha_log "press Ctrl-C to stop"
# Wait until interrupted or a process dies.
while :; do
  while read -r name pid; do
    if ! kill -0 "$pid" 2>/dev/null; then
      xuncha_log "$name exited; see $LOGS/$name.log"; stop_all; exit 1
    fi
  done < "$RUN/pids"
  sleep 1
done
