// Stage: runtime. Fault plans: the probability, per global step, that the network drops, duplicates or
// delays a message, or that a node crashes, and how long a crashed node stays down. Written
// `drop=0.1,dup=0.1,delay=0.2,crash=0.02,downtime=40`, or `none`, or `mild`.

export interface FaultPlan {
  readonly drop: number;
  readonly duplicate: number;
  readonly delay: number;
  readonly crash: number;
  /** The most ticks a crashed node stays down (at least a quarter of it); `defaultDowntime` when absent. */
  readonly downtime?: number;
}

export const defaultDowntime = 40;

/**
 * Faults stop when a run has waited this many global steps for an answer (and when the system falls
 * quiet): a transaction too long to finish between faults then finishes.
 */
export const healAfterSteps = 20_000;

/**
 * Faults stop, too, when a run has waited this many ticks for an answer: 40 of a client's resends, 60
 * of an attempt's base leases. A wait can be long in ticks and short in steps: each lease that runs
 * out doubles the next (up to 2¹⁰ times), and one step jumps to its end. Under at-least-once delivery
 * every resend that arrives is a transaction of its own, so a wait of 100,000 ticks piled up more than
 * a thousand runs of one request before the faults stopped, and a run of a few requests took minutes.
 * Over 4,350 generated runs of the bank example (property-tests' fault plans), the longest wait that
 * ended in an answer was 1,269 ticks.
 */
export const healAfterTicks = 2_400;

/**
 * Once the faults have stopped, how many times per unanswered request the system may wait on the
 * clients' resends alone (nothing in flight, every node up, no node's timer set: runtime/next-event.ts
 * `waitsOnlyForResends`, counted by `ResendWaits`) with no answer in between, before the run is livelocked. Without faults such a
 * wait ends at the next resend: the request arrives, and its coordinator starts an attempt or answers
 * again from its decision, so a run of a correct protocol waits so at most about once per request
 * lost before the faults stopped. A coordinator that drops requests (the zoo's `drop-requests`) waits
 * so at every resend; the backstop of steps (runtime/driver.ts `Progress`) called it livelocked only
 * after a million steps.
 */
export const resendWaitsMax = 10;

/** Whether a wait for an answer has lasted long enough, in steps or in ticks, that the faults stop. */
export function waitHeals(steps: number, ticks: number, ticksMax = healAfterTicks): boolean {
  return steps >= healAfterSteps || ticks >= ticksMax;
}

export const noFaults: FaultPlan = { drop: 0, duplicate: 0, delay: 0, crash: 0, downtime: defaultDowntime };

/** The default of `ent run`: every kind of fault, rarely enough that a run block of a few dozen calls finishes quickly. */
export const mildFaults: FaultPlan = { drop: 0.02, duplicate: 0.02, delay: 0.05, crash: 0.002, downtime: defaultDowntime };

type Probability = Exclude<keyof FaultPlan, 'downtime'>;

const names: Readonly<Record<string, Probability | 'downtime'>> = {
  drop: 'drop', dup: 'duplicate', duplicate: 'duplicate', delay: 'delay', crash: 'crash', downtime: 'downtime',
};

/** Parses a fault plan, or explains what is wrong with it. */
export function parseFaultPlan(spec: string): FaultPlan | { readonly error: string } {
  const trimmed = spec.trim();
  if (trimmed === 'none') return noFaults;
  if (trimmed === 'mild') return mildFaults;
  const plan: Record<keyof FaultPlan, number> = { ...noFaults, downtime: defaultDowntime };
  const given = new Set<keyof FaultPlan>();
  for (const part of trimmed.split(',')) {
    const [name, value, ...rest] = part.split('=');
    const key = names[name?.trim() ?? ''];
    if (key === undefined || value === undefined || rest.length > 0) {
      return { error: `\`${part}\` is not a fault: write drop=P, dup=P, delay=P or crash=P, and downtime=TICKS, separated by commas (or none, or mild)` };
    }
    // `drop=0.1,drop=0.2` would silently keep one of the two: say so instead.
    if (given.has(key)) return { error: `${name.trim()} is given twice: give each fault once` };
    given.add(key);
    if (key === 'downtime') {
      if (!/^\s*[1-9]\d{0,5}\s*$/.test(value)) return { error: `downtime=${value}: the ticks a crashed node stays down, a whole number from 1 to 999999` };
      plan.downtime = Number(value);
      continue;
    }
    const probability = Number(value);
    if (!/^\s*(0|1|0?\.\d+|1\.0*)\s*$/.test(value) || !(probability >= 0 && probability <= 1)) {
      return { error: `${name}=${value}: a probability is a decimal number from 0 to 1, such as 0.05` };
    }
    plan[key] = probability;
  }
  return plan;
}

export function formatFaultPlan(plan: FaultPlan): string {
  if (plan.drop === 0 && plan.duplicate === 0 && plan.delay === 0 && plan.crash === 0) return 'none';
  const downtime = (plan.downtime ?? defaultDowntime) === defaultDowntime ? '' : `,downtime=${plan.downtime}`;
  return `drop=${plan.drop},dup=${plan.duplicate},delay=${plan.delay},crash=${plan.crash}${downtime}`;
}
