// Benchmark: what splitting costs. The split program on the small-step machine (runtime/single-node.ts,
// `ent run --semantics split`) against the reference model (semantics/reference) on the same programs,
// in one process: a compute-heavy method (a loop of arithmetic with list and map work, no remote call)
// and a call-heavy one (a loop of remote calls, each a recursion across two entities). Prints the wall
// time of each (median of several runs after warm-up), the ratio split/reference, and the machine's
// local steps per second. For the compute-heavy method it also drives `step` directly, with no host,
// to separate the machine from the host around it, and runs the same work written by hand in TypeScript
// (bench/programs.ts `workByHand`, timed 20 calls at a time: one takes a few milliseconds) and against Ent's value library with no interpreter (`workWithValues`). The step and message counts come from one counting
// run with a trace callback; the timed runs have no trace.
// Run: npx tsc -p . && node build/bench/split.js [scale] [compute|calls] (docs/benchmarks.md has the
// figures; the second argument runs one program only, for a profile).

import { enterMethod, step, type Activation } from '../interpreter/machine.ts';
import { SingleNodeHost, type TraceEvent } from '../runtime/single-node.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { Request, TransactionHost } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { canonical, referenceValue, valuesEqual, type Value } from '../semantics/values.ts';
import { count, fixed, table, timeMedian, timeOnce } from './measure.ts';
import { callSource, compiled, computeSource, workByHand, workWithValues } from './programs.ts';

/** 1 by default; 0.1 for a quick look, 10 for a long one. */
const scale = Number(process.argv[2] ?? 1);
const only = process.argv[3];
const timedRuns = 5;
/**
 * Warm-up runs before the timed ones, for every semantics as for the hand-written TypeScript: the split
 * machine's generated blocks reach their steady speed only after V8 has optimized them, which on
 * `Mixer.work(50000)` took 3 to 4 runs (the first runs 40 – 60 ms, then about 5), so that one warm-up
 * run timed the warm-up in some processes and not in others. The first, cold run is printed apart.
 */
const warmups = 5;
/** Calls of the hand-written TypeScript per timed run (its figure is the time of one). */
const handRepetitions = 20;
const unlimited = Number.MAX_SAFE_INTEGER;

interface Benchmark {
  readonly kind: 'compute' | 'calls';
  readonly name: string;
  readonly source: string;
  readonly setup: readonly Request[];
  readonly request: Request;
}

const computeIterations = Math.round(50_000 * scale);
const rallyRounds = Math.round(2_000 * scale);
const rallyDepth = 20;

const benchmarks: readonly Benchmark[] = [
  {
    kind: 'compute',
    name: `compute: Mixer.work(${computeIterations})`,
    source: computeSource,
    setup: [{ kind: 'new', entity: 'Mixer', key: 1, args: [] }],
    request: { kind: 'call', target: referenceValue('Mixer', 1), method: 'work', args: [computeIterations] },
  },
  {
    kind: 'calls',
    name: `calls: Ping.rally(${rallyRounds}, ${rallyDepth}, Pong(1))`,
    source: callSource,
    setup: [{ kind: 'new', entity: 'Ping', key: 1, args: [] }, { kind: 'new', entity: 'Pong', key: 1, args: [] }],
    request: { kind: 'call', target: referenceValue('Ping', 1), method: 'rally', args: [rallyRounds, rallyDepth, referenceValue('Pong', 1)] },
  },
];

/** Runs the setup, then the request; gives the request's committed value. */
function run(host: TransactionHost, benchmark: Benchmark): Value {
  for (const request of benchmark.setup) {
    const outcome = host.outcome(host.submit(request));
    if (outcome.kind !== 'committed') throw new Error(`the setup aborted: ${outcome.message}`);
  }
  const outcome = host.outcome(host.submit(benchmark.request));
  if (outcome.kind !== 'committed') throw new Error(`${benchmark.name} aborted: ${outcome.message}`);
  return outcome.value;
}

/** The reference model as a TransactionHost, with the step budget lifted. */
function referenceHost(program: TypedProgram): TransactionHost {
  const model = new ReferenceModel(program, { stepLimit: unlimited });
  const outcomes: ReturnType<ReferenceModel['execute']>[] = [];
  return {
    submit: (request) => outcomes.push(model.execute(request)) - 1,
    outcome: (ticket) => outcomes[ticket],
  };
}

/** The compute method's activation, driven by `step` alone: no host, no trace, no undo log. */
function bareMachine(split: SplitProgram, iterations: number): { value: Value; steps: number } {
  const self = referenceValue('Mixer', 1);
  const fields = new Map<string, Value | undefined>([['id', 1]]);
  let activation: Activation = enterMethod(split, self, 'work', [iterations], undefined);
  let steps = 0;
  for (;;) {
    const result = step(split, activation, fields);
    steps++;
    if (result.kind === 'stepped') {
      activation = result.next;
      continue;
    }
    if (result.kind !== 'returned') throw new Error(`the bare machine ended with ${result.kind}`);
    return { value: result.value, steps };
  }
}

