// Stage: runtime. The coordinator of a request (the node of its target entity; under Aria, the
// sequencer): it deduplicates requests by id against its durable decisions, runs attempts, and commits
// them: with two-phase commit under 2PL (prepare, votes, a durable decision, commit), in one phase under
// `none`. The decision is durable before the client hears of it; commit messages are sent again until
// every participant acknowledges, and participants that wonder ask (`inquire`).

import type { Request } from '../semantics/transactions.ts';
import { referenceValue, type Value } from '../semantics/values.ts';
import type { ChoiceSource } from './choices.ts';
import type {
  Configuration, Decision, EntityWrite, Envelope, FailureReason, MessageBody, NodeId, Outcome, Running, Token,
} from './configuration.ts';
import { ariaAbortOf, ariaDeadline, ariaFinished, ariaResultOf, ariaRetry, enqueue, fireAriaTimers } from './aria.ts';
import {
  appendHistory, clientAddress, nodeAddress, nodeOf, send, targetOf, updateDurable, updateVolatile, type TraceEntry,
} from './world.ts';

export interface CoordinatorContext {
  readonly choices: ChoiceSource;
  readonly trace: TraceEntry[];
}

export function coordinatorOf(request: Request, config: Configuration): NodeId {
  return config.settings.concurrency === 'aria' ? 0 : nodeOf(targetOf(request), config.settings.nodes);
}

export function note(context: CoordinatorContext, config: Configuration, node: NodeId, rule: string, detail: string): void {
  context.trace.push({ tick: config.tick, place: `node ${node}`, rule, span: undefined, detail });
}

export function withRunning(config: Configuration, node: NodeId, running: Running | undefined, runId: string): Configuration {
  return updateVolatile(config, node, (volatile) => {
    const next = new Map(volatile.running);
    if (running === undefined) next.delete(runId);
    else next.set(runId, running);
    return { ...volatile, running: next };
  });
}

/** The run id an attempt belongs to (`r7#2` → `r7`; under at-least-once `r7/41#2` → `r7/41`, `r7/41'#1` → `r7/41'`). */
export function runIdOf(attempt: string): string {
  return attempt.slice(0, attempt.lastIndexOf('#'));
}

// ------------------------------------------------------------------------------------------ requests

export function handleRequest(config: Configuration, node: NodeId, envelope: Envelope, context: CoordinatorContext): Configuration {
  const body = envelope.body as Extract<MessageBody, { kind: 'request' }>;
  const deduplicate = config.settings.delivery !== 'at-least-once' && config.settings.bug !== 'no-dedup-table';
  if (deduplicate) {
    const decision = config.nodes[node].durable.decisions.get(body.requestId);
    if (decision !== undefined && !answersAfterInstall(config, decision)) {
      note(context, config, node, 'C-Known', `${body.requestId} was decided: answer again`);
      return send(config, nodeAddress(node), clientAddress(body.client), { kind: 'response', requestId: body.requestId, outcome: decision.outcome }, context.choices);
    }
    if (decision !== undefined || config.nodes[node].volatile.running.has(body.requestId)) {
      note(context, config, node, 'C-Running', `${body.requestId} is already running`);
      return config;
    }
  }
  let runId = deduplicate ? body.requestId : `${body.requestId}/${envelope.id}`;
  // Without deduplication every arrival is a run of its own, a network duplicate too (it carries its
  // original's message id): a prime tells each copy's run apart, so that its attempt is a transaction
  // of its own and not a second run of the first one's attempt.
  if (!deduplicate) {
    const { volatile, durable } = config.nodes[node];
    while (volatile.running.has(runId) || durable.decisions.has(runId)) runId += "'";
  }
  const running: Running = {
    runId, requestId: body.requestId, client: body.client, request: body.request, timestamp: body.timestamp,
    attemptNumber: 0, slowAttempts: 0, attempt: '', phase: 'waiting', deadline: config.tick, token: undefined, result: undefined, votes: new Set(),
  };
  if (config.settings.concurrency === 'aria') return enqueue(config, node, running);
  return startAttempt(withRunning(config, node, running, runId), node, running, context);
}

