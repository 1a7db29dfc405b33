// Stage: checkers. Serializability by dependency graph (Adya 1999, "Weak Consistency"), independent of
// any order the system claims. Input: a generic transaction history (the versions each transaction
// read and wrote, and optionally each object's version order or facts of it), built from Ent's history events, from
// Ent's history JSON, or from Elle's format (checkers/elle.ts). Output: anomalies in words: every cycle
// of the direct serialization graph (one witness per strongly connected component: the shortest cycle
// of the component's worst class), aborted and intermediate reads, and the findings that need no cycle
// (two installs of one version, a request committed twice, a lost update, a read of a version nobody
// installed). The catalog of classes, with an example each, is docs/check-history.md.

import type { HistoryEvent } from '../runtime/history.ts';
import { decisionsAndInstalls, decisionsAndInstallsFromJson, type DecisionOrInstall } from './ent-history.ts';
import type { Violation } from './violation.ts';

// ------------------------------------------------------------------------------------------- input

/** A version of an object: Ent counts 0 (did not exist), 1, 2, …; Elle names a list's versions by the
 * element appended last and a register's by the value written; `null` is an initial version. */
export type Version = number | string | null;

export interface VersionAccess {
  readonly object: string;
  readonly version: Version;
}

export interface TransactionRecord {
  readonly id: string;
  readonly committed: boolean;
  /** The versions it read from the store (its reads of its own writes are not listed). */
  readonly reads: readonly VersionAccess[];
  /** The versions it wrote, in the order it wrote them; of each object, the last one is the one it
   * installs (if it commits) and the ones before are intermediate. */
  readonly writes: readonly VersionAccess[];
  /** The request it ran for, when known: two committed transactions of one request are a finding. */
  readonly request?: string;
}

/** A history is well formed when its transaction ids are unique and no version order lists a version
 * twice; checkDependencyGraph throws on one that is not (every converter here makes them so). */
export interface TransactionHistory {
  readonly transactions: readonly TransactionRecord[];
  /**
   * Per object, its versions in order. Without one, an object's versions are every version read or
   * written, ascending (null first, then numbers, then strings). Installed versions missing from a
   * given order are known only to follow every listed version, in an unknown order among themselves.
   */
  readonly versionOrder?: { readonly [object: string]: readonly Version[] };
  /**
   * Facts of the version order beside `versionOrder`: of an object, `before` precedes `after` (not
   * necessarily immediately), for the reason given, which a witness quotes. Elle's registers have no
   * total order, only such facts (elle.ts infers them); they must form no cycle. A version with
   * facts should be missing from the object's `versionOrder`, which the facts extend.
   */
  readonly versionPrecedences?: { readonly [object: string]: readonly VersionPrecedence[] };
}

export interface VersionPrecedence {
  readonly before: Version;
  readonly after: Version;
  /** Why, in words: "T3 read x = 1 and then wrote x = 2". */
  readonly reason: string;
}

export interface CheckOptions {
  /** How to name a version in an explanation, object included (default: "x version 2"). */
  readonly describeVersion?: (object: string, version: Version) => string;
}

// ------------------------------------------------------------------------------------------ output

/** Cycles of the direct serialization graph, from the worst: write cycle, cyclic information flow,
 * exactly one anti-dependency, two or more anti-dependencies. */
export type CycleClass = 'G0' | 'G1c' | 'G-single' | 'G2';

/** Findings without a cycle. `incompatible-order` and `cyclic-versions` come from Elle's format (elle.ts). */
export type FindingClass =
  | 'G1a' | 'G1b' | 'garbage-read' | 'duplicate-version' | 'committed-twice' | 'lost-update' | 'incompatible-order'
  | 'cyclic-versions';

export type AnomalyClass = CycleClass | FindingClass;

export interface Anomaly {
  readonly class: AnomalyClass;
  /** For a cycle, its transactions in order: each depends on the one before it, the first on the
   * last. For a finding, the transactions it concerns. */
  readonly transactions: readonly string[];
  /** For a cycle, one sentence per edge (the i-th says why transaction i+1 depends on transaction i,
   * the last why the first depends on the last); for a finding, the facts that make it. */
  readonly explanation: readonly string[];
}

export interface DependencyGraphResult {
  readonly anomalies: readonly Anomaly[];
}

export const cycleClasses: readonly CycleClass[] = ['G0', 'G1c', 'G-single', 'G2'];

export function isCycleClass(value: AnomalyClass): value is CycleClass {
  return (cycleClasses as readonly string[]).includes(value);
}

