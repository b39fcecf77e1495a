#!/usr/bin/env bash
# Prints the Debian packages the image's build stage needs: deploy/lib/common.sh's list (the one
# source of truth for build dependencies) minus what only a local run or the test suite uses.
# Used by the Dockerfile and checked by tests/k8s/check.sh.
set -euo pipefail
source "$(cd "$(dirname "$0")/../.." && pwd)/deploy/lib/common.sh"
# Servers, load tools and the manifest tooling: not needed to compile the binaries.
RUN_ONLY=" postgresql-15 postgresql-contrib redis-server kubectl wrk nodejs npm curl unzip chromium fonts-wqy-microhei "
for p in "${XUNCHA_PACKAGES[@]}"; do
  [[ $RUN_ONLY == *" $p "* ]] || echo "$p"
done
