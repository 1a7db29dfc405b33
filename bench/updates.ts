// Benchmark: the cost of a live update (docs/language.md §15), in ticks of the simulated runtime during
// which atoms wait, against the number of entities of the updated type. A GDPR-style erasure over N
// users (every other user's email erased) is done two ways on the same runtime in the same process:
//   update     `update User { migrate { … } }`: one write of `$Code(0)`; each user migrates at its next use;
//   baseline   the run block calls `User(i).erase()` on each user to erase, one transaction each (what
//              a program without updates does, and must know every key for).
// For each it prints the ticks of the erasure step (the run block, and so the atoms, wait for it), the
// ticks of the first atom after it (which reaches 10 users, so 10 migrations happen in it under
// `update`) and of the second (nothing left to migrate), and the ratio of the erasure's ticks.
// Run: npx tsc -p . && node build/bench/updates.js [2pl | aria] [N …] (docs/benchmarks.md).

import { compile } from '../semantics/compile.ts';
import { Client } from '../semantics/reference/client.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { DistributedHost } from '../runtime/host.ts';
import { defaultTimeouts, type ConcurrencyMode } from '../runtime/configuration.ts';

const protocol = (process.argv[2] ?? '2pl') as ConcurrencyMode;
if (!['2pl', 'aria'].includes(protocol)) throw new Error(`no protocol ${protocol}: 2pl or aria`);
const sizes = process.argv.slice(3).map(Number);
const counts = sizes.length > 0 ? sizes : [10, 100, 1000];

const atom = `emit orders [${Array.from({ length: 10 }, (_, index) => index * 3).join(', ')}]`;

function source(users: number, erasure: 'update' | 'baseline'): string {
  const erase = erasure === 'update'
    ? `update User {
    migrate {
      if self.id % 2 == 0 {
        self.email = ""
      }
    }
  }`
    : `for j in ids {
    if j % 2 == 0 {
      User(j).erase()
    }
  }`;
  return `
stream orders: int

entity User {
  key id: int
  email: string = "someone@example.org"
  orders: int = 0
  fn erase() {
    self.email = ""
  }
  on orders(user: int) by user {
    self.orders = self.orders + 1
  }
}

run {
  let ids: list<int> = []
  let i = 0
  while i < ${users} {
    new User(i)
    ids.push(i)
    i = i + 1
  }
  ${atom}
  ${erase}
  ${atom}
  ${atom}
  print [User(0).email, User(1).email]
  print User(0).orders
}
`;
}

/** Ticks of the erasure step, and of the first and second atoms after it. */
function measure(users: number, erasure: 'update' | 'baseline'): { erasure: number; first: number; second: number; output: string[] } {
  const compiled = compile(source(users, erasure), 'bench.ent');
  if (compiled.program === undefined) throw new Error(compiled.diagnostics.map((entry) => `${entry.code} ${entry.message}`).join('\n'));
  const program = compiled.program;
  const host = new DistributedHost(compileToSplit(program).split, {
    seed: '1',
    settings: {
      nodes: 3, delivery: 'exactly-once', concurrency: protocol, faults: { drop: 0, duplicate: 0, delay: 0, crash: 0 },
      stepLimit: 1_000_000, timeouts: defaultTimeouts, latencyJitter: 3, batchWindow: 4, bug: 'none',
    },
    history: 'none',
  });
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  const body = program.run!.body;
  const ticks: number[] = [];
  // The statements: ids, i, the while, the warm-up atom, the erasure, two atoms, the print.
  for (const statement of body) {
    client.run([statement]);
    ticks.push(host.config.tick);
  }
  client.finish();
  return { erasure: ticks[4] - ticks[3], first: ticks[5] - ticks[4], second: ticks[6] - ticks[5], output };
}

console.log(`live update vs erasure by calls, ${protocol}, 3 nodes, no faults (ticks; atoms wait during the erasure)`);
console.log('users   update: erase  atom1  atom2   baseline: erase  atom1  atom2   erase ratio (baseline/update)');
for (const users of counts) {
  const update = measure(users, 'update');
  const baseline = measure(users, 'baseline');
  if (JSON.stringify(update.output) !== JSON.stringify(baseline.output)) {
    throw new Error(`the two erasures disagree: ${JSON.stringify(update.output)} and ${JSON.stringify(baseline.output)}`);
  }
  console.log(`${String(users).padStart(5)}   ${String(update.erasure).padStart(13)}  ${String(update.first).padStart(5)}  ${String(update.second).padStart(5)}`
    + `   ${String(baseline.erasure).padStart(15)}  ${String(baseline.first).padStart(5)}  ${String(baseline.second).padStart(5)}`
    + `   ${(baseline.erasure / update.erasure).toFixed(1).padStart(10)}x`);
}