// ------------------------------------------------------------------------------------------- edges

const writeWrite = 0;
const writeRead = 1;
const readWrite = 2;
type EdgeType = typeof writeWrite | typeof writeRead | typeof readWrite;
const edgeNames = ['ww', 'wr', 'rw'] as const;

/** The edges of the graph, one array per field (a few hundred thousand edges stay cheap). */
class Edges {
  readonly from: number[] = [];
  readonly to: number[] = [];
  readonly type: EdgeType[] = [];
  readonly object: string[] = [];
  /** ww: the first writer's version; wr: the version read; rw: the version the reader read. */
  readonly before: Version[] = [];
  /** ww and rw: the version the later transaction installed; wr: the writer's last version. */
  readonly after: Version[] = [];
  /** The later version is one of those that follow every listed version (order among them unknown). */
  readonly inferred: boolean[] = [];
  /** The later version follows the earlier one by facts of the version order, for this reason. */
  readonly reason: (string | undefined)[] = [];

  add(type: EdgeType, from: number, to: number, object: string, before: Version, after: Version, inferred = false, reason?: string): void {
    if (from === to) return;
    this.from.push(from);
    this.to.push(to);
    this.type.push(type);
    this.object.push(object);
    this.before.push(before);
    this.after.push(after);
    this.inferred.push(inferred);
    this.reason.push(reason);
  }

  get count(): number {
    return this.from.length;
  }
}

// ------------------------------------------------------------------------------------ the checker

/** Adya's direct serialization graph of the history, its cycles and the findings beside them. */
export function checkDependencyGraph(history: TransactionHistory, options: CheckOptions = {}): DependencyGraphResult {
  const describe = options.describeVersion ?? describeVersionPlainly;
  const built = buildGraph(history, describe);
  const cycles = findCycles(built.ids, built.edges, describe);
  return { anomalies: [...built.findings, ...cycles] };
}

export function describeVersionPlainly(object: string, version: Version): string {
  return version === null ? `${object}'s initial version` : `${object} version ${version}`;
}

interface Writer {
  readonly transaction: string;
  /** The node of the committed transaction, -1 when it aborted. */
  readonly node: number;
  /** Its last write of the object: the version it installs if it commits. */
  readonly final: Version;
}

interface ObjectAccesses {
  readonly writers: Map<Version, Writer>;
  readonly reads: { readonly node: number; readonly version: Version }[];
}

interface BuiltGraph {
  readonly ids: readonly string[];
  readonly edges: Edges;
  readonly findings: Anomaly[];
}

function buildGraph(history: TransactionHistory, describe: NonNullable<CheckOptions['describeVersion']>): BuiltGraph {
  const ids: string[] = [];
  const findings: Anomaly[] = [];
  const objects = collectAccesses(history, ids, findings, describe);
  findings.push(...committedTwice(history));
  const edges = new Edges();
  for (const [name, accesses] of objects) {
    const given = history.versionOrder !== undefined && Object.hasOwn(history.versionOrder, name) ? history.versionOrder[name] : undefined;
    const order = versionOrderOf(name, accesses, given);
    addObjectEdges(name, accesses, order, ids, edges, findings, describe);
    const precedences = history.versionPrecedences !== undefined && Object.hasOwn(history.versionPrecedences, name)
      ? history.versionPrecedences[name] : [];
    if (precedences.length > 0) addPrecedenceEdges(name, accesses, order, precedences, edges);
    findings.push(...lostUpdates(name, accesses, ids, describe));
  }
  return { ids, edges, findings };
}

function collectAccesses(
  history: TransactionHistory,
  ids: string[],
  findings: Anomaly[],
  describe: NonNullable<CheckOptions['describeVersion']>,
): Map<string, ObjectAccesses> {
  const objects = new Map<string, ObjectAccesses>();
  const accessesOf = (object: string): ObjectAccesses => {
    let accesses = objects.get(object);
    if (accesses === undefined) objects.set(object, (accesses = { writers: new Map(), reads: [] }));
    return accesses;
  };
  const seen = new Set<string>();
  for (const transaction of history.transactions) {
    if (seen.has(transaction.id)) throw new Error(`two transactions are named ${transaction.id}`);
    seen.add(transaction.id);
    const node = transaction.committed ? ids.push(transaction.id) - 1 : -1;
    const finals = new Map<string, Version>();
    for (const write of transaction.writes) finals.set(write.object, write.version);
    for (const write of transaction.writes) {
      const writers = accessesOf(write.object).writers;
      const other = writers.get(write.version);
      if (other === undefined) {
        writers.set(write.version, { transaction: transaction.id, node, final: finals.get(write.object)! });
      } else if (other.transaction !== transaction.id) {
        findings.push({
          class: 'duplicate-version',
          transactions: [other.transaction, transaction.id],
          explanation: [`${other.transaction} and ${transaction.id} both wrote ${describe(write.object, write.version)}`],
        });
      }
    }
    if (node < 0) continue;
    for (const read of transaction.reads) accessesOf(read.object).reads.push({ node, version: read.version });
  }
  return objects;
}

