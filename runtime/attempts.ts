// Stage: runtime. A coordinator's attempts: the volatile entry of each request it is working on
// (`Running`), starting an attempt (a fresh token and the first message to the target entity), the
// attempt's lease (its deadline, which the attempt renews while it makes progress), and telling
// participants to forget an attempt. Input and output: configurations. The protocols (coordinator.ts
// for `none` and 2PL, aria.ts for Aria) and the decisions (decisions.ts) are built on these.

import type { Request } from '../semantics/transactions.ts';
import type { ChoiceSource } from './choices.ts';
import type { Configuration, MessageBody, NodeId, Running, Token } from './configuration.ts';
import { copyRunning, copyVolatile } from './configuration.ts';
import { nodeAddress, nodeOf, noteAtNode, send, targetOf, updateVolatile, type TraceContext } from './world.ts';
import { SmallMap } from './small-map.ts';

export interface CoordinatorContext extends TraceContext {
  readonly choices: ChoiceSource;
}

/** The node that coordinates a request: its target entity's node; under Aria, the sequencer (node 0). */
export function coordinatorOf(request: Request, config: Configuration): NodeId {
  return config.settings.concurrency === 'aria' ? 0 : nodeOf(targetOf(request), config.settings.nodes);
}

/** A coordinator's line of the trace (its detail formatted only when the run is traced). */
export const note = noteAtNode;

export function withRunning(config: Configuration, node: NodeId, running: Running | undefined, runId: string): Configuration {
  return updateVolatile(config, node, (volatile) => {
    const next = copyVolatile(volatile);
    next.running = running === undefined ? volatile.running.without(runId) : volatile.running.with(runId, running);
    return next;
  });
}

/** The run id an attempt belongs to (`r7#2` → `r7`; under at-least-once `r7/41#2` → `r7/41`, `r7/41'#1` → `r7/41'`). */
export function runIdOf(attempt: string): string {
  return attempt.slice(0, attempt.lastIndexOf('#'));
}

/**
 * Where an attempt stands among the attempts of its run: `r7#3` is (0, 3), `r7#1@2` is (2, 1). A
 * coordinator runs one attempt of a run at a time and starts the next only after giving the last one
 * up; after a crash its new incarnation numbers attempts afresh. So a later attempt supersedes every
 * earlier one of its run: none of those can commit any more.
 */
export function attemptRank(attempt: string): readonly [incarnation: number, number: number] {
  const suffix = attempt.slice(attempt.lastIndexOf('#') + 1);
  const at = suffix.indexOf('@');
  return at < 0 ? [0, Number(suffix)] : [Number(suffix.slice(at + 1)), Number(suffix.slice(0, at))];
}

/** `later` is an attempt of the same run as `earlier`, started after it. */
export function supersedes(later: string, earlier: string): boolean {
  if (runIdOf(later) !== runIdOf(earlier)) return false;
  const [laterIncarnation, laterNumber] = attemptRank(later);
  const [earlierIncarnation, earlierNumber] = attemptRank(earlier);
  return laterIncarnation > earlierIncarnation || (laterIncarnation === earlierIncarnation && laterNumber > earlierNumber);
}

/**
 * Wound-wait's order of attempts of different runs: the smaller request timestamp is older. Runs of one
 * request share its timestamp (under at-least-once every arrival is a run of its own), so their run ids
 * break the tie: the order is total, and no two attempts each wait for the other.
 */
export function olderThan(timestamp: number, attempt: string, otherTimestamp: number, other: string): boolean {
  return timestamp < otherTimestamp || (timestamp === otherTimestamp && runIdOf(attempt) < runIdOf(other));
}

/** The current running entry of an attempt, or undefined when the attempt is stale. */
export function currentRun(config: Configuration, node: NodeId, attempt: string): Running | undefined {
  const running = config.nodes[node].volatile.running.get(runIdOf(attempt));
  return running?.attempt === attempt ? running : undefined;
}

// ------------------------------------------------------------------------------------------ starting