/** Starts the next attempt of a request: a fresh token, and the first message to the target entity. */
export function startAttempt(config: Configuration, node: NodeId, previous: Running, context: CoordinatorContext): Configuration {
  const attemptNumber = previous.attemptNumber + 1;
  // Attempts are numbered in volatile state, which a crash forgets: after one, the coordinator's
  // incarnation tells its attempts from those before (participants may still hold their prepared records).
  const incarnation = config.nodes[node].durable.incarnation;
  const attempt = incarnation === 0 ? `${previous.runId}#${attemptNumber}` : `${previous.runId}#${attemptNumber}@${incarnation}`;
  const token: Token = {
    attempt, requestId: previous.runId, timestamp: previous.timestamp, coordinator: node, steps: 0,
    writes: new Map(), reads: new Map(), touched: new Map(), incarnations: new Map(),
  };
  const running: Running = {
    ...previous, attemptNumber, attempt, phase: 'executing', deadline: config.tick + attemptTimeout(config, previous.slowAttempts),
    token: undefined, result: undefined, votes: new Set(),
  };
  note(context, config, node, 'C-Start', `attempt ${attempt}`);
  const request = previous.request;
  const target = targetOf(request);
  const first: MessageBody = request.kind === 'call'
    ? { kind: 'invoke', target, method: request.method, args: request.args, stack: [], token }
    : request.kind === 'read'
      ? { kind: 'read', target, field: request.field, stack: [], token }
      : { kind: 'create', entity: request.entity, key: request.key, args: request.args, stack: [], token };
  const started = withRunning(config, node, running, running.runId);
  return send(started, nodeAddress(node), nodeAddress(nodeOf(target, config.settings.nodes)), first, context.choices);
}

/**
 * How long an attempt may run before the coordinator gives it up: the base timeout, doubled for every
 * earlier attempt given up for taking too long (up to 2^10 times), so that a transaction longer than
 * the base timeout, which no fault stops, still finishes on a later attempt instead of being given up
 * forever. Attempts that died or were voted down do not count: a request that died ten times behind a
 * lock, and whose eleventh attempt's result is then lost, is retried after the base timeout, not after
 * 2^10 of them while every other request waits on its locks.
 */
export function attemptTimeout(config: Configuration, slowAttempts: number): number {
  return config.settings.timeouts.attempt * 2 ** Math.min(10, slowAttempts);
}

/** The current running entry of an attempt, or undefined when the attempt is stale. */
function currentRun(config: Configuration, node: NodeId, attempt: string): Running | undefined {
  const running = config.nodes[node].volatile.running.get(runIdOf(attempt));
  return running?.attempt === attempt ? running : undefined;
}

// ------------------------------------------------------------------------------- execution results

/** The attempt's result came back: commit it (one phase under `none`, two under 2PL). */
export function handleResult(config: Configuration, node: NodeId, token: Token, value: Value, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, token.attempt);
  if (running === undefined || running.phase !== 'executing') {
    note(context, config, node, 'C-Stale', `result of ${token.attempt} ignored`);
    return releaseStale(config, node, token, context);
  }
  if (config.settings.concurrency === 'aria') return ariaFinished(config, node, token, ariaResultOf(value), context);
  let next = config;
  if (config.settings.bug === 'reply-before-durable') {
    next = respond(next, node, running, { kind: 'committed', value }, context);
  }
  if (config.settings.concurrency === 'none' || token.touched.size === 0) {
    return decideCommit(next, node, running, token, value, context);
  }
  const participants = participantsOf(token);
  const preparing: Running = { ...running, phase: 'preparing', token, result: value, votes: new Set(), deadline: config.tick + config.settings.timeouts.resend };
  next = withRunning(next, node, preparing, running.runId);
  note(context, config, node, 'C-Prepare', `${token.attempt} at nodes ${[...participants.keys()].join(', ')}`);
  return sendPrepares(next, node, token, [...participants.keys()], context);
}

function sendPrepares(config: Configuration, node: NodeId, token: Token, nodes: readonly NodeId[], context: CoordinatorContext): Configuration {
  const participants = participantsOf(token);
  let next = config;
  for (const participant of nodes) {
    const entities = participants.get(participant) ?? [];
    const body: MessageBody = {
      kind: 'prepare', attempt: token.attempt, requestId: token.requestId, entities,
      writes: writesAt(token, participant, config), incarnation: token.incarnations.get(participant) ?? -1,
    };
    next = send(next, nodeAddress(node), nodeAddress(participant), body, context.choices);
  }
  return next;
}

/** The entities an attempt touched, by node. */
function participantsOf(token: Token): Map<NodeId, string[]> {
  const byNode = new Map<NodeId, string[]>();
  for (const [id, node] of token.touched) byNode.set(node, [...(byNode.get(node) ?? []), id]);
  return byNode;
}

function writesAt(token: Token, node: NodeId, config: Configuration): EntityWrite[] {
  return [...token.writes.values()].filter((write) => nodeOf(referenceValue(write.entity, write.key), config.settings.nodes) === node);
}