function committedTwice(history: TransactionHistory): Anomaly[] {
  const byRequest = new Map<string, string[]>();
  for (const transaction of history.transactions) {
    if (!transaction.committed || transaction.request === undefined) continue;
    const list = byRequest.get(transaction.request);
    if (list === undefined) byRequest.set(transaction.request, [transaction.id]);
    else list.push(transaction.id);
  }
  const findings: Anomaly[] = [];
  for (const [request, transactions] of byRequest) {
    if (transactions.length < 2) continue;
    findings.push({
      class: 'committed-twice',
      transactions,
      explanation: [`request ${request} took effect ${transactions.length} times, as ${transactions.join(', ')}`],
    });
  }
  return findings;
}

/** The object's listed versions, in order, with each one's position. */
interface VersionOrder {
  readonly versions: readonly Version[];
  readonly position: ReadonlyMap<Version, number>;
  /** A version that may be read though nobody wrote it: the first of a given order; of the default
   * order, 0 or null (so that a read of version 9 that nobody installed is a garbage read). */
  readonly initial: Version | undefined;
}

function versionOrderOf(object: string, accesses: ObjectAccesses, given: readonly Version[] | undefined): VersionOrder {
  let versions: readonly Version[];
  if (given !== undefined) {
    versions = given;
  } else {
    const all = new Set<Version>(accesses.writers.keys());
    for (const read of accesses.reads) all.add(read.version);
    versions = [...all].sort(compareVersions);
  }
  const position = new Map<Version, number>();
  versions.forEach((version, index) => {
    if (position.has(version)) throw new Error(`the version order of ${object} lists ${String(version)} twice`);
    position.set(version, index);
  });
  const initial = given !== undefined || versions[0] === 0 || versions[0] === null ? versions[0] : undefined;
  return { versions, position, initial };
}

function compareVersions(left: Version, right: Version): number {
  const rank = (version: Version): number => (version === null ? 0 : typeof version === 'number' ? 1 : 2);
  if (rank(left) !== rank(right)) return rank(left) - rank(right);
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  return left === right ? 0 : String(left) < String(right) ? -1 : 1;
}

/** Installed: written last by a committed transaction. */
function installerOf(accesses: ObjectAccesses, version: Version): Writer | undefined {
  const writer = accesses.writers.get(version);
  return writer !== undefined && writer.node >= 0 && writer.final === version ? writer : undefined;
}

/** What the edges of one object are built from. */
interface ObjectContext {
  readonly object: string;
  readonly accesses: ObjectAccesses;
  readonly order: VersionOrder;
  /** nextInstalled[i]: the position of the first installed version after position i, or -1. */
  readonly nextInstalled: Int32Array;
  /** The installed versions missing from the order (they follow all of it), with their installers. */
  readonly unlisted: readonly Writer[];
  readonly unlistedInstallers: ReadonlySet<number>;
  readonly ids: readonly string[];
  readonly edges: Edges;
  readonly findings: Anomaly[];
  readonly describe: NonNullable<CheckOptions['describeVersion']>;
}

function addObjectEdges(
  object: string,
  accesses: ObjectAccesses,
  order: VersionOrder,
  ids: readonly string[],
  edges: Edges,
  findings: Anomaly[],
  describe: NonNullable<CheckOptions['describeVersion']>,
): void {
  const { versions, position } = order;
  const nextInstalled = new Int32Array(versions.length);
  let next = -1;
  for (let index = versions.length - 1; index >= 0; index--) {
    nextInstalled[index] = next;
    if (installerOf(accesses, versions[index]) !== undefined) next = index;
  }
  const unlisted: Writer[] = [];
  for (const [version, writer] of accesses.writers) {
    if (!position.has(version) && installerOf(accesses, version) !== undefined) unlisted.push(writer);
  }
  const context: ObjectContext = {
    object, accesses, order, nextInstalled, unlisted, unlistedInstallers: new Set(unlisted.map((writer) => writer.node)),
    ids, edges, findings, describe,
  };
  addWriteWriteEdges(context, next);
  for (const read of accesses.reads) {
    if (addWriteReadEdge(context, read)) addReadWriteEdges(context, read);
  }
}

