#!/usr/bin/env bash
# Same read RPC (DirectoryService.GetOrgUnit) directly over gRPC and through the HTTP gateway,
# at the same concurrency; prints both rates and their ratio.
#
#   XUNCHA_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
#   XUNCHA_TEST_REDIS=127.0.0.1:56379 tests/bench/gateway_vs_grpc.sh [build-dir]
#
# Env: DURATION (seconds, default 10), CONNECTIONS (default 64), WRK_THREADS (default 2),
# GATEWAY_IO_THREADS (default 2). Needs wrk, curl, psql, openssl. Builds nothing: build
# xuncha-directory, xuncha-gateway and gateway_grpc_bench first.
set -euo pipefail

build=${1:-build}
duration=${DURATION:-10}
connections=${CONNECTIONS:-64}
pg_url=${XUNCHA_TEST_PG_URL:?set XUNCHA_TEST_PG_URL to a superuser URL of the postgres database}
redis=${XUNCHA_TEST_REDIS:?set XUNCHA_TEST_REDIS to host:port}
directory_bin=$build/services/directory/xuncha-directory
gateway_bin=$build/gateway/xuncha-gateway
grpc_bench=$build/tests/bench/gateway_grpc_bench
for bin in "$directory_bin" "$gateway_bin" "$grpc_bench"; do
  [[ -x $bin ]] || { echo "missing $bin: build it first" >&2; exit 2; }
done

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
work=$(mktemp -d)
db="bench_$(date +%s)_$$"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  psql "$pg_url" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

psql "$pg_url" -qc "CREATE DATABASE $db" >/dev/null
db_url="${pg_url%/*}/$db"
openssl genpkey -algorithm ed25519 -out "$work/private.pem" 2>/dev/null
openssl pkey -in "$work/private.pem" -pubout -out "$work/public.pem" 2>/dev/null
password=bench-admin-password

dir_port=$(free_port)
"$directory_bin" --listen=127.0.0.1:$dir_port --db_url="$db_url" --redis="$redis" \
  --token_private_key_file="$work/private.pem" --token_public_key_file="$work/public.pem" \
  --admin_password=$password --password_hash=fast 2>"$work/directory.log" &
pids+=($!)
gw_port=$(free_port)
"$gateway_bin" --http_listen=127.0.0.1:$gw_port --directory_addr=127.0.0.1:$dir_port \
  --token_public_key_file="$work/public.pem" --redis="$redis" \
  --rate_limit_key_prefix="bench:$db:" --rate_limit_address_rps=1000000 \
  --rate_limit_address_burst=1000000 --rate_limit_principal_rps=1000000 \
  --rate_limit_principal_burst=1000000 --io_threads="${GATEWAY_IO_THREADS:-2}" \
  2>"${GATEWAY_LOG:-$work/gateway.log}" &
pids+=($!)

for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$gw_port/readyz" >/dev/null && break
  sleep 0.2
done
json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
token=$(curl -sf -X POST "http://127.0.0.1:$gw_port/api/v1/auth/token" \
  -H 'Content-Type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" | json_field accessToken)
org=$(curl -sf -X POST "http://127.0.0.1:$gw_port/api/v1/orgs" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"name":"基准市委","kind":"CITY_COMMITTEE"}' | json_field id)
curl -sf "http://127.0.0.1:$gw_port/api/v1/orgs/$org" -H "Authorization: Bearer $token" >/dev/null

echo "GetOrgUnit, $connections concurrent, ${duration}s each"
grpc_line=$("$grpc_bench" 127.0.0.1:$dir_port "$token" "$org" "$connections" "$duration")
grpc_rps=$(sed -n 's/.*grpc_rps=\([0-9.]*\).*/\1/p' <<<"$grpc_line")
wrk_out=$(wrk --latency -t"${WRK_THREADS:-2}" -c"$connections" -d"${duration}s" \
  -H "Authorization: Bearer $token" "http://127.0.0.1:$gw_port/api/v1/orgs/$org")
# Successful calls only on both sides: an overloaded backend refusing calls (429/503) must not
# count as throughput.
total=$(awk '/requests in/ {print $1}' <<<"$wrk_out")
non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$wrk_out")
http_rps=$(python3 -c "print(f'{($total - ${non2xx:-0}) / $duration:.1f}')")
echo "direct gRPC:   $grpc_line"
p50=$(awk '$1 == "50%" {print $2}' <<<"$wrk_out")
p99=$(awk '$1 == "99%" {print $2}' <<<"$wrk_out")
echo "via gateway:   http_requests=$total http_errors=${non2xx:-0} http_rps=$http_rps p50=$p50 p99=$p99"
python3 -c "print(f'ratio gateway/grpc = {float($http_rps)/float($grpc_rps):.2f}')"
