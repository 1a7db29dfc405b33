// Stage: runtime. A coordinator's durable decisions: the commit point (C-Commit) and the abort point
// (C-Abort), each taking the next place in the serial order the protocol claims and made durable
// before the client hears of it; sending commits until every participant acknowledges (C-Resend,
// `ack`); and forgetting decisions that nobody can ask about again (C-Forget): those below their
// client's watermark (the client has every answer below it) that every participant acknowledged.
// Input and output: configurations.

import { referenceValue, type Value } from '../semantics/values.ts';
import { currentRun, note, participantsOf, runIdOf, type CoordinatorContext } from './attempts.ts';
import type {
  Configuration, Decision, FailureReason, ForgettableCell, MessageBody, NodeId, Outcome, Running, Token,
} from './configuration.ts';
import { copyConfiguration, copyDecision, copyDurable, copyVolatile } from './configuration.ts';
import {
  appendHistory, clientAddress, nodeAddress, nodeOf, send, updateDurable, updateVolatile,
} from './world.ts';

/** The commit point: the decision is made durable, then the participants and the client are told. */
export function decideCommit(config: Configuration, node: NodeId, running: Running, token: Token, value: Value, context: CoordinatorContext): Configuration {
  const participants = participantsOf(token);
  const outcome: Outcome = { kind: 'committed', value };
  const order = config.nextOrder;
  const decision: Decision = {
    requestId: running.runId, attempt: token.attempt, outcome, order, pending: [...participants.keys()],
    writes: token.writes.valueList(), entities: participants, client: running.client, timestamp: running.timestamp,
  };
  note(context, config, node, 'C-Commit', () => `${token.attempt} is number ${order} in the serial order`);
  let next: Configuration = Object.assign(copyConfiguration(config), { nextOrder: order + 1 });
  next = recordDecision(next, node, decision, context);
  next = appendHistory(next, { type: 'commit', requestId: running.requestId, order, tick: config.tick, reads: token.reads, writes: token.writes.keyList() });
  next = updateVolatile(next, node, (volatile) => {
    const next = copyVolatile(volatile);
    next.running = volatile.running.without(running.runId);
    next.resends = volatile.resends.with(running.runId, config.tick + config.settings.timeouts.resend);
    return next;
  });
  next = sendCommits(next, node, decision, decision.pending, context);
  if (config.settings.bug === 'reply-before-durable' || answersAfterInstall(next, decision)) return next;
  return respond(next, node, running, outcome, context);
}

/**
 * The abort point: the program aborted (or ran out of its step budget), and that is the request's
 * outcome, decided durably, placed in the serial order and answered. `token` is the attempt whose reads
 * explain the abort; under 2PL its locks were validated first (coordinator.ts), so those reads are
 * still what the store holds.
 */
export function decideAbort(
  config: Configuration,
  node: NodeId,
  running: Running,
  token: Token,
  reason: Extract<FailureReason, { kind: 'abort' }>,
  context: CoordinatorContext,
): Configuration {
  const outcome: Outcome = { kind: 'aborted', code: reason.code, message: reason.message, span: reason.span };
  const order = config.nextOrder;
  note(context, config, node, 'C-Abort', () => `${running.attempt} is number ${order} in the serial order: ${reason.message}`);
  const decision: Decision = {
    requestId: running.runId, attempt: running.attempt, outcome, order, pending: [], writes: [], entities: new Map(),
    client: running.client, timestamp: running.timestamp,
  };
  let next: Configuration = Object.assign(copyConfiguration(config), { nextOrder: order + 1 });
  next = recordDecision(next, node, decision, context);
  next = appendHistory(next, {
    type: 'abort', requestId: running.requestId, order, tick: config.tick, reads: token.reads, code: reason.code, message: reason.message,
  });
  next = updateVolatile(next, node, (volatile) => {
    const next = copyVolatile(volatile);
    next.running = volatile.running.without(running.runId);
    return next;
  });
  return respond(next, node, running, outcome, context);
}

/**
 * Under `none` nothing stops the next request from reading an entity before this commit is installed,
 * so the client is answered only when every participant has installed it: then one client waiting for
 * each answer sees its own writes, and what `none` gets wrong is concurrency alone (lost updates).
 */
export function answersAfterInstall(config: Configuration, decision: Decision): boolean {
  return config.settings.concurrency === 'none' && decision.outcome.kind === 'committed' && decision.pending.length > 0;
}

export function respond(config: Configuration, node: NodeId, running: Running, outcome: Outcome, context: CoordinatorContext): Configuration {
  return send(config, nodeAddress(node), clientAddress(running.client), { kind: 'response', requestId: running.requestId, outcome }, context.choices);
}

/** Makes a decision durable, and remembers it among those to forget one day. */
function recordDecision(config: Configuration, node: NodeId, decision: Decision, context: CoordinatorContext): Configuration {
  const next = updateDurable(config, node, (durable) => {
    const { forgettable } = durable;
    const cell: ForgettableCell = { runId: decision.requestId, client: decision.client, timestamp: decision.timestamp, next: forgettable.cells };
    return Object.assign(copyDurable(durable), {
      decisions: durable.decisions.with(decision.requestId, decision),
      forgettable: { cells: cell, length: forgettable.length + 1, sweepAt: forgettable.sweepAt },
    });
  });
  return sweepIfDue(next, node, context);
}

