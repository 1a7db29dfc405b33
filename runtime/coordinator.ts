// Stage: runtime. The coordinator of a request (the node of its target entity; under Aria, the
// sequencer): it deduplicates requests by id against its durable decisions and its clients'
// watermarks, runs attempts, and decides them. Under 2PL every outcome is validated before it is
// decided, a program abort as much as a commit: the participants vote that they still hold every lock
// the attempt took (prepare, votes), so the attempt's reads are still what the store holds when the
// decision is made durable. Under `none` an attempt is decided at once. Aria's batches are in aria.ts.
// Input and output: configurations.

import { referenceValue, type Value } from '../semantics/values.ts';
import type {
  AttemptResult, Configuration, EntityWrite, Envelope, MessageBody, NodeId, Running, Token,
} from './configuration.ts';
import { copyRunning, copyVolatile } from './configuration.ts';
import { ariaDeadline, ariaFinished, ariaRenew, ariaRetry, enqueue, fireAriaTimers } from './aria.ts';
import {
  attemptTimeout, currentRun, note, participantsOf, releaseAll, releaseEverywhere, runIdOf, startAttempt, withRunning,
  type CoordinatorContext,
} from './attempts.ts';
import {
  answersAfterInstall, belowWatermark, decideAbort, decideCommit, noteWatermark, respond, sendCommits,
} from './decisions.ts';
import { clientAddress, nodeAddress, nodeOf, send, updateVolatile } from './world.ts';

export { coordinatorOf, type CoordinatorContext } from './attempts.ts';
export { handleAck, handleInquire } from './decisions.ts';

// ------------------------------------------------------------------------------------------ requests

export function handleRequest(config: Configuration, node: NodeId, envelope: Envelope, context: CoordinatorContext): Configuration {
  const body = envelope.body as Extract<MessageBody, { kind: 'request' }>;
  // The zoo's `drop-requests`: a coordinator that answers nothing.
  if (config.settings.bug === 'drop-requests') return config;
  const deduplicate = config.settings.delivery !== 'at-least-once' && config.settings.bug !== 'no-dedup-table';
  const noted = noteWatermark(config, node, body.client, body.watermark);
  if (deduplicate) {
    if (belowWatermark(noted, node, body.client, body.timestamp)) {
      note(context, config, node, 'C-Forgotten', () => `${body.requestId} was answered, and its client knows: ignored`);
      return noted;
    }
    const decision = noted.nodes[node].durable.decisions.get(body.requestId);
    if (decision !== undefined && !answersAfterInstall(noted, decision)) {
      note(context, config, node, 'C-Known', () => `${body.requestId} was decided: answer again`);
      return send(noted, nodeAddress(node), clientAddress(body.client), { kind: 'response', requestId: body.requestId, outcome: decision.outcome }, context.choices);
    }
    if (decision !== undefined || noted.nodes[node].volatile.running.has(body.requestId)) {
      note(context, config, node, 'C-Running', () => `${body.requestId} is already running`);
      return noted;
    }
  }
  let runId = deduplicate ? body.requestId : `${body.requestId}/${envelope.id}`;
  // Without deduplication every arrival is a run of its own, a network duplicate too (it carries its
  // original's message id): a prime tells each copy's run apart, so that its attempt is a transaction
  // of its own and not a second run of the first one's attempt.
  if (!deduplicate) {
    const { volatile, durable } = noted.nodes[node];
    while (volatile.running.has(runId) || durable.decisions.has(runId)) runId += "'";
  }
  const running: Running = {
    runId, requestId: body.requestId, client: body.client, request: body.request, timestamp: body.timestamp,
    attemptNumber: 0, slowAttempts: 0, attempt: '', phase: 'waiting', deadline: config.tick, token: undefined, result: undefined, votes: new Set(), conflictedOn: undefined,
  };
  if (config.settings.concurrency === 'aria') return enqueue(noted, node, running);
  return startAttempt(withRunning(noted, node, running, runId), node, running, context);
}

// ------------------------------------------------------------------------------- execution results

