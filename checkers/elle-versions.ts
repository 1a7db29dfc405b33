// Stage: checkers. The version orders of Elle's registers, inferred as far as the history allows. Input:
// the committed (`ok`) transactions of an Elle rw-register history, with the first value each read of a
// key and the last value each wrote, and where they sit in the history; output: facts "v precedes w"
// per key for the dependency graph (dependency-graph.ts), and a `cyclic-versions` finding wherever
// the facts contradict one another. The sources, in the order Elle's rw-register checker takes them:
//   1. the initial state: nil precedes every value;
//   2. writes follow reads: a transaction that read x = v and then wrote x = w puts v before w;
//   3. (optional) process order: if each key is sequential, a process's transaction that ended at
//      x = v, and its next one to touch x, which began at x = w, put v before w;
//   4. (optional) real-time order: if each key is linearizable, a transaction that ended at x = v and
//      completed before another, which began at x = w, was invoked, puts v before w.
// A source whose facts close a cycle among one key's versions is set aside for that key, and the
// cycle is reported with the fact behind each step (Elle sets the source aside for every key).

import type { Anomaly, Version, VersionPrecedence } from './dependency-graph.ts';

type Scalar = number | string;

export interface RegisterTransaction {
  readonly id: string;
  readonly process: string | undefined;
  /** Its positions in the history: of its invocation (undefined: none was recorded) and completion. */
  readonly invoked: number | undefined;
  readonly completed: number;
  /** Per register key: the value of its first read, when it read the key before writing it. */
  readonly firstRead: ReadonlyMap<string, Scalar | null>;
  /** Per register key: the last value it wrote. */
  readonly lastWrite: ReadonlyMap<string, Scalar>;
}

export interface VersionSources {
  readonly processOrder: boolean;
  readonly realtime: boolean;
}

export interface RegisterOrders {
  readonly precedences: { readonly [key: string]: readonly VersionPrecedence[] };
  readonly findings: readonly Anomaly[];
}

interface Fact {
  readonly key: string;
  readonly before: Version;
  readonly after: Version;
  readonly reason: string;
  readonly transactions: readonly string[];
}

interface Source {
  readonly name: string;
  readonly facts: (transactions: readonly RegisterTransaction[], describe: Describe) => Fact[];
}

type Describe = (key: string, value: Version) => string;

/** The version order facts of every register key. */
export function inferRegisterOrders(
  transactions: readonly RegisterTransaction[],
  registers: ReadonlySet<string>,
  sources: VersionSources,
  describe: Describe,
): RegisterOrders {
  const chosen: Source[] = [{ name: 'writes that follow reads', facts: writesFollowReads }];
  if (sources.processOrder) chosen.push({ name: 'process order', facts: processOrder });
  if (sources.realtime) chosen.push({ name: 'real-time order', facts: realtimeOrder });
  const accepted = new Map<string, Fact[]>();
  const findings: Anomaly[] = [];
  const used = ['the initial state'];
  for (const source of chosen) {
    const byKey = new Map<string, Fact[]>();
    for (const made of source.facts(transactions, describe)) {
      if (!registers.has(made.key)) continue;
      const list = byKey.get(made.key);
      if (list === undefined) byKey.set(made.key, [made]);
      else list.push(made);
    }
    for (const [key, facts] of byKey) {
      const combined = [...(accepted.get(key) ?? []), ...facts];
      const cycles = versionCycles(key, combined, describe);
      if (cycles.length === 0) {
        accepted.set(key, combined);
        continue;
      }
      for (const cycle of cycles) findings.push(cyclicVersions(key, cycle, [...used, source.name], describe));
    }
    used.push(source.name);
  }
  const precedences: Record<string, VersionPrecedence[]> = {};
  for (const [key, facts] of accepted) {
    precedences[key] = facts.map(({ before, after, reason }) => ({ before, after, reason }));
  }
  return { precedences, findings };
}

function fact(key: string, before: Version, after: Version, reason: string, transactions: readonly string[]): Fact {
  return { key, before, after, reason, transactions };
}

