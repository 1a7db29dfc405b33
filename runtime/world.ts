// Stage: runtime. Small pure helpers over configurations: reading and replacing a node, sending a
// message (it gets an id and a delivery tick), placing entities on nodes, and the trace entries that a
// global step emits. Every helper returns a new configuration and leaves its input as it was.

import type { Span } from '../grammar/span.ts';
import type { Request } from '../semantics/transactions.ts';
import { canonical, referenceValue, type ReferenceValue } from '../semantics/values.ts';
import type { ChoiceSource } from './choices.ts';
import type {
  Address, Configuration, DurableState, Envelope, MessageBody, NodeId, NodeState, VolatileState,
} from './configuration.ts';
import { record, type HistoryEvent } from './history.ts';

/** One line of a trace: a global rule, or a local rule run inside a delivery. */
export interface TraceEntry {
  readonly tick: number;
  readonly place: string;
  readonly rule: string;
  readonly span: Span | undefined;
  readonly detail: string;
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
  return { ...config, nodes };
}

export function updateNode(config: Configuration, id: NodeId, update: (node: NodeState) => NodeState): Configuration {
  return withNode(config, update(config.nodes[id]));
}

export function updateDurable(config: Configuration, id: NodeId, update: (durable: DurableState) => DurableState): Configuration {
  return updateNode(config, id, (node) => ({ ...node, durable: update(node.durable) }));
}

export function updateVolatile(config: Configuration, id: NodeId, update: (volatile: VolatileState) => VolatileState): Configuration {
  return updateNode(config, id, (node) => ({ ...node, volatile: update(node.volatile) }));
}

/** Records an event in the history, when the run keeps one. */
export function appendHistory(config: Configuration, event: HistoryEvent): Configuration {
  return config.recording ? { ...config, history: record(config.history, event) } : config;
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
  return { ...config, nextMessageId: config.nextMessageId + 1, network: [...config.network, envelope] };
}

export function isLocal(envelope: Envelope): boolean {
  return sameAddress(envelope.from, envelope.to);
}
