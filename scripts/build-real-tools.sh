#!/usr/bin/env bash
# Builds the real tools of the real-tool test tier from the Go module proxy, at the
# versions tools/versions.env pins, and prints the directory that holds them:
#
#   ${REAL_TOOLS_DIR:-<repo>/.cache/real-tools}/bin      (.cache/ is git-ignored)
#     pulumi                      the Pulumi CLI (github.com/pulumi/pulumi/pkg/v3, cmd/pulumi)
#     pulumi-language-nodejs      the Node.js language host (tools/language-nodejs, see below)
#     pulumi-language-yaml        the YAML language host (github.com/pulumi/pulumi-yaml, cmd/pulumi-language-yaml)
#     pulumi-resource-kubernetes  the Kubernetes provider (github.com/pulumi/pulumi-kubernetes/provider/v4)
#     kube-apiserver, kube-controller-manager, kube-scheduler   the tests' control plane (k8s.io/kubernetes)
#   ${REAL_TOOLS_DIR:-<repo>/.cache/real-tools}/crds/*.yaml    the prometheus-operator CRDs (controller-gen)
#
# The language host sits beside the CLI, where the CLI looks for the plugins it bundles;
# the tests put this directory on PATH, where the engine takes the provider from (an
# "ambient" plugin, whatever version the SDK asks for; no download is ever tried).
#
# Each tool is built once and kept: a stamp beside the binaries records what it was
# built from, and a tool whose stamp matches is not built again. A cold build of all
# three takes about 12 minutes on a 2-core machine, a warm one a second (README).
#
# What had to be done to build them, and why:
# - pkg/v3's go.mod replaces github.com/pulumi/pulumi/sdk/v3 with ../sdk, which the
#   module download does not contain, so `go install` refuses it. The module is copied
#   out of the module cache, the replace dropped and sdk/v3 required at the same version.
# - The Node.js language host's module (github.com/pulumi/pulumi/sdk/nodejs/cmd/
#   pulumi-language-nodejs/v3) has no tag, and the module proxy here serves no
#   pseudo-version of it either (403 for the v3.248.0 release commits a88168d865b7 and
#   dc7edd58bc13). tools/language-nodejs is a port of its v3.248.0 source, built against
#   sdk/v3 at the pinned version; what it keeps and leaves out is at the top of its main.go.
#   LANGUAGE_NODEJS_SRC=<dir of upstream sdk/nodejs/cmd/pulumi-language-nodejs> builds
#   the upstream one instead, where its source can be had.
# - pulumi-yaml is built as its own go.mod pins it (tools/versions.env says why that
#   release: the newest whose pkg/v3 the proxy serves).
# - The Kubernetes provider's go.mod replaces its sdk/v4 with ../sdk: dropped, and
#   sdk/v4 required at KUBERNETES_SDK_MODULE_VERSION. Its main.go embeds
#   schema-embed.json, which its `go generate` step (generate.go) writes from
#   schema.json with the version stamped in: run as upstream's Makefile runs it.
# - k8s.io/kubernetes replaces each of its staging modules (k8s.io/api, k8s.io/apiserver,
#   ...) with ./staging/src/..., which the module download does not contain: each replace
#   is dropped and the published module required at v0.<minor>.<patch> of the release.
#   The version the API server reports (/version) is stamped in, as its Makefile does.
#
# Usage: bash scripts/build-real-tools.sh [pulumi|language-nodejs|language-yaml|kubernetes|control-plane|crds]...   (default: all)
#        REAL_TOOLS_DIR=<dir> to build elsewhere.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=../tools/versions.env
source "$ROOT/tools/versions.env"
OUT="${REAL_TOOLS_DIR:-$ROOT/.cache/real-tools}"
BIN="$OUT/bin"
SRC="$OUT/src"
mkdir -p "$BIN" "$SRC"
export GOFLAGS="${GOFLAGS:--buildvcs=false} -mod=mod"
export GOTOOLCHAIN=local
# k8s.io/kubernetes ships a go.work over its staging directories, which its module download lacks.
export GOWORK=off
GO_VERSION="$(go env GOVERSION)"

