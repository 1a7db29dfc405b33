// Stage: runtime. A participant: a node that holds entities an attempt touched. It votes on `prepare`
// (yes only if it still holds the attempt's locks in the same incarnation and never lost one to an
// older attempt, after making the attempt's writes durable as a prepared record), applies `commit`
// exactly once (an applied attempt is remembered durably), forgets an attempt on `release`, and asks
// the coordinator about attempts it has held long. A crash loses locks and parked messages; recovery
// takes the locks of prepared attempts again.

import type { ChoiceSource } from './choices.ts';
import type {
  Configuration, Decision, EntityWrite, Envelope, Lock, MessageBody, NodeId, NodeState, Prepared, Token,
} from './configuration.ts';
import { PersistentMap } from './persistent-map.ts';
import { SmallMap } from './small-map.ts';
import { copyConfiguration, copyDurable, copyLock, copyNode, copyVolatile, emptyForgettable, emptyVolatile, lockHeldBy } from './configuration.ts';
import { entityId, type CommittedEntity } from './store.ts';
import { republishQueued } from './streams.ts';
import { streamsReference } from '../semantics/desugar/streams.ts';
import { canonical, referenceValue } from '../semantics/values.ts';
import { appendHistory, nodeAddress, noteAtNode, send, updateNode, updateVolatile, type TraceContext } from './world.ts';
import { olderThan, runIdOf, supersedes } from './attempts.ts';

export interface ParticipantContext extends TraceContext {
  readonly choices: ChoiceSource;
}

/** A participant's line of the trace (its detail formatted only when the run is traced). */
const note = noteAtNode;

/** Dispatches a message from a coordinator (its sender) to the participant's handler. */
export function handleParticipantMessage(config: Configuration, node: NodeId, envelope: Envelope, context: ParticipantContext): Configuration {
  const body = envelope.body;
  if (envelope.from.kind !== 'node') throw new Error('assertion: protocol messages come from nodes');
  const coordinator = envelope.from.node;
  switch (body.kind) {
    case 'prepare': return handlePrepare(config, node, body, coordinator, context);
    case 'commit': return handleCommit(config, node, body, coordinator, context);
    case 'release': return handleRelease(config, node, body, context);
    default: throw new Error(`assertion: ${body.kind} is not for a participant`);
  }
}

export function handlePrepare(
  config: Configuration,
  node: NodeId,
  body: Extract<MessageBody, { kind: 'prepare' }>,
  coordinator: NodeId,
  context: ParticipantContext,
): Configuration {
  const state = config.nodes[node];
  const vote = (yes: boolean, next: Configuration): Configuration =>
    send(next, nodeAddress(node), nodeAddress(coordinator), { kind: 'vote', attempt: body.attempt, node, yes }, context.choices);
  if (state.durable.prepared.has(body.attempt)) return vote(true, config);
  // A wounded attempt may hold the lock again (a copy of one of its messages, sent before it took the
  // lock the first time, took it afresh): what it read before is still not to be trusted.
  const wounded = state.volatile.wounded.get(body.attempt);
  const holdsLocks = config.settings.concurrency !== '2pl'
    || (wounded === undefined && body.entities.every((id) => state.volatile.locks.get(id)?.holder === body.attempt));
  if (body.incarnation !== state.durable.incarnation || !holdsLocks) {
    const why = holdsLocks ? 'restarted since' : wounded !== undefined ? `lost its lock on ${wounded} to an older attempt` : 'lost its locks';
    note(context, config, node, 'P-Vote-No', () => `${body.attempt}: ${why}`);
    return vote(false, config);
  }
  const prepared: Prepared = { attempt: body.attempt, requestId: body.requestId, coordinator, writes: body.writes, entities: body.entities };
  note(context, config, node, 'P-Prepare', () => `${body.attempt}: ${body.writes.length} write(s) made durable`);
  const persisted = updateNode(config, node, (current) => Object.assign(copyNode(current), {
    durable: Object.assign(copyDurable(current.durable), { prepared: current.durable.prepared.with(body.attempt, prepared) }),
  }));
  const scheduled = updateVolatile(persisted, node, (volatile) => Object.assign(copyVolatile(volatile), {
    inquiries: volatile.inquiries.with(body.attempt, config.tick + config.settings.timeouts.inquiry),
  }));
  // The zoo's `early-lock-release`: the locks go when the vote does, before the commit.
  const voted = vote(true, scheduled);
  return config.settings.bug === 'early-lock-release' ? releaseLocks(voted, node, body.attempt, context) : voted;
}

