/**
 * Pool pods the admission webhook never saw (it was down, or not installed) lack the template
 * hash it stamps. They are adopted as pods of the current template, so the controller repairs
 * their labels instead of replacing them as stale, and says that the webhook is not being called.
 */
import { STATE_LABEL, TEMPLATE_HASH_LABEL } from '../api/labels.js';
import type { PodView } from './pod-view.js';

export function adoptPodsAdmittedWithoutWebhook(
  views: readonly PodView[],
  currentHash: string,
): { views: PodView[]; admittedWithoutWebhook: PodView[] } {
  const admittedWithoutWebhook: PodView[] = [];
  const adopted = views.map((view) => {
    if (view.labels[TEMPLATE_HASH_LABEL] !== undefined || view.labels[STATE_LABEL] === 'reserved') return view;
    const stamped = { ...view, labels: { ...view.labels, [TEMPLATE_HASH_LABEL]: currentHash } };
    admittedWithoutWebhook.push(stamped);
    return stamped;
  });
  return { views: adopted, admittedWithoutWebhook };
}