/** The read's wr edge, or its finding (G1a, G1b, garbage-read); false when the read is not of a
 * version the graph can place (the read of an aborted or of a never written version). */
function addWriteReadEdge(context: ObjectContext, read: { readonly node: number; readonly version: Version }): boolean {
  const { object, accesses, ids, findings, describe } = context;
  const writer = accesses.writers.get(read.version);
  const reader = ids[read.node];
  const what = describe(object, read.version);
  if (writer === undefined) {
    if (context.order.versions.length > 0 && read.version === context.order.initial) return true;
    findings.push({
      class: 'garbage-read',
      transactions: [reader],
      explanation: [`${reader} read ${what}, which no transaction wrote`],
    });
    return false;
  }
  if (writer.node < 0) {
    findings.push({
      class: 'G1a',
      transactions: [writer.transaction, reader],
      explanation: [`${reader} read ${what}, which ${writer.transaction} wrote and then aborted`],
    });
    return false;
  }
  context.edges.add(writeRead, writer.node, read.node, object, read.version, writer.final);
  if (writer.final !== read.version && writer.node !== read.node) {
    findings.push({
      class: 'G1b',
      transactions: [writer.transaction, reader],
      explanation: [
        `${reader} read ${what}, which ${writer.transaction} overwrote with ${describe(object, writer.final)} before it committed`,
      ],
    });
  }
  return true;
}

/** The reader anti-depends on whoever installed the next version after the one it read. */
function addReadWriteEdges(context: ObjectContext, read: { readonly node: number; readonly version: Version }): void {
  const { object, accesses, edges } = context;
  const readPosition = context.order.position.get(read.version);
  if (readPosition === undefined) return;
  const after = context.nextInstalled[readPosition];
  if (after >= 0) {
    const version = context.order.versions[after];
    edges.add(readWrite, read.node, installerOf(accesses, version)!.node, object, read.version, version);
    return;
  }
  // Every unlisted version follows the one read. A reader that installed one of them itself depends
  // on the other installers either way round, but whether by rw or by ww is not known: no edge.
  if (context.unlistedInstallers.has(read.node)) return;
  for (const installer of context.unlisted) {
    edges.add(readWrite, read.node, installer.node, object, read.version, installer.final, true);
  }
}

/** Each installed version's installer precedes the next installed version's; the last listed one's
 * precedes every unlisted one's. */
function addWriteWriteEdges(context: ObjectContext, firstInstalled: number): void {
  const { object, accesses, nextInstalled, edges } = context;
  const versions = context.order.versions;
  let last = -1;
  for (let index = firstInstalled; index >= 0; index = nextInstalled[index]) {
    last = index;
    const after = nextInstalled[index];
    if (after < 0) break;
    const earlier = installerOf(accesses, versions[index])!.node;
    edges.add(writeWrite, earlier, installerOf(accesses, versions[after])!.node, object, versions[index], versions[after]);
  }
  if (last < 0) return;
  const earlier = installerOf(accesses, versions[last])!;
  for (const installer of context.unlisted) {
    edges.add(writeWrite, earlier.node, installer.node, object, versions[last], installer.final, true);
  }
}

/**
 * The edges that facts of the version order give (Elle's registers). From each version v that the order
 * does not list: its installer, if any, precedes by ww the installer of each installed version that the
 * facts put after v with no installed version between (versions nobody installed, aborted or
 * intermediate, are seen through), and each reader of v precedes that installer by rw (a read of a
 * version nobody wrote is a garbage read, but the facts still place it). These edges are
 * in the transitive closure of the true graph with the same anti-dependency count, except for a reader
 * that installed a version of the object itself: whether it precedes the other installer by rw or by ww
 * is not known, so it gets no edge (the lost-update finding covers that case).
 */
