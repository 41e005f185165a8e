#!/usr/bin/env bash
# Checks every stack's generated config.alloy with the real Alloy the pinned
# chart deploys: the grafana/alloy:v<appVersion> image, its `alloy fmt` (the
# parser) and `alloy validate` (components, arguments, references, at the
# generally-available stability level the chart runs Alloy at).
# Stacks are the Pulumi.<stack>.yaml files; each config is written by
# `npm run plan -- --stack <stack> --out out/<stack>`.
#
# Needs docker (GitHub's runners have it). Without a reachable docker engine it
# prints one line saying so and exits 3, so .ci/run can report the skip;
# REQUIRE_ALLOY=1 makes that a failure (exit 1).
# Usage: bash scripts/alloy-check.sh [stack...]   (every stack by default; after npm ci;
#        the image tag is ALLOY_APP_VERSION of config/chart/alloy-values.generated.ts, via scripts/pinned-chart.ts)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# One line, then exit 3 (a skip), or 1 under REQUIRE_ALLOY=1.
skip() {
  echo "alloy check skipped: $1${REQUIRE_ALLOY:+ (REQUIRE_ALLOY=1: failing)}"
  [[ "${REQUIRE_ALLOY:-}" == 1 ]] && exit 1
  exit 3
}

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  skip "no docker engine here to run the grafana/alloy image"
fi
APP_VERSION="$(node --require ./scripts/register-ts.js scripts/pinned-chart.ts appVersion 2>&1)" || skip "$APP_VERSION"
IMAGE="grafana/alloy:v$APP_VERSION"
docker pull --quiet "$IMAGE" >/dev/null 2>&1 || skip "docker cannot pull $IMAGE"

stacks=("$@")
if [[ ${#stacks[@]} -eq 0 ]]; then
  for file in Pulumi.*.yaml; do
    stack="${file#Pulumi.}"
    stacks+=("${stack%.yaml}")
  done
fi
[[ ${#stacks[@]} -gt 0 ]] || { echo "alloy check: no Pulumi.<stack>.yaml found" >&2; exit 1; }

failed=0
for stack in "${stacks[@]}"; do
  npm run --silent plan -- --stack "$stack" --out "out/$stack" >/dev/null
  config="out/$stack/config.alloy"
  run() { docker run --rm -v "$PWD/out/$stack:/check:ro" "$IMAGE" "$@"; }
  # fmt parses the file (exit 1 with the parser's diagnostics on a syntax error)
  # and prints it in Alloy's own format. A layout difference is no error (Alloy
  # reads both alike), so it is a warning annotation with the diff, not a failure.
  if ! run fmt /check/config.alloy >"out/$stack/config.alloy.fmt"; then
    echo "alloy check: $stack: alloy fmt rejects $config"; failed=1; continue
  fi
  if ! diff -u "$config" "out/$stack/config.alloy.fmt" >"out/$stack/config.alloy.fmt.diff"; then
    echo "::warning title=alloy fmt::$stack: the generated config.alloy is laid out differently from alloy fmt's output (diff below)"
    cat "out/$stack/config.alloy.fmt.diff"
  fi
  if ! run validate --stability.level=generally-available /check/config.alloy; then
    echo "alloy check: $stack: alloy validate rejects $config"; failed=1; continue
  fi
  echo "alloy check: $stack: $config parses and validates with $IMAGE"
done
exit "$failed"
