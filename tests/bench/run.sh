#!/usr/bin/env bash
# The benchmark run (issue 11): starts a whole platform on its own ports with a throwaway data
# directory (PostgreSQL with fsync on), seeds it with xuncha-seed (or restores a cached seeded
# data directory), runs every comparison --runs times and writes the figures into
# tests/bench/RESULTS.md between the "run.sh" markers (min/median/max over the runs).
#
#   tests/bench/run.sh [--scale=tiny|small|full] [--seed=1] [--runs=3] [--duration=10]
#                      [--clients=64] [--paced-rate=5000] [--build=DIR] [--no-results] [--keep]
#                      [--deadline=S]
#   tests/bench/run.sh --smoke --build=DIR     tiny data, one short run of everything, no
#                                              RESULTS.md; what ctest's bench_smoke runs
#
# --deadline=S stops the run and fails it after S seconds, servers stopped and data removed as on
# any exit. ctest's own TIMEOUT kills with SIGKILL, which no trap sees: PostgreSQL and Redis
# (daemons) would outlive the test, so bench_smoke passes a deadline shorter than its TIMEOUT.
#
# BENCH_NOTE (environment) is added to the generated section, e.g. which binaries were used.
# Ports: PostgreSQL 45550, Redis 46550, services 18201-18206, gateway 18280, echo 18290
# (BENCH_PG_PORT, BENCH_REDIS_PORT, BENCH_PORT_BASE override); --smoke picks free ports.
# Seeded data directories are cached under $XUNCHA_BENCH_CACHE (default /tmp/xuncha-bench-cache),
# keyed by seed, scale and the seed tool's source, so a second run skips seeding. Migrations added
# since a data set was seeded are applied to the restored copy before anything is measured, as an
# upgrade would apply them (a full-scale seed takes over an hour; an index must not cost one).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
source "$ROOT/deploy/lib/common.sh"

SMOKE=0 SCALE=small SEED=1 RUNS=3 DURATION=10 CLIENTS=64 BUILD=$ROOT/build WRITE=1 KEEP=0 DEADLINE=0
# The read through the gateway is also run open-loop at this offered rate (requests/s over all
# clients): latency at a steady load, where the closed loop measures it at saturation.
PACED_RATE=5000
CACHE=${XUNCHA_BENCH_CACHE:-/tmp/xuncha-bench-cache}
for arg in "$@"; do
  case "$arg" in
    --smoke) SMOKE=1 ;;
    --scale=*) SCALE=${arg#*=} ;;
    --seed=*) SEED=${arg#*=} ;;
    --runs=*) RUNS=${arg#*=} ;;
    --duration=*) DURATION=${arg#*=} ;;
    --clients=*) CLIENTS=${arg#*=} ;;
    --paced-rate=*) PACED_RATE=${arg#*=} ;;
    --build=*) BUILD=${arg#*=} ;;
    --no-results) WRITE=0 ;;
    --keep) KEEP=1 ;;
    --deadline=*) DEADLINE=${arg#*=} ;;
    *) echo "usage: $0 [--smoke] [--scale=tiny|small|full] [--seed=N] [--runs=N] [--duration=S] [--clients=N] [--paced-rate=R] [--build=DIR] [--no-results] [--keep] [--deadline=S]" >&2; exit 2 ;;
  esac