/**
 * Applies a committed attempt's writes, once: a repeated commit only acknowledges again. Under 2PL the
 * writes come from the prepared record, which the first commit deletes; under Aria a write is installed
 * only over the version the attempt read, which a repeated commit no longer finds; under `none` (which
 * installs blindly) the node remembers the attempts it applied.
 */
export function handleCommit(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'commit' }>, coordinator: NodeId, context: ParticipantContext): Configuration {
  const state = config.nodes[node];
  const ack = (next: Configuration): Configuration =>
    send(next, nodeAddress(node), nodeAddress(coordinator), { kind: 'ack', attempt: body.attempt, node }, context.choices);
  const idempotent = config.settings.bug !== 'replay-without-idempotence';
  const remembers = config.settings.concurrency === 'none';
  if (remembers && idempotent && state.durable.applied.has(body.attempt)) return ack(releaseLocks(config, node, body.attempt, context));
  const writes = config.settings.concurrency === '2pl'
    ? state.durable.prepared.get(body.attempt)?.writes ?? []
    : body.writes.filter((write) => config.settings.concurrency !== 'aria' || !idempotent || installsOver(config, node, write));
  let next = config;
  for (const write of writes) next = install(next, node, write, runIdOf(body.attempt).split('/')[0]);
  note(context, config, node, 'P-Commit', () => `${body.attempt}: installed ${writes.map((write) => canonical(referenceValue(write.entity, write.key))).join(', ') || 'nothing'}`);
  next = updateNode(next, node, (current) => {
    // The zoo's `replay-without-idempotence` keeps the prepared writes, to apply them again.
    const preparedNow = idempotent ? current.durable.prepared.without(body.attempt) : current.durable.prepared;
    const applied = remembers ? current.durable.applied.with(body.attempt, true) : current.durable.applied;
    return Object.assign(copyNode(current), { durable: Object.assign(copyDurable(current.durable), { prepared: preparedNow, applied }) });
  });
  return ack(releaseLocks(next, node, body.attempt, context));
}

/** Aria: the store still holds the version the attempt read (a repeated commit finds a later one). */
function installsOver(config: Configuration, node: NodeId, write: EntityWrite): boolean {
  const current = config.nodes[node].durable.store.get(canonical(referenceValue(write.entity, write.key)));
  return (current?.version ?? 0) === write.baseVersion;
}

/** Installs one write as the entity's next version, and records it in the history. */
function install(config: Configuration, node: NodeId, write: EntityWrite, requestId: string): Configuration {
  const id = canonical(referenceValue(write.entity, write.key));
  const current = config.nodes[node].durable.store.get(id);
  const version = (current?.version ?? 0) + 1;
  const entity: CommittedEntity = { entity: write.entity, key: write.key, fields: write.fields, version };
  const next = updateNode(config, node, (state) => Object.assign(copyNode(state), { durable: Object.assign(copyDurable(state.durable), { store: state.durable.store.with(id, entity) }) }));
  return appendHistory(next, { type: 'install', requestId, entity: id, version, tick: config.tick });
}

export function handleRelease(config: Configuration, node: NodeId, body: Extract<MessageBody, { kind: 'release' }>, context: ParticipantContext): Configuration {
  const next = updateNode(config, node, (state) => {
    if (!state.durable.prepared.has(body.attempt)) return state;
    const prepared = state.durable.prepared.without(body.attempt);
    return Object.assign(copyNode(state), { durable: Object.assign(copyDurable(state.durable), { prepared }) });
  });
  return releaseLocks(next, node, body.attempt, context);
}

/**
 * P-Supersede: a later attempt of the same run reached a lock that an earlier one holds. The earlier
 * attempt can never commit (its coordinator gave it up before starting this one), so its locks here
 * are freed at once instead of holding up the attempt that replaced it. The lock it reached goes to the
 * later attempt, unless an older attempt waits for it, which gets it first.
 */
export function supersede(config: Configuration, node: NodeId, earlier: string, later: Token, id: string, context: ParticipantContext): Configuration {
  note(context, config, node, 'P-Supersede', () => `${later.attempt} replaces ${earlier}: its locks here are freed`);
  return releaseLocks(config, node, earlier, context, { id, token: later });
}

