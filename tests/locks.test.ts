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
// now it takes a few hundred. Then wound-wait (runtime/execution.ts `admit`): an older attempt takes the
// lock from a younger holder that has not prepared (P-Wound), which can then never be decided, and waits
// for a prepared one; a freed lock wakes only the waiter it passes to.

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

test('regression: a freed lock passes to the oldest waiter, and a younger message due at the same tick waits behind it', (t) => {
  const oldest = token(1);
  const holder = token(2);
  const newcomer = token(3);
  // The holder's release, then the newcomer's read, both due now; the oldest's read is parked.
  const { trace, config } = run(configuration(holder, [read(oldest)], [release(holder.attempt), read(newcomer)]), 3);
  t.true(trace.includes(`node 0 P-Wake 1 message(s) waited for r2#1; ${id} passes to r1#1`), trace.join('\n'));
  t.true(trace.includes(`${id} P-Lock-Wait waits for r1#1`), trace.join('\n'));
  t.true(trace.includes(`${id} G-Read n = 0`), trace.join('\n'));
  t.false(trace.some((line) => line.includes('P-Lock-Die') || line.includes('P-Wound')), trace.join('\n'));
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r1#1');
});

test('a freed lock wakes only the waiter it passes to: the younger ones stay parked', (t) => {
  const holder = token(1);
  const { trace, config } = run(configuration(holder, [read(token(4)), read(token(2)), read(token(3))], [release(holder.attempt)]), 1);
  t.true(trace.includes(`node 0 P-Wake 1 message(s) waited for r1#1; ${id} passes to r2#1`), trace.join('\n'));
  const lock = config.nodes[0].volatile.locks.get(id)!;
  t.is(lock.holder, 'r2#1');
  t.deepEqual(lock.waiting.map((envelope) => (envelope.body as { token: Token }).token.attempt), ['r4#1', 'r3#1']);
  t.is(config.network.length, 1, 'only the new holder\'s message is delivered again');
});

// ------------------------------------------------------------------------------------- wound-wait

const prepare = (attempt: Token): Envelope => envelope({
  kind: 'prepare', attempt: attempt.attempt, requestId: attempt.requestId, writes: [], entities: [id], incarnation: 0,
});
/** The attempt's token once it has read `A(1)` here: it held the lock. */
const touched = (attempt: Token): Token => ({ ...attempt, touched: attempt.touched.with(id, 0), incarnations: attempt.incarnations.with(0, 0), reads: attempt.reads.with(id, 1) });
const votes = (config: Configuration): boolean[] =>
  config.network.filter((message) => message.body.kind === 'vote').map((message) => (message.body as { yes: boolean }).yes);

test('an older attempt takes the lock from a younger holder (P-Wound); the younger one then dies here and is voted down', (t) => {
  const younger = token(2);
  const older = token(1);
  const wounded = run(configuration(younger, [], [read(older)]), 1);
  t.true(wounded.trace.includes(`${id} P-Wound r1#1 takes the lock from r2#1, which is younger`), wounded.trace.join('\n'));
  t.is(wounded.config.nodes[0].volatile.locks.get(id)?.holder, 'r1#1');
  t.is(wounded.config.nodes[0].volatile.wounded.get('r2#1'), id);
  // The younger attempt comes back with what it read: it may not go on, nor be decided.
  const back = run({ ...wounded.config, network: [read(touched(younger)), prepare(touched(younger))] }, 2);
  t.true(back.trace.some((line) => line.startsWith(`${id} P-Lock-Lost r2#1: it lost its lock on ${id} to an older attempt`)), back.trace.join('\n'));
  t.true(back.trace.some((line) => line.includes('P-Vote-No r2#1: lost its lock on')), back.trace.join('\n'));
  t.deepEqual(votes(back.config), [false]);
});

test('regression guard: a wounded attempt that takes the lock afresh (a copy of an earlier message) is still voted down', (t) => {
  // The older attempt finished and freed the lock; a message of the wounded attempt sent before it first
  // took the lock (its token has not touched A(1)) arrives and takes the lock again. What the attempt read
  // the first time may be stale: the node remembers the wound until the attempt is released.
  const younger = token(2);
  const start = configuration(token(1), [], []);
  const freed = updateVolatile(start, 0, (volatile) => ({ ...volatile, locks: SmallMap.empty(), wounded: SmallMap.of([['r2#1', id]]) }));
  const again = run({ ...freed, network: [read(younger)] }, 1);
  t.true(again.trace.some((line) => line.startsWith(`${id} P-Lock-Lost r2#1`)), again.trace.join('\n'));
  // Even holding the lock, its prepare is voted down.
  const holding = updateVolatile(freed, 0, (volatile) => ({ ...volatile, locks: SmallMap.of([[id, { holder: 'r2#1', timestamp: 2, coordinator: 0, since: 0, waiting: [] }]]) }));
  t.deepEqual(votes(run({ ...holding, network: [prepare(touched(younger))] }, 1).config), [false]);
  // Negative control: without the wound remembered, the same prepare is voted yes.
  const unwounded = updateVolatile(holding, 0, (volatile) => ({ ...volatile, wounded: SmallMap.empty() }));
  t.deepEqual(votes(run({ ...unwounded, network: [prepare(touched(younger))] }, 1).config), [true]);
  // The release of the attempt forgets the wound.
  t.is(run({ ...holding, network: [release('r2#1')] }, 1).config.nodes[0].volatile.wounded.size, 0);
});

test('an older attempt waits for a younger holder that has prepared here', (t) => {
  const younger = token(2);
  const start = configuration(younger, [], []);
  const prepared = updateDurable(start, 0, (durable) => ({
    ...durable, prepared: durable.prepared.with('r2#1', { attempt: 'r2#1', requestId: 'r2', coordinator: 0, writes: [], entities: [id] }),
  }));
  const { trace, config } = run({ ...prepared, network: [read(token(1))] }, 1);
  t.true(trace.includes(`${id} P-Lock-Wait waits for r2#1`), trace.join('\n'));
  t.is(config.nodes[0].volatile.locks.get(id)?.holder, 'r2#1');
  t.is(config.nodes[0].volatile.wounded.size, 0);
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
// lease are waiting for it, not livelocked (runtime/driver.ts `oldestLeaseAlive`). Re-derived under
// wait-die as fast-check seed 7, path 1418: 157 deaths, and with the lease exception taken out the driver
// reported its requests stuck. Under wound-wait the younger attempts wait behind the lock instead of
// dying: the case holds with a dozen deaths, and with the exception taken out no case of seeds 7 and 8
// (3,000 each) is judged stuck any more. The case stays, to hold.
test('regression: younger attempts behind the oldest attempt\'s lease wait for it, and every request is answered', (t) => {
  let found: UnderFaultsCase | undefined;
  fc.check(fc.property(underFaultsCaseArbitrary, (testCase) => { found = testCase; return false; }), { seed: 7, path: '1418', numRuns: 1, endOnFailure: true });
  const outcome = runUnderFaults(found!, '2pl');
  t.deepEqual(outcome.violations.map((violation) => `${violation.checker}:${violation.kind} ${violation.message}`), []);
  const deaths = outcome.ruleCounts.get('C-Die') ?? 0;
  t.log(`${deaths} deaths, ${outcome.ruleCounts.get('P-Lock-Wait') ?? 0} waits, ${outcome.ruleCounts.get('P-Wound') ?? 0} wounds`);
  t.true(deaths < 50, `${deaths} deaths: the younger attempts spin again instead of waiting`);
});
