#!/usr/bin/env bash
# End-to-end on a real kind cluster: build the image, install KEDA and the chart, then check the
# path a user takes: a PodPool fills, KEDA drives its /scale subresource through each of the three
# example ScaledObjects (external, external-push, metrics-api), the webhook stamps pool pods, a user
# reserves a pod through the reservation API and releases it, and /metrics answers.
#
#   test/e2e/kind-e2e.sh            # needs docker (with a running engine), kind, helm, kubectl, curl
#   KEEP=1 test/e2e/kind-e2e.sh     # keep the cluster afterwards (if this script created it)
#   CLUSTER=mine test/e2e/kind-e2e.sh   # use (or create) the kind cluster `mine`
#
# A cluster that already exists is used as it is and never deleted; only a cluster this script
# created is deleted at the end (unless KEEP=1). Where no Docker engine runs (these development
# machines), it says so and exits 0: the same behaviours are covered against a real kube-apiserver
# by `npm test` (test/integration).
set -euo pipefail

cd "$(dirname "$0")/../.."
CLUSTER=${CLUSTER:-podpool-e2e}
IMAGE=podpool/podpool:e2e
NS=podpool-system
POOL_NS=default

say() { printf '[kind-e2e] %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

for tool in docker kind helm kubectl curl; do
  command -v "$tool" >/dev/null || { say "skipped: $tool is not installed"; exit 0; }
done
docker info >/dev/null 2>&1 || { say "skipped: no Docker engine is running (kind needs one)"; exit 0; }

# Everything the EXIT trap cleans up; set as the script goes.
created_cluster=0
forwards=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/podpool-kind-e2e.XXXXXX")
cleanup() {
  local status=$?
  # (The +-expansion keeps bash 3.2, macOS's /bin/bash, from calling an empty array unbound.)
  for pid in ${forwards[@]+"${forwards[@]}"}; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$tmp"
  if [ "$created_cluster" = 1 ]; then
    if [ "${KEEP:-0}" = 1 ]; then
      say "keeping kind cluster $CLUSTER (KEEP=1): kind delete cluster --name $CLUSTER"
    else
      say "deleting kind cluster $CLUSTER (created by this run)"
      kind delete cluster --name "$CLUSTER" || true
    fi
  fi
  exit "$status"
}
trap cleanup EXIT

# Polls until the command prints something non-empty (and not "0"), or fails after $1 seconds.
wait_for() {
  local seconds=$1; shift
  local deadline=$((SECONDS + seconds)) out
  while [ $SECONDS -lt $deadline ]; do
    out=$("$@" 2>/dev/null || true)
    if [ -n "$out" ] && [ "$out" != "0" ]; then printf '%s' "$out"; return 0; fi
    sleep 2
  done
  return 1
}

# Starts `kubectl port-forward` to $1 (svc/name) from local port $2 to remote port $3 and waits
# until the local port accepts connections.
port_forward() {
  local target=$1 local_port=$2 remote_port=$3
  kubectl -n "$NS" port-forward "$target" "$local_port:$remote_port" >"$tmp/forward-$local_port.log" 2>&1 &
  forwards+=($!)
  local deadline=$((SECONDS + 30))
  until curl -s -o /dev/null "http://127.0.0.1:$local_port/" 2>/dev/null || curl -sk -o /dev/null "https://127.0.0.1:$local_port/" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || fail "port-forward to $target did not come up: $(cat "$tmp/forward-$local_port.log")"
    sleep 1
  done
}

if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  say "using the existing kind cluster $CLUSTER (it will not be deleted)"
else
  say "creating kind cluster $CLUSTER"
  # Marked before the create: a create that fails half-way leaves a cluster to delete too.
  created_cluster=1
  kind create cluster --name "$CLUSTER" --wait 120s
fi
kubectl config use-context "kind-$CLUSTER" >/dev/null

say "building $IMAGE"
docker build -t "$IMAGE" .
kind load docker-image "$IMAGE" --name "$CLUSTER"

say "installing KEDA"
helm repo add kedacore https://kedacore.github.io/charts >/dev/null 2>&1 || true
helm repo update kedacore >/dev/null
helm upgrade --install keda kedacore/keda --namespace keda --create-namespace --wait --timeout 5m

say "installing podpool"
helm upgrade --install podpool charts/podpool --namespace "$NS" --create-namespace \
  --set image.repository=podpool/podpool --set image.tag=e2e --set image.pullPolicy=Never \
  --wait --timeout 5m
kubectl -n "$NS" rollout status deploy/podpool --timeout=180s
wait_for 60 kubectl -n "$NS" get lease podpool-controller -o 'jsonpath={.spec.holderIdentity}' >/dev/null \
  || fail "no replica took the leader lease"
[ -n "$(kubectl -n "$NS" get secret podpool-tls -o 'jsonpath={.data.ca\.crt}')" ] \
  || fail "the operator did not fill the chart's Secret podpool-tls"

say "creating the example PodPool and a KEDA ScaledObject (external trigger)"
kubectl apply -f examples/podpool.yaml
kubectl apply -f examples/scaledobject-external.yaml
kubectl -n "$POOL_NS" wait --for=condition=Ready scaledobject/sandboxes --timeout=180s \
  || fail "KEDA does not report the ScaledObject Ready (scaler unreachable?)"

say "waiting for KEDA to set spec.replicas and for the pool to fill"
replicas=$(wait_for 180 kubectl -n "$POOL_NS" get pp sandboxes -o 'jsonpath={.spec.replicas}') || fail "KEDA never set spec.replicas"
desired=$(kubectl -n "$POOL_NS" get pp sandboxes -o 'jsonpath={.status.desiredReplicas}')
say "spec.replicas=$replicas (set by KEDA), status.desiredReplicas=$desired (the engine)"
ready_enough() {
  local ready want
  ready=$(kubectl -n "$POOL_NS" get pp sandboxes -o 'jsonpath={.status.readyPods}')
  want=$(kubectl -n "$POOL_NS" get pp sandboxes -o 'jsonpath={.spec.replicas}')
  [ -n "$ready" ] && [ -n "$want" ] && [ "$ready" -ge "$want" ] && [ "$want" -gt 0 ] && echo "$ready"
}
wait_for 300 ready_enough >/dev/null || fail "the pool did not fill: $(kubectl -n "$POOL_NS" get pp sandboxes)"
kubectl -n "$POOL_NS" get scaledobject,hpa,pp

# KEDA lets one ScaledObject own a scale target, so the other two examples take turns with it.
current=sandboxes
for example in external-push metrics-api; do
  file=examples/scaledobject-$example.yaml
  name=$(kubectl apply --dry-run=client -f "$file" -o 'jsonpath={.metadata.name}')
  say "replacing ScaledObject $current with $file ($name)"
  kubectl -n "$POOL_NS" delete scaledobject "$current" --wait=true >/dev/null
  current=$name
  kubectl apply -f "$file"
  kubectl -n "$POOL_NS" wait --for=condition=Ready "scaledobject/$name" --timeout=180s \
    || fail "KEDA does not report ScaledObject $name Ready ($example trigger): $(kubectl -n "$POOL_NS" describe scaledobject "$name" | tail -20)"
  wait_for 120 kubectl -n "$POOL_NS" get hpa "keda-hpa-$name" -o 'jsonpath={.status.currentMetrics[0].external.current.averageValue}{.status.currentMetrics[0].external.current.value}' >/dev/null \
    || fail "the HPA of $name never read a metric from podpool ($example trigger)"
  kubectl -n "$POOL_NS" get scaledobject,hpa,pp
done

say "checking that the webhook stamps a pool pod created by hand"
kubectl -n "$POOL_NS" run e2e-by-hand --image=busybox:1.36 --labels=podpool.dev/pool=sandboxes --restart=Never -- sleep 3600 >/dev/null
hash=$(kubectl -n "$POOL_NS" get pod e2e-by-hand -o 'jsonpath={.metadata.labels.podpool\.dev/template-hash}')
state=$(kubectl -n "$POOL_NS" get pod e2e-by-hand -o 'jsonpath={.metadata.labels.podpool\.dev/state}')
if [ -z "$hash" ] || [ -z "$state" ]; then fail "the webhook did not stamp the pod (template-hash '$hash', state '$state')"; fi
kubectl -n "$POOL_NS" delete pod e2e-by-hand --wait=false >/dev/null

say "reserving a pod through the reservation API"
kubectl -n "$POOL_NS" create serviceaccount e2e-user --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl -n "$POOL_NS" create rolebinding e2e-user --clusterrole=podpool-reservations-user --serviceaccount="$POOL_NS:e2e-user" \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
token=$(kubectl -n "$POOL_NS" create token e2e-user)
kubectl -n "$NS" get secret podpool-tls -o 'jsonpath={.data.ca\.crt}' | base64 -d > "$tmp/ca.crt"
port_forward svc/podpool-reservations 18443 443
api="https://podpool-reservations.$NS.svc:18443/api/v1/namespaces/$POOL_NS/podpools/sandboxes/reservations"
reserve_api() {
  curl -sS --fail-with-body --cacert "$tmp/ca.crt" --resolve "podpool-reservations.$NS.svc:18443:127.0.0.1" \
    -H "Authorization: Bearer $token" "$@"
}
answer=$(reserve_api -H 'Content-Type: application/json' -d '{"user":"e2e"}' "$api") || fail "reservation failed: $answer"
pod=$(printf '%s' "$answer" | sed -nE 's/.*"pod":"([^"]+)".*/\1/p')
[ -n "$pod" ] || fail "no pod in the answer: $answer"
[ "$(kubectl -n "$POOL_NS" get pod "$pod" -o 'jsonpath={.metadata.labels.podpool\.dev/state}')" = reserved ] || fail "pod $pod is not labelled reserved"
[ -z "$(kubectl -n "$POOL_NS" get pod "$pod" -o 'jsonpath={.metadata.ownerReferences}')" ] || fail "pod $pod still belongs to the pool"
wait_for 60 kubectl -n "$POOL_NS" get pp sandboxes -o 'jsonpath={.status.reservedPods}' >/dev/null || fail "status.reservedPods never counted the reservation"
listed=$(reserve_api "$api") || fail "listing reservations failed: $listed"
case $listed in *"\"$pod\""*) ;; *) fail "the reservation list does not show $pod: $listed" ;; esac

