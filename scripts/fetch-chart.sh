#!/usr/bin/env bash
# Provides the grafana/alloy chart at the version the program pins
# (config/chart/alloy-values.generated.ts, read by scripts/pinned-chart.ts), and
# prints the chart's directory:
#
#   ${CHART_CACHE_DIR:-<repo>/.cache/chart}/<version>/alloy     (.cache/ is git-ignored)
#
# From the packaged chart beside the repository when it is there
# (${SHARED_CHARTS_DIR:-<repo>/../shared/charts}/alloy-<version>.tgz, made with
# `helm package` from the chart's tag: ../shared/charts/README.md), unpacked as helm
# unpacks it; else pulled from the chart repository the program deploys from, the
# same as `helm repo add grafana <repo> && helm pull grafana/alloy --version
# <version> --untar`, without touching helm's repository list.
# Uses $HELM_BIN, else installs helm with scripts/fetch-helm.sh.
# Idempotent: a cached chart of the pinned version is not pulled again.
# Usage:
#   ALLOY_CHART_DIR=$(bash scripts/fetch-chart.sh)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "fetch-chart: $*" >&2; }
pinned() { (cd "$ROOT" && node --require ./scripts/register-ts.js scripts/pinned-chart.ts "$1"); }

VERSION="$(pinned version)"
REPO="$(pinned repo)"
DEST="${CHART_CACHE_DIR:-$ROOT/.cache/chart}/$VERSION"
CHART="$DEST/alloy"

if [[ -f "$CHART/Chart.yaml" ]] && grep -qx "version: $VERSION" "$CHART/Chart.yaml"; then
  log "already pulled: alloy $VERSION"
  echo "$CHART"
  exit 0
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/fetch-chart.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
PACKAGED="${SHARED_CHARTS_DIR:-$ROOT/../shared/charts}/alloy-$VERSION.tgz"
if [[ -f "$PACKAGED" ]]; then
  log "unpacking alloy $VERSION from $PACKAGED"
  tar -xzf "$PACKAGED" -C "$WORK"
  grep -qx "version: $VERSION" "$WORK/alloy/Chart.yaml" || { log "$PACKAGED is not alloy $VERSION"; exit 1; }
  mkdir -p "$DEST"
  rm -rf "$CHART"
  mv "$WORK/alloy" "$CHART"
  log "unpacked: $CHART"
  echo "$CHART"
  exit 0
fi

HELM="${HELM_BIN:-$(bash "$ROOT/scripts/fetch-helm.sh")}"
log "pulling alloy $VERSION from $REPO"
if ! "$HELM" pull alloy --repo "$REPO" --version "$VERSION" --untar --untardir "$WORK" 2>"$WORK/helm.log"; then
  cat "$WORK/helm.log" >&2
  log "cannot pull alloy $VERSION from $REPO"
  exit 1
fi
mkdir -p "$DEST"
rm -rf "$CHART"
mv "$WORK/alloy" "$CHART"
log "pulled: $CHART"
echo "$CHART"