/** The value a transaction ends a key at (its last write, else its read) and begins it at (its first
 * read, else its last write); undefined when it does not touch the key. */
function endsAt(transaction: RegisterTransaction, key: string): Version | undefined {
  return transaction.lastWrite.has(key) ? transaction.lastWrite.get(key)! : transaction.firstRead.get(key);
}

function beginsAt(transaction: RegisterTransaction, key: string): Version | undefined {
  return transaction.firstRead.has(key) ? transaction.firstRead.get(key)! : transaction.lastWrite.get(key);
}

function keysOf(transaction: RegisterTransaction): Set<string> {
  return new Set([...transaction.firstRead.keys(), ...transaction.lastWrite.keys()]);
}

function writesFollowReads(transactions: readonly RegisterTransaction[], describe: Describe): Fact[] {
  const facts: Fact[] = [];
  for (const transaction of transactions) {
    for (const [key, read] of transaction.firstRead) {
      const written = transaction.lastWrite.get(key);
      if (written === undefined || read === null || read === written) continue;
      const reason = `${transaction.id} read ${describe(key, read)} and then wrote ${describe(key, written)}`;
      facts.push(fact(key, read, written, reason, [transaction.id]));
    }
  }
  return facts;
}

/** From one transaction to a later one on the same key: the first ends where the second begins, or before. */
function orderFact(
  key: string,
  earlier: RegisterTransaction,
  later: RegisterTransaction,
  because: (earlierText: string, laterText: string) => string,
  describe: Describe,
): Fact | undefined {
  const before = endsAt(earlier, key)!;
  const after = beginsAt(later, key)!;
  if (before === after) return undefined;
  const reason = because(`${earlier.id} (ending at ${describe(key, before)})`, `${later.id} (beginning at ${describe(key, after)})`);
  return fact(key, before, after, reason, [earlier.id, later.id]);
}

function processOrder(transactions: readonly RegisterTransaction[], describe: Describe): Fact[] {
  const last = new Map<string, RegisterTransaction>();
  const facts: Fact[] = [];
  const byCompletion = [...transactions].sort((left, right) => left.completed - right.completed);
  for (const transaction of byCompletion) {
    if (transaction.process === undefined) continue;
    for (const key of keysOf(transaction)) {
      const slot = `${transaction.process}\u0000${key}`;
      const earlier = last.get(slot);
      last.set(slot, transaction);
      if (earlier === undefined) continue;
      const because = (first: string, second: string): string => `process ${transaction.process} ran ${first} and then ${second}`;
      const made = orderFact(key, earlier, transaction, because, describe);
      if (made !== undefined) facts.push(made);
    }
  }
  return facts;
}

/**
 * Per key, each transaction's nearest successors in real time: those invoked after it completed and
 * before any other such successor completed (the rest follow through them). Scanning the successors
 * in order of invocation, the first one invoked after the earliest completion among those scanned
 * ends the nearest ones.
 */
function realtimeOrder(transactions: readonly RegisterTransaction[], describe: Describe): Fact[] {
  const byKey = new Map<string, RegisterTransaction[]>();
  for (const transaction of transactions) {
    for (const key of keysOf(transaction)) {
      const list = byKey.get(key);
      if (list === undefined) byKey.set(key, [transaction]);
      else list.push(transaction);
    }
  }
  const facts: Fact[] = [];
  for (const [key, touching] of byKey) {
    const invoked = touching.filter((transaction) => transaction.invoked !== undefined)
      .sort((left, right) => left.invoked! - right.invoked!);
    for (const earlier of touching) {
      let completedFirst = Infinity;
      for (let index = firstInvokedAfter(invoked, earlier.completed); index < invoked.length; index++) {
        const later = invoked[index];
        if (later.invoked! > completedFirst) break;
        completedFirst = Math.min(completedFirst, later.completed);
        const made = orderFact(key, earlier, later, (first, second) => `${first} completed before ${second} was invoked`, describe);
        if (made !== undefined) facts.push(made);
      }
    }
  }
  return facts;
}

