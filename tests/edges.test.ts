// Guarantees at the edges: outcomes that hold when nodes crash under an attempt (a program abort is
// validated like a commit), transactions long enough to outlast many timeouts, call chains tens of
// thousands deep, and runaway programs that must reach their step budget at a steady cost.
// ENT_RUNS multiplies the seeds.

import test from 'ava';
import { readFileSync } from 'node:fs';
import { main } from '../cli/main.ts';
import { memoryIo } from '../cli/io.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { defaultTimeouts, type ConcurrencyMode, type RuntimeSettings } from '../runtime/configuration.ts';
import { runWorkload, type WorkloadRun } from '../runtime/driver.ts';
import type { Workload } from '../runtime/workload.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';

const seedsPerProtocol = 500 * Number(process.env.ENT_RUNS ?? 1);

async function ent(args: string[], files: Record<string, string> = {}): Promise<{ status: number; stdout: string; stderr: string }> {
  const io = memoryIo(files);
  const status = await main(args, io);
  return { status, stdout: io.stdout.join('\n'), stderr: io.stderr.join('\n') };
}

// ------------------------------------------------------------------------ outcomes under crashes

const audit = compile(readFileSync('examples/audit.ent', 'utf8'), 'examples/audit.ent').program!;
const auditSplit = compileToSplit(audit).split;
const clients = 6;
const half = (key: number) => referenceValue('Half', key);
const pair = (key: number) => referenceValue('Pair', key);

/**
 * Six clients, each with its own `Pair`, alternate moves of both halves and audits of them. Every
 * serial order of these transactions keeps the halves equal, so no audit may abort.
 */
const auditWorkload: Workload = {
  setup: [
    { kind: 'new', entity: 'Half', key: 1, args: [] },
    { kind: 'new', entity: 'Half', key: 2, args: [] },
    ...Array.from({ length: clients }, (_, client): Request => ({ kind: 'new', entity: 'Pair', key: client, args: [] })),
  ],
  clients: Array.from({ length: clients }, (_, client) => Array.from({ length: 8 }, (_, index): Request => (
    (client + index) % 2 === 0
      ? { kind: 'call', target: pair(client), method: 'move', args: [half(1), half(2), 1] }
      : { kind: 'call', target: pair(client), method: 'audit', args: [half(1), half(2)] }
  ))),
};

/** Crash-heavy: a node crashes every 20 steps on average, and is down only briefly, so that it is back in time to be used again. */
function crashHeavy(concurrency: ConcurrencyMode, bug = 'none'): RuntimeSettings {
  return {
    nodes: 3, delivery: 'exactly-once', concurrency, faults: { drop: 0.05, duplicate: 0.05, delay: 0.1, crash: 0.05, downtime: 4 },
    stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug,
  };
}

function skews(run: WorkloadRun): string[] {
  return run.events.flatMap((event) => (event.type === 'response' && event.outcome.kind === 'aborted' ? [`${event.requestId}: ${event.outcome.message}`] : []));
}

for (const concurrency of ['2pl', 'aria'] as const) {
  test(`every audit holds under crash-heavy faults (${concurrency}, ${seedsPerProtocol} seeds)`, (t) => {
    for (let seed = 0; seed < seedsPerProtocol; seed++) {
      const run = runWorkload(auditSplit, crashHeavy(concurrency), new SeededChoices(String(seed)), auditWorkload);
      t.deepEqual(run.stuck, [], `seed ${seed}: requests never answered`);
      t.deepEqual(skews(run), [], `seed ${seed}: an audit aborted, which no serial order gives`);
    }
  });
}

test('negative control: deciding a program abort without validating the locks gives an audit abort that no serial order gives', (t) => {
  for (let seed = 0; seed < seedsPerProtocol; seed++) {
    const run = runWorkload(auditSplit, crashHeavy('2pl', 'abort-without-validation'), new SeededChoices(String(seed)), auditWorkload);
    const found = skews(run);
    if (found.length === 0) continue;
    t.regex(found[0], /skew \d+ vs \d+/);
    t.log(`seed ${seed}: ${found[0]}`);
    return;
  }
  t.fail(`abort-without-validation gave no skewed audit in ${seedsPerProtocol} seeds`);
});

