// Stage: checkers. Minimizing a failing case before fast-check shrinks it: most of a case's numbers are
// choices nobody needs (a fault that did not matter, a schedule that any order would do), and setting them
// to 0, the plain choice, in halving chunks (as delta debugging does) finds that out in a few dozen runs
// where a generic shrinker needs thousands. `stillFails` runs a candidate; the budget bounds the runs.

export interface MinimizeBudget {
  /** Returns false once no more runs may be spent. */
  readonly more: () => boolean;
}

/** The list with as many entries set to 0, and as short, as keeps `stillFails` true. */
export function zeroOut(numbers: readonly number[], stillFails: (candidate: readonly number[]) => boolean, budget: MinimizeBudget): number[] {
  let current = [...numbers];
  while (current.length > 0 && current[current.length - 1] === 0) current.pop();
  for (let chunk = Math.max(1, Math.ceil(current.length / 2)); chunk >= 1; chunk = chunk === 1 ? 0 : Math.ceil(chunk / 2)) {
    for (let start = 0; start < current.length && budget.more(); start += chunk) {
      const slice = current.slice(start, start + chunk);
      if (slice.every((value) => value === 0)) continue;
      const candidate = [...current.slice(0, start), ...slice.map(() => 0), ...current.slice(start + chunk)];
      if (stillFails(candidate)) current = candidate;
    }
    if (!budget.more()) break;
  }
  while (current.length > 0 && current[current.length - 1] === 0) current.pop();
  return current;
}
