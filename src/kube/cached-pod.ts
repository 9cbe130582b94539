/**
 * What the cache keeps of a pool pod: the fields podpool reads, nothing else (controller-runtime
 * users get the same with a cache TransformFunc). Pool pods are most of what the operator holds:
 * a pod as the API server sends it carries its containers, volumes, tolerations and container
 * statuses, and client-node deserializes a list into class instances with every field of the
 * schema present, set or not. The operator needs
 *   metadata  name, namespace, uid, resourceVersion (guarded writes), labels and annotations
 *             (state, pool, reservation), creation and deletion times, owner references (claims)
 *   spec      nodeName (answered to the user)
 *   status    phase, conditions (Ready and its transition time), podIP(s), startTime
 * Anything that needs more of a pod reads it from the API server.
 */
import type { V1Pod } from '@kubernetes/client-node';

export function cachedPod(pod: V1Pod): V1Pod {
  const metadata = pod.metadata ?? {};
  const slim: V1Pod = {
    apiVersion: pod.apiVersion ?? 'v1',
    kind: pod.kind ?? 'Pod',
    metadata: defined({
      name: metadata.name,
      namespace: metadata.namespace,
      uid: metadata.uid,
      resourceVersion: metadata.resourceVersion,
      generateName: metadata.generateName,
      labels: metadata.labels,
      annotations: metadata.annotations,
      creationTimestamp: metadata.creationTimestamp,
      deletionTimestamp: metadata.deletionTimestamp,
      ownerReferences: metadata.ownerReferences,
    }),
  };
  if (pod.spec?.nodeName !== undefined) slim.spec = { nodeName: pod.spec.nodeName, containers: [] };
  const status = pod.status;
  if (status !== undefined) {
    slim.status = defined({
      phase: status.phase,
      conditions: status.conditions,
      podIP: status.podIP,
      podIPs: status.podIPs,
      startTime: status.startTime,
    });
  }
  return slim;
}

/** The object without its undefined fields, so the cache holds no keys for absent values. */
function defined<T extends object>(object: T): T {
  for (const key of Object.keys(object) as Array<keyof T>) if (object[key] === undefined) delete object[key];
  return object;
}
