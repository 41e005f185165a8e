#!/usr/bin/env bash
# Installs the real kubectl 1.33 for test/process/verify-kubectl.test.ts and prints its path.
# Usage: KUBECTL_BIN=$(bash scripts/fetch-kubectl.sh)     (how: scripts/fetch-layer-tool.sh)
exec bash "$(dirname "${BASH_SOURCE[0]}")/fetch-layer-tool.sh" kubectl
