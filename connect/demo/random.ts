/**
 * Seeded randomness for the demo data: one Faker instance per use (never the global one,
 * which other code may reseed), so the same seed always yields the same values, and
 * nothing reads the clock or the OS's randomness.
 */
import { base, en, Faker } from "@faker-js/faker";

export type Random = Faker;

/** A Faker instance seeded with `seed` (English words and names). */
export function seededRandom(seed: number): Random {
  const faker = new Faker({ locale: [en, base] });
  faker.seed(seed);
  return faker;
}

/** A version-4 UUID from the seeded generator (8-4-4-4-12 lower-case hex). */
export function uuid(random: Random): string {
  return random.string.uuid();
}

/** A uniform float in [0, 1). */
export function unit(random: Random): number {
  return random.number.int({ min: 0, max: 0xffff_ffff }) / 0x1_0000_0000;
}

/** An integer in [min, max], both included. */
export function between(random: Random, min: number, max: number): number {
  return random.number.int({ min, max });
}

/** A normally distributed value (Box-Muller). */
export function normal(random: Random, mean: number, sd: number): number {
  const u = Math.max(unit(random), 1e-12);
  const v = unit(random);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function chance(random: Random, p: number): boolean {
  return unit(random) < p;
}

export function pick<T>(random: Random, items: readonly T[]): T {
  if (items.length === 0) throw new Error("pick from an empty list");
  return items[Math.floor(unit(random) * items.length)] as T;
}

export function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = unit(random) * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return (items[items.length - 1] as readonly [T, number])[0];
}

/** Fisher-Yates on a copy. */
export function shuffled<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(unit(random) * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/**
 * Zipf-like ranks: rank k (0-based) is drawn with probability proportional to
 * 1 / (k + 1)^exponent, so a few items get most of the draws and the tail stays long.
 */
export class Zipf {
  private readonly cdf: Float64Array;

  constructor(
    readonly size: number,
    readonly exponent: number,
  ) {
    if (size <= 0) throw new Error("Zipf over nothing");
    this.cdf = new Float64Array(size);
    let sum = 0;
    for (let k = 0; k < size; k++) {
      sum += 1 / (k + 1) ** exponent;
      this.cdf[k] = sum;
    }
    for (let k = 0; k < size; k++) this.cdf[k] = (this.cdf[k] as number) / sum;
  }

  /** The rank for a uniform draw u in [0, 1). */
  rank(u: number): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cdf[mid] as number) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** The share of all draws that ranks 0..count-1 get. */
  headShare(count: number): number {
    return count <= 0 ? 0 : (this.cdf[Math.min(count, this.size) - 1] as number);
  }
}

export function capitalize(word: string): string {
  return word.length === 0 ? word : `${word[0]?.toUpperCase()}${word.slice(1)}`;
}

export function titleCase(text: string): string {
  const small = new Set(["a", "an", "the", "of", "in", "on", "and", "to", "for", "at", "by"]);
  return text
    .split(" ")
    .map((w, i) => (i > 0 && small.has(w.toLowerCase()) ? w.toLowerCase() : capitalize(w)))
    .join(" ");
}

export function plural(noun: string): string {
  if (/(s|x|z|ch|sh)$/.test(noun)) return `${noun}es`;
  if (/[^aeiou]y$/.test(noun)) return `${noun.slice(0, -1)}ies`;
  return `${noun}s`;
}