/**
 * Frees every lock the attempt holds here, forgets that it was wounded here, and hands each freed lock
 * with waiters straight to the oldest of them (`olderThan`; of one run, its latest attempt), whose
 * parked message is delivered again now and finds the lock held for its attempt. (The lock that a
 * superseding attempt claims goes to it, unless a waiter is older.) Were the lock free
 * until that message arrived, a younger attempt's message due at the same tick could take it first, and
 * the oldest would wait again behind it, each time (a schedule that always delivers the earlier-sent
 * message first starves it for good). The other waiters stay parked: they are younger than the new
 * holder, so under wound-wait they would only park again (waking them all cost a delivery each, at every
 * release of a hot entity). The attempt being released is over (decided, died, or given up by its
 * coordinator), so its own messages parked on other locks are dropped: woken, they would take a lock for
 * an attempt nobody waits for. So are the messages of earlier attempts of the new holder's run, parked
 * on the lock it takes (their release may have been lost).
 */
export function releaseLocks(
  config: Configuration, node: NodeId, attempt: string, context: ParticipantContext, claim?: { readonly id: string; readonly token: Token },
): Configuration {
  const volatile = config.nodes[node].volatile;
  let locks = volatile.locks;
  const woken: Envelope[] = [];
  const handedTo: string[] = [];
  for (let index = 0; index < volatile.locks.size; index++) {
    const id = volatile.locks.keyAt(index);
    const lock = volatile.locks.valueAt(index);
    const waiting = lock.waiting.length === 0 ? lock.waiting : lock.waiting.filter((envelope) => !isParkedFor(envelope, attempt));
    if (lock.holder !== attempt) {
      if (waiting.length < lock.waiting.length) locks = locks.with(id, Object.assign(copyLock(lock), { waiting }));
      continue;
    }
    const next = oldestWaiter(waiting);
    if (claim !== undefined && claim.id === id && (next === undefined || olderThan(claim.token.timestamp, claim.token.attempt, next.timestamp, next.attempt))) {
      locks = locks.with(id, lockHeldBy(claim.token, config.tick, waiting.filter((envelope) => !isSupersededBy(envelope, claim.token.attempt))));
    } else if (next === undefined) {
      locks = locks.without(id);
    } else {
      const stillWaiting: Envelope[] = [];
      for (const envelope of waiting) {
        if (isParkedFor(envelope, next.attempt)) woken.push(envelope);
        else if (!isSupersededBy(envelope, next.attempt)) stillWaiting.push(envelope);
      }
      locks = locks.with(id, lockHeldBy(next, config.tick, stillWaiting));
      handedTo.push(`${id} passes to ${next.attempt}`);
    }
  }
  const inquiries = volatile.inquiries.without(attempt);
  const wounded = volatile.wounded.without(attempt);
  if (woken.length > 0) {
    note(context, config, node, 'P-Wake', () => `${woken.length} message(s) waited for ${attempt}; ${handedTo.join(', ')}`);
  }
  const next = updateVolatile(config, node, (current) => Object.assign(copyVolatile(current), { locks, inquiries, wounded }));
  if (woken.length === 0) return next;
  // A woken message is a new delivery: it gets a new id, so that deduplication of the first one
  // (which ended parked) cannot swallow it, and it was never copied.
  const redelivered = woken.map(({ copied: _copied, ...envelope }, index) => Object.freeze({ ...envelope, id: next.nextMessageId + index, deliverAt: config.tick }));
  return Object.assign(copyConfiguration(next), { nextMessageId: next.nextMessageId + woken.length, network: [...next.network, ...redelivered] });
}

/** The token of the oldest parked attempt (`olderThan`; of one run, its latest attempt). */
function oldestWaiter(waiting: readonly Envelope[]): Token | undefined {
  let oldest: Token | undefined;
  for (const envelope of waiting) {
    const token = (envelope.body as Extract<MessageBody, { token: Token }>).token;
    if (oldest === undefined || olderThan(token.timestamp, token.attempt, oldest.timestamp, oldest.attempt) || supersedes(token.attempt, oldest.attempt)) {
      oldest = token;
    }
  }
  return oldest;
}

/**
 * A message parked for an earlier attempt of the run whose later attempt now holds the lock: its
 * coordinator gave that attempt up, so woken it would take the lock for an attempt nobody waits for.
 */
function isSupersededBy(envelope: Envelope, holder: string): boolean {
  return supersedes(holder, (envelope.body as Extract<MessageBody, { token: Token }>).token.attempt);
}

/** A parked message is an execution message of some attempt (see execution.ts `admit`). */
function isParkedFor(envelope: Envelope, attempt: string): boolean {
  const body = envelope.body;
  const execution = body.kind === 'invoke' || body.kind === 'read' || body.kind === 'create' || body.kind === 'reply';
  return execution && body.token.attempt === attempt;
}

