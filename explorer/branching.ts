// Stage: explorer. Every branch of one transition, by replaying choices. A transition (explorer/loop.ts,
// `advance`) asks its choices of a ChoiceSource; `ScriptedChoices` answers them from a script of branch
// numbers and answers 0, the first branch, past its end, writing down how many branches each choice had.
// `branches` then runs the transition again and again, each time moving the last choice that has a
// branch left to its next one (and dropping the choices after it), until every combination was taken:
// a depth-first walk over the tree of one step's choices.
// Faults are not weighed by probability but counted against a budget: the fault choice (`among`) offers
// no fault, and each kind whose probability is above 0 and whose budget is not spent. Each branch comes
// with the numbers that `ListChoices` (runtime/choices.ts) answers the same way, so that a path's
// numbers, one transition after another, are a schedule that `ent check --replay` runs exactly.

import { numberForChance, numberForOutcome, type ChoiceSource } from '../runtime/choices.ts';
import { faultOrder } from '../runtime/simulator.ts';

export type FaultKind = (typeof faultOrder)[number];

/** How many faults of each kind may still strike. */
export type FaultBudget = Readonly<Record<FaultKind, number>>;

export const noBudget: FaultBudget = { crash: 0, drop: 0, duplicate: 0, delay: 0 };

export function budgetLeft(budget: FaultBudget): boolean {
  return faultOrder.some((kind) => budget[kind] > 0);
}

export function spend(budget: FaultBudget, kind: FaultKind | undefined): FaultBudget {
  return kind === undefined ? budget : { ...budget, [kind]: budget[kind] - 1 };
}

export class ScriptedChoices implements ChoiceSource {
  private position = 0;
  /** The branch taken at each choice, and how many there were. */
  readonly taken: number[] = [];
  readonly arities: number[] = [];
  /** The numbers that ListChoices answers as these choices were answered. */
  readonly numbers: number[] = [];
  /** The fault that struck, if one did. */
  struck: FaultKind | undefined;
  private pinned: number | undefined;

  /**
   * `pinnedPick`: the answer to the first `pick` with more than one branch, taken as the only one, and no
   * fault before it (the fault choice answered: none).
   */
  constructor(private readonly script: readonly number[], private readonly budget: FaultBudget, pinnedPick?: number) {
    this.pinned = pinnedPick;
  }

  get made(): readonly number[] {
    return this.numbers;
  }

  private choose(arity: number): number {
    const branch = this.position < this.script.length ? this.script[this.position] : 0;
    this.position++;
    this.taken.push(branch);
    this.arities.push(arity);
    return branch;
  }

  pick(count: number): number {
    if (count <= 1) return 0;
    if (this.pinned !== undefined) {
      const value = this.pinned;
      this.pinned = undefined;
      this.choose(1);
      this.numbers.push(value);
      return value;
    }
    const value = this.choose(count);
    this.numbers.push(value);
    return value;
  }

  chance(probability: number): boolean {
    if (probability <= 0) return false;
    const yes = this.choose(2) === 1;
    this.numbers.push(numberForChance(probability, yes));
    return yes;
  }

  /** The one `among` of a step is the fault choice (runtime/simulator.ts names its outcomes in `faultOrder`). */
  among(probabilities: readonly number[]): number {
    if (probabilities.every((probability) => probability <= 0)) return -1;
    if (this.pinned !== undefined) {
      // A pinned event is taken without a fault (the faults are branches of their own).
      this.choose(1);
      this.numbers.push(numberForOutcome(probabilities, -1));
      return -1;
    }
    const outcomes = [-1, ...probabilities.flatMap((probability, index) => (probability > 0 && this.budget[faultOrder[index]] > 0 ? [index] : []))];
    const outcome = outcomes[this.choose(outcomes.length)];
    this.numbers.push(numberForOutcome(probabilities, outcome));
    if (outcome >= 0) this.struck = faultOrder[outcome];
    return outcome;
  }
}

export interface Branch<T> {
  readonly result: T;
  readonly numbers: readonly number[];
  readonly struck: FaultKind | undefined;
}

/** Runs `transition` once for every combination of its choices' branches. */
export function branches<T>(budget: FaultBudget, transition: (choices: ChoiceSource) => T, pinnedPick?: number): Branch<T>[] {
  const found: Branch<T>[] = [];
  let script: number[] = [];
  for (;;) {
    const choices = new ScriptedChoices(script, budget, pinnedPick);
    const result = transition(choices);
    found.push({ result, numbers: choices.numbers, struck: choices.struck });
    let last = choices.taken.length - 1;
    while (last >= 0 && choices.taken[last] + 1 >= choices.arities[last]) last--;
    if (last < 0) return found;
    script = [...choices.taken.slice(0, last), choices.taken[last] + 1];
  }
}