/** The attempt's result came back: decide it (at once under `none`, after validation under 2PL). */
export function handleResult(config: Configuration, node: NodeId, token: Token, value: Value, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, token.attempt);
  if (running === undefined || running.phase !== 'executing') {
    note(context, config, node, 'C-Stale', () => `result of ${token.attempt} ignored`);
    return releaseStale(config, node, token, context);
  }
  if (config.settings.concurrency === 'aria') return ariaFinished(config, node, token, { kind: 'value', value }, context);
  const next = config.settings.bug === 'reply-before-durable' ? respond(config, node, running, { kind: 'committed', value }, context) : config;
  return finishAttempt(next, node, running, token, { kind: 'value', value }, context);
}

export function handleFailed(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'failed' }>, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, body.attempt);
  if (running === undefined || running.phase !== 'executing') return releaseStale(config, node, body.token, context);
  if (config.settings.concurrency === 'aria') {
    return body.reason.kind === 'die'
      ? ariaRetry(config, node, body.token, context)
      : ariaFinished(config, node, body.token, { kind: 'abort', reason: body.reason }, context);
  }
  const reason = body.reason;
  if (reason.kind === 'die') {
    note(context, config, node, 'C-Die', () => `${body.attempt}: ${reason.holder}; try again`);
    return retry(releaseAll(config, node, body.token, context), node, running, context);
  }
  return finishAttempt(config, node, running, body.token, { kind: 'abort', reason }, context);
}

/**
 * An attempt finished. Under 2PL its outcome, commit or program abort, is decided only after every
 * participant votes that the attempt still holds its locks there (C-Prepare): a crash frees the locks
 * it had, and another transaction may then have changed what the attempt read, so that its outcome is
 * no longer the outcome of running it alone. (The zoo's `abort-without-validation` decides an abort at
 * once, as Ent once did.) Under `none`, and for an attempt that touched nothing, it is decided at once.
 */
function finishAttempt(config: Configuration, node: NodeId, running: Running, token: Token, result: AttemptResult, context: CoordinatorContext): Configuration {
  const unvalidatedAbort = result.kind === 'abort' && config.settings.bug === 'abort-without-validation';
  if (config.settings.concurrency === 'none' || token.touched.size === 0 || unvalidatedAbort) {
    return decide(config, node, running, token, result, context);
  }
  const participants = participantsOf(token);
  const preparing: Running = Object.assign(copyRunning(running), {
    phase: 'preparing' as const, token, result, votes: new Set<NodeId>(), deadline: config.tick + config.settings.timeouts.resend,
  });
  const next = withRunning(config, node, preparing, running.runId);
  note(context, config, node, 'C-Prepare', () => `${token.attempt} (${result.kind === 'value' ? 'to commit' : 'to abort'}) at nodes ${[...participants.keys()].join(', ')}`);
  return sendPrepares(next, node, token, result, [...participants.keys()], context);
}

/** Decides a validated (or unvalidated, where the protocol does not validate) outcome. */
function decide(config: Configuration, node: NodeId, running: Running, token: Token, result: AttemptResult, context: CoordinatorContext): Configuration {
  if (result.kind === 'value') return decideCommit(config, node, running, token, result.value, context);
  // An aborted attempt's writes are dropped: its participants forget it (its prepared record, if any).
  return decideAbort(releaseAll(config, node, token, context), node, running, token, result.reason, context);
}

/** Asks participants to prepare: to make the writes durable (none, to abort) and vote on their locks. */
function sendPrepares(
  config: Configuration,
  node: NodeId,
  token: Token,
  result: AttemptResult,
  nodes: readonly NodeId[],
  context: CoordinatorContext,
): Configuration {
  const participants = participantsOf(token);
  let next = config;
  for (const participant of nodes) {
    const body: MessageBody = {
      kind: 'prepare', attempt: token.attempt, requestId: token.requestId, entities: participants.get(participant) ?? [],
      writes: result.kind === 'value' ? writesAt(token, participant, config) : [], incarnation: token.incarnations.get(participant) ?? -1,
    };
    next = send(next, nodeAddress(node), nodeAddress(participant), body, context.choices);
  }
  return next;
}

function writesAt(token: Token, node: NodeId, config: Configuration): EntityWrite[] {
  return token.writes.valueList().filter((write) => nodeOf(referenceValue(write.entity, write.key), config.settings.nodes) === node);
}

