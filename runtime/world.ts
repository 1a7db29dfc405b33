// Stage: runtime. Small pure helpers over configurations: reading and replacing a node, sending a
// message (it gets an id and a delivery tick), placing entities on nodes, and the trace entries that a
// global step emits. Every helper returns a new configuration and leaves its input as it was.

import type { Span } from '../grammar/span.ts';
import type { Request } from '../semantics/transactions.ts';
import { canonical, referenceValue, type ReferenceValue } from '../semantics/values.ts';
import type { ChoiceSource } from './choices.ts';
import {
  copyConfiguration, copyNode,
  type Address, type Configuration, type DurableState, type Envelope, type MessageBody, type NodeId, type NodeState, type VolatileState,
} from './configuration.ts';
import { record, type HistoryEvent } from './history.ts';

/** One line of a trace: a global rule, or a local rule run inside a delivery. */
export interface TraceEntry {
  readonly tick: number;
  readonly place: string;
  readonly rule: string;
  readonly span: Span | undefined;
  readonly detail: string;
  /** For the views (views/): the message a G-Deliver, G-Drop, G-Duplicate or G-Delay entry is about. */
  readonly message?: MessageNote;
  /**
   * For the views: the messages the global step sent (or woke, with a new id), on the step's last
   * entry. A global step is atomic: what it sends enters the network when it ends.
   */
  readonly sent?: readonly MessageNote[];
}

/**
 * Where a global step's handlers write their trace. A run that nobody traces (`localSteps: 'count'`,
 * runtime/simulator.ts) has `localCounts`: its local steps are counted there, and its other entries are
 * only counted by rule (`countedEntry`), so that it formats no place, detail or message it would never
 * print (formatting them took a tenth to a quarter of an untraced 2PL transfer's time; docs/benchmarks.md).
 */
export interface TraceContext {
  readonly trace: TraceEntry[];
  readonly localCounts?: Map<string, number>;
}

/** Whether the entries of `context` are read (a traced run), or only counted by rule. */
export function traced(context: TraceContext): boolean {
  return context.localCounts === undefined;
}

/**
 * The entry of an untraced run for `rule`: the rule alone, one shared object per rule. Only the rule of
 * such an entry is read (to count it); reading anything else is a mistake, so it throws.
 */
export function countedEntry(rule: string): TraceEntry {
  let entry = countedEntries.get(rule);
  if (entry === undefined) {
    entry = new CountedEntry(rule);
    countedEntries.set(rule, entry);
  }
  return entry;
}

const countedEntries = new Map<string, TraceEntry>();

class CountedEntry implements TraceEntry {
  constructor(readonly rule: string) {
    Object.freeze(this);
  }

  get tick(): number {
    return unread(this.rule, 'tick');
  }

  get place(): string {
    return unread(this.rule, 'place');
  }

  get span(): Span | undefined {
    return unread(this.rule, 'span');
  }

  get detail(): string {
    return unread(this.rule, 'detail');
  }
}

function unread(rule: string, member: string): never {
  throw new Error(`assertion: the ${member} of a ${rule} entry of an untraced run was read (it is only counted)`);
}

/**
 * A line of the trace of `context`: when the run is traced, its place, its detail and (for a line about a
 * message) the message's note, formatted now; when it is only counted, its rule alone (`countedEntry`).
 */
export function noteLine(
  context: TraceContext, tick: number, place: () => string, rule: string, detail: () => string, envelope?: Envelope,
): void {
  if (!traced(context)) {
    context.trace.push(countedEntry(rule));
    return;
  }
  context.trace.push({ tick, place: place(), rule, span: undefined, detail: detail(), ...(envelope === undefined ? {} : { message: messageNote(envelope) }) });
}

/** A line at a node: a coordinator's or a participant's rule. */
export function noteAtNode(context: TraceContext, config: Configuration, node: NodeId, rule: string, detail: () => string): void {
  noteLine(context, config.tick, () => `node ${node}`, rule, detail);
}

/** A message as the views draw it: its id, kind, ends, ticks and the transaction attempt it belongs to. */
export interface MessageNote {
  readonly id: number;
  readonly kind: MessageBody['kind'];
  readonly from: string;
  readonly to: string;
  readonly sentAt: number;
  readonly deliverAt: number;
  /** The request the message serves (`r3`), and the attempt (`r3#2`) when it belongs to one. */
  readonly requestId: string | undefined;
  readonly attempt: string | undefined;
}

