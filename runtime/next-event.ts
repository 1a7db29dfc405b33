// Stage: runtime. Finding the next event of the global step: the messages in flight and the timers set
// (a node's coordinator and participant deadlines, a down node's recovery, a client's resends), and of
// them the ones due at the earliest tick, in the order in which the step's pick numbers them. The
// definition (`pendingEvents`) asks every node and client for its earliest deadline; the timer index
// (`timerIndex`) gives the same answer while asking only the parts a step changed: a node's deadline
// is a function of its volatile state and the settings, a client's of its ingress, and configurations
// are immutable, so a deadline found once is kept with that object (compared by identity) and a step
// that replaces the object is what makes it be found again. property-tests/next-event.test.ts checks the
// index against the definition along whole runs.

import { clientDeadline } from './client.ts';
import type { ClientRequest, ClientState, Configuration, NodeId, NodeState, RuntimeSettings, VolatileState } from './configuration.ts';
import { coordinatorDeadline } from './coordinator.ts';
import { resendWaitsMax } from './faults.ts';
import { participantDeadline } from './participant.ts';
import type { PersistentMap } from './persistent-map.ts';

export type Event =
  | { readonly kind: 'message'; readonly at: number; readonly index: number }
  | { readonly kind: 'recover'; readonly at: number; readonly node: NodeId }
  | { readonly kind: 'node'; readonly at: number; readonly node: NodeId }
  | { readonly kind: 'client'; readonly at: number; readonly client: number };

/** The events due at the earliest tick `at`: messages in network order, then nodes, then clients. */
export interface DueEvents {
  readonly at: number;
  readonly events: readonly Event[];
}

/** A way of finding the due events of a configuration; undefined when the system is quiet. */
export type NextEventSearch = (config: Configuration) => DueEvents | undefined;

/** The earliest deadline of an up node's coordinator and participant: the definition. */
function nodeDeadline(config: Configuration, node: NodeId): number | undefined {
  const coordinator = coordinatorDeadline(config, node);
  const participant = participantDeadline(config, node);
  return coordinator === undefined ? participant : participant === undefined ? coordinator : Math.min(coordinator, participant);
}

/**
 * Whether the system waits on the clients' resends alone: nothing in flight, every node up (no recovery
 * due), and no coordinator or participant timer set. Only a client's resend can happen next.
 */
function waitsOnlyForResends(config: Configuration): boolean {
  if (config.network.length > 0) return false;
  for (const node of config.nodes) if (!node.up || nodeDeadline(config, node.id) !== undefined) return false;
  return true;
}

/**
 * The waits on resends alone since the last answer, counted once the faults are off: the run is
 * livelocked when it waits so more than `resendWaitsMax` times per unanswered request (runtime/faults.ts).
 * The driver's `Progress` and the run block's host both judge a run by it.
 */
export class ResendWaits {
  private waits = 0;

  answered(): void {
    this.waits = 0;
  }

  /** Counts a step after which `unanswered` requests wait; gives whether the run is livelocked. */
  livelocked(config: Configuration, unanswered: number): boolean {
    return unanswered > 0 && waitsOnlyForResends(config) && ++this.waits > resendWaitsMax * unanswered;
  }
}

/** The definition: every pending event, messages in flight and timers set, each node and client asked. */
export function pendingEvents(config: Configuration): Event[] {
  const events: Event[] = [];
  const network = config.network;
  for (let index = 0; index < network.length; index++) events.push({ kind: 'message', at: network[index].deliverAt, index });
  for (const node of config.nodes) {
    if (!node.up) {
      if (node.recoverAt !== undefined) events.push({ kind: 'recover', at: node.recoverAt, node: node.id });
      continue;
    }
    const at = nodeDeadline(config, node.id);
    if (at !== undefined) events.push({ kind: 'node', at, node: node.id });
  }
  for (const client of config.clients) {
    const at = clientDeadline(client);
    if (at !== undefined) events.push({ kind: 'client', at, client: client.id });
  }
  return events;
}

/** The definition of the due events: every pending event, filtered to the earliest tick. */
export const dueByDefinition: NextEventSearch = (config) => {
  const events = pendingEvents(config);
  if (events.length === 0) return undefined;
  let earliest = events[0].at;
  for (const event of events) if (event.at < earliest) earliest = event.at;
  return { at: earliest, events: events.filter((event) => event.at === earliest) };
};

