#!/usr/bin/env bash
# Offline validation of the container and Kubernetes deployment (issue 10). No cluster, no Docker:
#   1. renders every overlay with `kubectl kustomize`;
#   2. validates every rendered object against the Kubernetes API schema (kubernetes-models from
#      npm, installed here into k8s/tools/node_modules) and the CloudNativePG Cluster structurally;
#   3. checks the project's rules: probes, requests+limits, hardened securityContext, named Service
#      ports, the project's image and programs, every XUNCHA_* env name is a setting the binary
#      reads (grepped from its sources), Secrets exist in k8s/tools/make-secrets.sh, policies;
#   4. checks deploy/docker: build packages come from deploy/lib/common.sh, the runtime stage
#      installs every library the built binaries load (when build/ has them), entrypoint syntax;
#   5. the env names deploy/local/up.sh gives the binaries appear in the manifests.
# Exits non-zero on any problem; last line "k8s: N passed, M failed".
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=$ROOT/k8s/tools
WORK=$(mktemp -d /tmp/xuncha-k8s.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
OVERLAYS=(single-office province)
PROGRAM_SERVICES=(directory planning fieldwork issues rectification clues webhooks)

passed=0
failed=0
pass() { passed=$((passed + 1)); [ -n "${VERBOSE:-}" ] && echo "ok   $*"; return 0; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
note() { echo "note $*"; }
finish() { echo "k8s: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# ---- tools ----------------------------------------------------------------------------------
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "installing nodejs npm (apt)" >&2
  as_root apt-get update -q >/dev/null && \
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >/dev/null
fi
if ! command -v kubectl >/dev/null; then
  echo "installing kubectl (apt)" >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends kubectl >/dev/null
fi
for tool in node npm kubectl openssl; do
  command -v "$tool" >/dev/null || { fail "tool $tool is missing and could not be installed"; finish; }
done
if [ ! -d "$TOOLS/node_modules/kubernetes-models" ] || [ "$TOOLS/package-lock.json" -nt "$TOOLS/node_modules/.package-lock.json" ]; then
  echo "npm ci in k8s/tools" >&2
  (cd "$TOOLS" && npm ci --no-audit --no-fund --loglevel=error >&2) || { fail "npm ci in k8s/tools"; finish; }
fi

# ---- settings each binary reads ---------------------------------------------------------------
# config.Get("key") / Require / GetInt / GetDuration / GetBool / Has, and the gateway's
# GetDouble(config, "key"); key → XUNCHA_KEY.
settings_of() {
  grep -ohP '\b(?:Get|Require|GetInt|GetDuration|GetBool|Has|GetDouble|ReadSettingFile)\(\s*(?:config,\s*)?"\K[a-z0-9_]+(?=")' "$@" 2>/dev/null |
    tr 'a-z' 'A-Z' | sed 's/^/XUNCHA_/' | sort -u
}
json_list() { printf '%s\n' "$@" | sed '/^$/d' | sort -u | sed 's/.*/"&"/' | paste -sd, | sed 's/^/[/; s/$/]/'; }

declare -A SETTINGS
service_union=()
for svc in "${PROGRAM_SERVICES[@]}"; do
  main=$ROOT/services/$svc/main.cc
  if [ -f "$main" ]; then
    # Settings every service reads through the shared bootstrap (services/common service_main.cc)
    # count for each of them, besides what its own main.cc and src/ read.
    mapfile -t keys < <(settings_of "$main" "$ROOT"/services/$svc/src/*.cc \
                          "$ROOT"/services/common/src/service_main.cc)
    if [ ${#keys[@]} -eq 0 ]; then fail "settings: found no config.Get(...) in services/$svc/main.cc"; continue; fi
    SETTINGS[$svc]=$(json_list "${keys[@]}")
    service_union+=("${keys[@]}")
  fi
done
# Services not in the tree yet are held to what the existing services read (minus the signing
# key, plus the public key): the settings every service shares.
fallback=()
for k in "${service_union[@]}" XUNCHA_TOKEN_PUBLIC_KEY_FILE; do
  [ "$k" = XUNCHA_TOKEN_PRIVATE_KEY_FILE ] || fallback+=("$k")
done
missing_main=()
for svc in "${PROGRAM_SERVICES[@]}"; do [ -n "${SETTINGS[$svc]:-}" ] || missing_main+=("$svc"); done
[ ${#missing_main[@]} -gt 0 ] && note "no main.cc yet for ${missing_main[*]}: their env is checked against the settings the existing services read"
mapfile -t gw_keys < <(settings_of "$ROOT"/gateway/main.cc "$ROOT"/gateway/src/*.cc)
# The gateway reads "<backend>_addr" for every backend package (gateway/src/app.cc).
if grep -q 'StrCat(backend, "_addr")' "$ROOT"/gateway/src/*.cc; then
  mapfile -t backends < <( { ls "$ROOT/protos/xuncha"; sed -nE 's/^set\(XUNCHA_(ALL_)?DOMAIN_SERVICES ([a-z ]+)\)$/\2/p' "$ROOT/CMakeLists.txt" | tr ' ' '\n'; } | grep -vx common | sort -u)
  for b in "${backends[@]}"; do gw_keys+=("XUNCHA_${b^^}_ADDR"); done
else
  fail "settings: gateway no longer reads <backend>_addr as app.cc did; update tests/k8s/check.sh"
fi
if [ ${#gw_keys[@]} -lt 5 ]; then fail "settings: found no settings in gateway sources"; fi
SETTINGS[gateway]=$(json_list "${gw_keys[@]}")
SETTINGS['*']=$(json_list "${fallback[@]}")
pass "settings grepped from the sources"

# ---- Secrets the overlays need, as make-secrets.sh prints them --------------------------------
for overlay in "${OVERLAYS[@]}"; do
  if PETITION_SECRET_OUT="$WORK/petition-$overlay" bash "$TOOLS/make-secrets.sh" "$overlay" > "$WORK/secrets-$overlay.yaml" 2> "$WORK/secrets-$overlay.err"; then
    pass "make-secrets.sh $overlay"
  else
    fail "make-secrets.sh $overlay: $(tail -3 "$WORK/secrets-$overlay.err")"
  fi
done

# ---- render -------------------------------------------------------------------------------------
inputs=()
for overlay in "${OVERLAYS[@]}"; do
  if kubectl kustomize "$ROOT/k8s/overlays/$overlay" > "$WORK/$overlay.yaml" 2> "$WORK/$overlay.err"; then
    pass "render $overlay"
    inputs+=("$overlay=$WORK/$overlay.yaml")
  else
    fail "render $overlay: $(cat "$WORK/$overlay.err")"
  fi
done

# ---- schema and rules ---------------------------------------------------------------------------
{
  echo '{"programs":'"$(json_list "${PROGRAM_SERVICES[@]}" gateway)"','
  echo '"settings":{'
  first=1
  for k in "${!SETTINGS[@]}"; do
    [ $first = 1 ] || echo ','
    first=0
    printf '"%s":%s' "$k" "${SETTINGS[$k]}"
  done
  echo '},"secretFiles":{'
  first=1
  for overlay in "${OVERLAYS[@]}"; do
    [ $first = 1 ] || echo ','
    first=0
    printf '"%s":"%s"' "$overlay" "$WORK/secrets-$overlay.yaml"
  done
  echo '}}'
} > "$WORK/context.json"
if [ ${#inputs[@]} -gt 0 ]; then
  node "$TOOLS/validate.cjs" "$WORK/context.json" "${inputs[@]}" > "$WORK/validate.out" 2>&1
  grep -v '^validate: ' "$WORK/validate.out"
  line=$(grep -E '^validate: [0-9]+ passed, [0-9]+ failed$' "$WORK/validate.out" | tail -1)
  if [ -z "$line" ]; then
    fail "validate.cjs crashed: $(tail -5 "$WORK/validate.out")"
  else
    read -r p f < <(echo "$line" | sed -E 's/^validate: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
    passed=$((passed + p))
    failed=$((failed + f))
  fi
fi

# ---- deploy/local/up.sh and the manifests use the same env names --------------------------------
all_settings=$(printf '%s\n' "${SETTINGS[@]}" | tr -d '[]"' | tr ',' '\n' | sort -u)
manifest_env=$(cat "$WORK"/*.yaml 2>/dev/null | grep -oE '(name|key): XUNCHA_[A-Z0-9_]+' | awk '{print $2}' | sort -u)
up_env=$(grep -oE 'XUNCHA_[A-Z0-9_]+' "$ROOT/deploy/local/up.sh" | sort -u)
# ${svc^^} in up.sh expands to each service's XUNCHA_<SVC>_ADDR.
grep -q 'XUNCHA_${svc^^}_ADDR' "$ROOT/deploy/local/up.sh" &&
  up_env=$(printf '%s\n' "$up_env" $(printf 'XUNCHA_%s_ADDR\n' "${PROGRAM_SERVICES[@]^^}") | sort -u)
problems=()
for name in $up_env; do
  grep -qx "$name" <<< "$all_settings" || continue   # up.sh's own knobs (XUNCHA_HOME, ...)
  grep -qx "$name" <<< "$manifest_env" || problems+=("$name")
done
if [ ${#problems[@]} -eq 0 ]; then pass "env names of deploy/local/up.sh are in the manifests"
else fail "deploy/local/up.sh gives the binaries ${problems[*]}, the manifests do not"; fi

# ---- deploy/docker --------------------------------------------------------------------------------
DOCKERFILE=$ROOT/deploy/docker/Dockerfile
if mapfile -t build_pkgs < <(bash "$ROOT/deploy/docker/build-packages.sh") && [ ${#build_pkgs[@]} -gt 5 ]; then
  missing=()
  for p in cmake ninja-build build-essential libgrpc++-dev libpqxx-dev; do
    printf '%s\n' "${build_pkgs[@]}" | grep -qx "$p" || missing+=("$p")
  done
  for p in postgresql-15 redis-server kubectl nodejs npm; do
    printf '%s\n' "${build_pkgs[@]}" | grep -qx "$p" && missing+=("(not needed: $p)")
  done
  if [ ${#missing[@]} -eq 0 ]; then pass "docker build stage packages"; else fail "docker build stage packages: ${missing[*]}"; fi
else
  fail "deploy/docker/build-packages.sh"
fi
grep -q 'build-packages.sh' "$DOCKERFILE" && grep -q '^FROM .* AS runtime' "$DOCKERFILE" &&
  grep -qE '^USER [1-9][0-9]*:[1-9][0-9]*$' "$DOCKERFILE" && grep -q 'ENTRYPOINT \["/usr/local/bin/xuncha-entrypoint"\]' "$DOCKERFILE" &&
  [ "$(grep -c '^FROM ' "$DOCKERFILE")" -ge 2 ] &&
  pass "Dockerfile: multi-stage, packages from common.sh, numeric non-root user, entrypoint" ||
  fail "Dockerfile: expected build + runtime stages, build-packages.sh, numeric USER, the entrypoint"
if sh -n "$ROOT/deploy/docker/entrypoint.sh" && bash -n "$ROOT/deploy/docker/build-packages.sh"; then
  pass "docker scripts parse"
else fail "docker scripts do not parse"; fi
# The entrypoint runs xuncha-<program>: each program of the manifests is such a CMake target.
for program in "${PROGRAM_SERVICES[@]}" gateway; do
  dir=$ROOT/services/$program; [ "$program" = gateway ] && dir=$ROOT/gateway
  if [ -f "$dir/CMakeLists.txt" ]; then
    grep -q "add_executable(xuncha-$program" "$dir/CMakeLists.txt" && pass "target xuncha-$program" ||
      fail "$dir/CMakeLists.txt has no add_executable(xuncha-$program ...): the image would not contain it"
  fi
done
# Runtime libraries: every shared library the built binaries load comes from a package the runtime
# stage installs (directly or as a dependency).
runtime_pkgs=$(sed -n '/^FROM .* AS runtime/,$p' "$DOCKERFILE" | sed -n '/apt-get install/,/rm -rf/p' |
  tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|y|q|no-install-recommends|rf|var|lib|apt|lists|groupadd|useradd)$' | sort -u)
binaries=$(ls "$ROOT"/build/services/*/xuncha-* "$ROOT"/build/gateway/xuncha-gateway 2>/dev/null)
if [ -z "$binaries" ]; then
  note "no built binaries in build/: runtime libraries of the image not re-checked"
elif ! apt-cache show libc6 >/dev/null 2>&1; then
  note "apt-cache has no package lists: runtime libraries of the image not re-checked"
else
  closure=$( (echo "$runtime_pkgs"; apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $runtime_pkgs 2>/dev/null | grep -E '^[a-z0-9]') | sed 's/:amd64$//' | sort -u)
  declare -A owner=()
  mapfile -t libs < <(for b in $binaries; do ldd "$b" | awk '/=>/ {print $3}'; done | sort -u)
  mapfile -t paths < <(for lib in "${libs[@]}"; do echo "$lib"; readlink -f "$lib"; done | sort -u)
  # One dpkg call for all paths (one per library takes seconds).
  while IFS= read -r line; do
    owner[${line#*: }]=$(echo "${line%%: *}" | cut -d, -f1 | sed 's/:[a-z0-9]*$//')
  done < <(dpkg -S "${paths[@]}" 2>/dev/null)
  needed=$(for lib in "${libs[@]}"; do
    echo "${owner[$lib]:-${owner[$(readlink -f "$lib")]:-unowned:$lib}}"
  done | sort -u)
  absent=$(comm -23 <(echo "$needed") <(echo "$closure"))
  if [ -z "$absent" ]; then pass "runtime stage provides every library of $(echo "$binaries" | wc -w) built binaries"
  else fail "runtime stage of deploy/docker/Dockerfile lacks packages: $(echo $absent)"; fi
fi
[ -f "$ROOT/.dockerignore" ] && grep -qx 'build' "$ROOT/.dockerignore" && grep -q 'node_modules' "$ROOT/.dockerignore" &&
  pass ".dockerignore" || fail ".dockerignore must exclude build trees and node_modules"
grep -qx 'node_modules/' "$TOOLS/.gitignore" 2>/dev/null && pass "k8s/tools/node_modules is git-ignored" ||
  fail "k8s/tools/.gitignore must ignore node_modules/"

finish