console.log(`median of ${timedRuns} runs after ${warmups} warm-up runs; scale ${scale}; step budgets lifted`);
for (const benchmark of benchmarks.filter((candidate) => only === undefined || candidate.kind === only)) {
  const { program, split } = compiled(benchmark.source, 'split-bench.ent');
  let localSteps = 0;
  let messages = 0;
  const counter = (event: TraceEvent): void => {
    if (event.rule.startsWith('L-')) localSteps++;
    else if (event.rule === 'G-Deliver') messages++;
  };
  // The counting run: fresh entities, so its value is the one to compare.
  const splitValue = run(new SingleNodeHost(split, { stepLimit: unlimited, trace: counter }), benchmark);
  const referenceValueOf = run(referenceHost(program), benchmark);
  if (!valuesEqual(splitValue, referenceValueOf)) {
    throw new Error(`the semantics disagree: split ${canonical(splitValue)}, reference ${canonical(referenceValueOf)}`);
  }
  // The timed runs: each on fresh entities, built with the host, so the setup (a `new` or two) is timed too.
  // The first of each is the cold run (the counting runs above were traced, so they ran `step` alone).
  const referenceCold = timeOnce(() => run(referenceHost(program), benchmark));
  const splitCold = timeOnce(() => run(new SingleNodeHost(split, { stepLimit: unlimited }), benchmark));
  const referenceMilliseconds = timeMedian(() => run(referenceHost(program), benchmark), timedRuns, warmups);
  const splitMilliseconds = timeMedian(() => run(new SingleNodeHost(split, { stepLimit: unlimited }), benchmark), timedRuns, warmups);
  let handMilliseconds: number | undefined;
  let valuesMilliseconds: number | undefined;
  const rows = [
    ['semantics', 'ms', 'local steps/s', 'vs reference'],
    ['reference model', fixed(referenceMilliseconds, 1), '', '1.00'],
    ['split machine (SingleNodeHost)', fixed(splitMilliseconds, 1), count(localSteps / (splitMilliseconds / 1000)),
      fixed(splitMilliseconds / referenceMilliseconds, 2)],
  ];
  if (benchmark.kind === 'compute') {
    const bare = bareMachine(split, computeIterations);
    if (!valuesEqual(bare.value, splitValue)) throw new Error('the bare machine disagrees with the host');
    const bareMilliseconds = timeMedian(() => bareMachine(split, computeIterations), timedRuns, warmups);
    rows.push(['`step` alone (no host)', fixed(bareMilliseconds, 1), count(bare.steps / (bareMilliseconds / 1000)),
      fixed(bareMilliseconds / referenceMilliseconds, 2)]);
    if (!valuesEqual(workByHand(computeIterations), splitValue)) throw new Error('the hand-written TypeScript disagrees');
    for (let warm = 0; warm < warmups; warm++) workByHand(computeIterations);
    // One call takes 1 – 5 ms, where a scheduling hiccup weighs most: each timed run makes 20 calls.
    handMilliseconds = timeMedian(() => {
      for (let repetition = 0; repetition < handRepetitions; repetition++) workByHand(computeIterations);
    }, 3 * timedRuns) / handRepetitions;
    rows.push(['hand-written TypeScript', fixed(handMilliseconds, 2), '', fixed(handMilliseconds / referenceMilliseconds, 3)]);
    if (!valuesEqual(workWithValues(computeIterations), splitValue)) throw new Error('the TypeScript over Ent\'s values disagrees');
    for (let warm = 0; warm < warmups; warm++) workWithValues(computeIterations);
    valuesMilliseconds = timeMedian(() => workWithValues(computeIterations), 3 * timedRuns);
    rows.push(['TypeScript over Ent\'s values (semantics/values.ts)', fixed(valuesMilliseconds, 2), '', fixed(valuesMilliseconds / referenceMilliseconds, 3)]);
  }
  console.log(`\n${benchmark.name} = ${canonical(splitValue)}`);
  console.log(`  ${count(localSteps)} local steps, ${count(messages)} messages delivered (G-Deliver)`);
  console.log(table(rows).split('\n').map((line) => `  ${line}`).join('\n'));
  console.log(`  the first, cold run: reference model ${fixed(referenceCold, 1)} ms, split machine ${fixed(splitCold, 1)} ms`);
  const overhead = (100 * (splitMilliseconds - referenceMilliseconds)) / splitMilliseconds;
  console.log(`  split/reference: ${fixed(splitMilliseconds / referenceMilliseconds, 2)}` + (overhead > 0
    ? ` (${fixed(overhead, 0)} % of the split machine's time is beyond what the reference model needs)`
    : ' (the split machine is the faster)'));
  if (handMilliseconds !== undefined) {
    console.log(`  split/hand-written TypeScript: ${fixed(splitMilliseconds / handMilliseconds, 1)};`
      + ` reference/hand-written: ${fixed(referenceMilliseconds / handMilliseconds, 1)};`
      + ` TypeScript over Ent's values/hand-written: ${fixed(valuesMilliseconds! / handMilliseconds, 1)}`);
  }
}