export function handleVote(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'vote' }>, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, body.attempt);
  if (running === undefined || running.phase !== 'preparing' || running.token === undefined) return config;
  if (!body.yes) {
    note(context, config, node, 'C-Vote-No', `${body.attempt} at node ${body.node}: try again`);
    return retry(releaseAll(config, node, running.token, context), node, running, context);
  }
  const votes = new Set(running.votes).add(body.node);
  const participants = participantsOf(running.token);
  const enough = config.settings.bug === 'commit-without-all-participants' ? votes.size >= 1 : votes.size === participants.size;
  if (!enough) return withRunning(config, node, { ...running, votes }, running.runId);
  return decideCommit(config, node, running, running.token, running.result!, context);
}

/** The commit point: the decision is made durable, then the participants and the client are told. */
export function decideCommit(config: Configuration, node: NodeId, running: Running, token: Token, value: Value, context: CoordinatorContext): Configuration {
  const participants = participantsOf(token);
  const outcome: Outcome = { kind: 'committed', value };
  const decision: Decision = {
    requestId: running.runId, attempt: token.attempt, outcome, order: config.nextOrder,
    pending: [...participants.keys()], writes: [...token.writes.values()], entities: participants, client: running.client,
  };
  note(context, config, node, 'C-Commit', `${token.attempt} is number ${config.nextOrder} in the commit order`);
  let next: Configuration = { ...config, nextOrder: config.nextOrder + 1 };
  next = recordDecision(next, node, decision);
  next = appendHistory(next, { type: 'commit', requestId: running.requestId, order: decision.order!, tick: config.tick, reads: token.reads, writes: [...token.writes.keys()] });
  next = withRunning(next, node, undefined, running.runId);
  next = sendCommits(next, node, decision, decision.pending, context);
  next = updateVolatile(next, node, (volatile) => ({ ...volatile, resends: new Map(volatile.resends).set(running.runId, config.tick + config.settings.timeouts.resend) }));
  if (config.settings.bug === 'reply-before-durable' || answersAfterInstall(next, decision)) return next;
  return respond(next, node, running, outcome, context);
}

/**
 * Under `none` nothing stops the next request from reading an entity before this commit is installed,
 * so the client is answered only when every participant has installed it: then one client waiting for
 * each answer sees its own writes, and what `none` gets wrong is concurrency alone (lost updates).
 */
function answersAfterInstall(config: Configuration, decision: Decision): boolean {
  return config.settings.concurrency === 'none' && decision.outcome.kind === 'committed' && decision.pending.length > 0;
}

function recordDecision(config: Configuration, node: NodeId, decision: Decision): Configuration {
  return updateDurable(config, node, (durable) => ({ ...durable, decisions: durable.decisions.with(decision.requestId, decision) }));
}

function sendCommits(config: Configuration, node: NodeId, decision: Decision, nodes: readonly NodeId[], context: CoordinatorContext): Configuration {
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

function respond(config: Configuration, node: NodeId, running: Running, outcome: Outcome, context: CoordinatorContext): Configuration {
  return send(config, nodeAddress(node), clientAddress(running.client), { kind: 'response', requestId: running.requestId, outcome }, context.choices);
}

/** Tells every node the attempt touched to forget it (free its locks and prepared writes). */
export function releaseAll(config: Configuration, node: NodeId, token: Token, context: CoordinatorContext): Configuration {
  let next = config;
  for (const [participant, entities] of participantsOf(token)) {
    next = send(next, nodeAddress(node), nodeAddress(participant), { kind: 'release', attempt: token.attempt, entities }, context.choices);
  }
  return next;
}

/**
 * Frees what a stale attempt holds, unless it is the one that committed (a duplicate of its result
 * must not undo its commit) or it is still current (a message of it is merely late).
 */
function releaseStale(config: Configuration, node: NodeId, token: Token, context: CoordinatorContext): Configuration {
  if (currentRun(config, node, token.attempt) !== undefined) return config;
  const decision = config.nodes[node].durable.decisions.get(runIdOf(token.attempt));
  if (decision !== undefined && decision.attempt === token.attempt) return config;
  return releaseAll(config, node, token, context);
}

export function handleFailed(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'failed' }>, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, body.attempt);
  if (running === undefined || running.phase !== 'executing') return releaseStale(config, node, body.token, context);
  if (config.settings.concurrency === 'aria') {
    return body.reason.kind === 'die'
      ? ariaRetry(config, node, body.token, context)
      : ariaFinished(config, node, body.token, ariaAbortOf(body.reason), context);
  }
  const released = releaseAll(config, node, body.token, context);
  if (body.reason.kind === 'die') {
    note(context, config, node, 'C-Die', `${body.attempt}: ${body.reason.holder}; try again`);
    return retry(released, node, running, context);
  }
  return decideAbort(released, node, running, body.reason, context);
}