function firstInvokedAfter(sorted: readonly RegisterTransaction[], position: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle].invoked! > position) high = middle;
    else low = middle + 1;
  }
  return low;
}

// ------------------------------------------------------------------------------------------ cycles

/** The cycles among one key's versions (one per strongly connected component), nil preceding all. */
function versionCycles(key: string, facts: readonly Fact[], describe: Describe): Fact[][] {
  const successors = new Map<Version, Fact[]>();
  const versions = new Set<Version>([null]);
  for (const made of facts) {
    versions.add(made.before);
    versions.add(made.after);
    const list = successors.get(made.before);
    if (list === undefined) successors.set(made.before, [made]);
    else list.push(made);
  }
  const initial = (after: Version): Fact => ({
    key, before: null, after, reason: `${describe(key, null)} is the initial state, before every version`, transactions: [],
  });
  const later = [...versions].filter((version) => version !== null).map(initial);
  successors.set(null, [...(successors.get(null) ?? []), ...later]);
  return components(versions, successors).map((component) => shortestCycleIn(component, successors));
}

/** Tarjan's strongly connected components of two or more versions (version graphs are small). */
function components(versions: ReadonlySet<Version>, successors: ReadonlyMap<Version, readonly Fact[]>): Set<Version>[] {
  const index = new Map<Version, number>();
  const lowlink = new Map<Version, number>();
  const stack: Version[] = [];
  const onStack = new Set<Version>();
  const found: Set<Version>[] = [];
  const visit = (version: Version): void => {
    index.set(version, index.size);
    lowlink.set(version, index.get(version)!);
    stack.push(version);
    onStack.add(version);
    for (const { after } of successors.get(version) ?? []) {
      if (!index.has(after)) {
        visit(after);
        lowlink.set(version, Math.min(lowlink.get(version)!, lowlink.get(after)!));
      } else if (onStack.has(after)) {
        lowlink.set(version, Math.min(lowlink.get(version)!, index.get(after)!));
      }
    }
    if (lowlink.get(version) !== index.get(version)) return;
    const component = new Set<Version>();
    let member: Version;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.add(member);
    } while (member !== version);
    if (component.size > 1) found.push(component);
  };
  for (const version of versions) if (!index.has(version)) visit(version);
  return found;
}

/** A shortest cycle through the component's first version, by breadth-first search within it. */
function shortestCycleIn(component: ReadonlySet<Version>, successors: ReadonlyMap<Version, readonly Fact[]>): Fact[] {
  const start = component.values().next().value as Version;
  const parent = new Map<Version, Fact>();
  const queue: Version[] = [start];
  for (let head = 0; head < queue.length; head++) {
    for (const made of successors.get(queue[head]) ?? []) {
      if (!component.has(made.after)) continue;
      if (made.after === start) {
        const cycle = [made];
        for (let cursor = made.before; cursor !== start; cursor = parent.get(cursor)!.before) {
          cycle.unshift(parent.get(cursor)!);
        }
        return cycle;
      }
      if (parent.has(made.after)) continue;
      parent.set(made.after, made);
      queue.push(made.after);
    }
  }
  throw new Error('assertion: a strongly connected component has a cycle through each of its versions');
}

function cyclicVersions(key: string, cycle: readonly Fact[], sources: readonly string[], describe: Describe): Anomaly {
  const order = [...cycle.map((made) => describe(key, made.before)), describe(key, cycle[0].before)].join(' < ');
  return {
    class: 'cyclic-versions',
    transactions: [...new Set(cycle.flatMap((made) => made.transactions))],
    explanation: [
      `by ${sources.slice(0, -1).join(', ')} and ${sources[sources.length - 1]}, ${key}'s versions form a cycle: ${order}`,
      ...cycle.map((made) => `${describe(key, made.before)} < ${describe(key, made.after)}: ${made.reason}`),
    ],
  };
}
