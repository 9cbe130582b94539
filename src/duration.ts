/** The one duration grammar of flags and query parameters: `1500ms`, `30s`, `5m`, `1h`, `90d`. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/;

/**
 * Milliseconds, or undefined when `text` is not a duration. A bare number is in `bareUnit`
 * (seconds for `?wait=30`); without one a unit is required.
 */
export function parseDurationMs(text: string, bareUnit?: 's'): number | undefined {
  const match = DURATION.exec(text);
  if (match === null) return undefined;
  const unit = match[2] ?? bareUnit;
  if (unit === undefined) return undefined;
  return Number(match[1]) * (UNIT_MS[unit] ?? Number.NaN);
}
