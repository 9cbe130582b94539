/**
 * The Node.js release podpool runs on. Older releases fail deep inside a dependency (undici 8 on
 * Node 20: "Cannot read properties of undefined (reading 'bind')"); this says what is wrong first.
 */
export const MIN_NODE_MAJOR = 24;

/** The message to stop with, or undefined when `version` (process.version, e.g. "v24.1.0") will do. */
export function nodeVersionProblem(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  if (Number.isInteger(major) && major >= MIN_NODE_MAJOR) return undefined;
  return `podpool needs Node >= ${MIN_NODE_MAJOR} (found ${version})`;
}
