#!/usr/bin/env bash
# Same read RPC (DirectoryService.GetOrgUnit) directly over gRPC and through the HTTP gateway,
# at the same concurrency; prints both rates and their ratio, per round and the median of the
# rounds (this machine's speed changes by half within minutes: one round proves little).
#
#   XUNCHA_TEST_PG_URL=postgresql://postgres@127.0.0.1:55432/postgres \
#   XUNCHA_TEST_REDIS=127.0.0.1:56379 tests/bench/gateway_vs_grpc.sh [build-dir]
#
# Each round: direct gRPC (gateway_grpc_bench), then wrk through the gateway (closed loop: at
# saturation, so its latency is 64 / throughput by Little's law), then, when xuncha-loadgen is
# built and PACED_RATE > 0, the gateway at a fixed offered rate (open loop, latency counted from
# when each request was due).
# Env: DURATION (seconds per measurement, default 10), ROUNDS (default 3), CONNECTIONS (default
# 64), WRK_THREADS (default 2), GATEWAY_IO_THREADS (default 2), PACED_RATE (requests/s, default
# 5000; 0 skips). Needs wrk, curl, psql, openssl. Builds nothing: build xuncha-directory,
# xuncha-gateway and gateway_grpc_bench (and xuncha-loadgen) first.
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

rounds=${ROUNDS:-3}
paced_rate=${PACED_RATE:-5000}
loadgen=$build/tests/bench/xuncha-loadgen
[[ -x $loadgen ]] || paced_rate=0
if (( paced_rate > 0 )); then
  echo "$org" >"$work/orgs.txt"
  echo '{"operations": [{"name": "GetOrgUnit", "http": "GET /api/v1/orgs/${org}"}]}' \
    >"$work/read_http.json"
fi
echo "GetOrgUnit, $connections concurrent, ${duration}s each, $rounds rounds"
summary=$work/rounds.txt
for round in $(seq "$rounds"); do
  grpc_line=$("$grpc_bench" 127.0.0.1:$dir_port "$token" "$org" "$connections" "$duration")
  grpc_rps=$(sed -n 's/.*grpc_rps=\([0-9.]*\).*/\1/p' <<<"$grpc_line")
  grpc_p99=$(sed -n 's/.*p99=\([0-9.]*\)ms.*/\1/p' <<<"$grpc_line")
  wrk_out=$(wrk --latency -t"${WRK_THREADS:-2}" -c"$connections" -d"${duration}s" \
    -H "Authorization: Bearer $token" "http://127.0.0.1:$gw_port/api/v1/orgs/$org")
  # Successful calls only on both sides: an overloaded backend refusing calls (429/503) must not
  # count as throughput.
  total=$(awk '/requests in/ {print $1}' <<<"$wrk_out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$wrk_out")
  http_rps=$(python3 -c "print(f'{($total - ${non2xx:-0}) / $duration:.1f}')")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$wrk_out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$wrk_out")
  echo "round $round"
  echo "  direct gRPC:   $grpc_line"
  echo "  via gateway:   http_requests=$total http_errors=${non2xx:-0} http_rps=$http_rps p50=$p50 p99=$p99"
  paced_p99=-
  if (( paced_rate > 0 )); then
    "$loadgen" --scenario="$work/read_http.json" --http_target=127.0.0.1:$gw_port \
      --token="$token" --pool=org="$work/orgs.txt" --clients="$connections" \
      --duration="$duration" --rate="$paced_rate" --json="$work/paced.json" >/dev/null
    paced=$(python3 -c "import json; d=json.load(open('$work/paced.json')); \
l=d['latency_ms']; print(d['throughput'], l['p50'], l['p99'], sum(d['error_codes'].values()))")
    read -r paced_rps paced_p50 paced_p99 paced_errors <<<"$paced"
    echo "  gateway at $paced_rate/s offered: ok_rps=$paced_rps p50=${paced_p50}ms p99=${paced_p99}ms errors=$paced_errors"
  fi
  echo "$grpc_rps $grpc_p99 $http_rps $p50 $p99 $paced_p99" >>"$summary"
done
python3 - "$summary" <<'PY'
import statistics, sys
def ms(v):  # wrk prints 4.21ms / 950.00us / 1.02s
    if v == "-": return None
    for unit, f in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if v.endswith(unit): return float(v[:-len(unit)]) * f
    return float(v)
rows = [line.split() for line in open(sys.argv[1])]
med = lambda xs: statistics.median(xs)
direct = [float(r[0]) for r in rows]; gw = [float(r[2]) for r in rows]
ratio = [g / d for g, d in zip(gw, direct)]
print(f"median of {len(rows)} rounds:")
print(f"  direct gRPC:   rps={med(direct):.1f} p99={med([float(r[1]) for r in rows]):.2f}ms")
print(f"  via gateway:   rps={med(gw):.1f} p50={med([ms(r[3]) for r in rows]):.2f}ms "
      f"p99={med([ms(r[4]) for r in rows]):.2f}ms")
paced = [float(r[5]) for r in rows if r[5] != "-"]
if paced: print(f"  gateway at the offered rate: p99={med(paced):.2f}ms")
print(f"ratio gateway/grpc = {med(ratio):.2f} (median; rounds {' '.join(f'{x:.2f}' for x in ratio)})")
PY
