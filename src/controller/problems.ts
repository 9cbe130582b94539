/**
 * What went wrong in one reconcile, as values: the reason names the Degraded condition and the
 * Warning event; the message (with the pod, when the failed write was for one) says what.
 */
import { errorMessage } from '../errors.js';

export type ProblemReason = 'PodCreateFailed' | 'PodDeleteFailed' | 'PodPatchFailed' | 'WebhookNotCalled';

export interface Problem {
  reason: ProblemReason;
  message: string;
  pod?: string | undefined;
}

/** A write the API server refused; its body (the API's Status) says most, when there is one. */
export function writeFailed(reason: ProblemReason, error: unknown, pod?: string): Problem {
  const body = (error as { body?: unknown } | null | undefined)?.body;
  const message = body === undefined ? errorMessage(error) : typeof body === 'string' ? body : JSON.stringify(body);
  return pod === undefined ? { reason, message } : { reason, message, pod };
}

/** The problem without its reason: "pod: message", or the message alone. */
export function problemDetail(problem: Problem): string {
  return problem.pod === undefined ? problem.message : `${problem.pod}: ${problem.message}`;
}

/** "Reason: detail; Reason: detail", as the Degraded condition's message says it. */
export function describeProblems(problems: readonly Problem[]): string {
  return problems.map((problem) => `${problem.reason}: ${problemDetail(problem)}`).join('; ');
}

/** A reconcile whose writes failed: retried with backoff after its status reported them. */
export class ReconcileFailed extends Error {
  constructor(readonly problems: readonly Problem[]) {
    super(describeProblems(problems));
    this.name = 'ReconcileFailed';
  }
}
