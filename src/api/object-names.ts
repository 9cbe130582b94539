/**
 * The one rule for the names podpool reads from its callers (KEDA triggers, HTTP paths,
 * AdmissionReviews): Kubernetes' DNS-1123 names, checked before any lookup.
 */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export type ObjectKind = 'namespace' | 'pool' | 'pod';

/** Namespaces are DNS labels (at most 63 characters); pool and pod names DNS subdomains (at most 253). */
export function isValidObjectName(value: string, what: ObjectKind): boolean {
  const [pattern, maxLength] = what === 'namespace' ? [DNS_LABEL, 63] : [DNS_SUBDOMAIN, 253];
  // Length first: the pattern never runs on a megabyte of input.
  return value.length <= maxLength && pattern.test(value);
}
