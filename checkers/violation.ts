// Stage: checkers. What a checker reports: one violation of a guarantee, in words, with the requests it
// concerns, so that a counterexample can point at them.

export interface Violation {
  /** The checker that found it: `exactly-once`, `replay`, `dependency-graph`,
   * `installation` or `liveness`. */
  readonly checker: string;
  /** A short name of what went wrong, for grouping (`duplicate-commit`, `lost-update`, …). */
  readonly kind: string;
  readonly message: string;
  readonly requests: readonly string[];
}
