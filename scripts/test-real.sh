#!/usr/bin/env bash
# The real-tool tier (npm run test:real; npm test runs it after the fast tier):
# test/real/*.test.ts on the real Pulumi CLI, engine, language host, Kubernetes
# provider and policy analyzer, against a real kube-apiserver and etcd on 127.0.0.1
# and the pinned chart served from 127.0.0.1; and test/process/*.test.ts, the tests
# that start whole processes (npm run plan, the CLI's path with ts-node, the policy
# pack, verify with the real kubectl, the CI scripts), too slow for the fast tier.
#
# Builds what it needs first, once (scripts/build-real-tools.sh: about 25 minutes
# cold on a 2-core machine, a second warm), and gets helm and kubectl
# (scripts/fetch-helm.sh, scripts/fetch-kubectl.sh). etcd and openssl come from
# Debian (apt-get install etcd-server openssl; .ci/run installs them).
#
# Where a tool cannot be had (no Go, no etcd), each suite says what is missing and
# is skipped; under REQUIRE_REAL=1 (.ci/run, the test workflow) that is a failure.
# Arguments go to mocha (e.g. --grep ops).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .cache

if command -v go >/dev/null 2>&1; then
  # Progress goes to the terminal; a failed build leaves its tools missing, which the suites report.
  bash scripts/build-real-tools.sh >/dev/null || echo "test-real: building the real tools failed (output above)" >&2
else
  echo "test-real: no go on PATH: the real tools cannot be built (Go 1.26 is needed)" >&2
fi
HELM_BIN="${HELM_BIN:-$(bash scripts/fetch-helm.sh 2>.cache/fetch-helm.log || true)}"
KUBECTL_BIN="${KUBECTL_BIN:-$(bash scripts/fetch-kubectl.sh 2>.cache/fetch-kubectl.log || true)}"
export HELM_BIN KUBECTL_BIN
exec npx mocha --config .mocharc.real.json "$@"
