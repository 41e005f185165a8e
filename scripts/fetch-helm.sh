#!/usr/bin/env bash
# Installs a real helm 3 binary for the render tests (test/*-render.test.ts) and prints its path.
# Usage: HELM_BIN=$(bash scripts/fetch-helm.sh)     (how: scripts/fetch-layer-tool.sh)
exec bash "$(dirname "${BASH_SOURCE[0]}")/fetch-layer-tool.sh" helm
