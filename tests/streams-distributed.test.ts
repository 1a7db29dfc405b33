// Atomic streams on the split machine and the distributed runtime (docs/language.md §14, "Streams on every
// semantics"): examples/orders.ent prints what the reference model prints under faults for many seeds,
// under 2PL and Aria; the history records every atom's processing as requests on `$Streams(0)`, with
// the atom and its offset in the answer, in stream order; the streams checker finds nothing in a correct
// run, and (negative controls) finds an atom processed twice or out of order in a history edited to
// show it. The zoo's stream bugs are tests/zoo.test.ts's; generated programs are
// property-tests/streams-distributed.test.ts's.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { checkRun } from '../checkers/case.ts';
import { checkStreams } from '../checkers/streams.ts';
import { defaultTimeouts, type ConcurrencyMode, type RuntimeSettings } from '../runtime/configuration.ts';
import { historyEvents, type HistoryEvent } from '../runtime/history.ts';
import { DistributedHost } from '../runtime/host.ts';
import { SingleNodeHost } from '../runtime/single-node.ts';
import { atomOf, methodsEmit } from '../runtime/streams.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { TransactionHost } from '../semantics/transactions.ts';
import { parseExpectations } from './support/corpus.ts';

const seeds = 10 * Number(process.env.ENT_RUNS ?? 1);
const path = 'examples/orders.ent';
const example = parseExpectations('orders.ent', path, readFileSync(path, 'utf8'));
const program = compile(example.text, path).program!;
const split = compileToSplit(program).split;

function settings(concurrency: ConcurrencyMode): RuntimeSettings {
  return {
    nodes: 3, delivery: 'exactly-once', concurrency, faults: { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.01 },
    stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none',
  };
}

function runOn(host: TransactionHost): string[] {
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  client.run(program.run!.body);
  client.finish();
  return output;
}

function distributedRun(concurrency: ConcurrencyMode, seed: string): { output: string[]; host: DistributedHost } {
  const host = new DistributedHost(split, { seed, settings: settings(concurrency) });
  const output = runOn(host);
  host.heal();
  host.settle();
  return { output, host };
}

test('examples/orders.ent on the split machine prints what the reference model prints', (t) => {
  t.deepEqual(runOn(new SingleNodeHost(split)), example.output);
});

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`examples/orders.ent under faults (${concurrency}, ${seeds} seeds) prints what the reference model prints, and every checker holds`, (t) => {
    for (let seed = 1; seed <= seeds; seed++) {
      const { output, host } = distributedRun(concurrency, String(seed));
      t.deepEqual(output, example.output, `seed ${seed}`);
      const events = historyEvents(host.config.history);
      const violations = checkRun(program, settings(concurrency), { events, entities: host.entities(), stuck: [], stuckBecause: undefined });
      t.deepEqual(violations.map((violation) => violation.message), [], `seed ${seed}`);
      // Create-if-absent found an entity there (S-Ensure), and atoms were processed (S-Atom as `$next`).
      t.true((host.ruleCounts.get('S-Ensure') ?? 0) > 0, `seed ${seed}`);
    }
  });
}

/** The atoms the history's `$next` and `$skip` answers name, in the serial order. */
function processedAtoms(events: readonly HistoryEvent[]): string[] {
  const methods = new Map<string, string>();
  const answers = new Map<string, string>();
  for (const event of events) {
    if (event.type === 'request' && event.request.kind === 'call' && ['$next', '$skip'].includes(event.request.method)) methods.set(event.requestId, event.request.method);
    if (event.type === 'response' && methods.has(event.requestId) && event.outcome.kind === 'committed' && !answers.has(event.requestId)) {
      const atom = atomOf(event.outcome.value);
      if (atom !== undefined) answers.set(event.requestId, `${atom.stream}#${atom.offset}`);
    }
  }
  const commits = events.filter((event): event is Extract<HistoryEvent, { type: 'commit' }> => event.type === 'commit')
    .sort((left, right) => left.order - right.order);
  return commits.filter((event) => ['$next', '$skip'].includes(methods.get(event.requestId) ?? '') && answers.has(event.requestId))
    .map((event) => answers.get(event.requestId)!);
}

