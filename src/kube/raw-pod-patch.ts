/**
 * A pod merge patch sent through client-node's own transport and authentication, with the answer
 * parsed as plain JSON instead of through client-node's model layer. ObjectSerializer walks the
 * whole V1Pod schema to build the answer (every field of every container, set or not) and to
 * serialize the request body; on the reservation path, where the answer is read for its name,
 * labels, annotations, IP and node, that was the largest part of podpool's own CPU per call
 * after the connection reuse (see bench/README.md, Reservations).
 */
import { ApiException, HttpMethod, IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig, type V1Pod } from '@kubernetes/client-node';

const transport = new IsomorphicFetchHttpLibrary();

export interface PodMergePatch {
  (namespace: string, name: string, body: object, fieldManager: string): Promise<V1Pod>;
}

export function rawPodMergePatch(kubeConfig: KubeConfig): PodMergePatch {
  return async (namespace, name, body, fieldManager) => {
    const server = kubeConfig.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no current cluster');
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
    const context = new RequestContext(`${server.replace(/\/+$/, '')}${path}`, HttpMethod.PATCH);
    context.setQueryParam('fieldManager', fieldManager);
    context.setHeaderParam('Content-Type', 'application/merge-patch+json');
    context.setHeaderParam('Accept', 'application/json');
    context.setBody(JSON.stringify(body));
    await kubeConfig.applySecurityAuthentication(context);
    const response = await transport.send(context).toPromise();
    const text = await response.body.text();
    if (response.httpStatusCode >= 200 && response.httpStatusCode < 300) return JSON.parse(text) as V1Pod;
    // As client-node reports a failed call, so apiStatus() and the callers' handling stay the same.
    throw new ApiException(
      response.httpStatusCode,
      `HTTP-Code: ${response.httpStatusCode}\nBody: ${text.slice(0, 1000)}`,
      text,
      response.headers,
    );
  };
}
