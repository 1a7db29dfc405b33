// Stage: runtime. The global step: a pure function from a configuration and a choice source to the next
// configuration, the rule that fired and the trace it emitted. First, while faults are active, the
// fault plan may strike (G-Crash, G-Drop, G-Duplicate, G-Delay); otherwise the earliest event happens:
// a message is delivered (G-Deliver) or a timer fires (G-Timeout, G-Recover). Events due at the same
// tick are taken in a chosen order, which is how messages are reordered. Time is a tick counter.

import type { SplitProgram } from '../semantics/split/index.ts';
import type { ChoiceSource } from './choices.ts';
import { handleResponse, fireClientTimers } from './client.ts';
import { copyConfiguration, copyVolatile, type Address, type Configuration, type Envelope, type NodeId } from './configuration.ts';
import { defaultDowntime } from './faults.ts';
import {
  fireCoordinatorTimers, handleAck, handleFailed, handleInquire, handleRenew, handleRequest, handleResult, handleVote,
} from './coordinator.ts';
import { describeOutcome } from './describe.ts';
import { sharedTimerIndex, type Event, type NextEventSearch } from './next-event.ts';
import { deliverExecution } from './execution.ts';
import {
  crash, fireParticipantTimers, handleParticipantMessage, recover,
} from './participant.ts';
import {
  describeAddress, isLocal, noteLine, noteSent, updateNode, updateVolatile, type TraceContext, type TraceEntry,
} from './world.ts';

export type GlobalRule = 'G-Deliver' | 'G-Drop' | 'G-Duplicate' | 'G-Delay' | 'G-Crash' | 'G-Recover' | 'G-Timeout';

export type GlobalStep =
  | {
      readonly kind: 'stepped';
      readonly rule: GlobalRule;
      readonly next: Configuration;
      readonly emitted: readonly TraceEntry[];
      /** With `localSteps: 'count'`: the local rules that fired, by rule, which then have no line in `emitted`. */
      readonly localCounts: ReadonlyMap<string, number> | undefined;
    }
  /** Nothing is in flight and no timer is set: the system is quiet. */
  | { readonly kind: 'quiet' };

interface Context extends TraceContext {
  readonly program: SplitProgram;
  readonly choices: ChoiceSource;
}

/**
 * `localSteps`: `trace` (the default) gives every local step its line in `emitted`; `count` only counts
 * them by rule, for runs that nobody traces. Both give the same next configuration. `search` finds the
 * due events: the shared timer index, or (in tests) the definition or another index.
 */
export function globalStep(
  config: Configuration, program: SplitProgram, choices: ChoiceSource, localSteps: 'trace' | 'count' = 'trace', search: NextEventSearch = sharedTimerIndex,
): GlobalStep {
  const context: Context = { program, choices, trace: [], localCounts: localSteps === 'count' ? new Map() : undefined };
  const stepped = (rule: GlobalRule, next: Configuration): GlobalStep => {
    if (localSteps === 'trace') noteSent(config, next, context.trace);
    return { kind: 'stepped', rule, next, emitted: context.trace, localCounts: context.localCounts };
  };
  const fault = config.faultsActive ? strike(config, context) : undefined;
  if (fault !== undefined) return stepped(fault.rule, fault.next);
  const event = nextEvent(config, choices, search);
  if (event === undefined) return { kind: 'quiet' };
  const now = copyConfiguration(config);
  now.tick = Math.max(config.tick, event.at);
  if (event.kind === 'message') {
    // One copy of the configuration: at the event's tick, without the delivered message.
    now.network = without(config.network, event.index);
    return stepped('G-Deliver', deliver(now, config.network[event.index], context));
  }
  if (event.kind === 'recover') {
    noteLine(context, now.tick, () => `node ${event.node}`, 'G-Recover', () => `incarnation ${now.nodes[event.node].durable.incarnation + 1}`);
    return stepped('G-Recover', recover(now, event.node));
  }
  const next = event.kind === 'client'
    ? fireClientTimers(now, event.client, context)
    : fireParticipantTimers(fireCoordinatorTimers(now, event.node, context), event.node, context);
  if (context.trace.length === 0) {
    noteLine(context, now.tick, () => (event.kind === 'client' ? `client ${event.client}` : `node ${event.node}`), 'G-Timeout', () => 'timer');
  }
  return stepped('G-Timeout', next);
}

// -------------------------------------------------------------------------------------------- faults

/**
 * The fault kinds in the order in which the one `among` choice of a step names them (outcome 0 is a
 * crash): an exhaustive explorer counts each kind against its own budget.
 */
export const faultOrder = ['crash', 'drop', 'duplicate', 'delay'] as const;

