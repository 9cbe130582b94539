/**
 * A list in pages, as client-go's reflector lists (500 objects a page): a cluster of 20,000 pods
 * is never one response body held whole beside its parsed and deserialized copies, which set the
 * operator's memory peak (and so its resident size) at every start and re-list. Continue tokens
 * keep one consistent snapshot; an expired token (410) fails the list and the informer re-lists.
 */
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import { withoutManagedFields } from './informer.js';

export const LIST_PAGE_SIZE = 500;

export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string } | undefined;
  apiVersion?: string;
  kind?: string;
}

export async function listInPages<T extends KubernetesObject>(
  listPage: (page: { limit: number; _continue?: string }) => Promise<ListPage<T>>,
  pageSize = LIST_PAGE_SIZE,
  transform: (object: T) => T = withoutManagedFields,
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let token: string | undefined;
  let last: ListPage<T>;
  do {
    last = await listPage(token === undefined ? { limit: pageSize } : { limit: pageSize, _continue: token });
    // Transformed page by page, so the cache's copy is all that stays.
    for (const item of last.items) items.push(transform(item));
    token = last.metadata?._continue || undefined;
  } while (token !== undefined);
  return { apiVersion: last.apiVersion, kind: last.kind, metadata: { resourceVersion: last.metadata?.resourceVersion }, items };
}
