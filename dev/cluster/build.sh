#!/usr/bin/env bash
# Builds the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl,
# etcd, kwok, helm) from their Go modules into a cache outside the repository. Idempotent: with the
# cache present it prints the bin directory and exits in a moment.
#
#   dev/cluster/build.sh            # build if needed, print the bin directory on the last line
#   PODPOOL_CACHE=/somewhere build.sh
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"

K=$KUBERNETES_VERSION
STAGING="0.${K#1.}"
MAJOR=${K%%.*}
MINOR=$(echo "$K" | cut -d. -f2)
cache_root=${PODPOOL_CACHE:-$HOME/.cache/podpool}
dest="$cache_root/k8s-$K-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION-helm-$HELM_VERSION"
bin="$dest/bin"

# helm's own Makefile stamps the Kubernetes version it was built for (its client-go version) into
# chartutil (the default .Capabilities.KubeVersion of `helm template`/`helm lint` without a
# cluster) and into the lint deprecation rules. Without these flags a helm built with `go install`
# believes it talks to Kubernetes v1.20 and the chart's kubeVersion constraint fails. We stamp the
# pinned Kubernetes version, the one every test runs against.
helm_ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION"
helm_ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=$MAJOR -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$MINOR"
helm_ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=$MAJOR -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$MINOR"
# The helm binary is rebuilt on its own (in seconds) whenever this recipe changes; the recipe is
# recorded beside it. The Kubernetes binaries (10 minutes) are only built when .complete is missing.
helm_stamp="helm v$HELM_VERSION ldflags: $helm_ldflags"

log() { printf '[control-plane build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

require_go() {
  command -v go >/dev/null || { log "Go toolchain not found: install Go >= 1.26 (the control plane is built from Go modules)"; exit 2; }
  go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
  [ "$go_minor" -ge 26 ] || { log "Go $(go env GOVERSION) is too old: Kubernetes $K needs Go >= 1.26"; exit 2; }
  export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath
}

# Builds helm into directory $1.
build_helm() {
  log "building helm v$HELM_VERSION (for Kubernetes $MAJOR.$MINOR)"
  GOBIN="$1" go install -ldflags "$helm_ldflags" "helm.sh/helm/v3/cmd/helm@v$HELM_VERSION"
}

if [ -f "$dest/.complete" ]; then
  if [ "$(cat "$dest/.helm-build" 2>/dev/null || true)" != "$helm_stamp" ]; then
    # An older cache (or a changed recipe): rebuild helm alone and swap it in.
    require_go
    helm_tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpool-helm-build.XXXXXX")
    trap 'rm -rf "$helm_tmp"' EXIT
    build_helm "$helm_tmp"
    mv -f "$helm_tmp/helm" "$bin/helm"
    printf '%s\n' "$helm_stamp" > "$dest/.helm-build"
  fi
  echo "$bin"
  exit 0
fi

require_go
work=$(mktemp -d "${TMPDIR:-/tmp}/podpool-cp-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/bin"
mkdir -p "$stage" "$work/k8s" "$work/etcd"
started=$(date +%s)

log "resolving k8s.io/kubernetes v$K (staging modules at v$STAGING)"
kgomod=$(cd "$work" && go mod download -json "k8s.io/kubernetes@v$K" | sed -nE 's/.*"GoMod": "(.*)".*/\1/p')
# Every staging module k/k requires at v0.0.0 must be replaced by its published version.
staging=$(grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$kgomod" | awk '{print $1}' | sort -u)
[ -n "$staging" ] || { log "could not read the staging modules from $kgomod"; exit 1; }
{
  printf 'module local/podpool-k8sbins\n\ngo 1.%s.0\n\ngodebug default=go1.%s\n\n' "$go_minor" "$go_minor"
  printf 'require k8s.io/kubernetes v%s\n\nreplace (\n' "$K"
  for m in $staging; do printf '\t%s => %s v%s\n' "$m" "$m" "$STAGING"; done
  printf ')\n'
  printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n\t_ "k8s.io/kubernetes/cmd/kubectl"\n)\n' > "$work/k8s/tools.go"
} > "$work/k8s/go.mod"
sed -i 's/^package tools/\/\/go:build tools\n\npackage tools/' "$work/k8s/tools.go"

log "downloading Kubernetes module graph (go mod tidy)"
(cd "$work/k8s" && go mod tidy)
vf="-s -w -X k8s.io/component-base/version.gitVersion=v$K -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
for c in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
  log "building $c (the first build takes many minutes on 2 cores)"
  (cd "$work/k8s" && go build -ldflags "$vf" -o "$stage/$c" "k8s.io/kubernetes/cmd/$c")
done

log "building etcd v$ETCD_VERSION"
printf 'module local/podpool-etcdbin\n\ngo 1.%s.0\n\nrequire go.etcd.io/etcd/server/v3 v%s\n' "$go_minor" "$ETCD_VERSION" > "$work/etcd/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > "$work/etcd/tools.go"
(cd "$work/etcd" && go mod tidy && go build -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" -o "$stage/etcd" go.etcd.io/etcd/server/v3)

log "building kwok v$KWOK_VERSION"
GOBIN="$stage" go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
mkdir -p "$work/stages"
kwokdir=$(cd "$work" && go mod download -json "sigs.k8s.io/kwok@v$KWOK_VERSION" | sed -nE 's/.*"Dir": "(.*)".*/\1/p')
cp "$kwokdir"/kustomize/stage/node/fast/node-initialize.yaml \
   "$kwokdir"/kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml \
   "$kwokdir"/kustomize/stage/pod/fast/pod-ready.yaml \
   "$kwokdir"/kustomize/stage/pod/fast/pod-complete.yaml \
   "$kwokdir"/kustomize/stage/pod/fast/pod-delete.yaml "$work/stages/"

build_helm "$stage"

mkdir -p "$dest"
rm -rf "${dest:?}/bin" "${dest:?}/stages"
mv "$stage" "$dest/bin"
mv "$work/stages" "$dest/stages"
elapsed=$(( $(date +%s) - started ))
printf '%s\n' "$helm_stamp" > "$dest/.helm-build"
printf 'built in %ss\n' "$elapsed" > "$dest/.complete"
log "done in ${elapsed}s: $(du -sh "$dest" | cut -f1) in $dest"
"$bin/kube-apiserver" --version >&2
echo "$bin"
