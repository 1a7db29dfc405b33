// Stage: runtime. The one source of nondeterminism. Every choice the simulator makes (which message is
// delivered next, whether a fault strikes and where, how long a delay lasts) is asked of a ChoiceSource:
// a seeded PRNG for runs, or an explicit list of numbers that fast-check generates and shrinks. A list
// that runs out answers 0, the most ordinary choice (no fault, the first candidate), so that shrinking a
// list toward fewer and smaller numbers shrinks a schedule toward a plain one.

import seedrandom from 'seedrandom';

export interface ChoiceSource {
  /** A whole number in [0, count). */
  pick(count: number): number;
  /** True with probability `probability`. */
  chance(probability: number): boolean;
  /**
   * One of several outcomes with the given probabilities (their sum at most 1), or -1 (the rest, and
   * the answer to 0): one choice decides which, if any, happens.
   */
  among(probabilities: readonly number[]): number;
  /** The choices made so far, as numbers that `ListChoices` replays exactly. */
  readonly made: readonly number[];
}

const resolution = 1_000_000;

/** The one rule for a yes: a number in the top `probability` share of [0, resolution). 0 is always no. */
function isYes(value: number, probability: number): boolean {
  return value % resolution >= resolution - probability * resolution;
}

/** The one rule for `among`: the outcomes take consecutive shares from the top of [0, resolution). */
function whichOf(value: number, probabilities: readonly number[]): number {
  let bound = resolution;
  const reduced = value % resolution;
  for (let index = 0; index < probabilities.length; index++) {
    bound -= probabilities[index] * resolution;
    if (reduced >= bound) return index;
  }
  return -1;
}

/** Choices from a seeded PRNG (seedrandom's alea): the same seed gives the same run, to the byte. */
export class SeededChoices implements ChoiceSource {
  private readonly random: () => number;
  private readonly record: number[] | undefined;

  constructor(readonly seed: string, options: { readonly record?: boolean } = {}) {
    this.random = seedrandom.alea(seed);
    this.record = options.record === true ? [] : undefined;
  }

  get made(): readonly number[] {
    return this.record ?? [];
  }

  pick(count: number): number {
    if (count <= 1) return 0;
    const value = Math.floor(this.random() * count);
    this.record?.push(value);
    return value;
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    const value = Math.floor(this.random() * resolution);
    this.record?.push(value);
    return isYes(value, probability);
  }

  among(probabilities: readonly number[]): number {
    if (probabilities.every((probability) => probability <= 0)) return -1;
    const value = Math.floor(this.random() * resolution);
    this.record?.push(value);
    return whichOf(value, probabilities);
  }
}

/**
 * The smallest listed number that `ListChoices.chance(probability)` answers with `yes`: what an
 * exhaustive explorer writes down for a branch it took, so that the list replays that branch.
 */
export function numberForChance(probability: number, yes: boolean): number {
  return yes ? plainestChance(resolution - 1, probability) : 0;
}

/**
 * The smallest listed number that `ListChoices.among(probabilities)` answers with `outcome` (-1 for none
 * of them): what an exhaustive explorer writes down for the branch it took. `outcome` must have a
 * probability above 0.
 */
export function numberForOutcome(probabilities: readonly number[], outcome: number): number {
  if (outcome === -1) return 0;
  let bound = resolution;
  for (let index = 0; index <= outcome; index++) bound -= probabilities[index] * resolution;
  const candidate = Math.max(0, Math.ceil(bound));
  if (whichOf(candidate, probabilities) !== outcome) throw new Error(`assertion: no number gives outcome ${outcome} of ${probabilities.join(', ')}`);
  return candidate;
}

/** The smallest number that `isYes` answers as `value` does: 0 for a no. */
function plainestChance(value: number, probability: number): number {
  if (!isYes(value, probability)) return 0;
  const candidate = Math.ceil(resolution - probability * resolution);
  return isYes(candidate, probability) ? candidate : value;
}

/** The smallest number that `whichOf` answers as `value` does: 0 for none of them. */
function plainestAmong(value: number, probabilities: readonly number[]): number {
  const outcome = whichOf(value, probabilities);
  if (outcome === -1) return 0;
  let bound = resolution;
  for (let index = 0; index <= outcome; index++) bound -= probabilities[index] * resolution;
  const candidate = Math.max(0, Math.ceil(bound));
  return whichOf(candidate, probabilities) === outcome ? candidate : value;
}

/** Choices read from a list: what fast-check generates and shrinks, and what a replay token holds. */
export class ListChoices implements ChoiceSource {
  private position = 0;
  private readonly record: number[] = [];
  private readonly plainest: number[] = [];

  constructor(private readonly choices: readonly number[]) {}

  get made(): readonly number[] {
    return this.record;
  }

  /**
   * The choices made, each replaced by the smallest number that gives the same answer (a fault that did
   * not strike becomes 0, a pick among three becomes 0, 1 or 2): the same run from a list that shrinking
   * can work on, since most of its numbers are then already 0.
   */
  get plainestMade(): readonly number[] {
    return this.plainest;
  }

  /** How many of the listed choices were used. */
  get used(): number {
    return Math.min(this.position, this.choices.length);
  }

  private next(): number {
    const value = this.position < this.choices.length ? this.choices[this.position] : 0;
    this.position++;
    this.record.push(value);
    return value;
  }

  pick(count: number): number {
    if (count <= 1) return 0;
    const value = Math.abs(Math.trunc(this.next())) % count;
    this.plainest.push(value);
    return value;
  }

  /** Listed numbers are read as the PRNG's are (see `isYes`), so a recorded seeded run replays exactly. */
  chance(probability: number): boolean {
    if (probability <= 0) return false;
    const value = Math.abs(Math.trunc(this.next()));
    this.plainest.push(plainestChance(value, probability));
    return isYes(value, probability);
  }

  among(probabilities: readonly number[]): number {
    if (probabilities.every((probability) => probability <= 0)) return -1;
    const value = Math.abs(Math.trunc(this.next()));
    this.plainest.push(plainestAmong(value, probabilities));
    return whichOf(value, probabilities);
  }
}