function addPrecedenceEdges(
  object: string,
  accesses: ObjectAccesses,
  order: VersionOrder,
  precedences: readonly VersionPrecedence[],
  edges: Edges,
): void {
  const successors = groupBy(precedences, (fact) => fact.before);
  const readers = groupBy(accesses.reads, (read) => read.version);
  const installers = new Set<number>();
  for (const [version, writer] of accesses.writers) if (installerOf(accesses, version) !== undefined) installers.add(writer.node);
  for (const start of successors.keys()) {
    if (order.position.has(start)) continue;
    const earlier = installerOf(accesses, start);
    for (const { version, reasons } of nextInstalledByFacts(accesses, successors, start)) {
      const later = installerOf(accesses, version)!;
      const reason = reasons.join('; then ');
      if (earlier !== undefined) edges.add(writeWrite, earlier.node, later.node, object, start, version, false, reason);
      for (const { node: reader } of readers.get(start) ?? []) {
        if (!installers.has(reader)) edges.add(readWrite, reader, later.node, object, start, version, false, reason);
      }
    }
  }
}

function groupBy<Item, Key>(items: readonly Item[], keyOf: (item: Item) => Key): Map<Key, Item[]> {
  const groups = new Map<Key, Item[]>();
  for (const item of items) {
    const group = groups.get(keyOf(item));
    if (group === undefined) groups.set(keyOf(item), [item]);
    else group.push(item);
  }
  return groups;
}

/** The installed versions that the facts put after `start` with no installed version between, each with
 * the reasons of the facts that lead to it. */
function nextInstalledByFacts(
  accesses: ObjectAccesses,
  successors: ReadonlyMap<Version, readonly VersionPrecedence[]>,
  start: Version,
): { readonly version: Version; readonly reasons: readonly string[] }[] {
  const found: { version: Version; reasons: string[] }[] = [];
  const seen = new Set<Version>([start]);
  const stack: { version: Version; reasons: string[] }[] = [{ version: start, reasons: [] }];
  while (stack.length > 0) {
    const { version, reasons } = stack.pop()!;
    for (const fact of successors.get(version) ?? []) {
      if (seen.has(fact.after)) continue;
      seen.add(fact.after);
      const path = [...reasons, fact.reason];
      if (installerOf(accesses, fact.after) !== undefined) found.push({ version: fact.after, reasons: path });
      else stack.push({ version: fact.after, reasons: path });
    }
  }
  return found;
}

/** Two committed transactions that read one version of an object and both installed a version of
 * it: whichever installed second did not read the first one's version (Berenson et al.'s P4). */
function lostUpdates(
  object: string,
  accesses: ObjectAccesses,
  ids: readonly string[],
  describe: NonNullable<CheckOptions['describeVersion']>,
): Anomaly[] {
  const installed = new Map<number, Version>();
  for (const [version, writer] of accesses.writers) {
    if (writer.node >= 0 && writer.final === version) installed.set(writer.node, version);
  }
  const readersByVersion = new Map<Version, number[]>();
  for (const read of accesses.reads) {
    if (!installed.has(read.node)) continue;
    const readers = readersByVersion.get(read.version);
    if (readers === undefined) readersByVersion.set(read.version, [read.node]);
    else if (!readers.includes(read.node)) readers.push(read.node);
  }
  const findings: Anomaly[] = [];
  for (const [version, readers] of readersByVersion) {
    if (readers.length < 2) continue;
    findings.push({
      class: 'lost-update',
      transactions: readers.map((node) => ids[node]),
      explanation: [
        `${readers.map((node) => ids[node]).join(' and ')} each read ${describe(object, version)} and then installed `
          + `${readers.map((node) => describe(object, installed.get(node)!)).join(', ')}: all but one of these updates is lost`,
      ],
    });
  }
  return findings;
}

// ------------------------------------------------------------------------------------------ cycles

/**
 * A component bigger than this gets a bounded search: breadth-first searches stop starting once this
 * many edges have been visited, so that the witness may not be the shortest cycle, and a G-single
 * hidden among very many anti-dependencies may be reported as G2. Below it the search is exact.
 */
const searchWorkMax = 5_000_000;

/** Edges out of each node, compressed: the edges of node n are order[start[n]] … order[start[n+1]-1]. */
interface Adjacency {
  readonly start: Int32Array;
  readonly order: Int32Array;
}

function adjacencyOf(nodeCount: number, edges: Edges): Adjacency {
  const start = new Int32Array(nodeCount + 1);
  for (let edge = 0; edge < edges.count; edge++) start[edges.from[edge] + 1]++;
  for (let node = 0; node < nodeCount; node++) start[node + 1] += start[node];
  const fill = start.slice(0, nodeCount);
  const order = new Int32Array(edges.count);
  for (let edge = 0; edge < edges.count; edge++) order[fill[edges.from[edge]]++] = edge;
  return { start, order };
}