export function messageNote(envelope: Envelope): MessageNote {
  const body = envelope.body;
  const attempt = 'token' in body ? body.token.attempt : 'attempt' in body ? body.attempt : undefined;
  const requestId = 'requestId' in body ? body.requestId : 'token' in body ? body.token.requestId : attempt?.replace(/#.*$/, '');
  return {
    id: envelope.id, kind: body.kind, from: describeAddress(envelope.from), to: describeAddress(envelope.to),
    sentAt: envelope.sentAt, deliverAt: envelope.deliverAt, requestId, attempt,
  };
}

/**
 * Notes on the last entry of `trace` the messages that entered the network between `before` and
 * `after` (their ids are the new ones). Only traced runs call it: a run nobody traces pays nothing.
 */
export function noteSent(before: Configuration, after: Configuration, trace: TraceEntry[]): void {
  if (trace.length === 0 || after.nextMessageId === before.nextMessageId) return;
  // New envelopes are appended: read the network from its end until every new id is found.
  const sent: MessageNote[] = [];
  const expected = after.nextMessageId - before.nextMessageId;
  for (let index = after.network.length - 1; index >= 0 && sent.length < expected; index--) {
    const envelope = after.network[index];
    if (envelope.id >= before.nextMessageId) sent.push(messageNote(envelope));
  }
  if (sent.length === 0) return;
  sent.sort((left, right) => left.id - right.id);
  const last = trace[trace.length - 1];
  // Written out field by field: a local step's entry computes its place and detail lazily, in getters.
  trace[trace.length - 1] = {
    tick: last.tick, place: last.place, rule: last.rule, span: last.span, detail: last.detail,
    ...(last.message === undefined ? {} : { message: last.message }), sent: [...(last.sent ?? []), ...sent],
  };
}

/** The node that holds an entity: a hash of its type and key, modulo the number of nodes. */
export function nodeOf(reference: ReferenceValue, nodes: number): NodeId {
  const id = canonical(reference);
  let hash = 0x811c9dc5;
  for (let index = 0; index < id.length; index++) {
    hash ^= id.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % nodes;
}

export function targetOf(request: Request): ReferenceValue {
  return request.kind === 'new' ? referenceValue(request.entity, request.key) : request.target;
}

export function describeAddress(address: Address): string {
  return address.kind === 'node' ? `node ${address.node}` : `client ${address.client}`;
}

export function nodeAddress(node: NodeId): Address {
  return { kind: 'node', node };
}

export function clientAddress(client: number): Address {
  return { kind: 'client', client };
}

export function sameAddress(left: Address, right: Address): boolean {
  return left.kind === right.kind && (left.kind === 'node' ? left.node === (right as { node: NodeId }).node : left.client === (right as { client: number }).client);
}

export function withNode(config: Configuration, node: NodeState): Configuration {
  const nodes = config.nodes.slice();
  nodes[node.id] = node;
  const next = copyConfiguration(config);
  next.nodes = nodes;
  return next;
}

export function updateNode(config: Configuration, id: NodeId, update: (node: NodeState) => NodeState): Configuration {
  return withNode(config, update(config.nodes[id]));
}

export function updateDurable(config: Configuration, id: NodeId, update: (durable: DurableState) => DurableState): Configuration {
  const node = copyNode(config.nodes[id]);
  node.durable = update(node.durable);
  return withNode(config, node);
}

export function updateVolatile(config: Configuration, id: NodeId, update: (volatile: VolatileState) => VolatileState): Configuration {
  const node = copyNode(config.nodes[id]);
  node.volatile = update(node.volatile);
  return withNode(config, node);
}

/** Records an event in the history, when the run keeps one. */
export function appendHistory(config: Configuration, event: HistoryEvent): Configuration {
  if (!config.recording) return config;
  const next = copyConfiguration(config);
  next.history = record(config.history, event);
  return next;
}

/**
 * Sends a message: it is in flight until the scheduler delivers it, 1 + a chosen jitter ticks from
 * now. A message from a node to itself does not cross the network: it is delivered at once and no
 * fault touches it.
 */
export function send(config: Configuration, from: Address, to: Address, body: MessageBody, choices: ChoiceSource): Configuration {
  const local = sameAddress(from, to);
  const latency = local ? 0 : 1 + choices.pick(config.settings.latencyJitter + 1);
  const envelope: Envelope = Object.freeze({
    id: config.nextMessageId, from, to, sentAt: config.tick, deliverAt: config.tick + latency, body,
  });
  // Copied into an array of the final length (a slice and a push would allocate the array twice).
  const before = config.network;
  const network = new Array<Envelope>(before.length + 1);
  for (let index = 0; index < before.length; index++) network[index] = before[index];
  network[before.length] = envelope;
  const next = copyConfiguration(config);
  next.nextMessageId = config.nextMessageId + 1;
  next.network = network;
  return next;
}

export function isLocal(envelope: Envelope): boolean {
  return sameAddress(envelope.from, envelope.to);
}
