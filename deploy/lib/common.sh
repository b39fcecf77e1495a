# Shared by deploy/local/up.sh and tests/run.sh: install what is missing, build, start throwaway
# or persistent PostgreSQL 15 and Redis on loopback. Source it; it defines functions only.

XUNCHA_ROOT=${XUNCHA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
PG_BIN=/usr/lib/postgresql/15/bin

# Debian 12 packages the build, the tests and a local run need.
XUNCHA_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  protobuf-compiler protobuf-compiler-grpc libprotobuf-dev libgrpc++-dev libgrpc-dev libabsl-dev
  libpqxx-dev libhiredis-dev libsodium-dev libssl-dev libxlsxwriter-dev libcurl4-openssl-dev
  libgoogle-perftools-dev
  libboost-dev libboost-system-dev libgtest-dev libgmock-dev
  postgresql-15 postgresql-contrib redis-server kubectl wrk curl openssl unzip
  chromium fonts-wqy-microhei
)

xuncha_log() { printf '[xuncha] %s\n' "$*" >&2; }

xuncha_as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

xuncha_install_deps() {
  local missing=()
  for p in "${XUNCHA_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # Node.js (for the offline Kubernetes schema check) may come from another package build
  # (e.g. a nodejs that bundles npm); only install Debian's when the commands are missing.
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    xuncha_log "installing: ${missing[*]}"
    xuncha_as_root apt-get update -q
    xuncha_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      "${missing[@]}"
  fi
}

xuncha_build() {
  local build_dir=$1
  cmake -S "$XUNCHA_ROOT" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  # Two jobs: a generated gRPC unit takes ~350 MB and a Beast one ~580 MB; this machine has 2 cores.
  cmake --build "$build_dir" -- -j2
}

# The web console (gateway/web): `npm ci` when package-lock.json changed since the last install,
# `npm run build` (type check + Vite) when any of its sources changed since the last build.
# Stamps (hashes of the inputs) live in node_modules/ and dist/, neither of which is committed.
xuncha_build_console() {
  local web=$XUNCHA_ROOT/gateway/web lock_hash src_hash
  [ -f "$web/package.json" ] || return 0
  lock_hash=$(sha256sum "$web/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$web/node_modules/.xuncha-lock" 2>/dev/null)" != "$lock_hash" ]; then
    xuncha_log "installing the console's npm packages (npm ci)"
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error) || return 1
    echo "$lock_hash" > "$web/node_modules/.xuncha-lock"
  fi
  src_hash=$(cd "$web" && find src index.html vite.config.ts tsconfig.json package-lock.json -type f \
               -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$web/dist/.xuncha-src" 2>/dev/null)" != "$src_hash" ]; then
    xuncha_log "building the web console (gateway/web/dist)"
    (cd "$web" && npm run build --silent) || return 1
    echo "$src_hash" > "$web/dist/.xuncha-src"
  fi
}

# A loopback port nobody listens on.
xuncha_free_port() {
  local port
  while :; do
    port=$(( (RANDOM % 30000) + 20000 ))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

# xuncha_pg_run CMD... : run a PostgreSQL tool as the postgres user (initdb refuses root).
xuncha_pg_run() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# xuncha_pg_start DATA_DIR PORT : initialise when new, then start (waits until it accepts).
xuncha_pg_start() {
  local data=$1 port=$2 sock
  sock=$(dirname "$data")
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres "$data" "$sock"
    xuncha_pg_run "$PG_BIN/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  xuncha_pg_run "$PG_BIN/pg_ctl" -D "$data" -w -l "$sock/postgres.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $sock -c max_connections=300 -c fsync=${XUNCHA_PG_FSYNC:-on}" start >/dev/null
}

xuncha_pg_stop() {
  local data=$1
  [ -f "$data/postmaster.pid" ] && xuncha_pg_run "$PG_BIN/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true
}

# xuncha_redis_start DIR PORT [persist]: with "persist", an append-only file keeps streams (events
# not yet consumed) across restarts; tests run without it.
xuncha_redis_start() {
  local dir=$1 port=$2 aof=no
  [ "${3:-}" = persist ] && aof=yes
  mkdir -p "$dir"
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly "$aof" --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  for _ in $(seq 50); do
    redis-cli -p "$port" ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  xuncha_log "redis did not start on port $port"; return 1
}

xuncha_redis_stop() {
  local dir=$1
  if [ -f "$dir/redis.pid" ]; then
    kill "$(cat "$dir/redis.pid")" 2>/dev/null || true
    rm -f "$dir/redis.pid"
  fi
}

# Ed25519 signing key for tokens, generated on first use (never committed).
xuncha_ensure_keys() {
  local dir=$1
  mkdir -p "$dir"
  if [ ! -s "$dir/token_signing_key.pem" ]; then
    openssl genpkey -algorithm ed25519 -out "$dir/token_signing_key.pem" 2>/dev/null
    openssl pkey -in "$dir/token_signing_key.pem" -pubout -out "$dir/token_public_key.pem"
    chmod 600 "$dir/token_signing_key.pem"
  fi
  # The office's petition key pair (X25519, as libsodium's sealed boxes use): fieldwork gets the
  # public half (hex) to seal reporter identities; the secret half is for the custodian who
  # reveals them and is never given to a service.
  if [ ! -s "$dir/petition_public_key" ]; then
    openssl genpkey -algorithm x25519 -out "$dir/petition_key.pem" 2>/dev/null
    openssl pkey -in "$dir/petition_key.pem" -pubout -outform DER | tail -c 32 | od -An -tx1 -v \
      | tr -d ' \n' > "$dir/petition_public_key"
    openssl pkey -in "$dir/petition_key.pem" -outform DER | tail -c 32 | od -An -tx1 -v \
      | tr -d ' \n' > "$dir/petition_secret_key"
    chmod 600 "$dir/petition_key.pem" "$dir/petition_secret_key"
  fi
}

# xuncha_stop_platform HOME: stops the processes listed in HOME/run/pids (newest first: gateway,
# then services), waits up to 10 s for them, then Redis and PostgreSQL. Used by up.sh and down.sh.
xuncha_stop_platform() {
  local home=$1 run=$1/run alive _ name pid
  if [ -f "$run/pids" ]; then
    tac "$run/pids" | while read -r name pid; do
      kill -TERM "$pid" 2>/dev/null && xuncha_log "stopping $name ($pid)" || true
    done
    for _ in $(seq 100); do
      alive=0
      while read -r _ pid; do kill -0 "$pid" 2>/dev/null && alive=1; done < "$run/pids"
      [ $alive = 0 ] && break
      sleep 0.1
    done
    : > "$run/pids"
  fi
  xuncha_redis_stop "$home/redis"
  xuncha_pg_stop "$home/pg/data"
}