log() { echo "build-real-tools: $*" >&2; }
command -v go >/dev/null || { log "go is required (Go 1.26 on PATH)"; exit 1; }

# fresh <tool> <stamp>: true when the tool was built from exactly this.
fresh() { [[ -x "$BIN/$1" && -f "$BIN/.$1.stamp" && "$(cat "$BIN/.$1.stamp")" == "$2" ]]; }
stamp() { echo "$2" >"$BIN/.$1.stamp"; }

# module_copy <module@version> <dest>: a writable copy of a module from the module cache.
module_copy() {
  local dir
  dir="$(go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
  [[ -n "$dir" ]] || { log "cannot download $1"; exit 1; }
  rm -rf "$2"
  cp -r "$dir" "$2"
  chmod -R u+w "$2"
}

timed() {
  local start=$SECONDS
  "$@"
  log "  done in $((SECONDS - start)) s"
}

build_pulumi() {
  local want="pkg/v3@v$PULUMI_VERSION $GO_VERSION"
  if fresh pulumi "$want"; then log "pulumi $PULUMI_VERSION: already built"; return; fi
  log "pulumi $PULUMI_VERSION: building github.com/pulumi/pulumi/pkg/v3/cmd/pulumi (about 6 min cold)"
  local dir="$SRC/pulumi-pkg"
  module_copy "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" "$dir"
  (
    cd "$dir"
    go mod edit -dropreplace github.com/pulumi/pulumi/sdk/v3 -require "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
    go build -o "$BIN/pulumi" -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" ./cmd/pulumi
  )
  stamp pulumi "$want"
}

build_language_nodejs() {
  local src="${LANGUAGE_NODEJS_SRC:-$ROOT/tools/language-nodejs}"
  local want
  want="$(cd "$src" && cat go.mod go.sum ./*.go | sha256sum | cut -c1-16) $GO_VERSION"
  if fresh pulumi-language-nodejs "$want"; then log "pulumi-language-nodejs: already built"; return; fi
  log "pulumi-language-nodejs: building $src (about 1 min cold)"
  (cd "$src" && go build -o "$BIN/pulumi-language-nodejs" -ldflags "-X main.version=$PULUMI_VERSION -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" .)
  stamp pulumi-language-nodejs "$want"
}

build_language_yaml() {
  local want="pulumi-yaml@$PULUMI_YAML_VERSION $GO_VERSION"
  if fresh pulumi-language-yaml "$want"; then log "pulumi-language-yaml $PULUMI_YAML_VERSION: already built"; return; fi
  log "pulumi-language-yaml $PULUMI_YAML_VERSION: building github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml (about 4 min cold)"
  local dir="$SRC/pulumi-yaml"
  module_copy "github.com/pulumi/pulumi-yaml@$PULUMI_YAML_VERSION" "$dir"
  (
    cd "$dir"
    go build -o "$BIN/pulumi-language-yaml" -ldflags "-X github.com/pulumi/pulumi-yaml/pkg/version.Version=$PULUMI_YAML_VERSION" ./cmd/pulumi-language-yaml
  )
  stamp pulumi-language-yaml "$want"
}

build_kubernetes() {
  local want="provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION sdk/v4@$KUBERNETES_SDK_MODULE_VERSION $GO_VERSION"
  if fresh pulumi-resource-kubernetes "$want"; then log "pulumi-resource-kubernetes: already built"; return; fi
  log "pulumi-resource-kubernetes $KUBERNETES_PROVIDER_VERSION: building github.com/pulumi/pulumi-kubernetes/provider/v4 (about 6 min cold)"
  local dir="$SRC/pulumi-kubernetes-provider"
  module_copy "github.com/pulumi/pulumi-kubernetes/provider/v4@$KUBERNETES_PROVIDER_MODULE_VERSION" "$dir"
  (
    cd "$dir"
    go mod edit -dropreplace github.com/pulumi/pulumi-kubernetes/sdk/v4 -require "github.com/pulumi/pulumi-kubernetes/sdk/v4@$KUBERNETES_SDK_MODULE_VERSION"
    (cd cmd/pulumi-resource-kubernetes && VERSION="$KUBERNETES_PROVIDER_VERSION" go run generate.go)
    go build -o "$BIN/pulumi-resource-kubernetes" \
      -ldflags "-X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$KUBERNETES_PROVIDER_VERSION" \
      ./cmd/pulumi-resource-kubernetes
  )
  stamp pulumi-resource-kubernetes "$want"
}

