// 2PL's locks when an attempt is released (runtime/participant.ts `releaseLocks`), step by step on a
// hand-made configuration: one node, one entity `A(1)`, and the schedule that always delivers the
// earlier-sent of the messages due at the same tick (every choice 0). Regressions, both found by the
// generated-program property (property-tests/distributed-generated.test.ts) as requests never answered:
//   - A freed lock passes to the oldest message waiting for it. Before, the lock was free until the
//     woken message arrived, and a younger attempt's message due at the same tick took it first: the
//     oldest parked again behind it, every time (its attempts timed out while parked, 100,000 and then
//     1,000,000 global steps went by, and the requests were reported stuck).
//   - A released attempt's messages parked on other locks are dropped. Before, an attempt given up while
//     its message was parked left the message there: it woke and parked again at every release of the
//     lock, and when it got the lock it held it for an attempt nobody waited for (dozens piled up on one
//     lock, and one run took 321,866 global steps for 30 requests, 2,649 with both fixes).
// And the first bug end to end, as the property's shrunk counterexample: five clients, one call each,
// on 4 nodes with no faults and every choice 0; before the fix it never ended (1,000,000 global steps),
// now it takes a few hundred.

import test from 'ava';
import fc from 'fast-check';
import { runUnderFaults, underFaultsCaseArbitrary, type UnderFaultsCase } from '../property-tests/arbitraries/under-faults.ts';
import { checkExactlyOnce } from '../checkers/exactly-once.ts';
import { checkReplay } from '../checkers/replay.ts';
import { ListChoices } from '../runtime/choices.ts';
import {
  defaultTimeouts, initialConfiguration, type Configuration, type Envelope, type Lock, type MessageBody, type RuntimeSettings,
  type Token,
} from '../runtime/configuration.ts';
import { runWorkload } from '../runtime/driver.ts';
import { globalStep } from '../runtime/simulator.ts';
import type { Workload } from '../runtime/workload.ts';
import { nodeAddress, updateDurable, updateVolatile, type TraceEntry } from '../runtime/world.ts';
import { SmallMap } from '../runtime/small-map.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { canonical, referenceValue } from '../semantics/values.ts';

const program = compile('entity A {\n  key id: int\n  n: int = 0\n}\n', 'locks.ent').program!;
const { split } = compileToSplit(program);
const entity = referenceValue('A', 1);
const id = canonical(entity);

const settings: RuntimeSettings = {
  nodes: 1, delivery: 'exactly-once', concurrency: '2pl', faults: { drop: 0, duplicate: 0, delay: 0, crash: 0 },
  stepLimit: 1_000_000,
  timeouts: defaultTimeouts, latencyJitter: 0, batchWindow: 4, bug: 'none',
};

/** An attempt of request `r<timestamp>` (its timestamp is its age: smaller is older). */
function token(timestamp: number, number = 1): Token {
  return {
    attempt: `r${timestamp}#${number}`, requestId: `r${timestamp}`, timestamp, coordinator: 0, steps: 0, renewedAt: 0,
    writes: SmallMap.empty(), reads: SmallMap.empty(), touched: SmallMap.empty(), incarnations: SmallMap.empty(),
  };
}

let nextId = 100;
function envelope(body: MessageBody): Envelope {
  return { id: nextId++, from: nodeAddress(0), to: nodeAddress(0), sentAt: 0, deliverAt: 0, body };
}

const read = (reader: Token): Envelope => envelope({ kind: 'read', target: entity, field: 'n', stack: undefined, token: reader });
const release = (attempt: string): Envelope => envelope({ kind: 'release', attempt, entities: [id] });

/** `A(1)` in the store, its lock held by `holder` with `waiting` parked on it, and `network` in flight. */
function configuration(holder: Token, waiting: readonly Envelope[], network: readonly Envelope[]): Configuration {
  const initial = { ...initialConfiguration(settings, 1), faultsActive: false };
  const stored = updateDurable(initial, 0, (durable) => ({
    ...durable, store: durable.store.with(id, { entity: 'A', key: 1, fields: new Map([['id', 1], ['n', 0]]), version: 1 }),
  }));
  const lock: Lock = { holder: holder.attempt, timestamp: holder.timestamp, coordinator: 0, since: 0, waiting };
  const locked = updateVolatile(stored, 0, (volatile) => ({ ...volatile, locks: SmallMap.of([[id, lock]]) }));
  return { ...locked, network };
}

/** Runs `steps` global steps with every choice 0; returns the trace and the configuration. */
function run(config: Configuration, steps: number): { trace: string[]; config: Configuration } {
  const choices = new ListChoices([]);
  const trace: string[] = [];
  let current = config;
  for (let step = 0; step < steps; step++) {
    const result = globalStep(current, split, choices);
    if (result.kind === 'quiet') break;
    current = result.next;
    trace.push(...result.emitted.map((entry: TraceEntry) => `${entry.place} ${entry.rule} ${entry.detail}`));
  }
  return { trace, config: current };
}