export function handleVote(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'vote' }>, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, body.attempt);
  if (running === undefined || running.phase !== 'preparing' || running.token === undefined || running.result === undefined) return config;
  if (!body.yes) {
    note(context, config, node, 'C-Vote-No', () => `${body.attempt} at node ${body.node}: try again`);
    return retry(releaseAll(config, node, running.token, context), node, running, context);
  }
  const votes = new Set(running.votes).add(body.node);
  const participants = participantsOf(running.token);
  const enough = config.settings.bug === 'commit-without-all-participants' ? votes.size >= 1 : votes.size === participants.size;
  if (!enough) return withRunning(config, node, Object.assign(copyRunning(running), { votes }), running.runId);
  return decide(config, node, running, running.token, running.result, context);
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

/** Gives the attempt up and starts another after a short, chosen pause (so that rivals can finish). */
function retry(config: Configuration, node: NodeId, running: Running, context: CoordinatorContext): Configuration {
  const pause = 1 + context.choices.pick(4);
  const waiting: Running = Object.assign(copyRunning(running), { phase: 'waiting', token: undefined, result: undefined, votes: new Set(), deadline: config.tick + pause });
  return withRunning(config, node, waiting, running.runId);
}

// -------------------------------------------------------------------------------------------- leases

/** C-Renew: the attempt is making progress; its lease runs from now. */
export function handleRenew(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'renew' }>, context: CoordinatorContext): Configuration {
  const running = currentRun(config, node, body.attempt);
  if (running === undefined || running.phase !== 'executing') return config;
  if (config.settings.concurrency === 'aria') return ariaRenew(config, node, running, context);
  const deadline = Math.max(running.deadline, config.tick + attemptTimeout(config, running.slowAttempts));
  note(context, config, node, 'C-Renew', () => `${body.attempt} until tick ${deadline}`);
  return withRunning(config, node, Object.assign(copyRunning(running), { deadline }), running.runId);
}

// -------------------------------------------------------------------------------------------- timers

/** The earliest tick at which this coordinator has something to do on its own. */
export function coordinatorDeadline(config: Configuration, node: NodeId): number | undefined {
  const volatile = config.nodes[node].volatile;
  let earliest = config.settings.concurrency === 'aria' ? ariaDeadline(config, node) : undefined;
  if (config.settings.concurrency !== 'aria') {
    for (let index = 0; index < volatile.running.size; index++) {
      const deadline = volatile.running.valueAt(index).deadline;
      earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
    }
  }
  for (let index = 0; index < volatile.resends.size; index++) {
    const deadline = volatile.resends.valueAt(index);
    earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  }
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
        // The lease ran out: the attempt's message was lost, or one step of it is slower than the lease.
        // Every node is told to forget it, so that its locks do not hold up the next attempt.
        note(context, config, node, 'C-Timeout', () => `${running.attempt} sent no sign of life in time: try again`);
        next = releaseEverywhere(next, node, running.attempt, context);
        next = retry(next, node, Object.assign(copyRunning(running), { slowAttempts: running.slowAttempts + 1 }), context);
        break;
      case 'preparing': {
        const token = running.token!;
        const missing = [...participantsOf(token).keys()].filter((participant) => !running.votes.has(participant));
        note(context, config, node, 'C-Resend', () => `prepare of ${running.attempt} to nodes ${missing.join(', ')}`);
        next = withRunning(next, node, Object.assign(copyRunning(running), { deadline: config.tick + config.settings.timeouts.resend }), running.runId);
        next = sendPrepares(next, node, token, running.result!, missing, context);
        break;
      }
    }
  }
  return resendCommits(next, node, config.tick, context);
}

/** Sends again the commits that some participant has not acknowledged in time. */
function resendCommits(config: Configuration, node: NodeId, tick: number, context: CoordinatorContext): Configuration {
  let next = config;
  for (const [runId, deadline] of config.nodes[node].volatile.resends) {
    if (deadline > tick) continue;
    const decision = next.nodes[node].durable.decisions.get(runId);
    if (decision === undefined || decision.pending.length === 0) continue;
    note(context, config, node, 'C-Resend', () => `commit of ${decision.attempt} to nodes ${decision.pending.join(', ')}`);
    next = sendCommits(next, node, decision, decision.pending, context);
    next = updateVolatile(next, node, (volatile) => Object.assign(copyVolatile(volatile), { resends: volatile.resends.with(runId, tick + config.settings.timeouts.resend) }));
  }
  return next;
}