/** Arrays indexed by node, allocated once per check and left clean after each use. */
class Scratch {
  readonly index: Int32Array;
  readonly lowlink: Int32Array;
  readonly cursor: Int32Array;
  readonly onStack: Uint8Array;
  /** The component a node belongs to, for searches restricted to one component. */
  readonly component: Int32Array;
  readonly seen: Int32Array;
  readonly parentEdge: Int32Array;
  readonly depth: Int32Array;
  stamp = 0;
  work = 0;

  constructor(nodeCount: number) {
    this.index = new Int32Array(nodeCount).fill(-1);
    this.lowlink = new Int32Array(nodeCount);
    this.cursor = new Int32Array(nodeCount);
    this.onStack = new Uint8Array(nodeCount);
    this.component = new Int32Array(nodeCount);
    this.seen = new Int32Array(nodeCount);
    this.parentEdge = new Int32Array(nodeCount);
    this.depth = new Int32Array(nodeCount);
  }
}

/** The edges a search may follow: of the given types (a bit per type), between nodes of one component. */
interface Subgraph {
  readonly adjacency: Adjacency;
  readonly edges: Edges;
  readonly types: number;
  readonly member: number;
  readonly scratch: Scratch;
}

const typeBits = { ww: 1 << writeWrite, wr: 1 << writeRead, rw: 1 << readWrite };

function follows(subgraph: Subgraph, edge: number): boolean {
  return ((subgraph.types >> subgraph.edges.type[edge]) & 1) === 1
    && subgraph.scratch.component[subgraph.edges.to[edge]] === subgraph.member;
}

/** Tarjan's strongly connected components, iteratively (histories are long chains), from the given
 * roots; only components of two or more nodes are returned, each sorted. */
function stronglyConnectedComponents(subgraph: Subgraph, roots: Iterable<number>): number[][] {
  const { start, order } = subgraph.adjacency;
  const { index, lowlink, cursor, onStack } = subgraph.scratch;
  const components: number[][] = [];
  const stack: number[] = [];
  const calls: number[] = [];
  const touched: number[] = [];
  let counter = 0;
  const visit = (node: number): void => {
    index[node] = lowlink[node] = counter++;
    cursor[node] = start[node];
    onStack[node] = 1;
    stack.push(node);
    calls.push(node);
    touched.push(node);
  };
  for (const root of roots) {
    if (index[root] >= 0) continue;
    visit(root);
    while (calls.length > 0) {
      const node = calls[calls.length - 1];
      if (cursor[node] < start[node + 1]) {
        const edge = order[cursor[node]++];
        if (!follows(subgraph, edge)) continue;
        const target = subgraph.edges.to[edge];
        if (index[target] < 0) visit(target);
        else if (onStack[target] === 1) lowlink[node] = Math.min(lowlink[node], index[target]);
        continue;
      }
      calls.pop();
      if (calls.length > 0) lowlink[calls[calls.length - 1]] = Math.min(lowlink[calls[calls.length - 1]], lowlink[node]);
      if (lowlink[node] !== index[node]) continue;
      const component: number[] = [];
      let member: number;
      do {
        member = stack.pop()!;
        onStack[member] = 0;
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort((left, right) => left - right));
    }
  }
  for (const node of touched) index[node] = -1;
  return components;
}

/** The edges of a shortest path from source to destination of at most `edgesMax` edges (a cycle when
 * they are equal), by breadth-first search; undefined if there is none. */
function shortestPath(subgraph: Subgraph, source: number, destination: number, edgesMax: number): number[] | undefined {
  const { start, order } = subgraph.adjacency;
  const scratch = subgraph.scratch;
  const stamp = ++scratch.stamp;
  scratch.seen[source] = stamp;
  scratch.depth[source] = 0;
  const queue = [source];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head];
    if (scratch.depth[node] + 1 > edgesMax) break;
    for (let slot = start[node]; slot < start[node + 1]; slot++) {
      const edge = order[slot];
      scratch.work++;
      if (!follows(subgraph, edge)) continue;
      const target = subgraph.edges.to[edge];
      if (target === destination) return [...pathTo(subgraph, source, node), edge];
      if (scratch.seen[target] === stamp) continue;
      scratch.seen[target] = stamp;
      scratch.depth[target] = scratch.depth[node] + 1;
      scratch.parentEdge[target] = edge;
      queue.push(target);
    }
  }
  return undefined;
}

