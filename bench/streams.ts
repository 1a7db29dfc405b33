// Benchmark: atomic streams, in events per wall second through a three-stage workflow (orders → lines →
// audit, each stage an entity consumer that emits to the next), by the size of the client's atoms (1,
// 10, 100, 1,000 events per atom; a consumer emits per event, so the later stages carry atoms of one
// event), beside the same work done by plain calls (one transaction per event, each stage calling the
// next) on the same semantics in the same process; prints both and the ratio. On the distributed
// runtime (3 nodes, no faults, 2PL or Aria) it also prints the latency per atom in ticks (the ticks of
// the run over the atoms processed, every stage's included).
// Run: npx tsc -p . && node build/bench/streams.js [events] [reference | 2pl | aria] (docs/benchmarks.md).

import { performance } from 'node:perf_hooks';
import { compile } from '../semantics/compile.ts';
import { Client } from '../semantics/reference/client.ts';
import { ReferenceHost } from '../semantics/reference/host.ts';
import { ReferenceModel } from '../semantics/reference/model.ts';
import type * as T from '../semantics/typed.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { DistributedHost } from '../runtime/host.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../runtime/configuration.ts';

const events = Number(process.argv[2] ?? 100_000);
const semantics = process.argv[3] ?? 'reference';
if (!['reference', '2pl', 'aria'].includes(semantics)) throw new Error(`no semantics ${semantics}: reference, 2pl or aria`);

/** Three stages: Order (by order id) emits a line to `lines`, Stock (by item) emits to `audit`, Ledger counts. */
function workflow(atomSize: number): string {
  return `
stream orders: list<int>
stream lines: list<int>
stream audit: int

entity Order {
  key id: int
  units: int = 0
  on orders(o: list<int>) by o[0] {
    self.units = self.units + 1
    emit lines [[o[1], o[2]]]
  }
}

entity Stock {
  key item: int
  units: int = 1000000000
  on lines(line: list<int>) by line[0] {
    self.units = self.units - line[1]
    emit audit [line[1]]
  }
}

entity Ledger {
  key id: int
  total: int = 0
  on audit(n: int) by 0 {
    self.total = self.total + n
  }
}

run {
  let atoms = ${Math.floor(events / atomSize)}
  let a = 0
  while a < atoms {
    let atom: list<list<int>> = []
    let i = 0
    while i < ${atomSize} {
      atom.push([a % 16, (a + i) % 16, 1])
      i = i + 1
    }
    emit orders atom
    a = a + 1
  }
  print Ledger(0).total
}
`;
}

/** The same work by calls: one transaction per event, each stage calling the next (16 orders, 16 items, 1 ledger in both). */
function calls(): string {
  return `
entity Order {
  key id: int
  units: int = 0
  fn order(item: int, n: int) {
    self.units = self.units + 1
    Stock(item).take(n)
  }
}

entity Stock {
  key item: int
  units: int = 1000000000
  fn take(n: int) {
    self.units = self.units - n
    Ledger(0).add(n)
  }
}

entity Ledger {
  key id: int
  total: int = 0
  fn add(n: int) {
    self.total = self.total + n
  }
}

run {
  let i = 0
  while i < 16 {
    new Stock(i)
    new Order(i)
    i = i + 1
  }
  new Ledger(0)
  let a = 0
  while a < ${events} {
    Order(a % 16).order(a % 16, 1)
    a = a + 1
  }
  print Ledger(0).total
}
`;
}

function run(source: string): { seconds: number; output: string[]; ticks: number } {
  const compiled = compile(source, 'streams-bench.ent');
  const program: T.TypedProgram | undefined = compiled.program;
  if (program === undefined) throw new Error(compiled.diagnostics.map((entry) => entry.message).join('\n'));
  const output: string[] = [];
  const distributed = semantics === 'reference' ? undefined : new DistributedHost(compileToSplit(program).split, {
    seed: '1', history: 'none',
    settings: {
      nodes: 3, delivery: 'exactly-once', concurrency: semantics as ConcurrencyMode, faults: { drop: 0, duplicate: 0, delay: 0, crash: 0 },
      stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none',
    },
  });
  const client = new Client(distributed ?? new ReferenceHost(new ReferenceModel(program)), (line) => output.push(line));
  const start = performance.now();
  client.run(program.run!.body);
  client.finish();
  return { seconds: (performance.now() - start) / 1000, output, ticks: distributed?.config.tick ?? 0 };
}

const baseline = run(calls());
if (baseline.output[0] !== String(events)) throw new Error(`the call baseline printed ${baseline.output.join(', ')}`);
const baselineRate = events / baseline.seconds;
const where = semantics === 'reference' ? 'reference model' : `distributed runtime, 3 nodes, ${semantics}, no faults`;
console.log(`${events} events, ${where}; calls (one transaction per event, 3 entities each): ${Math.round(baselineRate)} events/s`);
for (const atomSize of [1, 10, 100, 1000]) {
  const measured = run(workflow(atomSize));
  const processed = Math.floor(events / atomSize) * atomSize;
  if (measured.output[0] !== String(processed)) throw new Error(`atom size ${atomSize} printed ${measured.output.join(', ')}`);
  const rate = processed / measured.seconds;
  // Atoms processed: the client's, then one per event at each later stage.
  const atoms = Math.floor(events / atomSize) + 2 * processed;
  const latency = semantics === 'reference' ? '' : `, ${(measured.ticks / atoms).toFixed(1)} ticks per atom`;
  console.log(`atom size ${String(atomSize).padStart(4)}: ${Math.round(rate)} events/s, ${(rate / baselineRate).toFixed(2)}× the calls${latency}`);
}