// ------------------------------------------------------------------------------- long and deep

const long = `
// Counter(1) is on node 1, Driver(3) on node 0, Ping(1) on node 0 and Pong(2) on node 2 (of 3).
entity Counter {
  key id: int
  n: int = 0
  fn bump(): int {
    self.n = self.n + 1
    return self.n
  }
}
entity Driver {
  key id: int
  fn drive(c: Counter, times: int): int {
    let i = 0
    let last = 0
    while i < times {
      last = c.bump()
      i = i + 1
    }
    return last
  }
}
run {
  let c = new Counter(1)
  let d = new Driver(3)             // on another node than Counter(1): every call crosses the network
  print d.drive(c, 20000)
  print c.n
}
`;

const deep = `
entity Ping {
  key id: int
  fn down(n: int, other: Pong): int {
    if n == 0 { return 0 }
    return other.down(n - 1, self) + 1
  }
}
entity Pong {
  key id: int
  fn down(n: int, other: Ping): int {
    if n == 0 { return 0 }
    return other.down(n - 1, self) + 1
  }
}
run {
  let a = new Ping(1)
  let b = new Pong(2)
  print a.down(100000, b)
}
`;

for (const protocol of ['2pl', 'aria']) {
  test(`a transaction of 20,000 remote calls finishes under ${protocol} with the default faults`, async (t) => {
    const result = await ent(['run', '--protocol', protocol, 'long.ent'], { 'long.ent': long });
    t.is(result.stderr, '');
    t.is(result.status, 0);
    t.is(result.stdout, '20000\n20000');
  });

  test(`mutual recursion 100,000 deep across two nodes finishes under ${protocol} with the default faults`, async (t) => {
    const result = await ent(['run', '--protocol', protocol, '--step-limit', '10000000', 'deep.ent'], { 'deep.ent': deep });
    t.is(result.stderr, '');
    t.is(result.status, 0);
    t.is(result.stdout, '100000');
  });
}

// ------------------------------------------------------------- every semantics, at any depth

const runaway = `
entity R {
  key id: int
  fn forever(n: int): int {
    return self.forever(n + 1)
  }
  fn down(n: int): int {
    if n == 0 { return 0 }
    return self.down(n - 1) + 1
  }
}
run {
  let r = new R(1)
  print r.forever(0)
  print r.down(3)
}
`;

test('reference, split and distributed agree on mutual recursion 100,000 deep', async (t) => {
  for (const semantics of ['reference', 'split', 'distributed']) {
    const result = await ent(['run', '--semantics', semantics, '--step-limit', '10000000', 'deep.ent'], { 'deep.ent': deep });
    t.deepEqual([result.status, result.stdout, result.stderr], [0, '100000', ''], semantics);
  }
});

test('runaway recursion reaches the step budget under every semantics, and the run goes on', async (t) => {
  for (const semantics of ['reference', 'split', 'distributed']) {
    const result = await ent(['run', '--semantics', semantics, '--step-limit', '100000', 'runaway.ent'], { 'runaway.ent': runaway });
    t.deepEqual([result.status, result.stdout, result.stderr], [0, 'abort: step limit exceeded\n3', ''], semantics);
  }
});

test('ent check on runaway recursion finishes, and holds: the aborts are outcomes every serial order gives', async (t) => {
  const result = await ent(['check', '--step-limit', '100000', '--runs', '3', '--clients', '2', '--requests', '2', 'runaway.ent'], { 'runaway.ent': runaway });
  t.is(result.status, 0, result.stdout + result.stderr);
  t.regex(result.stdout + result.stderr, /3 runs held/);
});

// Replay runs the reference model, which once stopped a few hundred calls deep (`recursion too deep`):
// replaying a deep recursion that the runtime committed then reported a violation that was not one.
test('ent check --workload run replays a recursion 5,000 deep without a false violation', async (t) => {
  const source = deep.replace('a.down(100000, b)', 'a.down(5000, b)');
  const result = await ent(['check', '--workload', 'run', '--runs', '2', 'deep.ent'], { 'deep.ent': source });
  t.is(result.status, 0, result.stdout);
  t.regex(result.stdout, /2 runs held/);
});