function strike(config: Configuration, context: Context): { rule: GlobalRule; next: Configuration } | undefined {
  const { faults, timeouts, latencyJitter } = config.settings;
  // No fault can strike: every source answers `among` of no chances with -1 and takes no choice.
  if (faults.crash <= 0 && faults.drop <= 0 && faults.duplicate <= 0 && faults.delay <= 0) return undefined;
  const { choices, trace } = context;
  // Counted first: the lists of candidates are built only when a fault strikes (most steps none does).
  let upCount = 0;
  for (const node of config.nodes) if (node.up) upCount++;
  let remoteCount = 0;
  let copyableCount = 0;
  for (const envelope of config.network) {
    if (isLocal(envelope)) continue;
    remoteCount++;
    if (envelope.copied !== true) copyableCount++;
  }
  // One choice decides whether a fault strikes this step, and which kind (in the order of `faultOrder`).
  const remoteChance = (chance: number): number => (remoteCount > 0 ? chance : 0);
  const copyChance = copyableCount > 0 ? faults.duplicate : 0;
  const kind = choices.among([upCount > 0 ? faults.crash : 0, remoteChance(faults.drop), copyChance, remoteChance(faults.delay)]);
  if (kind < 0 || kind > 3) return undefined;
  const note = (rule: GlobalRule, place: () => string, detail: () => string, envelope?: Envelope): void =>
    noteLine(context, config.tick, place, rule, detail, envelope);
  if (kind === 0) {
    const upNodes = config.nodes.filter((node) => node.up);
    const victim = upNodes[choices.pick(upNodes.length)];
    const longest = faults.downtime ?? defaultDowntime;
    const downtime = Math.ceil(longest / 4) + choices.pick(longest);
    note('G-Crash', () => `node ${victim.id}`, () => `down for ${downtime} ticks`);
    return { rule: 'G-Crash', next: updateNode(config, victim.id, (node) => crash(node, config.tick, downtime, config.settings.bug)) };
  }
  // The message struck: the chosen one among the remote messages (to copy: those never copied), found by
  // counting (no list of them).
  const remoteAt = (position: number, copyable = false): number => {
    for (let index = 0, seen = 0; index < config.network.length; index++) {
      const envelope = config.network[index];
      if (isLocal(envelope) || (copyable && envelope.copied === true)) continue;
      if (seen++ === position) return index;
    }
    throw new Error('assertion: fewer remote messages than counted');
  };
  switch (kind) {
    case 1: {
      const index = remoteAt(choices.pick(remoteCount));
      const envelope = config.network[index];
      note('G-Drop', () => describeAddress(envelope.to), () => `${envelope.body.kind} #${envelope.id} lost`, envelope);
      const next = copyConfiguration(config);
      next.network = without(config.network, index);
      return { rule: 'G-Drop', next };
    }
    case 2: {
      const index = remoteAt(choices.pick(copyableCount), true);
      const envelope = config.network[index];
      const copy: Envelope = Object.freeze({ ...envelope, deliverAt: config.tick + 1 + choices.pick(latencyJitter + 1), copied: true as const });
      note('G-Duplicate', () => describeAddress(envelope.to), () => `${envelope.body.kind} #${envelope.id} duplicated`, copy);
      const network = config.network.slice();
      network[index] = Object.freeze({ ...envelope, copied: true as const });
      network.push(copy);
      const next = copyConfiguration(config);
      next.network = network;
      return { rule: 'G-Duplicate', next };
    }
    default: {
      const index = remoteAt(choices.pick(remoteCount));
      const envelope = config.network[index];
      const extra = 1 + choices.pick(timeouts.attempt);
      const delayed: Envelope = Object.freeze({ ...envelope, deliverAt: envelope.deliverAt + extra });
      note('G-Delay', () => describeAddress(envelope.to), () => `${envelope.body.kind} #${envelope.id} delayed ${extra} ticks`, delayed);
      const network = config.network.slice();
      network[index] = delayed;
      const next = copyConfiguration(config);
      next.network = network;
      return { rule: 'G-Delay', next };
    }
  }
}

/** The network without the envelope at `index`. */
function without(network: readonly Envelope[], index: number): Envelope[] {
  const rest = new Array<Envelope>(network.length - 1);
  for (let position = 0; position < index; position++) rest[position] = network[position];
  for (let position = index + 1; position < network.length; position++) rest[position - 1] = network[position];
  return rest;
}

// -------------------------------------------------------------------------------------------- events

