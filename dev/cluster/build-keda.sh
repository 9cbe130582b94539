#!/usr/bin/env bash
# Builds KEDA's operator and metrics adapter from the kedacore/keda Go module into a cache outside
# the repository, beside the control plane's binaries, and copies KEDA's CRDs next to them.
# Idempotent: with the cache present it prints the directory and exits in a moment.
#
#   dev/cluster/build-keda.sh        # build if needed, print the KEDA directory on the last line
#   PODPOOL_CACHE=/somewhere build-keda.sh
#
# The first build takes 12-17 minutes on 2 cores and leaves about 1.5 GB of module cache and
# 3.5 GB of Go build cache; the cached binaries take about 300 MB.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=versions.env
. "$here/versions.env"

V=$KEDA_VERSION
cache_root=${PODPOOL_CACHE:-$HOME/.cache/podpool}
dest="$cache_root/keda-$V"

log() { printf '[keda build %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
step="starting"
work=""
trap 'rc=$?; [ -z "$work" ] || rm -rf "$work"; [ $rc -eq 0 ] || log "KEDA v$V could not be built: $step failed (exit $rc); see the output above"' EXIT

if [ -f "$dest/.complete" ]; then
  echo "$dest"
  exit 0
fi

command -v go >/dev/null || { log "Go toolchain not found: install Go >= 1.26 (KEDA is built from Go modules)"; exit 2; }
go_minor=$(go env GOVERSION | sed -E 's/^go1\.([0-9]+).*/\1/')
[ "$go_minor" -ge 26 ] || { log "Go $(go env GOVERSION) is too old: KEDA v$V needs Go >= 1.26"; exit 2; }
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-trimpath

work=$(mktemp -d "${TMPDIR:-/tmp}/podpool-keda-build.XXXXXX")
started=$(date +%s)

step="resolving github.com/kedacore/keda/v2@v$V on the Go module proxy"
log "$step"
keda_json=$(cd "$work" && go mod download -json "github.com/kedacore/keda/v2@v$V")
keda_dir=$(printf '%s' "$keda_json" | sed -nE 's/.*"Dir": "(.*)".*/\1/p')
[ -d "$keda_dir" ] || { log "the module github.com/kedacore/keda/v2@v$V has no source directory"; exit 1; }

# A plain `go install .../cmd/operator@vX` refuses KEDA's go.mod because it has replace and exclude
# directives; a wrapper module that repeats them resolves exactly KEDA's own selection.
step="writing the wrapper module"
mkdir -p "$work/mod"
{
  printf 'module local/podpool-kedabins\n\ngo 1.%s.0\n\nrequire github.com/kedacore/keda/v2 v%s\n\n' "$go_minor" "$V"
  awk '/^replace[[:space:]]*\(/{block=1; print; next} block{print; if ($0 ~ /^\)/) block=0; next} /^replace[[:space:]]/{print}' "$keda_dir/go.mod"
  awk '/^exclude[[:space:]]*\(/{block=1; print; next} block{print; if ($0 ~ /^\)/) block=0; next} /^exclude[[:space:]]/{print}' "$keda_dir/go.mod"
} > "$work/mod/go.mod"
printf '//go:build tools\n\npackage tools\n\nimport (\n\t_ "github.com/kedacore/keda/v2/cmd/adapter"\n\t_ "github.com/kedacore/keda/v2/cmd/operator"\n)\n' > "$work/mod/tools.go"

step="downloading KEDA's module graph (go mod tidy)"
log "$step"
(cd "$work/mod" && go mod tidy)

mkdir -p "$work/bin"
ldflags="-s -w -X github.com/kedacore/keda/v2/version.Version=v$V"
for c in operator adapter; do
  step="building keda $c (cmd/$c)"
  log "$step (the first build takes many minutes on 2 cores)"
  (cd "$work/mod" && go build -ldflags "$ldflags" -o "$work/bin/keda-$c" "github.com/kedacore/keda/v2/cmd/$c")
done

step="copying KEDA's CRDs"
mkdir -p "$work/crds"
cp "$keda_dir"/config/crd/bases/*.yaml "$work/crds/"
chmod -R u+w "$work/crds"

mkdir -p "$dest"
rm -rf "${dest:?}/bin" "${dest:?}/crds"
mv "$work/bin" "$dest/bin"
mv "$work/crds" "$dest/crds"
elapsed=$(( $(date +%s) - started ))
printf 'built in %ss\n' "$elapsed" > "$dest/.complete"
step="done"
log "done in ${elapsed}s: $(du -sh "$dest" | cut -f1) in $dest"
echo "$dest"
