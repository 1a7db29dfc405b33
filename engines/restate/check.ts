// Stage: engines/restate. `ent check --engine restate`: small workloads run on a real Restate server
// while Ent kills (SIGKILL) and starts again the server and the service process at seeded points; each
// run's history, read back from Restate's durable state, is held against every checker of `ent check`
// unchanged (liveness, exactly-once, replay through the reference model, the dependency graph,
// installation). The workload, the kill points and the kind of each kill follow from the seed; what
// the real processes do in between does not, which is the point.

import { checkRun } from '../../checkers/case.ts';
import type { Violation } from '../../checkers/violation.ts';
import { SeededChoices } from '../../runtime/choices.ts';
import { defaultTimeouts, type RuntimeSettings } from '../../runtime/configuration.ts';
import { noFaults } from '../../runtime/faults.ts';
import { generateWorkload, type Workload, type WorkloadShape } from '../../runtime/workload.ts';
import type { HistoryEvent } from '../../runtime/history.ts';
import type { CommittedEntity } from '../../runtime/store.ts';
import type { Request } from '../../semantics/transactions.ts';
import type { TypedProgram } from '../../semantics/typed.ts';
import { RestateEngine, type EngineOptions } from './engine.ts';
import { sleep } from './processes.ts';

export type FaultKind = 'server' | 'service';

export interface RestateCheckOptions {
  readonly engine: EngineOptions;
  readonly runs: number;
  readonly seed: string;
  readonly shape: WorkloadShape;
  /** Kills per run. */
  readonly kills: number;
  /** Which processes the kills strike, each chosen by the seed from these. */
  readonly targets: readonly FaultKind[];
  /** Instead: the kinds of the run's kills, in order (a test that wants three kills of the server). */
  readonly sequence?: readonly FaultKind[];
  /** How long a request may wait for its answer after the last fault before it counts as never answered. */
  readonly answerTimeoutMs?: number;
  /** A workload of one's own instead of a generated one (a test's bank of transfers). */
  readonly workload?: (run: number) => Workload;
  /** Stops after a run for which this holds (a negative control stops at its first catch). */
  readonly until?: (report: RestateRunReport) => boolean;
  /**
   * An engine already started, serving this program (a test's one server for several checks): its
   * requests take `engine.protocol` for these runs, and it is left running.
   */
  readonly on?: RestateEngine;
  /** Told when the clients start (after the setup); what it returns is called when they are done (a benchmark's stopwatch). */
  readonly onStart?: (engine: RestateEngine) => () => void;
}

export interface KillReport {
  readonly kind: FaultKind;
  /** After how many answers of the run it struck. */
  readonly afterAnswers: number;
  /** Milliseconds from the kill to the first answer after it. */
  readonly recoveryMs: number | undefined;
}

export interface RestateRunReport {
  readonly run: number;
  readonly requests: number;
  readonly committed: number;
  readonly aborted: number;
  readonly violations: Violation[];
  readonly kills: KillReport[];
  readonly wallMs: number;
  /** Milliseconds the clients spent waiting for Restate's answers, summed over the clients. */
  readonly waitedMs: number;
  readonly events: readonly HistoryEvent[];
  readonly entities: readonly CommittedEntity[];
}

/** The settings the checkers read: Restate's delivery is exactly-once at the ingress, under idempotency keys. */
export function checkerSettings(engine: EngineOptions): RuntimeSettings {
  return {
    nodes: 1, delivery: 'exactly-once', concurrency: engine.protocol, faults: noFaults, stepLimit: engine.stepLimit,
    timeouts: defaultTimeouts, latencyJitter: 0, batchWindow: 0, bug: 'none',
  };
}

export async function checkOnRestate(
  program: TypedProgram, options: RestateCheckOptions, onRun: (report: RestateRunReport) => void = () => undefined,
): Promise<RestateRunReport[]> {
  const engine = options.on ?? await RestateEngine.start(options.engine);
  const protocol = engine.protocol;
  engine.protocol = options.engine.protocol;
  const reports: RestateRunReport[] = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      const report = await oneRun(engine, program, options, run);
      reports.push(report);
      onRun(report);
      if (options.until?.(report) === true) break;
    }
  } finally {
    engine.protocol = protocol;
    if (options.on === undefined) await engine.stop();
  }
  return reports;
}

async function oneRun(engine: RestateEngine, program: TypedProgram, options: RestateCheckOptions, run: number): Promise<RestateRunReport> {
  const choices = new SeededChoices(`${options.seed}/${run}`);
  const workload = options.workload?.(run) ?? generateWorkload(program, options.shape, (count) => choices.pick(count));
  engine.beginRun(`s${options.seed.replace(/[^A-Za-z0-9]/g, '')}-${run}-${Date.now().toString(36)}`);
  const started = performance.now();
  const waitedBefore = engine.waitedMs;
  for (const request of workload.setup) await engine.request(request, 0);
  // The kill points: after these answers of the clients' requests, at seeded places and of seeded kinds.
  const total = workload.clients.reduce((sum, requests) => sum + requests.length, 0);
  const points = new Map<number, FaultKind>();
  const kinds = options.sequence ?? Array.from({ length: options.kills }, () => options.targets[choices.pick(options.targets.length)]);
  const places: number[] = [];
  for (let kill = 0; kill < kinds.length && places.length < total - 1; kill++) {
    let point = 1 + choices.pick(total - 1);
    while (places.includes(point)) point = 1 + (point % (total - 1));
    places.push(point);
  }
  places.sort((left, right) => left - right).forEach((point, index) => points.set(point, kinds[index]));
  const kills: { kind: FaultKind; afterAnswers: number; killedAt: number; recoveryMs: number | undefined }[] = [];
  let answers = 0;
  let faults = Promise.resolve();
  const answered = (): void => {
    answers++;
    const now = performance.now();
    for (const kill of kills) if (kill.recoveryMs === undefined && now > kill.killedAt) kill.recoveryMs = now - kill.killedAt;
    const kind = points.get(answers);
    if (kind === undefined) return;
    const downMs = 50 + choices.pick(250);
    // The fault strikes while the clients go on: their requests wait, and are sent again, until it heals.
    faults = faults.then(async () => {
      kills.push({ kind, afterAnswers: answers, killedAt: performance.now(), recoveryMs: undefined });
      if (kind === 'server') await engine.crashServer(downMs);
      else await engine.crashService(downMs);
    });
  };
  let committed = 0;
  let aborted = 0;
  const client = async (index: number, requests: readonly Request[]): Promise<void> => {
    for (const request of requests) {
      const outcome = await engine.request(request, index);
      if (outcome.kind === 'committed') committed++;
      else aborted++;
      answered();
    }
  };
  const timeoutMs = options.answerTimeoutMs ?? 120_000;
  const onEnd = options.onStart?.(engine);
  const clients = Promise.all(workload.clients.map((requests, index) => client(index, requests))).then(() => onEnd?.());
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      timedOut = true;
      resolve();
    }, timeoutMs);
  });
  await Promise.race([clients, deadline]);
  clearTimeout(timer);
  await faults;
  const stuck = timedOut ? engine.unanswered() : [];
  const { events, entities } = await engine.history();
  const violations = checkRun(program, checkerSettings(options.engine), { events, entities, stuck, stuckBecause: stuck.length > 0 ? 'quiet' : undefined });
  return {
    run, requests: workload.setup.length + total, committed, aborted, violations,
    kills: kills.map(({ kind, afterAnswers, recoveryMs }) => ({ kind, afterAnswers, recoveryMs })),
    wallMs: performance.now() - started, waitedMs: engine.waitedMs - waitedBefore, events, entities,
  };
}