function pathTo(subgraph: Subgraph, source: number, node: number): number[] {
  const path: number[] = [];
  for (let cursor = node; cursor !== source; cursor = subgraph.edges.from[subgraph.scratch.parentEdge[cursor]]) {
    path.push(subgraph.scratch.parentEdge[cursor]);
  }
  return path.reverse();
}

/** A shortest cycle through any of the nodes (each of which lies on some cycle of the subgraph). */
function shortestCycle(subgraph: Subgraph, nodes: readonly number[]): number[] {
  let best: number[] | undefined;
  for (const node of nodes) {
    if (best !== undefined && (best.length === 2 || subgraph.scratch.work > searchWorkMax)) break;
    const cycle = shortestPath(subgraph, node, node, best === undefined ? Infinity : best.length - 1);
    if (cycle !== undefined) best = cycle;
  }
  return best!;
}

/** A shortest cycle with exactly one anti-dependency, given that the ww and wr edges of the component
 * form no cycle: an rw edge a → b closed by a ww/wr path from b back to a. */
function shortestSingleAntiDependencyCycle(subgraph: Subgraph, nodes: readonly number[]): number[] | undefined {
  const { start, order } = subgraph.adjacency;
  const dependencies: Subgraph = { ...subgraph, types: typeBits.ww | typeBits.wr };
  let best: number[] | undefined;
  for (const node of nodes) {
    for (let slot = start[node]; slot < start[node + 1]; slot++) {
      const edge = order[slot];
      if (subgraph.edges.type[edge] !== readWrite || !follows(subgraph, edge)) continue;
      if (best !== undefined && (best.length === 2 || subgraph.scratch.work > searchWorkMax)) return best;
      const path = shortestPath(dependencies, subgraph.edges.to[edge], node, best === undefined ? Infinity : best.length - 2);
      if (path !== undefined) best = [edge, ...path];
    }
  }
  return best;
}

/** The witness of one strongly connected component: the shortest cycle of its worst class. */
function witness(subgraph: Subgraph, nodes: readonly number[]): { readonly class: CycleClass; readonly cycle: number[] } {
  for (const [cycleClass, types] of [['G0', typeBits.ww], ['G1c', typeBits.ww | typeBits.wr]] as const) {
    const restricted: Subgraph = { ...subgraph, types };
    const inner = stronglyConnectedComponents(restricted, nodes);
    if (inner.length > 0) return { class: cycleClass, cycle: shortestCycle(restricted, inner.flat()) };
  }
  const single = shortestSingleAntiDependencyCycle(subgraph, nodes);
  if (single !== undefined) return { class: 'G-single', cycle: single };
  return { class: 'G2', cycle: shortestCycle(subgraph, nodes) };
}

function findCycles(ids: readonly string[], edges: Edges, describe: NonNullable<CheckOptions['describeVersion']>): Anomaly[] {
  const scratch = new Scratch(ids.length);
  const everything: Subgraph = { adjacency: adjacencyOf(ids.length, edges), edges, types: 0b111, member: 0, scratch };
  const components = stronglyConnectedComponents(everything, ids.keys());
  const anomalies: Anomaly[] = [];
  components.forEach((nodes, number) => {
    for (const node of nodes) scratch.component[node] = number + 1;
    scratch.work = 0;
    const found = witness({ ...everything, member: number + 1 }, nodes);
    anomalies.push(describeCycle(found.class, rotateToSmallest(edges, found.cycle), ids, edges, describe));
  });
  return anomalies;
}