/** Starts the next attempt of a request: a fresh token, and the first message to the target entity. */
export function startAttempt(config: Configuration, node: NodeId, previous: Running, context: CoordinatorContext): Configuration {
  const attemptNumber = previous.attemptNumber + 1;
  // Attempts are numbered in volatile state, which a crash forgets: after one, the coordinator's
  // incarnation tells its attempts from those before (participants may still hold their prepared records).
  const incarnation = config.nodes[node].durable.incarnation;
  const attempt = incarnation === 0 ? `${previous.runId}#${attemptNumber}` : `${previous.runId}#${attemptNumber}@${incarnation}`;
  const token: Token = {
    attempt, requestId: previous.runId, timestamp: previous.timestamp, coordinator: node, steps: 0, renewedAt: config.tick,
    writes: SmallMap.empty(), reads: SmallMap.empty(), touched: SmallMap.empty(), incarnations: SmallMap.empty(),
  };
  const running: Running = Object.assign(copyRunning(previous), {
    attemptNumber, attempt, phase: 'executing' as const, deadline: config.tick + attemptTimeout(config, previous.slowAttempts),
    token: undefined, result: undefined, votes: new Set<NodeId>(),
  });
  note(context, config, node, 'C-Start', () => `attempt ${attempt}`);
  const request = previous.request;
  const target = targetOf(request);
  const first: MessageBody = request.kind === 'call'
    ? { kind: 'invoke', target, method: request.method, args: request.args, stack: undefined, token }
    : request.kind === 'read'
      ? { kind: 'read', target, field: request.field, stack: undefined, token }
      : { kind: 'create', entity: request.entity, key: request.key, args: request.args, stack: undefined, token };
  const started = withRunning(config, node, running, running.runId);
  return send(started, nodeAddress(node), nodeAddress(nodeOf(target, config.settings.nodes)), first, context.choices);
}

/**
 * An attempt's lease: how long it may go without renewing before the coordinator gives it up. The
 * base timeout is doubled for every earlier attempt given up for taking too long (up to 2^10 times),
 * so that one step of an attempt slower than the lease (a message delayed long) still gets through on a
 * later attempt. Attempts that died or were voted down do not count.
 */
export function attemptTimeout(config: Configuration, slowAttempts: number): number {
  return config.settings.timeouts.attempt * 2 ** Math.min(10, slowAttempts);
}

/**
 * An attempt that makes progress renews its lease every quarter of the base timeout: the node it runs
 * at sends `renew` to its coordinator. A transaction of any length then finishes, while an attempt
 * whose message was lost, or that stopped, is given up a lease after its last sign of life.
 */
export function renewEveryTicks(config: Configuration): number {
  return Math.max(1, Math.floor(config.settings.timeouts.attempt / 4));
}

// ----------------------------------------------------------------------------------------- releasing

/** The entities an attempt touched, by node. */
export function participantsOf(token: Token): Map<NodeId, string[]> {
  const byNode = new Map<NodeId, string[]>();
  const touched = token.touched;
  for (let index = 0; index < touched.size; index++) {
    const id = touched.keyAt(index);
    const node = touched.valueAt(index);
    const entities = byNode.get(node);
    if (entities === undefined) byNode.set(node, [id]);
    else entities.push(id);
  }
  return byNode;
}

/** Tells every node the attempt touched to forget it (free its locks and prepared record). */
export function releaseAll(config: Configuration, node: NodeId, token: Token, context: CoordinatorContext): Configuration {
  let next = config;
  for (const [participant, entities] of participantsOf(token)) {
    next = send(next, nodeAddress(node), nodeAddress(participant), { kind: 'release', attempt: token.attempt, entities }, context.choices);
  }
  return next;
}

/**
 * Tells every node to forget an attempt that was given up while it ran: the coordinator does not know
 * where the attempt's token has been since it left, so it tells them all (the nodes are few).
 */
export function releaseEverywhere(config: Configuration, node: NodeId, attempt: string, context: CoordinatorContext): Configuration {
  let next = config;
  for (let participant = 0; participant < config.settings.nodes; participant++) {
    next = send(next, nodeAddress(node), nodeAddress(participant), { kind: 'release', attempt, entities: [] }, context.choices);
  }
  return next;
}
