#!/usr/bin/env bash
# End-to-end on a real kind cluster: build the image, install KEDA and the chart, then check the
# path a user takes: a PodPool fills, KEDA drives its /scale subresource, the webhook stamps pool
# pods, and a user reserves a pod through the reservation API.
#
#   test/e2e/kind-e2e.sh            # needs docker (with a running engine), kind, helm, kubectl, curl
#   KEEP=1 test/e2e/kind-e2e.sh     # keep the cluster afterwards
#
# Where no Docker engine runs (these development machines), it says so and exits 0: the same
# behaviours are covered against a real kube-apiserver by `npm test` (test/integration).
set -euo pipefail

cd "$(dirname "$0")/../.."
CLUSTER=${CLUSTER:-podpool-e2e}
IMAGE=podpool/podpool:e2e
NS=podpool-system

say() { printf '[kind-e2e] %s\n' "$*"; }
fail() { say "FAIL: $*"; exit 1; }

for tool in docker kind helm kubectl curl; do
  command -v "$tool" >/dev/null || { say "skipped: $tool is not installed"; exit 0; }
done
docker info >/dev/null 2>&1 || { say "skipped: no Docker engine is running (kind needs one)"; exit 0; }

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

if ! kind get clusters | grep -qx "$CLUSTER"; then
  say "creating kind cluster $CLUSTER"
  kind create cluster --name "$CLUSTER" --wait 120s
fi
[ "${KEEP:-0}" = 1 ] || trap 'say "deleting kind cluster $CLUSTER"; kind delete cluster --name "$CLUSTER"' EXIT
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

say "creating the example PodPool and a KEDA ScaledObject"
kubectl apply -f examples/podpool.yaml
kubectl apply -f examples/scaledobject-external.yaml
kubectl wait --for=condition=Ready scaledobject/sandboxes --timeout=180s \
  || fail "KEDA does not report the ScaledObject Ready (scaler unreachable?)"

say "waiting for KEDA to set spec.replicas and for the pool to fill"
replicas=$(wait_for 180 kubectl get pp sandboxes -o 'jsonpath={.spec.replicas}') || fail "KEDA never set spec.replicas"
desired=$(kubectl get pp sandboxes -o 'jsonpath={.status.desiredReplicas}')
say "spec.replicas=$replicas (set by KEDA), status.desiredReplicas=$desired (the engine)"
ready_enough() {
  local ready want
  ready=$(kubectl get pp sandboxes -o 'jsonpath={.status.readyPods}')
  want=$(kubectl get pp sandboxes -o 'jsonpath={.spec.replicas}')
  [ -n "$ready" ] && [ -n "$want" ] && [ "$ready" -ge "$want" ] && [ "$want" -gt 0 ] && echo "$ready"
}
wait_for 300 ready_enough >/dev/null || fail "the pool did not fill: $(kubectl get pp sandboxes)"
kubectl get pp sandboxes

say "checking that the webhook stamps a pool pod created by hand"
kubectl run e2e-by-hand --image=busybox:1.36 --labels=podpool.dev/pool=sandboxes --restart=Never -- sleep 3600 >/dev/null
hash=$(kubectl get pod e2e-by-hand -o 'jsonpath={.metadata.labels.podpool\.dev/template-hash}')
state=$(kubectl get pod e2e-by-hand -o 'jsonpath={.metadata.labels.podpool\.dev/state}')
[ -n "$hash" ] && [ -n "$state" ] || fail "the webhook did not stamp the pod (template-hash '$hash', state '$state')"
kubectl delete pod e2e-by-hand --wait=false >/dev/null

say "reserving a pod through the reservation API"
kubectl create serviceaccount e2e-user --dry-run=client -o yaml | kubectl apply -f - >/dev/null
kubectl create rolebinding e2e-user --clusterrole=podpool-reservations-user --serviceaccount=default:e2e-user \
  --dry-run=client -o yaml | kubectl apply -f - >/dev/null
token=$(kubectl create token e2e-user)
ca=$(mktemp)
kubectl -n "$NS" get secret podpool-tls -o 'jsonpath={.data.ca\.crt}' | base64 -d > "$ca"
kubectl -n "$NS" port-forward svc/podpool-reservations 18443:443 >/dev/null 2>&1 &
forward=$!
trap 'kill $forward 2>/dev/null || true; rm -f "$ca"; [ "${KEEP:-0}" = 1 ] || kind delete cluster --name "$CLUSTER"' EXIT
sleep 3
answer=$(curl -sS --fail-with-body --cacert "$ca" --resolve podpool-reservations.$NS.svc:18443:127.0.0.1 \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"user":"e2e"}' \
  "https://podpool-reservations.$NS.svc:18443/api/v1/namespaces/default/podpools/sandboxes/reservations") \
  || fail "reservation failed: $answer"
pod=$(printf '%s' "$answer" | sed -nE 's/.*"pod":"([^"]+)".*/\1/p')
[ -n "$pod" ] || fail "no pod in the answer: $answer"
[ "$(kubectl get pod "$pod" -o 'jsonpath={.metadata.labels.podpool\.dev/state}')" = reserved ] || fail "pod $pod is not labelled reserved"
[ -z "$(kubectl get pod "$pod" -o 'jsonpath={.metadata.ownerReferences}')" ] || fail "pod $pod still belongs to the pool"
wait_for 60 kubectl get pp sandboxes -o 'jsonpath={.status.reservedPods}' >/dev/null || fail "status.reservedPods never counted the reservation"

say "PASS: pool filled under KEDA, webhook stamped, pod $pod reserved"
