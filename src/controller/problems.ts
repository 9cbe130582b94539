/**
 * A reconcile problem reads "Reason: detail" (PodCreateFailed: ..., PodDeleteFailed: ...): the
 * reason names the Degraded condition and the Warning event, in one place.
 */
export function splitProblem(problem: string): { reason: string; detail: string } {
  const colon = problem.indexOf(': ');
  return colon > 0 ? { reason: problem.slice(0, colon), detail: problem.slice(colon + 2) } : { reason: 'ReconcileFailed', detail: problem };
}