export function sendCommits(config: Configuration, node: NodeId, decision: Decision, nodes: readonly NodeId[], context: CoordinatorContext): Configuration {
  let next = config;
  for (const participant of nodes) {
    const body: MessageBody = {
      kind: 'commit', attempt: decision.attempt, requestId: decision.requestId,
      writes: decision.writes.filter((write) => nodeOf(referenceValue(write.entity, write.key), config.settings.nodes) === participant),
      entities: decision.entities.get(participant) ?? [],
    };
    next = send(next, nodeAddress(node), nodeAddress(participant), body, context.choices);
  }
  return next;
}

/** A participant installed a commit. Once all have, the decision keeps only its outcome. */
export function handleAck(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'ack' }>, context: CoordinatorContext): Configuration {
  const runId = runIdOf(body.attempt);
  const decision = config.nodes[node].durable.decisions.get(runId);
  if (decision === undefined || decision.attempt !== body.attempt || !decision.pending.includes(body.node)) return config;
  const pending = decision.pending.filter((participant) => participant !== body.node);
  const settledDecision: Decision = pending.length > 0 ? Object.assign(copyDecision(decision), { pending }) : Object.assign(copyDecision(decision), { pending, writes: [], entities: new Map() });
  const next = updateDurable(config, node, (durable) => Object.assign(copyDurable(durable), { decisions: durable.decisions.with(runId, settledDecision) }));
  if (pending.length > 0) return next;
  const settled = updateVolatile(sweepIfDue(next, node, context), node, (volatile) => {
    const next = copyVolatile(volatile);
    next.resends = volatile.resends.without(runId);
    return next;
  });
  if (config.settings.concurrency !== 'none' || config.settings.bug === 'reply-before-durable') return settled;
  const requestId = runId.split('/')[0];
  return send(settled, nodeAddress(node), clientAddress(decision.client), { kind: 'response', requestId, outcome: decision.outcome }, context.choices);
}

/** A participant asks about an attempt it holds: commit it, forget it, or (still deciding) no answer yet. */
export function handleInquire(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'inquire' }>, context: CoordinatorContext): Configuration {
  const decision = config.nodes[node].durable.decisions.get(runIdOf(body.attempt));
  if (decision !== undefined && decision.attempt === body.attempt && decision.outcome.kind === 'committed') {
    return sendCommits(config, node, decision, [body.node], context);
  }
  if (currentRun(config, node, body.attempt) !== undefined) return config;
  return send(config, nodeAddress(node), nodeAddress(body.node), { kind: 'release', attempt: body.attempt, entities: [] }, context.choices);
}

// ----------------------------------------------------------------------------------------- forgetting

/**
 * A client's request carried its watermark: every request of that client with a smaller timestamp
 * has been answered. The coordinator keeps the largest it has heard, durably, beside its decisions.
 */
export function noteWatermark(config: Configuration, node: NodeId, client: number, watermark: number): Configuration {
  const known = config.nodes[node].durable.watermarks.get(client) ?? 0;
  if (watermark <= known) return config;
  return updateDurable(config, node, (durable) => Object.assign(copyDurable(durable), { watermarks: durable.watermarks.with(client, watermark) }));
}

/** The request was answered, and its client knows it: a copy of it that arrives now is not run again. */
export function belowWatermark(config: Configuration, node: NodeId, client: number, timestamp: number): boolean {
  return timestamp < (config.nodes[node].durable.watermarks.get(client) ?? 0);
}

/**
 * A decision can be forgotten once its client's watermark has passed it (no copy of the request will
 * be run again, and the client has its answer) and every participant has acknowledged it (no commit
 * needs resending). The zoo's `dedup-forgets-before-ack` forgets as soon as every participant has
 * acknowledged, whether or not the client has its answer.
 */
function forgettable(config: Configuration, node: NodeId, decision: Decision): boolean {
  if (decision.pending.length > 0) return false;
  if (config.settings.bug === 'dedup-forgets-before-ack') return true;
  return belowWatermark(config, node, decision.client, decision.timestamp);
}

/**
 * Sweeps when the list of decisions to forget has doubled since the last sweep (a constant cost per
 * decision); the zoo's `dedup-forgets-before-ack` sweeps at once, at every decision and acknowledgment.
 */
function sweepIfDue(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  const { forgettable: list } = config.nodes[node].durable;
  return list.length >= list.sweepAt || config.settings.bug === 'dedup-forgets-before-ack' ? sweepDecisions(config, node, context) : config;
}

/** C-Forget: drops the decisions that can be forgotten and keeps the rest for a later sweep. */
export function sweepDecisions(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  const durable = config.nodes[node].durable;
  let decisions = durable.decisions;
  const kept: ForgettableCell[] = [];
  for (let cell = durable.forgettable.cells; cell !== undefined; cell = cell.next) {
    const decision = decisions.get(cell.runId);
    if (decision === undefined) continue;
    if (forgettable(config, node, decision)) decisions = decisions.with(cell.runId, undefined);
    else kept.push(cell);
  }
  let cells: ForgettableCell | undefined;
  for (let index = kept.length - 1; index >= 0; index--) cells = { ...kept[index], next: cells };
  const sweepAt = Math.max(8, 2 * kept.length);
  const forgotten = durable.forgettable.length - kept.length;
  if (forgotten > 0) note(context, config, node, 'C-Forget', () => `${forgotten} decision(s) below their clients' watermarks`);
  return updateDurable(config, node, (current) => Object.assign(copyDurable(current), { decisions, forgettable: { cells, length: kept.length, sweepAt } }));
}