/**
 * What the index keeps a deadline by. A node's deadline is a function of its volatile state (and the
 * settings, kept with it); a client's of its ingress. Only the tests give other keys: a key that stays
 * the same when the deadline changes makes a stale index, which the differential test must catch.
 */
export interface TimerKeys {
  readonly node: (node: NodeState) => object;
  readonly client: (client: ClientState) => object;
}

const identityKeys: TimerKeys = { node: (node): VolatileState => node.volatile, client: (client): PersistentMap<ClientRequest> => client.pending };

/**
 * A timer index: deadlines kept by the identity of the parts they are computed from. A run moves from
 * one configuration to the next, so the index keeps, for each node and each client, the part it last
 * saw and the deadline found for it (a slot, no table): a step that replaced the part misses, and the
 * deadline is found again. A configuration from elsewhere (the explorer jumps between states) only
 * misses more often; it is never answered wrongly, since a slot answers only for the very object it holds.
 */
export function timerIndex(keys: TimerKeys = identityKeys): NextEventSearch {
  // Per node: the key last seen, the settings it was seen with, its deadline.
  const nodeKeys: (object | undefined)[] = [];
  const nodeSettings: (RuntimeSettings | undefined)[] = [];
  const nodeDeadlines: (number | undefined)[] = [];
  // Per client: the key last seen and its deadline.
  const clientKeys: (object | undefined)[] = [];
  const clientDeadlines: (number | undefined)[] = [];
  // The clients array last seen, with its earliest deadline and the clients due then.
  let clientList: readonly ClientState[] | undefined;
  let clientsAt: number | undefined;
  let clientsDue: Event[] = [];

  const nodeAt = (config: Configuration, node: NodeState): number | undefined => {
    if (!node.up) return node.recoverAt;
    const key = keys.node(node);
    const id = node.id;
    if (nodeKeys[id] === key && nodeSettings[id] === config.settings) return nodeDeadlines[id];
    const at = nodeDeadline(config, id);
    nodeKeys[id] = key;
    nodeSettings[id] = config.settings;
    nodeDeadlines[id] = at;
    return at;
  };

  const clientAt = (client: ClientState): number | undefined => {
    const key = keys.client(client);
    const id = client.id;
    if (clientKeys[id] === key) return clientDeadlines[id];
    const at = clientDeadline(client);
    clientKeys[id] = key;
    clientDeadlines[id] = at;
    return at;
  };

  const clientsSeen = (list: readonly ClientState[]): void => {
    if (list === clientList) return;
    let earliest: number | undefined;
    for (const client of list) {
      const at = clientAt(client);
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    const due: Event[] = [];
    if (earliest !== undefined) for (const client of list) if (clientAt(client) === earliest) due.push({ kind: 'client', at: earliest, client: client.id });
    clientList = list;
    clientsAt = earliest;
    clientsDue = due;
  };

  // The configuration last asked about, with its answer: an explorer asks of one state several times
  // (the places of its due events, their tick, then once for every branch of its step). The answer is
  // a function of the configuration, which is immutable, and nobody changes an answer.
  let lastConfig: Configuration | undefined;
  let lastDue: DueEvents | undefined;

  return (config) => {
    if (config === lastConfig) return lastDue;
    lastDue = search(config);
    lastConfig = config;
    return lastDue;
  };

  function search(config: Configuration): DueEvents | undefined {
    const network = config.network;
    const nodeList = config.nodes;
    let earliest: number | undefined;
    for (let index = 0; index < network.length; index++) {
      const at = network[index].deliverAt;
      if (earliest === undefined || at < earliest) earliest = at;
    }
    for (const node of nodeList) {
      const at = nodeAt(config, node);
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    }
    clientsSeen(config.clients);
    if (clientsAt !== undefined && (earliest === undefined || clientsAt < earliest)) earliest = clientsAt;
    if (earliest === undefined) return undefined;
    const events: Event[] = [];
    for (let index = 0; index < network.length; index++) if (network[index].deliverAt === earliest) events.push({ kind: 'message', at: earliest, index });
    for (const node of nodeList) {
      if (nodeAt(config, node) !== earliest) continue;
      events.push(node.up ? { kind: 'node', at: earliest, node: node.id } : { kind: 'recover', at: earliest, node: node.id });
    }
    if (clientsAt === earliest) for (const event of clientsDue) events.push(event);
    return { at: earliest, events };
  }
}

/** The index every global step uses unless told otherwise. */
export const sharedTimerIndex: NextEventSearch = timerIndex();
