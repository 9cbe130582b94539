/**
 * Seeded pseudo-random numbers: the simulator's only source of chance, so a seed replays a run
 * exactly. Each concern (arrival spread, warm-ups, sessions) draws from its own stream, so adding
 * a draw to one never shifts the numbers another sees.
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
}

/** mulberry32: tiny, fast, and plenty for simulation (not for anything secret). */
export function createRandom(seed: number): Random {
  let state = seed >>> 0;
  return {
    next(): number {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** A seed for the named stream of a run: FNV-1a over the name, mixed with the run's seed. */
export function streamSeed(seed: number, stream: string): number {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < stream.length; i += 1) {
    hash ^= stream.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash >>> 0;
}

export function standardNormal(random: Random): number {
  // Box-Muller; 1 - next() keeps the logarithm's argument in (0, 1].
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

const KNUTH_LIMIT = 100;

/** A Poisson-distributed count with the given mean. */
export function poisson(random: Random, mean: number): number {
  if (mean <= 0) return 0;
  if (mean > KNUTH_LIMIT) return Math.max(0, Math.round(mean + Math.sqrt(mean) * standardNormal(random)));
  const limit = Math.exp(-mean);
  let count = 0;
  let product = random.next();
  while (product > limit) {
    count += 1;
    product *= random.next();
  }
  return count;
}
