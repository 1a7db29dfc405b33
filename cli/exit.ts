// Stage: cli. Exit statuses, one meaning each.

/** The run completed (transactions may have aborted: aborts are results). */
export const exitSuccess = 0;
/** The client's own computation failed, or a check found a violation. */
export const exitFailure = 1;
/** Static errors or a usage error: nothing ran. */
export const exitUsage = 2;
/** A bug of Ent itself reached the top: reported in one line, never taken for a result. */
export const exitInternal = 3;