done
# A free loopback port below Linux's ephemeral range (32768+), where an outgoing connection's
# local port cannot take it between the check and the bind.
free_port() {
  local port
  while :; do
    port=$(( (RANDOM % 12000) + 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}
if [ $SMOKE = 1 ]; then
  SCALE=tiny RUNS=1 DURATION=1 CLIENTS=8 WRITE=0 CACHE=""
  PG_PORT=$(free_port) REDIS_PORT=$(free_port)
  declare -A PORT=([directory]=$(free_port) [planning]=$(free_port)
                   [fieldwork]=$(free_port) [issues]=$(free_port)
                   [rectification]=$(free_port) [clues]=$(free_port))
  HTTP_PORT=$(free_port) ECHO_PORT=$(free_port)
else
  PG_PORT=${BENCH_PG_PORT:-45550} REDIS_PORT=${BENCH_REDIS_PORT:-46550}
  base=${BENCH_PORT_BASE:-18200}
  declare -A PORT=([directory]=$((base+1)) [planning]=$((base+2)) [fieldwork]=$((base+3))
                   [issues]=$((base+4)) [rectification]=$((base+5)) [clues]=$((base+6)))
  HTTP_PORT=$((base+80)) ECHO_PORT=$((base+90))
fi
SERVICES=(directory planning fieldwork issues rectification clues)
BIN_LOADGEN=$BUILD/tests/bench/xuncha-loadgen
BIN_SEED=$BUILD/tests/bench/xuncha-seed
BIN_ECHO=$BUILD/tests/bench/xuncha-bench-echo
BIN_GATEWAY=$BUILD/gateway/xuncha-gateway
PGBENCH=$PG_BIN/pgbench
for bin in "$BIN_LOADGEN" "$BIN_SEED" "$BIN_ECHO" "$BIN_GATEWAY" "$PGBENCH" \
           $(for s in "${SERVICES[@]}"; do echo "$BUILD/services/$s/xuncha-$s"; done); do
  [ -x "$bin" ] || { xuncha_log "missing $bin: build it first"; exit 2; }
done

WORK=$(mktemp -d /tmp/xuncha-bench.XXXXXX)
chmod 755 "$WORK"
mkdir -p "$WORK/logs" "$WORK/out" "$WORK/scenarios" "$WORK/pg"
RESULTS=$WORK/results.jsonl
: > "$RESULTS"
declare -A PID=()
SAMPLER="" WATCHDOG=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM  # once: the exit below would run it again
  if [ -n "$WATCHDOG" ]; then
    pkill -P "$WATCHDOG" 2>/dev/null || true  # its sleep
    kill "$WATCHDOG" 2>/dev/null || true
  fi
  [ -e "$WORK/deadline-passed" ] && xuncha_log "stopped: the deadline of ${DEADLINE}s passed"
  [ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null || true
  for name in "${!PID[@]}"; do kill -TERM "${PID[$name]}" 2>/dev/null || true; done
  for name in "${!PID[@]}"; do wait "${PID[$name]}" 2>/dev/null || true; done
  xuncha_redis_stop "$WORK/redis"
  xuncha_pg_stop "$WORK/pg/data"
  if [ $KEEP = 1 ] || [ $rc != 0 ]; then xuncha_log "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  exit $rc
}
trap cleanup EXIT INT TERM
if [ "$DEADLINE" -gt 0 ]; then
  # TERM to this script runs cleanup only once its foreground command returns, so that command
  # (a load generator, the seed, pgbench) is sent TERM too. Quiet: an output pipe held open by
  # a left-over sleep would keep ctest waiting.
  (
    sleep "$DEADLINE"
    touch "$WORK/deadline-passed"
    kill -TERM $$
    for child in $(ps -o pid= --ppid $$); do
      [ "$child" = "$BASHPID" ] || kill -TERM "$child"
    done
  ) >/dev/null 2>&1 &
  WATCHDOG=$!
fi

now_ns() { date +%s%N; }
DB_URL="postgresql://postgres@127.0.0.1:$PG_PORT/postgres"
KEYS=$WORK/keys
PASSWORD_FILE=$WORK/admin-password

# start NAME: execs the service (or gateway) and waits until it is ready; appends the time from
# exec to SERVING (gRPC health) to $WORK/startup.txt.
start() {
  local name=$1 t0 t1 env=(XUNCHA_DB_URL="$DB_URL" XUNCHA_REDIS="127.0.0.1:$REDIS_PORT"
    XUNCHA_TOKEN_PUBLIC_KEY_FILE="$KEYS/token_public_key.pem")
  for s in "${SERVICES[@]}"; do env+=("XUNCHA_${s^^}_ADDR=127.0.0.1:${PORT[$s]}"); done
  if [ "$name" = gateway ]; then
    # Rate limits out of the way: the benchmark measures the pipeline, not the limiter.
    env+=(XUNCHA_HTTP_LISTEN="127.0.0.1:$HTTP_PORT" XUNCHA_RATE_LIMIT_ADDRESS_RPS=1000000
          XUNCHA_RATE_LIMIT_ADDRESS_BURST=1000000 XUNCHA_RATE_LIMIT_PRINCIPAL_RPS=1000000
          XUNCHA_RATE_LIMIT_PRINCIPAL_BURST=1000000)
    env "${env[@]}" "$BIN_GATEWAY" >> "$WORK/logs/gateway.log" 2>&1 &
    PID[gateway]=$!
    for _ in $(seq 200); do
      curl -fsS "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && return 0
      kill -0 "${PID[gateway]}" 2>/dev/null || break
      sleep 0.1
    done
    xuncha_log "gateway not ready; see $WORK/logs/gateway.log"; tail -5 "$WORK/logs/gateway.log" >&2; return 1
  fi
  env+=(XUNCHA_LISTEN="127.0.0.1:${PORT[$name]}")
  if [ "$name" = directory ]; then
    env+=(XUNCHA_TOKEN_PRIVATE_KEY_FILE="$KEYS/token_signing_key.pem"
          XUNCHA_ADMIN_PASSWORD="$(cat "$PASSWORD_FILE")" XUNCHA_PASSWORD_HASH=fast)
  fi
  t0=$(now_ns)
  env "${env[@]}" "$BUILD/services/$name/xuncha-$name" >> "$WORK/logs/$name.log" 2>&1 &
  PID[$name]=$!
  if ! t1=$("$BIN_LOADGEN" --probe_serving="127.0.0.1:${PORT[$name]}" --timeout_ms=60000); then
    xuncha_log "$name not serving; see $WORK/logs/$name.log"; tail -5 "$WORK/logs/$name.log" >&2; return 1
  fi
  t1=${t1#serving_at_ns=}
  echo "$name $(( (t1 - t0) / 1000000 ))" >> "$WORK/startup.txt"
}

stop() {  # stop NAME
  kill -TERM "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]"
}

start_platform() {
  for s in "${SERVICES[@]}"; do start "$s"; done
  start gateway
}
stop_platform() {
  stop gateway
  for s in "${SERVICES[@]}"; do stop "$s"; done
}

# ---- data set: restore from the cache or seed ---------------------------------------------------
key=$( { echo "seed=$SEED scale=$SCALE"; cat "$ROOT/tests/bench/seed/seed_main.cc"; } \
       | sha256sum | cut -c1-16)
if [ -n "$CACHE" ] && [ -s "$CACHE/$key/ok" ]; then
  xuncha_log "restoring seeded data set $key (scale $SCALE, seed $SEED) from $CACHE"
  cp -a "$CACHE/$key/pgdata" "$WORK/pg/data"
  cp -a "$CACHE/$key/keys" "$KEYS"
  cp -a "$CACHE/$key/out/." "$WORK/out/"
  cp "$CACHE/$key/admin-password" "$PASSWORD_FILE"
  [ "$(id -u)" -eq 0 ] && chown postgres "$WORK/pg"
  "$BIN_SEED" --tokens_only=true --token_key_file="$KEYS/token_signing_key.pem" --out="$WORK/out"
  # Each service applies its pending migrations at start; this untimed start and stop does it
  # now, so the measured start-up below is on an already-migrated database.
  xuncha_log "applying migrations newer than the data set (if any)"
  XUNCHA_PG_FSYNC=off xuncha_pg_start "$WORK/pg/data" "$PG_PORT"
  xuncha_redis_start "$WORK/redis" "$REDIS_PORT"
  start_platform
  stop_platform
  xuncha_redis_stop "$WORK/redis"
  xuncha_pg_stop "$WORK/pg/data"
  SEEDED_NOW=0
else
  xuncha_ensure_keys "$KEYS"
  (umask 077; openssl rand -hex 12 > "$PASSWORD_FILE")
  # Seeding is not measured; fsync off makes it faster. Measurements below run with fsync on.
  XUNCHA_PG_FSYNC=off xuncha_pg_start "$WORK/pg/data" "$PG_PORT"
  xuncha_redis_start "$WORK/redis" "$REDIS_PORT"
  start_platform
  xuncha_log "seeding (scale $SCALE, seed $SEED)"
  "$BIN_SEED" --directory="127.0.0.1:${PORT[directory]}" --planning="127.0.0.1:${PORT[planning]}" \
    --issues="127.0.0.1:${PORT[issues]}" --rectification="127.0.0.1:${PORT[rectification]}" \
    --clues="127.0.0.1:${PORT[clues]}" --admin_password_file="$PASSWORD_FILE" \
    --token_key_file="$KEYS/token_signing_key.pem" --out="$WORK/out" --seed="$SEED" \
    --scale="$SCALE" 2>&1 | tee "$WORK/logs/seed.log" >&2
  stop_platform
  xuncha_redis_stop "$WORK/redis"
  xuncha_pg_stop "$WORK/pg/data"
  if [ -n "$CACHE" ]; then
    mkdir -p "$CACHE/$key.tmp"
    cp -a "$WORK/pg/data" "$CACHE/$key.tmp/pgdata"
    cp -a "$KEYS" "$CACHE/$key.tmp/keys"
    cp -a "$WORK/out" "$CACHE/$key.tmp/out"
    cp "$PASSWORD_FILE" "$CACHE/$key.tmp/admin-password"
    echo ok > "$CACHE/$key.tmp/ok"
    rm -rf "${CACHE:?}/$key" && mv "$CACHE/$key.tmp" "$CACHE/$key"
  fi
  SEEDED_NOW=1
fi

# ---- the measured platform: already-migrated database, fsync on ---------------------------------
: > "$WORK/startup.txt"
XUNCHA_PG_FSYNC=on xuncha_pg_start "$WORK/pg/data" "$PG_PORT"
xuncha_redis_start "$WORK/redis" "$REDIS_PORT"
start_platform
OUT=$WORK/out
TOKEN_STAFF=$OUT/tokens/city_staff.token
TOKEN_LEADING=$OUT/tokens/city_leading.token
TOKEN_LEADER=$OUT/tokens/leader.token
sleep 3
# rss PID: sets RSS_KIB to the process's resident set in KiB (0 once it is gone). Shell builtins
# only, no command substitution: the sampler below runs during the measurements, and a fork (and
# exec of awk) per process per sample took CPU from what was being measured.
rss() {
  RSS_KIB=0
  local key value _
  while read -r key value _; do
    if [ "$key" = VmRSS: ]; then RSS_KIB=$value; return 0; fi
  done 2>/dev/null < "/proc/$1/status" || true
}
for name in "${SERVICES[@]}" gateway; do
  rss "${PID[$name]}"
  echo "{\"section\":\"rss_idle\",\"label\":\"$name\",\"kib\":$RSS_KIB}" >> "$RESULTS"
done

# Peak RSS of every process while the load runs (sampled twice a second).
( declare -A peak=()
  while :; do
    for name in "${SERVICES[@]}" gateway; do
      rss "${PID[$name]}"; [ "$RSS_KIB" -gt "${peak[$name]:-0}" ] && peak[$name]=$RSS_KIB
    done
    for name in "${!peak[@]}"; do echo "$name ${peak[$name]}"; done > "$WORK/rss_peak.txt"
    sleep 0.5
  done ) &
SAMPLER=$!

# load SECTION LABEL CLIENTS ARGS...: one xuncha-loadgen run, its JSON appended to the results.
load() {
  local section=$1 label=$2 clients=$3; shift 3
  local json=$WORK/last.json
  "$BIN_LOADGEN" --clients="$clients" --duration="$DURATION" --label="$section/$label" \
    --json="$json" "$@" | sed 's/^/  /' >&2
  python3 -c "import json,sys; d=json.load(open('$json')); d['section']='$section'; d['label']='$label'; print(json.dumps(d))" >> "$RESULTS"
}

cat > "$WORK/scenarios/read_grpc.json" <<'EOF'
{"operations": [{"name": "GetOrgUnit", "grpc": "xuncha.directory.v1.DirectoryService/GetOrgUnit",
                 "body": {"id": "${org}"}}]}
EOF
cat > "$WORK/scenarios/read_http.json" <<'EOF'
{"operations": [{"name": "GetOrgUnit", "http": "GET /api/v1/orgs/${org}"}]}
EOF
cat > "$WORK/scenarios/echo.json" <<'EOF'
{"operations": [{"name": "HealthCheck", "grpc": "grpc.health.v1.Health/Check", "body": {}}]}
EOF
cat > "$WORK/scenarios/create_http.json" <<'EOF'
{"operations": [{"name": "CreateIssue", "http": "POST /api/v1/issues",
  "body": {"engagementId": "${engagement}", "title": "基准问题 ${seq}",
           "description": "经查阅凭证发现", "categoryId": "${category}",
           "disciplineType": "INTEGRITY", "severity": "GENERAL", "source": "INTERVIEW",
           "sourceRecordId": "${record}", "responsiblePost": "财务科长"}}]}
EOF
city_path=$(cat "$OUT/pools/city_path.txt")
city_plan=$(cat "$OUT/pools/city_plan.txt")
cat > "$WORK/scenarios/dash_issue.json" <<'EOF'
{"operations": [{"name": "GetIssueStats", "http": "GET /api/v1/issueStats"}]}
EOF
cat > "$WORK/scenarios/dash_rect.json" <<EOF
{"operations": [{"name": "GetRectificationStats", "http": "GET /api/v1/rectificationStats?org=$city_path"}]}
EOF
cat > "$WORK/scenarios/dash_coverage.json" <<EOF
{"operations": [{"name": "GetCoverage", "http": "GET /api/v1/plans/$city_plan/coverage"}]}
EOF
cat > "$WORK/scenarios/dash_clues.json" <<'EOF'
{"operations": [{"name": "GetClueBacklog", "http": "GET /api/v1/clueBacklog"}]}
EOF

# pgbench's side of comparison 2: the same three rows per transaction (issue, outbox event, audit
# entry) into tables shaped like the services' own, in a schema of its own; the second script
# also takes the audit chain's lock and reads the chain head, as AppendAudit does.
psql "$DB_URL" -q >/dev/null <<'EOF'
SET client_min_messages = warning;
DROP SCHEMA IF EXISTS bench_pg CASCADE;
CREATE SCHEMA bench_pg;
CREATE TABLE bench_pg.issues (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  engagement_id uuid NOT NULL, title text NOT NULL, description text NOT NULL,
  category_id uuid NOT NULL, discipline_type text NOT NULL, severity text NOT NULL,
  source text NOT NULL, responsible_post text NOT NULL, created_by text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX ON bench_pg.issues (engagement_id);
CREATE TABLE bench_pg.outbox (seq bigserial PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(), event_type text NOT NULL,
  aggregate_id text NOT NULL, payload text NOT NULL, request_id text NOT NULL DEFAULT '',
  occurred_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz);
CREATE TABLE bench_pg.audit_log (seq bigserial PRIMARY KEY, actor text NOT NULL,
  action text NOT NULL, resource text NOT NULL, at text NOT NULL, request_id text NOT NULL,
  prev_hash text NOT NULL, hash text NOT NULL);
CREATE INDEX ON bench_pg.audit_log (resource, seq);
EOF
pg_common='BEGIN;
INSERT INTO bench_pg.issues (engagement_id, title, description, category_id, discipline_type, severity, source, responsible_post, created_by) VALUES (gen_random_uuid(), '"'"'基准问题'"'"', '"'"'经查阅凭证发现'"'"', gen_random_uuid(), '"'"'INTEGRITY'"'"', '"'"'GENERAL'"'"', '"'"'INTERVIEW'"'"', '"'"'财务科长'"'"', '"'"'user:bench'"'"');
INSERT INTO bench_pg.outbox (event_type, aggregate_id, payload) VALUES ('"'"'issues.issue.created'"'"', '"'"'x'"'"', repeat('"'"'x'"'"', 600));'
printf '%s\n%s\nCOMMIT;\n' "$pg_common" \
  "INSERT INTO bench_pg.audit_log (actor, action, resource, at, request_id, prev_hash, hash) VALUES ('user:bench', 'issue.create', 'issues/x', now()::text, '', repeat('0', 64), repeat('1', 64));" \
  > "$WORK/scenarios/pgbench_rows.sql"
printf '%s\n%s\n%s\nCOMMIT;\n' "$pg_common" \
  "SELECT pg_advisory_xact_lock(hashtext('bench_pg.audit_log'));" \
  "INSERT INTO bench_pg.audit_log (actor, action, resource, at, request_id, prev_hash, hash) SELECT 'user:bench', 'issue.create', 'issues/x', now()::text, '', coalesce((SELECT hash FROM bench_pg.audit_log ORDER BY seq DESC LIMIT 1), repeat('0', 64)), repeat('1', 64);" \
  > "$WORK/scenarios/pgbench_chain.sql"
pgbench_run() {  # pgbench_run LABEL SCRIPT
  local out
  out=$(xuncha_pg_run "$PGBENCH" -n -c "$CLIENTS" -j 2 -T "$DURATION" -f "$2" \
        -h 127.0.0.1 -p "$PG_PORT" -U postgres postgres 2>&1)
  local tps lat failed
  tps=$(awk '/^tps = / {print $3; exit}' <<<"$out")
  lat=$(awk '/^latency average/ {print $4; exit}' <<<"$out")
  failed=$(awk '/number of failed transactions/ {print $5; exit}' <<<"$out")
  echo "  pgbench/$1: tps=$tps latency_avg_ms=$lat failed=${failed:-0}" >&2
  echo "{\"section\":\"create\",\"label\":\"$1\",\"throughput\":$tps,\"latency_ms\":{\"mean\":$lat},\"errors\":${failed:-0}}" >> "$RESULTS"
}

for run in $(seq "$RUNS"); do
  xuncha_log "run $run/$RUNS: (1) read RPC, $CLIENTS clients, ${DURATION}s each"
  load read grpc "$CLIENTS" --scenario="$WORK/scenarios/read_grpc.json" \
    --grpc_target="127.0.0.1:${PORT[directory]}" --token_file="$TOKEN_STAFF" \
    --pool=org="$OUT/pools/city_orgs.txt" --seed="$run"
  load read gateway "$CLIENTS" --scenario="$WORK/scenarios/read_http.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_STAFF" \
    --pool=org="$OUT/pools/city_orgs.txt" --seed="$run"
  load read gateway_paced "$CLIENTS" --scenario="$WORK/scenarios/read_http.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_STAFF" \
    --pool=org="$OUT/pools/city_orgs.txt" --seed="$run" --rate="$PACED_RATE"
  if [ "$run" = 1 ]; then
    XUNCHA_LISTEN="127.0.0.1:$ECHO_PORT" "$BIN_ECHO" >> "$WORK/logs/echo.log" 2>&1 &
    PID[echo]=$!
    "$BIN_LOADGEN" --probe_serving="127.0.0.1:$ECHO_PORT" >/dev/null
  fi
  load read echo "$CLIENTS" --scenario="$WORK/scenarios/echo.json" \
    --grpc_target="127.0.0.1:$ECHO_PORT"

  xuncha_log "run $run/$RUNS: (2) create-issue through the gateway vs pgbench"
  load create gateway "$CLIENTS" --scenario="$WORK/scenarios/create_http.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_LEADER" \
    --pool=engagement="$OUT/pools/leader_engagement.txt" \
    --pool=category="$OUT/pools/categories.txt" --pool=record="$OUT/pools/engagements.txt" \
    --seed="$run"
  pgbench_run pgbench_rows "$WORK/scenarios/pgbench_rows.sql"
  pgbench_run pgbench_chain "$WORK/scenarios/pgbench_chain.sql"

  xuncha_log "run $run/$RUNS: (3) city dashboards through the gateway, 4 clients"
  load dashboard issue_stats 4 --scenario="$WORK/scenarios/dash_issue.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_STAFF"
  load dashboard rectification_stats 4 --scenario="$WORK/scenarios/dash_rect.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_STAFF"
  load dashboard coverage 4 --scenario="$WORK/scenarios/dash_coverage.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_STAFF"
  load dashboard clue_backlog 4 --scenario="$WORK/scenarios/dash_clues.json" \
    --http_target="127.0.0.1:$HTTP_PORT" --token_file="$TOKEN_LEADING"
done
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
SAMPLER=""
while read -r name kib; do
  echo "{\"section\":\"rss_load\",\"label\":\"$name\",\"kib\":$kib}" >> "$RESULTS"
done < "$WORK/rss_peak.txt"
stop echo

# (4) the talent-pool draw (in-process; services/planning's bench binary), when built.
if [ -x "$BUILD/services/planning/planning_draw_bench" ]; then
  for run in $(seq "$RUNS"); do
    line=$("$BUILD/services/planning/planning_draw_bench")
    echo "  $line" >&2
    best=$(sed -n 's/.*best \([0-9.]*\) ms.*/\1/p' <<<"$line")
    mean=$(sed -n 's/.*mean \([0-9.]*\) ms.*/\1/p' <<<"$line")
    echo "{\"section\":\"draw\",\"label\":\"draw\",\"best_ms\":$best,\"mean_ms\":$mean}" >> "$RESULTS"
  done
fi

# (5) start-up to SERVING on the already-migrated database: the first start above, then each
# service restarted RUNS-1 more times.
for run in $(seq 2 "$RUNS"); do
  for s in "${SERVICES[@]}"; do stop "$s"; start "$s"; done
done
while read -r name ms; do
  echo "{\"section\":\"startup\",\"label\":\"$name\",\"ms\":$ms}" >> "$RESULTS"
done < "$WORK/startup.txt"
stop_platform

summary=$(head -1 "$OUT/summary.txt")
python3 "$ROOT/tests/bench/report.py" "$RESULTS" --scale="$SCALE" --seed="$SEED" --runs="$RUNS" \
  --duration="$DURATION" --clients="$CLIENTS" --paced_rate="$PACED_RATE" --summary="$summary" \
  --note="${BENCH_NOTE:-}" \
  --commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$ROOT" diff --quiet 2>/dev/null || echo '+changes')" \
  > "$WORK/section.md"
cat "$WORK/section.md"
if [ $SMOKE = 1 ]; then
  # Every comparison must have produced figures with successful calls.
  python3 "$ROOT/tests/bench/report.py" "$RESULTS" --check
fi
if [ $WRITE = 1 ]; then
  python3 "$ROOT/tests/bench/report.py" --splice="$ROOT/tests/bench/RESULTS.md" < "$WORK/section.md"
  xuncha_log "wrote tests/bench/RESULTS.md"
fi