/** The tick of the next event, or undefined when the system is quiet (an open-loop driver needs it). */
export function nextEventTick(config: Configuration, search: NextEventSearch = sharedTimerIndex): number | undefined {
  const due = search(config);
  return due === undefined ? undefined : Math.max(config.tick, due.at);
}

/**
 * Where each event due at the earliest tick happens, in the order in which the next step's pick among
 * them numbers them (a message at its addressee, a timer or a recovery at its node or client): an
 * exhaustive explorer uses it to tell steps at different places apart. Empty when the system is quiet.
 */
export function dueEventPlaces(config: Configuration, search: NextEventSearch = sharedTimerIndex): readonly Address[] {
  const due = search(config);
  if (due === undefined) return [];
  return due.events.map((event): Address => {
    switch (event.kind) {
      case 'message': return config.network[event.index].to;
      case 'client': return { kind: 'client', client: event.client };
      default: return { kind: 'node', node: event.node };
    }
  });
}

/** The events due at the earliest tick (runtime/next-event.ts), one of them chosen. */
function nextEvent(config: Configuration, choices: ChoiceSource, search: NextEventSearch): Event | undefined {
  const due = search(config);
  if (due === undefined) return undefined;
  return due.events[choices.pick(due.events.length)];
}

// ------------------------------------------------------------------------------------------ delivery

function deliver(config: Configuration, envelope: Envelope, context: Context): Configuration {
  const note = (detail: () => string): void => noteLine(context, config.tick, () => describeAddress(envelope.to), 'G-Deliver', detail, envelope);
  const body = envelope.body;
  if (envelope.to.kind === 'client') {
    note(() => body.kind === 'response' ? `response #${envelope.id} for ${body.requestId}: ${describeOutcome(body.outcome)}` : `${body.kind} #${envelope.id}`);
    return body.kind === 'response' ? handleResponse(config, envelope.to.client, body) : config;
  }
  const nodeId = envelope.to.node;
  const node = config.nodes[nodeId];
  if (!node.up) {
    note(() => `${body.kind} #${envelope.id} lost: node ${nodeId} is down`);
    return config;
  }
  const deduplicates = config.settings.delivery !== 'at-least-once';
  if (deduplicates && node.volatile.seen.has(envelope.id)) {
    note(() => `${body.kind} #${envelope.id} is a duplicate: ignored`);
    return forgetIfLastCopy(config, nodeId, envelope.id);
  }
  note(() => `${body.kind} #${envelope.id} from ${describeAddress(envelope.from)}`);
  const handled = dispatch(config, nodeId, envelope, context);
  return deduplicates ? rememberIfCopiesRemain(handled, nodeId, envelope.id) : handled;
}

function dispatch(config: Configuration, nodeId: NodeId, envelope: Envelope, context: Context): Configuration {
  const body = envelope.body;
  switch (body.kind) {
    case 'request':
      return handleRequest(config, nodeId, envelope, context);
    case 'reply':
      if (body.stack === undefined) return handleResult(config, nodeId, body.token, body.value, context);
      return deliverExecution(config, nodeId, envelope, context);
    case 'invoke':
    case 'read':
    case 'create':
      return deliverExecution(config, nodeId, envelope, context);
    case 'failed':
      return handleFailed(config, nodeId, body, context);
    case 'prepare':
    case 'commit':
    case 'release':
      return handleParticipantMessage(config, nodeId, envelope, context);
    case 'vote':
      return handleVote(config, nodeId, body, context);
    case 'ack':
      return handleAck(config, nodeId, body, context);
    case 'inquire':
      return handleInquire(config, nodeId, body, context);
    case 'renew':
      return handleRenew(config, nodeId, body, context);
    case 'response':
      throw new Error('assertion: a response is addressed to a client');
  }
}

/**
 * Deduplication keeps the id of a processed message only while copies of it are still in flight: a
 * copy can only be made of a message in flight, so once none is left the id can never come again.
 * This keeps the set small without changing what it decides.
 */
function rememberIfCopiesRemain(config: Configuration, nodeId: NodeId, id: number): Configuration {
  if (!config.network.some((envelope) => envelope.id === id)) return config;
  if (!config.nodes[nodeId].up) return config;
  return updateVolatile(config, nodeId, (volatile) => {
    const next = copyVolatile(volatile);
    next.seen = new Set(volatile.seen).add(id);
    return next;
  });
}

function forgetIfLastCopy(config: Configuration, nodeId: NodeId, id: number): Configuration {
  if (config.network.some((envelope) => envelope.id === id)) return config;
  return updateVolatile(config, nodeId, (volatile) => {
    const next = copyVolatile(volatile);
    const seen = new Set(volatile.seen);
    seen.delete(id);
    next.seen = seen;
    return next;
  });
}