test('regression: a freed lock passes to the oldest waiter, and a younger message due at the same tick dies', (t) => {
  const oldest = token(1);
  const holder = token(2);
  const newcomer = token(3);
  // The holder's release, then the newcomer's read, both due now; the oldest's read is parked.
  const { trace, config } = run(configuration(holder, [read(oldest)], [release(holder.attempt), read(newcomer)]), 3);
  t.true(trace.includes(`node 0 P-Wake 1 message(s) waited for r2#1; ${id} passes to r1#1`), trace.join('\n'));
  t.true(trace.includes(`${id} P-Lock-Die younger than r1#1`), trace.join('\n'));
  t.true(trace.includes(`${id} G-Read n = 0`), trace.join('\n'));
  t.false(trace.some((line) => line.includes('P-Lock-Wait')), trace.join('\n'));
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r1#1');
});

test('a freed lock with no waiter is free again, and the next message takes it', (t) => {
  const holder = token(2);
  const newcomer = token(3);
  const { trace, config } = run(configuration(holder, [], [release(holder.attempt), read(newcomer)]), 2);
  t.false(trace.some((line) => line.includes('P-Wake') || line.includes('P-Lock')), trace.join('\n'));
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r3#1');
});

test('of one request\'s parked attempts, the latest gets the lock', (t) => {
  const holder = token(5);
  const { config } = run(configuration(holder, [read(token(1, 1)), read(token(1, 2))], [release(holder.attempt)]), 1);
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r1#2');
});

test('regression: a released attempt\'s message parked on another attempt\'s lock is dropped', (t) => {
  const holder = token(2);
  const givenUp = token(1, 1);
  const { trace, config } = run(configuration(holder, [read(givenUp)], [release(givenUp.attempt)]), 1);
  t.deepEqual(config.nodes[0].volatile.locks.get(id)?.waiting, []);
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r2#1');
  t.false(trace.some((line) => line.includes('P-Wake')), trace.join('\n'));
});

test('a release leaves other attempts\' parked messages parked', (t) => {
  const holder = token(3);
  const waiting = read(token(1));
  const { config } = run(configuration(holder, [waiting, read(token(2))], [release('r9#1')]), 1);
  const parked = config.nodes[0].volatile.locks.get(id)?.waiting.map((envelope) => (envelope.body as { token: Token }).token.attempt);
  t.deepEqual(parked, ['r1#1', 'r2#1']);
});

// ------------------------------------------------------------------------- the shrunk counterexample

const starvedSource = `entity A {
  key id: int
  n: int = 0
  fn m(d: int) {
    if d <= 0 { return }
    B(0).m()
  }
}
entity B {
  key id: int
  n: int = 0
  fn m() {
    if A(1).n > 0 { abort "k0" }
    self.n = A(0).n
  }
}
`;

test('regression: five calls on four nodes, every choice 0, all answered (the oldest is not starved)', (t) => {
  const starved = compile(starvedSource, 'starved.ent').program!;
  const call = (key: number) => ({ kind: 'call' as const, target: referenceValue('A', key), method: 'm', args: [1] });
  const workload: Workload = {
    setup: [
      ...[0, 1, 2].map((key) => ({ kind: 'new' as const, entity: 'A', key, args: [] })),
      { kind: 'new', entity: 'B', key: 0, args: [] },
    ],
    clients: [[call(0)], [call(0)], [call(0)], [call(2)], [call(2)]],
  };
  const fourNodes = { ...settings, nodes: 4, latencyJitter: 3 };
  const run = runWorkload(compileToSplit(starved).split, fourNodes, new ListChoices([]), workload, { stepsMax: 100_000 });
  t.deepEqual(run.stuck, []);
  t.deepEqual(checkExactlyOnce(run.events), []);
  t.deepEqual(checkReplay(starved, run.events, run.entities).violations, []);
  t.log(`${run.steps} global steps`);
});

// Found by the generated-program property (property-tests/distributed-generated.test.ts, 2PL, fast-check
// seed -1659257478, path 445): after the faults stopped, the oldest request's attempt had lost a message
// and waited out its lease (320 ticks), while two younger requests died behind its lock on B(2) and
// started again at every tick. The driver counted their 150 starts without an answer as a livelock and
// reported three requests never answered. Attempts that spin while the oldest running attempt holds its
// lease are waiting for it, not livelocked; the run goes on and every request is answered.
// That case (path 445) stopped spinning when clients that submit at once began to do so in an order the
// schedule chooses (its schedule now means another run). Re-derived: fast-check seed 7, path 1418 spins
// (about 3,500 deaths) and holds; with the lease exception taken out (oldestLeaseAlive answering false)
// the driver reports its requests stuck (liveness:stuck), as it did 445's.
test('regression: younger attempts spinning behind the oldest attempt\'s lease are not a livelock', (t) => {
  let found: UnderFaultsCase | undefined;
  fc.check(fc.property(underFaultsCaseArbitrary, (testCase) => { found = testCase; return false; }), { seed: 7, path: '1418', numRuns: 1, endOnFailure: true });
  const outcome = runUnderFaults(found!, '2pl');
  t.deepEqual(outcome.violations.map((violation) => `${violation.checker}:${violation.kind} ${violation.message}`), []);
  t.true((outcome.ruleCounts.get('C-Die') ?? 0) > 150, 'the case no longer spins: it does not show the regression any more');
});