/** The cycle started at its earliest transaction, so that a report reads from the top of the history. */
function rotateToSmallest(edges: Edges, cycle: readonly number[]): number[] {
  let first = 0;
  cycle.forEach((edge, position) => {
    if (edges.from[edge] < edges.from[cycle[first]]) first = position;
  });
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

function describeCycle(
  cycleClass: CycleClass,
  cycle: readonly number[],
  ids: readonly string[],
  edges: Edges,
  describe: NonNullable<CheckOptions['describeVersion']>,
): Anomaly {
  return {
    class: cycleClass,
    transactions: cycle.map((edge) => ids[edges.from[edge]]),
    explanation: cycle.map((edge) => explainEdge(edge, ids, edges, describe)),
  };
}

function explainEdge(
  edge: number,
  ids: readonly string[],
  edges: Edges,
  describe: NonNullable<CheckOptions['describeVersion']>,
): string {
  const from = ids[edges.from[edge]];
  const to = ids[edges.to[edge]];
  const before = describe(edges.object[edge], edges.before[edge]);
  const after = describe(edges.object[edge], edges.after[edge]);
  const type = edges.type[edge];
  switch (type) {
    case writeWrite:
      if (edges.reason[edge] !== undefined) return `${to} installed ${after}, which follows ${from}'s ${before} (${edges.reason[edge]}) (ww)`;
      return edges.inferred[edge]
        ? `${to} installed ${after}, which follows ${from}'s ${before}, the last version in the known order (ww)`
        : `${to} installed ${after}, the version after ${from}'s ${before} (ww)`;
    case writeRead:
      return edges.before[edge] === edges.after[edge]
        ? `${to} read ${before}, which ${from} installed (wr)`
        : `${to} read ${before}, which ${from} wrote before overwriting it (wr)`;
    case readWrite:
      if (edges.reason[edge] !== undefined) {
        return `${from} read ${before}, and ${to} installed ${after}, which follows it (${edges.reason[edge]}) (rw)`;
      }
      return edges.inferred[edge]
        ? `${from} read ${before}, the last version in the known order, and ${to} installed ${after}, which follows it (rw)`
        : `${from} read ${before}, and ${to} installed the next version, ${after} (rw)`;
    default:
      return assertNever(type);
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected edge type ${String(value)}`);
}

// ------------------------------------------------------------------------------ Ent's history

/**
 * Ent's history as a transaction history: one committed transaction per `commit` event, reading what
 * the event says it read and writing what the `install` events of its request installed. A request
 * with several commits gives several transactions, named r7, r7', r7'', …, each with `request` r7 (a
 * `committed-twice` finding); each install goes to the earliest of them that has not yet installed that
 * entity. An install that none of them can take (the request's write of that entity installed once
 * more than it committed, as a replayed message would) is a further transaction of the request, with
 * no reads: the request took effect again. So are the installs of a request that never committed (the
 * store holds their versions, so reads of them are reads of committed state as far as the graph can
 * tell). An `abort` event is a read-only transaction: the client saw its outcome, which its reads
 * explain, so a cycle through it (an audit that read one entity before a transaction and another
 * after it) is an anomaly like any other.
 */
export function historyFromEvents(events: readonly HistoryEvent[]): TransactionHistory {
  return historyFromDecisions(decisionsAndInstalls(events));
}

interface TransactionBuilder {
  readonly id: string;
  readonly request: string;
  readonly reads: VersionAccess[];
  readonly writes: VersionAccess[];
  /** An aborted transaction: it installs nothing. */
  readonly readOnly: boolean;
}

export function historyFromDecisions(events: readonly DecisionOrInstall[]): TransactionHistory {
  const byRequest = new Map<string, TransactionBuilder[]>();
  const builders: TransactionBuilder[] = [];
  const open = (requestId: string, readOnly: boolean): TransactionBuilder => {
    const list = byRequest.get(requestId) ?? [];
    byRequest.set(requestId, list);
    const builder: TransactionBuilder = { id: requestId + "'".repeat(list.length), request: requestId, reads: [], writes: [], readOnly };
    list.push(builder);
    builders.push(builder);
    return builder;
  };
  for (const event of events) {
    if (event.type === 'install') continue;
    const builder = open(event.requestId, event.type === 'abort');
    for (const [entity, version] of event.reads) builder.reads.push({ object: entity, version });
  }
  for (const event of events) {
    if (event.type !== 'install') continue;
    const list = byRequest.get(event.requestId);
    const builder = list?.find((candidate) => !candidate.readOnly && !candidate.writes.some((write) => write.object === event.entity))
      ?? open(event.requestId, false);
    builder.writes.push({ object: event.entity, version: event.version });
  }
  return { transactions: builders.map(({ readOnly: _, ...builder }) => ({ ...builder, committed: true })) };
}

/** Ent's history JSON (docs/history.md) as a transaction history, or why it is not one. */
export function historyFromEntJson(json: unknown): TransactionHistory | { readonly error: string } {
  const events = decisionsAndInstallsFromJson(json);
  return 'error' in events ? events : historyFromDecisions(events);
}

/** The anomalies as violations of the `dependency-graph` checker; a transaction r7' stands for request r7. */
export function anomaliesToViolations(anomalies: readonly Anomaly[]): Violation[] {
  return anomalies.map((anomaly) => ({
    checker: 'dependency-graph',
    kind: anomaly.class,
    message: `${anomaly.class}: ${anomaly.explanation.join('; ')}`,
    requests: [...new Set(anomaly.transactions.map((id) => id.replace(/'+$/, '')))],
  }));
}
