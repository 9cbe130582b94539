/**
 * The warm count for an availability target: a pool is a base-stock inventory whose pods take a
 * lead time L to refill, so a reservation finds no ready pod exactly when the demand D of the
 * last L reaches the warm count S. S is the smallest count with P(D >= S) <= 1 - availability.
 *
 * D is Poisson(mean) for steady independent arrivals, and a negative binomial with the same mean
 * and `dispersion` times its variance when the observed demand is burstier than that. Both are
 * computed exactly (log-space pmf at the mode, then the ratio recursion outwards), so small counts
 * get the true quantile rather than the square-root rule's low estimate, and large means neither
 * underflow nor loop: every walk is bounded, with the Cornish-Fisher normal approximation as the
 * answer past the bound.
 */

/** Below this excess dispersion the demand is treated as Poisson. */
const POISSON_DISPERSION = 1 + 1e-6;
/** Terms below this share of the mode's probability no longer move a sum of doubles. */
const NEGLIGIBLE = 1e-18;
const MAX_TERMS = 20_000;
/** Past this variance the skew-corrected normal is within a pod of the exact quantile and far cheaper. */
const EXACT_VARIANCE_LIMIT = 40_000;

export interface DemandDistribution {
  /** Expected reservations over the lead time. */
  mean: number;
  /** Variance divided by the mean (1 for Poisson). */
  dispersion: number;
}

/** Smallest S with P(D >= S) <= 1 - availability; 0 when there is no demand. */
export function warmCountFor(demand: DemandDistribution, availability: number): number {
  const { mean } = demand;
  if (!(mean > 0) || !Number.isFinite(mean)) return 0;
  const budget = 1 - availability;
  if (!(budget > 0)) throw new RangeError(`availability must be below 1, got ${availability}`);
  const dispersion = Number.isFinite(demand.dispersion) ? Math.max(1, demand.dispersion) : 1;
  const poisson = quantile(mean, 1, 1 - budget) + 1;
  // At small means a heavy negative binomial piles its mass on zero and can ask for less than the
  // Poisson: burstiness only ever widens the count.
  return dispersion <= POISSON_DISPERSION ? poisson : Math.max(poisson, quantile(mean, dispersion, 1 - budget) + 1);
}

function quantile(mean: number, dispersion: number, level: number): number {
  if (mean * dispersion > EXACT_VARIANCE_LIMIT) return normalQuantile(mean, dispersion, level);
  return exactQuantile(mean, dispersion, level) ?? normalQuantile(mean, dispersion, level);
}

interface Pmf {
  /** log P(D = k). */
  log(k: number): number;
  /** P(D = k + 1) / P(D = k). */
  up(k: number): number;
}

function poissonPmf(mean: number): Pmf {
  const logMean = Math.log(mean);
  return { log: (k) => -mean + k * logMean - logFactorial(k), up: (k) => mean / (k + 1) };
}

/** Negative binomial with the given mean and variance dispersion * mean (size r, success p). */
function negativeBinomialPmf(mean: number, dispersion: number): Pmf {
  const size = mean / (dispersion - 1);
  const q = 1 - 1 / dispersion; // = mean / (size + mean)
  const logP = Math.log(1 / dispersion);
  const logQ = Math.log(q);
  const logGammaSize = logGamma(size);
  return {
    log: (k) => logGamma(k + size) - logGammaSize - logFactorial(k) + size * logP + k * logQ,
    up: (k) => ((k + size) / (k + 1)) * q,
  };
}

/** The smallest k with P(D <= k) >= level, or undefined when the walk would be too long. */
function exactQuantile(mean: number, dispersion: number, level: number): number | undefined {
  const pmf = dispersion <= POISSON_DISPERSION ? poissonPmf(mean) : negativeBinomialPmf(mean, dispersion);
  const mode = Math.floor(mean);
  const modeProbability = Math.exp(pmf.log(mode));
  if (!(modeProbability > 0)) return undefined;

  // P(D < mode), summed downwards from the mode until the terms vanish.
  let below = 0;
  let term = modeProbability;
  let steps = 0;
  for (let k = mode; k > 0 && steps < MAX_TERMS; k -= 1, steps += 1) {
    term /= pmf.up(k - 1);
    below += term;
    if (term < modeProbability * NEGLIGIBLE) break;
  }
  if (steps >= MAX_TERMS) return undefined;

  let cumulative = below + modeProbability;
  term = modeProbability;
  for (let k = mode; steps < MAX_TERMS; k += 1, steps += 1) {
    if (cumulative >= level) return k;
    term *= pmf.up(k);
    cumulative += term;
    // Float rounding can leave the sum a hair short of a level the tail no longer changes.
    if (term < modeProbability * NEGLIGIBLE && cumulative < level) return k + 1;
  }
  return undefined;
}

/** Cornish-Fisher: the normal quantile corrected for skew, for means beyond the exact walk. */
function normalQuantile(mean: number, dispersion: number, level: number): number {
  const variance = mean * dispersion;
  const sd = Math.sqrt(variance);
  const z = standardNormalQuantile(level);
  // Skewness of the negative binomial (Poisson when dispersion is 1): (2 * dispersion - 1) / sd.
  const skew = (2 * dispersion - 1) / sd;
  return Math.max(0, Math.ceil(mean + sd * (z + ((z * z - 1) * skew) / 6) - 0.5));
}

/** Acklam's rational approximation of the standard normal quantile (relative error < 1.2e-9). */
export function standardNormalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = a as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = b as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = c as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = d as [number, number, number, number];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7; about 15 significant digits). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i += 1) sum += (LANCZOS[i] as number) / (shifted + i);
  const t = shifted + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

const SMALL_LOG_FACTORIALS: number[] = [0];
for (let k = 1; k <= 256; k += 1) SMALL_LOG_FACTORIALS.push((SMALL_LOG_FACTORIALS[k - 1] as number) + Math.log(k));

export function logFactorial(k: number): number {
  return k <= 256 ? (SMALL_LOG_FACTORIALS[k] as number) : logGamma(k + 1);
}
