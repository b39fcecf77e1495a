#!/usr/bin/env bash
# Starts (or stops) the whole platform for the console's browser test: a fresh database in the
# PostgreSQL server named by XUNCHA_TEST_PG_URL, the six services and the gateway on free
# loopback ports, a freshly generated Ed25519 token key pair and admin password, and the built
# console (gateway/web/dist) as the gateway's static_dir. Nothing is shared with other runs:
# the database, the Redis stream prefix and the ports are new each time.
#   platform.sh start BUILD_DIR STATE_DIR   → writes STATE_DIR/env (BASE_URL, ADMIN_PASSWORD)
#   platform.sh stop STATE_DIR              → stops the processes, drops the database
set -euo pipefail
source "$(cd "$(dirname "$0")/../../.." && pwd)/deploy/lib/common.sh"

SERVICES=(directory planning fieldwork issues rectification clues)
PICKED=" "

# A loopback port below the kernel's ephemeral range (32768+), so that no outgoing connection
# can take it between the choice and the bind; never the same one twice in a run.
pick_port() {  # sets PORT
  local port
  while :; do
    port=$(( (RANDOM % 12000) + 20000 ))
    case "$PICKED" in *" $port "*) continue ;; esac
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
    PICKED+="$port "
    PORT=$port; return
  done
}

start() {
  local build=$1 state=$2
  : "${XUNCHA_TEST_PG_URL:?set XUNCHA_TEST_PG_URL (tests/run.sh does)}"
  : "${XUNCHA_TEST_REDIS:?set XUNCHA_TEST_REDIS (tests/run.sh does)}"
  mkdir -p "$state/logs"
  : > "$state/pids"
  local db="xuncha_web_e2e_$(openssl rand -hex 4)"
  psql "$XUNCHA_TEST_PG_URL" -qAt -c "CREATE DATABASE $db" >/dev/null
  echo "$db" > "$state/database"
  local db_url=${XUNCHA_TEST_PG_URL%/*}/$db
  xuncha_ensure_keys "$state/keys"
  local admin_password
  admin_password=$(openssl rand -hex 12)

  declare -A ports
  local svc
  for svc in "${SERVICES[@]}"; do pick_port; ports[$svc]=$PORT; done
  for svc in "${SERVICES[@]}"; do export "XUNCHA_${svc^^}_ADDR=127.0.0.1:${ports[$svc]}"; done
  export XUNCHA_DB_URL=$db_url XUNCHA_REDIS=$XUNCHA_TEST_REDIS
  export XUNCHA_TOKEN_PUBLIC_KEY_FILE=$state/keys/token_public_key.pem
  export XUNCHA_EVENT_STREAM_PREFIX="webe2e-$(openssl rand -hex 4):"

  for svc in "${SERVICES[@]}"; do
    local extra=()
    if [ "$svc" = directory ]; then
      extra=(XUNCHA_TOKEN_PRIVATE_KEY_FILE="$state/keys/token_signing_key.pem"
             XUNCHA_ADMIN_PASSWORD="$admin_password" XUNCHA_PASSWORD_HASH=fast)
    elif [ "$svc" = fieldwork ]; then
      mkdir -p "$state/evidence"
      extra=(XUNCHA_EVIDENCE_DIR="$state/evidence"
             XUNCHA_PETITION_PUBLIC_KEY_FILE="$state/keys/petition_public_key")
    fi
    env XUNCHA_LISTEN="127.0.0.1:${ports[$svc]}" "${extra[@]}" \
      "$build/services/$svc/xuncha-$svc" >> "$state/logs/$svc.log" 2>&1 &
    echo "$svc $!" >> "$state/pids"
  done
  for svc in "${SERVICES[@]}"; do wait_port "$svc" "${ports[$svc]}" "$state"; done

  local http_port
  pick_port; http_port=$PORT
  env XUNCHA_HTTP_LISTEN="127.0.0.1:$http_port" XUNCHA_STATIC_DIR="$XUNCHA_ROOT/gateway/web/dist" \
    XUNCHA_RATE_LIMIT_ADDRESS_RPS=0 XUNCHA_RATE_LIMIT_PRINCIPAL_RPS=0 \
    "$build/gateway/xuncha-gateway" >> "$state/logs/gateway.log" 2>&1 &
  echo "gateway $!" >> "$state/pids"
  wait_port gateway "$http_port" "$state"
  for _ in $(seq 300); do
    curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  cat > "$state/env" <<ENV
BASE_URL=http://127.0.0.1:$http_port
ADMIN_PASSWORD=$admin_password
ENV
}

wait_port() {  # wait_port NAME PORT STATE
  local pid
  pid=$(awk -v n="$1" '$1==n{print $2}' "$3/pids")
  for _ in $(seq 300); do
    (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || { xuncha_log "$1 exited:"; tail -5 "$3/logs/$1.log" >&2; return 1; }
    sleep 0.1
  done
  xuncha_log "$1 did not open port $2"; return 1
}

stop() {
  local state=$1 _ pid
  if [ -f "$state/pids" ]; then
    tac "$state/pids" | while read -r _ pid; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 100); do
      local alive=0
      while read -r _ pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$state/pids"
      [ $alive = 0 ] && break
      sleep 0.1
    done
    while read -r _ pid; do kill -KILL "$pid" 2>/dev/null || true; done < "$state/pids"
    : > "$state/pids"
  fi
  if [ -s "$state/database" ] && [ -n "${XUNCHA_TEST_PG_URL:-}" ]; then
    psql "$XUNCHA_TEST_PG_URL" -qAt -c "DROP DATABASE IF EXISTS $(cat "$state/database") WITH (FORCE)" >/dev/null || true
    : > "$state/database"
  fi
}

case "${1:-}" in
  start) start "$2" "$3" ;;
  stop) stop "$2" ;;
  *) echo "usage: $0 start BUILD_DIR STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