/** The program aborted: that is the request's outcome, decided durably and answered. */
export function decideAbort(config: Configuration, node: NodeId, running: Running, reason: Extract<FailureReason, { kind: 'abort' }>, context: CoordinatorContext): Configuration {
  const outcome: Outcome = { kind: 'aborted', code: reason.code, message: reason.message, span: reason.span };
  note(context, config, node, 'C-Abort', `${running.attempt}: ${reason.message}`);
  const decision: Decision = {
    requestId: running.runId, attempt: running.attempt, outcome, order: undefined, pending: [], writes: [], entities: new Map(), client: running.client,
  };
  const next = withRunning(recordDecision(config, node, decision), node, undefined, running.runId);
  return respond(next, node, running, outcome, context);
}

/** Gives the attempt up and starts another after a short, chosen pause (so that rivals can finish). */
function retry(config: Configuration, node: NodeId, running: Running, context: CoordinatorContext): Configuration {
  const pause = 1 + context.choices.pick(4);
  const waiting: Running = { ...running, phase: 'waiting', token: undefined, result: undefined, votes: new Set(), deadline: config.tick + pause };
  return withRunning(config, node, waiting, running.runId);
}

export function handleAck(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'ack' }>, context: CoordinatorContext): Configuration {
  const runId = runIdOf(body.attempt);
  const decision = config.nodes[node].durable.decisions.get(runId);
  if (decision === undefined || decision.attempt !== body.attempt || !decision.pending.includes(body.node)) return config;
  const pending = decision.pending.filter((participant) => participant !== body.node);
  const next = recordDecision(config, node, { ...decision, pending });
  if (pending.length > 0) return next;
  const settled = updateVolatile(next, node, (volatile) => {
    const resends = new Map(volatile.resends);
    resends.delete(runId);
    return { ...volatile, resends };
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

// -------------------------------------------------------------------------------------------- timers

/** The earliest tick at which this coordinator has something to do on its own. */
export function coordinatorDeadline(config: Configuration, node: NodeId): number | undefined {
  const volatile = config.nodes[node].volatile;
  let earliest = config.settings.concurrency === 'aria' ? ariaDeadline(config, node) : undefined;
  if (config.settings.concurrency !== 'aria') {
    for (const running of volatile.running.values()) earliest = earliest === undefined ? running.deadline : Math.min(earliest, running.deadline);
  }
  for (const deadline of volatile.resends.values()) earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  return earliest;
}

/** Fires the coordinator's timers that are due: start waiting attempts, give up lost ones, resend. */
export function fireCoordinatorTimers(config: Configuration, node: NodeId, context: CoordinatorContext): Configuration {
  let next = config.settings.concurrency === 'aria' ? fireAriaTimers(config, node, context) : config;
  for (const running of config.settings.concurrency === 'aria' ? [] : config.nodes[node].volatile.running.values()) {
    if (running.deadline > config.tick) continue;
    switch (running.phase) {
      case 'waiting':
        next = startAttempt(next, node, running, context);
        break;
      case 'executing':
        note(context, config, node, 'C-Timeout', `${running.attempt} took too long: try again`);
        next = retry(next, node, { ...running, slowAttempts: running.slowAttempts + 1 }, context);
        break;
      case 'preparing': {
        const token = running.token!;
        const missing = [...participantsOf(token).keys()].filter((participant) => !running.votes.has(participant));
        note(context, config, node, 'C-Resend', `prepare of ${running.attempt} to nodes ${missing.join(', ')}`);
        next = withRunning(next, node, { ...running, deadline: config.tick + config.settings.timeouts.resend }, running.runId);
        next = sendPrepares(next, node, token, missing, context);
        break;
      }
    }
  }
  for (const [runId, deadline] of next.nodes[node].volatile.resends) {
    if (deadline > config.tick) continue;
    const decision = next.nodes[node].durable.decisions.get(runId);
    if (decision === undefined || decision.pending.length === 0) continue;
    note(context, config, node, 'C-Resend', `commit of ${decision.attempt} to nodes ${decision.pending.join(', ')}`);
    next = sendCommits(next, node, decision, decision.pending, context);
    next = updateVolatile(next, node, (volatile) => ({ ...volatile, resends: new Map(volatile.resends).set(runId, config.tick + config.settings.timeouts.resend) }));
  }
  return next;
}