say "releasing the reservation"
released=$(reserve_api -X DELETE "$api/$pod") || fail "release failed: $released"
case $released in *'"released":true'*) ;; *) fail "unexpected release answer: $released" ;; esac
gone() {
  # Prints "gone" once the pod is deleted or being deleted.
  if ! kubectl -n "$POOL_NS" get pod "$pod" >/dev/null 2>&1; then echo gone; return; fi
  [ -n "$(kubectl -n "$POOL_NS" get pod "$pod" -o 'jsonpath={.metadata.deletionTimestamp}')" ] && echo gone
}
wait_for 60 gone >/dev/null || fail "the released pod $pod was not deleted"

say "reading /metrics"
port_forward svc/podpool-metrics 18080 8080
metrics=$(curl -sS --fail "http://127.0.0.1:18080/metrics") || fail "/metrics did not answer"
# Series every replica exports (the Service may pick a follower: pool gauges are the leader's).
for metric in podpool_leader podpool_workqueue_depth process_cpu_seconds_total nodejs_eventloop_lag_seconds; do
  printf '%s\n' "$metrics" | grep -q "^$metric" || fail "/metrics has no $metric"
done

say "PASS: pool filled under KEDA (external, external-push, metrics-api), webhook stamped, pod $pod reserved and released, /metrics answered"