build_control_plane() {
  local want="k8s.io/kubernetes@v$KUBERNETES_VERSION $GO_VERSION"
  if fresh kube-apiserver "$want" && fresh kube-controller-manager "$want" && fresh kube-scheduler "$want"; then
    log "kubernetes $KUBERNETES_VERSION control plane: already built"
    return
  fi
  log "kubernetes $KUBERNETES_VERSION: building kube-apiserver, kube-controller-manager, kube-scheduler (about 10 min cold)"
  local dir="$SRC/kubernetes"
  module_copy "k8s.io/kubernetes@v$KUBERNETES_VERSION" "$dir"
  (
    cd "$dir"
    local staging edits=() minor="${KUBERNETES_VERSION#*.}"
    staging="$(sed -n 's|^[[:space:]]*\(k8s.io/[^ ]*\) => ./staging/.*|\1|p' go.mod)"
    for module in $staging; do edits+=(-dropreplace "$module" -require "$module@v0.$minor"); done
    go mod edit "${edits[@]}"
    local v=k8s.io/component-base/version
    go build -o "$BIN/" \
      -ldflags "-X $v.gitVersion=v$KUBERNETES_VERSION -X $v.gitMajor=${KUBERNETES_VERSION%%.*} -X $v.gitMinor=${minor%%.*} -X $v.gitTreeState=clean" \
      ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/kube-scheduler
  )
  for binary in kube-apiserver kube-controller-manager kube-scheduler; do stamp "$binary" "$want"; done
}

build_crds() {
  local want="monitoring@$PROMETHEUS_OPERATOR_VERSION controller-tools@$CONTROLLER_TOOLS_VERSION $GO_VERSION"
  if [[ -f "$OUT/crds/.stamp" && "$(cat "$OUT/crds/.stamp")" == "$want" ]]; then log "prometheus-operator CRDs: already generated"; return; fi
  log "prometheus-operator $PROMETHEUS_OPERATOR_VERSION CRDs: generating with controller-gen $CONTROLLER_TOOLS_VERSION (about 1 min cold)"
  local dir="$SRC/prometheus-operator-monitoring"
  module_copy "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring@$PROMETHEUS_OPERATOR_VERSION" "$dir"
  rm -rf "$OUT/crds"
  mkdir -p "$OUT/crds"
  (cd "$dir" && go run "sigs.k8s.io/controller-tools/cmd/controller-gen@$CONTROLLER_TOOLS_VERSION" crd:crdVersions=v1 paths=./v1/... "output:crd:dir=$OUT/crds")
  echo "$want" >"$OUT/crds/.stamp"
}

tools=("$@")
[[ ${#tools[@]} -gt 0 ]] || tools=(pulumi language-nodejs language-yaml kubernetes control-plane crds)
for tool in "${tools[@]}"; do
  case "$tool" in
    pulumi) timed build_pulumi ;;
    language-nodejs) timed build_language_nodejs ;;
    language-yaml) timed build_language_yaml ;;
    kubernetes) timed build_kubernetes ;;
    control-plane) timed build_control_plane ;;
    crds) timed build_crds ;;
    *) log "unknown tool $tool (pulumi, language-nodejs, language-yaml, kubernetes, control-plane, crds)"; exit 2 ;;
  esac
done
echo "$BIN"
