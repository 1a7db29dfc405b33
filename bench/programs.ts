// Ent programs the benchmarks share: a compute-heavy method (bench/reference.ts, bench/split.ts,
// bench/runtime.ts) with its hand-written TypeScript twin and a call-heavy pair of entities (bench/split.ts), and how the benchmarks compile
// a program: to its typed program and its split program, failing loudly on a diagnostic.

import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import {
  add, applyBuiltin, listItems, listLength, listPush, listStore, listValue, mapEntries, mapHas, mapLookup, mapStore, mapValue,
  multiply, remainder, subtract,
} from '../semantics/values.ts';

export function compiled(source: string, name: string): { program: TypedProgram; split: SplitProgram } {
  const result = compile(source, name);
  if (result.program === undefined) throw new Error(result.diagnostics[0]?.message);
  return { program: result.program, split: compileToSplit(result.program).split };
}

export const computeSource = `
entity Mixer {
  key id: int

  fn work(n: int): int {
    let sum = 0
    let i = 0
    let recent: list<int> = []
    let counts: map<int, int> = {}
    while i < n {
      sum = (sum * 31 + i) % 1000003
      if i % 7 == 3 {
        sum = sum + abs(i - 500)
      }
      let bucket = sum % 16
      if counts.has(bucket) {
        counts[bucket] = counts[bucket] + 1
      } else {
        counts[bucket] = 1
      }
      if recent.len() < 64 {
        recent.push(sum)
      } else {
        recent[i % 64] = sum
      }
      i = i + 1
    }
    let total = sum
    for bucket in counts {
      total = (total + bucket * counts[bucket]) % 1000003
    }
    for value in recent {
      total = (total + value) % 1000003
    }
    return total
  }
}
`;

/** `Mixer.work` written by hand in TypeScript: the baseline the Ent semantics are measured against. */
export function workByHand(n: number): number {
  let sum = 0;
  const recent: number[] = [];
  const counts = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    sum = (sum * 31 + i) % 1000003;
    if (i % 7 === 3) sum = sum + Math.abs(i - 500);
    const bucket = sum % 16;
    counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    if (recent.length < 64) recent.push(sum);
    else recent[i % 64] = sum;
  }
  let total = sum;
  for (const bucket of [...counts.keys()].sort((a, b) => a - b)) total = (total + bucket * counts.get(bucket)!) % 1000003;
  for (const value of recent) total = (total + value) % 1000003;
  return total;
}

/**
 * `Mixer.work` written in TypeScript against Ent's value library (semantics/values.ts): the persistent
 * lists and maps and the checked arithmetic every semantics shares, with no interpreter around them.
 * What it costs over `workByHand` is what Ent's values cost; what the split machine costs over it is
 * the machine's own.
 */
export function workWithValues(n: number): number {
  let sum = 0;
  let recent = listValue([]);
  let counts = mapValue(new Map());
  for (let i = 0; i < n; i = add(i, 1)) {
    sum = remainder(add(multiply(sum, 31), i), 1000003);
    if (remainder(i, 7) === 3) sum = add(sum, applyBuiltin('abs', [subtract(i, 500)]) as number);
    const bucket = remainder(sum, 16);
    counts = mapHas(counts, bucket) ? mapStore(counts, bucket, add(mapLookup(counts, bucket) as number, 1)) : mapStore(counts, bucket, 1);
    recent = listLength(recent) < 64 ? listPush(recent, sum) : listStore(recent, remainder(i, 64), sum);
  }
  let total = sum;
  for (const [bucket, times] of mapEntries(counts)) total = remainder(add(total, multiply(bucket as number, times as number)), 1000003);
  for (const value of listItems(recent)) total = remainder(add(total, value as number), 1000003);
  return total;
}

// Ping and Pong bounce a call back and forth `depth` times (a recursion across two entities, each
// level a remote call and a reply), then Ping reads Pong once more; `rally` does that `rounds` times.
export const callSource = `
entity Ping {
  key id: int
  hits: int = 0

  fn bounce(n: int, pong: Pong): int {
    self.hits = self.hits + 1
    if n == 0 {
      return 0
    }
    return 1 + pong.bounce(n - 1, self)
  }

  fn rally(rounds: int, depth: int, pong: Pong): int {
    let total = 0
    let i = 0
    while i < rounds {
      total = total + pong.bounce(depth, self)
      total = total + pong.peek(i) % 7
      i = i + 1
    }
    return total + self.hits
  }
}

entity Pong {
  key id: int
  hits: int = 0

  fn bounce(n: int, ping: Ping): int {
    self.hits = self.hits + 1
    if n == 0 {
      return 0
    }
    return 1 + ping.bounce(n - 1, self)
  }

  fn peek(i: int): int {
    return self.hits + i
  }
}
`;

/** Transfers between accounts that may abort: bench/ab.ts's `transfer` and bench/next-event.ts run it. */
export const transferSource = `
entity Account {
  key id: int
  balance: int = 100
  fn deposit(amount: int) {
    self.balance = self.balance + amount
  }
  fn transfer(to: Account, amount: int) {
    if self.balance < amount {
      abort "insufficient funds"
    }
    self.balance = self.balance - amount
    to.deposit(amount)
  }
}
`;

/**
 * The workload bench/ab.ts's `transfer` and bench/allocations.ts run on `transferSource`: 200 accounts
 * created first, then `transfers` transfers of 1 between two different accounts drawn by a fixed
 * generator, dealt round to 16 clients. `referenceValue` is the build's own under test (the requests must
 * be made of its values), so this works with a build from before this function existed.
 */
export function transferWorkload(
  referenceValue: (entity: string, key: number) => unknown,
  transfers: number,
): { readonly setup: readonly unknown[]; readonly clients: readonly (readonly unknown[])[] } {
  const accounts = 200;
  let seed = 1;
  const random = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const clients: unknown[][] = Array.from({ length: 16 }, () => []);
  for (let index = 0; index < transfers; index++) {
    const from = Math.floor(random() * accounts);
    const to = (from + 1 + Math.floor(random() * (accounts - 1))) % accounts;
    clients[index % 16].push({ kind: 'call', target: referenceValue('Account', from), method: 'transfer', args: [referenceValue('Account', to), 1] });
  }
  const setup = Array.from({ length: accounts }, (_, key) => ({ kind: 'new', entity: 'Account', key, args: [] }));
  return { setup, clients };
}