// -------------------------------------------------------------------------------------------- timers

export function participantDeadline(config: Configuration, node: NodeId): number | undefined {
  let earliest: number | undefined;
  const volatile = config.nodes[node].volatile;
  for (let index = 0; index < volatile.inquiries.size; index++) {
    const deadline = volatile.inquiries.valueAt(index);
    earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  }
  for (let index = 0; index < volatile.locks.size; index++) {
    const deadline = volatile.locks.valueAt(index).since + config.settings.timeouts.inquiry;
    earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
  }
  return earliest;
}

/** Asks the coordinators of attempts this node has held long (prepared, or holding locks). */
export function fireParticipantTimers(config: Configuration, node: NodeId, context: ParticipantContext): Configuration {
  let next = config;
  const state = config.nodes[node];
  const asked = new Set<string>();
  const inquire = (attempt: string, coordinator: NodeId): void => {
    if (asked.has(attempt)) return;
    asked.add(attempt);
    note(context, config, node, 'P-Inquire', () => `what became of ${attempt}?`);
    next = send(next, nodeAddress(node), nodeAddress(coordinator), { kind: 'inquire', attempt, requestId: runIdOf(attempt), node }, context.choices);
  };
  for (const [attempt, deadline] of state.volatile.inquiries) {
    if (deadline > config.tick) continue;
    inquire(attempt, state.durable.prepared.get(attempt)?.coordinator ?? 0);
  }
  let locks = state.volatile.locks;
  for (const [id, lock] of state.volatile.locks) {
    if (lock.since + config.settings.timeouts.inquiry > config.tick) continue;
    inquire(lock.holder, lock.coordinator);
    locks = locks.with(id, Object.assign(copyLock(lock), { since: config.tick }));
  }
  let inquiries = state.volatile.inquiries;
  for (const attempt of asked) if (inquiries.has(attempt)) inquiries = inquiries.with(attempt, config.tick + config.settings.timeouts.inquiry);
  return updateVolatile(next, node, (volatile) => Object.assign(copyVolatile(volatile), { locks, inquiries }));
}

// ------------------------------------------------------------------------------------ crash, recovery

/**
 * A crash loses the volatile state. (Under the zoo variant `ack-before-persist` a participant voted
 * before its prepared record reached the disk, so the crash loses those records too; under
 * `dedup-table-volatile` the coordinator's decisions were kept in memory only.)
 */
export function crash(node: NodeState, tick: number, downtime: number, bug: string): NodeState {
  let durable = bug === 'ack-before-persist' ? { ...node.durable, prepared: SmallMap.empty<string, Prepared>() } : node.durable;
  // The zoo's `dedup-table-volatile`: the deduplication table (decisions, watermarks) was never on disk.
  if (bug === 'dedup-table-volatile') {
    durable = { ...durable, decisions: PersistentMap.empty<Decision>(), watermarks: SmallMap.empty<number, number>(), forgettable: emptyForgettable };
  }
  return { ...node, up: false, recoverAt: tick + downtime, durable, volatile: emptyVolatile() };
}

/** A node comes back: a new incarnation, its durable state, and the locks of its prepared attempts. */
export function recover(config: Configuration, node: NodeId): Configuration {
  return updateNode(config, node, (state) => {
    let locks = SmallMap.empty<string, Lock>();
    let inquiries = SmallMap.empty<string, number>();
    for (const prepared of state.durable.prepared.values()) {
      for (const id of prepared.entities) {
        locks = locks.with(id, { holder: prepared.attempt, timestamp: 0, coordinator: prepared.coordinator, since: config.tick, waiting: [] });
      }
      inquiries = inquiries.with(prepared.attempt, config.tick);
    }
    let resends = SmallMap.empty<string, number>();
    for (const decision of state.durable.decisions.values()) if (decision.pending.length > 0) resends = resends.with(decision.requestId, config.tick);
    // The zoo's output-again-on-recovery: the streams' queued atoms are published again.
    const streams = config.settings.bug === 'output-again-on-recovery' ? state.durable.store.get(entityId(streamsReference)) : undefined;
    const store = streams === undefined ? state.durable.store : state.durable.store.with(entityId(streamsReference), republishQueued(streams));
    return {
      ...state, up: true, recoverAt: undefined,
      durable: { ...state.durable, store, incarnation: state.durable.incarnation + 1 },
      volatile: { ...emptyVolatile(), locks, inquiries, resends },
    };
  });
}