test('the history records each atom, with its offset, once and in stream order', (t) => {
  const { host } = distributedRun('2pl', '3');
  const atoms = processedAtoms(historyEvents(host.config.history));
  t.deepEqual(atoms.filter((atom) => atom.startsWith('orders#')), ['orders#0', 'orders#1', 'orders#2', 'orders#3', 'orders#4']);
  t.is(new Set(atoms).size, atoms.length);
  t.true(atoms.includes('reorders#0') && atoms.includes('deliveries#0'));
});

test('negative controls: the streams checker finds an atom processed twice, and atoms out of stream order', (t) => {
  const { host } = distributedRun('2pl', '1');
  const events = historyEvents(host.config.history);
  t.deepEqual(checkStreams(events), []);
  // Processed twice: the first `$next` of an atom committed again, as another request, later in the order.
  const answersAtom = (requestId: string): boolean => events.some((event) => event.type === 'response' && event.requestId === requestId
    && event.outcome.kind === 'committed' && atomOf(event.outcome.value) !== undefined);
  const first = events.find((event) => event.type === 'request' && event.request.kind === 'call' && event.request.method === '$next' && answersAtom(event.requestId))!;
  const commit = events.find((event) => event.type === 'commit' && event.requestId === first.requestId) as Extract<HistoryEvent, { type: 'commit' }>;
  const response = events.find((event) => event.type === 'response' && event.requestId === first.requestId)!;
  const again = [
    { ...first, requestId: 'again' },
    { ...commit, requestId: 'again', order: 1_000_000 },
    { ...response, requestId: 'again' },
  ] as HistoryEvent[];
  t.true(checkStreams([...events, ...again]).some((violation) => violation.kind === 'processed-twice'));
  // Out of order: the serial order of the first two `orders` atoms swapped.
  const nexts = new Set(events.flatMap((event) => event.type === 'request' && event.request.kind === 'call' && event.request.method === '$next' ? [event.requestId] : []));
  const ordersCommits = events.filter((event) => event.type === 'commit' && nexts.has(event.requestId)
    && (events.find((other) => other.type === 'response' && other.requestId === event.requestId && other.outcome.kind === 'committed'
      && atomOf(other.outcome.value)?.stream === 'orders') !== undefined)) as Extract<HistoryEvent, { type: 'commit' }>[];
  const [a, b] = ordersCommits;
  const swapped = events.map((event) => event === a ? { ...a, order: b.order } : event === b ? { ...b, order: a.order } : event);
  t.true(checkStreams(swapped).some((violation) => violation.kind === 'out-of-order'));
});

test('an emit to a sealed stream in a transaction aborts with A0113 on the distributed runtime, as in the reference model', (t) => {
  const text = readFileSync('corpus/streams/sealed-streams.ent', 'utf8');
  const sealed = compile(text, 'sealed-streams.ent').program!;
  const host = new DistributedHost(compileToSplit(sealed).split, { seed: '1', settings: settings('2pl') });
  const client = new Client(host, () => undefined);
  const stopped = t.throws(() => client.run(sealed.run!.body), { any: true }) as unknown as ClientError;
  t.is(stopped.code, 'R0105');
  host.heal();
  host.settle();
  const aborts = historyEvents(host.config.history).filter((event) => event.type === 'abort');
  t.true(aborts.some((event) => event.type === 'abort' && event.code === 'A0113' && event.message === 'stream notes is sealed'));
});

test('the driver drains after a request only when some method other than a consumer emits', (t) => {
  t.false(methodsEmit(split), 'orders.ent: only consumers emit');
  const text = readFileSync('corpus/streams/emit-from-a-method.ent', 'utf8');
  t.true(methodsEmit(compileToSplit(compile(text, 'emit-from-a-method.ent').program!).split));
});
