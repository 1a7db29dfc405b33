// Stage: runtime. The configuration of the simulated distributed system: nodes (each with a durable part,
// kept across a crash, and a volatile part, lost in one), the in-flight messages (a multiset: the
// scheduler picks what is delivered next), the clients with their durable ingress of requests, and the
// history. Configurations are immutable: the global `step` gives a new one and never changes its input.
// What is durable is written down here, field by field, because the proofs depend on it.

import type { DiagnosticCode } from '../diagnostics/catalog.ts';
import type { Span } from '../grammar/span.ts';
import type { FrameStack } from '../interpreter/machine.ts';
import type { Outcome, Request } from '../semantics/transactions.ts';
import type { MapKey, ReferenceValue, Value } from '../semantics/values.ts';
import type { FaultPlan } from './faults.ts';
import type { History } from './history.ts';
import { PersistentMap } from './persistent-map.ts';
import { SmallMap } from './small-map.ts';
import { emptyStore, type EntityStore } from './store.ts';

export type NodeId = number;
export type DeliveryMode = 'at-most-once' | 'at-least-once' | 'exactly-once';
export type ConcurrencyMode = 'none' | '2pl' | 'aria';

export const deliveryModes: readonly DeliveryMode[] = ['at-most-once', 'at-least-once', 'exactly-once'];
export const concurrencyModes: readonly ConcurrencyMode[] = ['none', '2pl', 'aria'];

export interface Timeouts {
  /** Ticks a client waits for a response before it sends the request again. */
  readonly clientRetry: number;
  /** Ticks a coordinator gives an attempt to execute before it gives the attempt up. */
  readonly attempt: number;
  /** Ticks between resends of commit-phase messages that are not acknowledged. */
  readonly resend: number;
  /** Ticks a participant holding a prepared transaction waits before it asks the coordinator. */
  readonly inquiry: number;
}

export interface RuntimeSettings {
  readonly nodes: number;
  readonly delivery: DeliveryMode;
  readonly concurrency: ConcurrencyMode;
  readonly faults: FaultPlan;
  readonly stepLimit: number;
  readonly timeouts: Timeouts;
  /** A message takes 1 + up to `latencyJitter` ticks. */
  readonly latencyJitter: number;
  /** Aria: the ticks a sequencer collects requests before it closes a batch. */
  readonly batchWindow: number;
  /** A deliberately broken variant of the protocol (the bug zoo), or `none`. */
  readonly bug: string;
  /**
   * The REPL's Ctrl-C, asked every few thousand local steps and every few hundred global steps: true
   * aborts the attempts then running with A0111 `interrupted`. Absent everywhere else.
   */
  readonly interrupted?: () => boolean;
}

export const defaultTimeouts: Timeouts = { clientRetry: 60, attempt: 40, resend: 12, inquiry: 30 };

// ------------------------------------------------------------------------------------ transactions

/** What a transaction attempt wrote to one entity, kept in the token until commit. */
export interface EntityWrite {
  readonly entity: string;
  readonly key: MapKey;
  /** The attempt created the entity (it did not exist in the store it read). */
  readonly created: boolean;
  readonly fields: ReadonlyMap<string, Value | undefined>;
  /** The store's version of the entity when the attempt first touched it (0 for a created one). */
  readonly baseVersion: number;
}

/**
 * The state of a transaction attempt, which travels with its messages: execution within a transaction
 * is sequential (a call waits for its reply), so the token is always in exactly one message. Writes
 * stay in it until the commit makes them durable; nothing an attempt does is durable before then.
 */
export interface Token {
  readonly attempt: string;
  readonly requestId: string;
  /** The request's age, for wound-wait: smaller is older (see attempts.ts `olderThan`). */
  readonly timestamp: number;
  readonly coordinator: NodeId;
  readonly steps: number;
  /** When the attempt last renewed its lease with its coordinator (see `renewEveryTicks`). */
  readonly renewedAt: number;
  readonly writes: SmallMap<string, EntityWrite>;
  /** The version of each entity when the attempt first read it from the store. */
  readonly reads: SmallMap<string, number>;
  /** Every entity the attempt touched, with its node (under 2PL the attempt holds its lock). */
  readonly touched: SmallMap<string, NodeId>;
  /** The incarnation of each node when the attempt first touched it: a crash in between voids it. */
  readonly incarnations: SmallMap<NodeId, number>;
}

/** What a client is told about a request: the semantics' outcome, the same for every semantics. */
export type { Outcome } from '../semantics/transactions.ts';

// ---------------------------------------------------------------------------------------- messages

export type Address = { readonly kind: 'node'; readonly node: NodeId } | { readonly kind: 'client'; readonly client: number };

export type MessageBody =
  | {
      readonly kind: 'request'; readonly requestId: string; readonly client: number; readonly request: Request; readonly timestamp: number;
      /** Every request of this client with a smaller timestamp has been answered: its decision may be forgotten. */
      readonly watermark: number;
    }
  | { readonly kind: 'response'; readonly requestId: string; readonly outcome: Outcome }
  | { readonly kind: 'invoke'; readonly target: ReferenceValue; readonly method: string; readonly args: readonly Value[]; readonly stack: FrameStack; readonly token: Token }
  | { readonly kind: 'read'; readonly target: ReferenceValue; readonly field: string; readonly stack: FrameStack; readonly token: Token }
  | { readonly kind: 'create'; readonly entity: string; readonly key: MapKey; readonly args: readonly Value[]; readonly stack: FrameStack; readonly token: Token; readonly ifAbsent?: boolean }
  | { readonly kind: 'reply'; readonly value: Value; readonly stack: FrameStack; readonly token: Token }
  /** An attempt ended without a result: the program aborted, or the protocol gave it up (`die`). */
  | { readonly kind: 'failed'; readonly attempt: string; readonly requestId: string; readonly reason: FailureReason; readonly token: Token }
  | { readonly kind: 'prepare'; readonly attempt: string; readonly requestId: string; readonly writes: readonly EntityWrite[]; readonly entities: readonly string[]; readonly incarnation: number }
  | { readonly kind: 'vote'; readonly attempt: string; readonly node: NodeId; readonly yes: boolean }
  | { readonly kind: 'commit'; readonly attempt: string; readonly requestId: string; readonly writes: readonly EntityWrite[]; readonly entities: readonly string[] }
  | { readonly kind: 'release'; readonly attempt: string; readonly entities: readonly string[] }
  | { readonly kind: 'ack'; readonly attempt: string; readonly node: NodeId }
  | { readonly kind: 'inquire'; readonly attempt: string; readonly requestId: string; readonly node: NodeId }
  /** An attempt is still making progress: its coordinator extends its lease (its deadline). */
  | { readonly kind: 'renew'; readonly attempt: string };

export type FailureReason =
  | { readonly kind: 'abort'; readonly code: DiagnosticCode; readonly message: string; readonly span: Span | undefined }
  | { readonly kind: 'die'; readonly holder: string };

/** What an attempt came to: its value, or the abort its program raised (or its step budget ran out). */
export type AttemptResult =
  | { readonly kind: 'value'; readonly value: Value }
  | { readonly kind: 'abort'; readonly reason: Extract<FailureReason, { kind: 'abort' }> };

export interface Envelope {
  readonly id: number;
  readonly from: Address;
  readonly to: Address;
  readonly sentAt: number;
  readonly deliverAt: number;
  readonly body: MessageBody;
  /**
   * The network copied it (`G-Duplicate`), or it is the copy: neither is copied again. Copies of copies
   * grew without bound under at-least-once delivery, where each copy of a request is a transaction of
   * its own whose messages are copied in turn.
   */
  readonly copied?: true;
}

// ------------------------------------------------------------------------------------------- nodes

/** A coordinator's durable decision about a request: its deduplication table and commit log. */
export interface Decision {
  readonly requestId: string;
  readonly attempt: string;
  readonly outcome: Outcome;
  /** The position of the transaction, commit or abort, in the serial order the protocol claims. */
  readonly order: number;
  /** Nodes that must acknowledge the commit; cleared as they do. */
  readonly pending: readonly NodeId[];
  /** The writes to send while some node has not acknowledged them (emptied once every node has). */
  readonly writes: readonly EntityWrite[];
  readonly entities: ReadonlyMap<NodeId, readonly string[]>;
  readonly client: number;
  /** The request's timestamp: once the client's watermark passes it, the decision can be forgotten. */
  readonly timestamp: number;
}

/**
 * The decisions a coordinator may forget one day, newest first: each stays until its client's
 * watermark passes it and every node has acknowledged it. The list is swept when it has grown to
 * `sweepAt` (twice what the last sweep kept), so the cost of forgetting is constant per decision.
 */
export interface Forgettable {
  readonly cells: ForgettableCell | undefined;
  readonly length: number;
  readonly sweepAt: number;
}

export interface ForgettableCell {
  readonly runId: string;
  readonly client: number;
  readonly timestamp: number;
  readonly next: ForgettableCell | undefined;
}

/** A participant's durable promise: it holds these writes until the coordinator decides. */
export interface Prepared {
  readonly attempt: string;
  readonly requestId: string;
  readonly coordinator: NodeId;
  readonly writes: readonly EntityWrite[];
  readonly entities: readonly string[];
}

export interface Lock {
  readonly holder: string;
  readonly timestamp: number;
  /** The holder's coordinator, to ask about the holder when it has held the lock long. */
  readonly coordinator: NodeId;
  /** When the lock was taken, or last asked about. */
  readonly since: number;
  /**
   * Messages of other attempts waiting for the lock (wound-wait: younger ones, and older ones while the
   * holder is prepared here).
   */
  readonly waiting: readonly Envelope[];
}

/** A request the coordinator is working on (volatile: a crash forgets it, and the client resends it). */
export interface Running {
  /** The request's id, or under at-least-once (no deduplication) one id per delivery of the request. */
  readonly runId: string;
  readonly requestId: string;
  readonly client: number;
  readonly request: Request;
  readonly timestamp: number;
  readonly attemptNumber: number;
  /** How many attempts were given up for taking too long (each doubles the next one's time). */
  readonly slowAttempts: number;
  readonly attempt: string;
  readonly phase: 'waiting' | 'executing' | 'preparing';
  readonly deadline: number;
  /** The finished attempt's token and result, while its participants vote. */
  readonly token: Token | undefined;
  readonly result: AttemptResult | undefined;
  readonly votes: ReadonlySet<NodeId>;
  /**
   * Aria: what this request's last attempt read and wrote when it conflicted (it waits for a later
   * batch); undefined before any conflict. The sequencer admits it to a batch only when no request
   * admitted before it wrote one of those entities last time (runtime/aria.ts `closeBatch`).
   */
  readonly conflictedOn: ConflictedOn | undefined;
}

/** Aria: the entities a conflicting attempt read or wrote (`accessed`, every one it wrote among them) and those it wrote. */
export interface ConflictedOn {
  readonly accessed: readonly string[];
  readonly wrote: readonly string[];
}

export interface DurableState {
  readonly store: EntityStore;
  /** By run id (see Running): the deduplication table and commit log of a coordinator. */
  readonly decisions: PersistentMap<Decision>;
  readonly prepared: SmallMap<string, Prepared>;
  /**
   * Under `none` only: attempts whose commit this node applied, so that a repeated commit applies
   * nothing (2PL installs from the prepared record, which the commit deletes, and Aria installs a write
   * only over the version it read, so neither needs a record per transaction).
   */
  readonly applied: PersistentMap<true>;
  /** Per client: every request with a smaller timestamp was answered (the largest watermark heard). */
  readonly watermarks: SmallMap<number, number>;
  readonly forgettable: Forgettable;
  readonly incarnation: number;
  /** Aria: how many batches this node, as sequencer, has decided. */
  readonly batches: number;
}

export interface VolatileState {
  readonly locks: SmallMap<string, Lock>;
  readonly running: SmallMap<string, Running>;
  /** Ids of messages already processed, for deduplication under exactly-once delivery. */
  readonly seen: ReadonlySet<number>;
  /** When each prepared attempt should be asked about next. */
  readonly inquiries: SmallMap<string, number>;
  /**
   * 2PL: the attempts that lost a lock here to an older one (`P-Wound`), with the entity. Such an attempt
   * can never be decided: its messages here die and its prepare here is voted down, until it is released.
   */
  readonly wounded: SmallMap<string, string>;
  /** When each pending decision's messages should be sent again. */
  readonly resends: SmallMap<string, number>;
  /** Aria: the batch being executed, if any. Requests waiting for the next one are `waiting` runs. */
  readonly batch: AriaBatch | undefined;
}

/** Aria: the batch a sequencer is executing; its members run against the store as the batch found it. */
export interface AriaBatch {
  readonly number: number;
  /** Run ids in batch order (their timestamps ascending). */
  readonly members: readonly string[];
  /** The members whose attempts finished, with the token and what they came to. */
  readonly finished: ReadonlyMap<string, AriaResult>;
  /** When members still unfinished are given up and run again. */
  readonly deadline: number;
}

export interface AriaResult {
  readonly token: Token;
  readonly result: AttemptResult;
}

export interface NodeState {
  readonly id: NodeId;
  readonly up: boolean;
  readonly recoverAt: number | undefined;
  readonly durable: DurableState;
  readonly volatile: VolatileState;
}

// ----------------------------------------------------------------------------------------- clients

export interface ClientRequest {
  readonly requestId: string;
  readonly request: Request;
  readonly timestamp: number;
  /** When it is to be sent again if no answer comes (under at-most-once: given up). */
  readonly resendAt: number;
}

/** An answer the client received, kept until whoever runs the system collects it (see `collectAnswers`). */
export interface ClientAnswer {
  readonly requestId: string;
  readonly outcome: Outcome;
  readonly tick: number;
  /** The answer received before this one. */
  readonly earlier: ClientAnswer | undefined;
}

/**
 * A client and its ingress: the requests it submitted and has no answer for, durable, so that it can
 * resend them. An answered request leaves the ingress: the client keeps only its watermark.
 */
export interface ClientState {
  readonly id: number;
  readonly pending: PersistentMap<ClientRequest>;
  /** Every request of this client with a smaller timestamp has been answered. */
  readonly watermark: number;
  /** Answers received and not yet collected, newest first. */
  readonly answers: ClientAnswer | undefined;
}

export interface Configuration {
  readonly settings: RuntimeSettings;
  readonly tick: number;
  readonly nextMessageId: number;
  readonly nextTimestamp: number;
  readonly nextOrder: number;
  readonly nodes: readonly NodeState[];
  readonly network: readonly Envelope[];
  readonly clients: readonly ClientState[];
  /** False in the healing phase: no new faults, so that every request can be answered. */
  readonly faultsActive: boolean;
  /** False when nobody reads the history (a run without `--history`): then nothing is recorded. */
  readonly recording: boolean;
  readonly history: History;
}

/** A configuration part with its fields writable: a copy that no one else has seen yet. */
export type Fresh<T> = { -readonly [K in keyof T]: T[K] };

// Copies of the parts a global step replaces, written out field by field. An object spread
// (`{ ...config, network }`) of these records costs V8 10 to 30 times what a literal with every field
// named costs (a slow path that clones and then redefines), and the global step makes several per
// message. `satisfies` keeps each list complete: a field added to a part must be added here too. Each
// copy is new, so a caller may set its fields before handing it on; nobody else holds it.

export function copyConfiguration(config: Configuration): Fresh<Configuration> {
  return {
    settings: config.settings, tick: config.tick, nextMessageId: config.nextMessageId, nextTimestamp: config.nextTimestamp,
    nextOrder: config.nextOrder, nodes: config.nodes, network: config.network, clients: config.clients,
    faultsActive: config.faultsActive, recording: config.recording, history: config.history,
  } satisfies Record<keyof Configuration, unknown>;
}

export function copyNode(node: NodeState): Fresh<NodeState> {
  return { id: node.id, up: node.up, recoverAt: node.recoverAt, durable: node.durable, volatile: node.volatile } satisfies Record<keyof NodeState, unknown>;
}

export function copyDurable(durable: DurableState): Fresh<DurableState> {
  return {
    store: durable.store, decisions: durable.decisions, prepared: durable.prepared, applied: durable.applied,
    watermarks: durable.watermarks, forgettable: durable.forgettable, incarnation: durable.incarnation, batches: durable.batches,
  } satisfies Record<keyof DurableState, unknown>;
}

export function copyVolatile(volatile: VolatileState): Fresh<VolatileState> {
  return {
    locks: volatile.locks, running: volatile.running, seen: volatile.seen, inquiries: volatile.inquiries, wounded: volatile.wounded,
    resends: volatile.resends, batch: volatile.batch,
  } satisfies Record<keyof VolatileState, unknown>;
}

export function copyClient(client: ClientState): Fresh<ClientState> {
  return { id: client.id, pending: client.pending, watermark: client.watermark, answers: client.answers } satisfies Record<keyof ClientState, unknown>;
}

export function copyRunning(running: Running): Fresh<Running> {
  return {
    runId: running.runId, requestId: running.requestId, client: running.client, request: running.request, timestamp: running.timestamp,
    attemptNumber: running.attemptNumber, slowAttempts: running.slowAttempts, attempt: running.attempt, phase: running.phase,
    deadline: running.deadline, token: running.token, result: running.result, votes: running.votes, conflictedOn: running.conflictedOn,
  } satisfies Record<keyof Running, unknown>;
}

export function copyToken(token: Token): Fresh<Token> {
  return {
    attempt: token.attempt, requestId: token.requestId, timestamp: token.timestamp, coordinator: token.coordinator, steps: token.steps,
    renewedAt: token.renewedAt, writes: token.writes, reads: token.reads, touched: token.touched, incarnations: token.incarnations,
  } satisfies Record<keyof Token, unknown>;
}

export function copyLock(lock: Lock): Fresh<Lock> {
  return { holder: lock.holder, timestamp: lock.timestamp, coordinator: lock.coordinator, since: lock.since, waiting: lock.waiting } satisfies Record<keyof Lock, unknown>;
}

/** The lock as `token`'s attempt takes it at `tick` (taken, handed over or wounded), with `waiting` still parked on it. */
export function lockHeldBy(token: Token, tick: number, waiting: readonly Envelope[]): Lock {
  return { holder: token.attempt, timestamp: token.timestamp, coordinator: token.coordinator, since: tick, waiting };
}

export function copyDecision(decision: Decision): Fresh<Decision> {
  return {
    requestId: decision.requestId, attempt: decision.attempt, outcome: decision.outcome, order: decision.order, pending: decision.pending,
    writes: decision.writes, entities: decision.entities, client: decision.client, timestamp: decision.timestamp,
  } satisfies Record<keyof Decision, unknown>;
}

export function emptyVolatile(): VolatileState {
  return {
    locks: SmallMap.empty(), running: SmallMap.empty(), seen: new Set(), inquiries: SmallMap.empty(), wounded: SmallMap.empty(),
    resends: SmallMap.empty(), batch: undefined,
  };
}

export const emptyForgettable: Forgettable = { cells: undefined, length: 0, sweepAt: 8 };

export function initialConfiguration(settings: RuntimeSettings, clients: number, recording = true): Configuration {
  const nodes: NodeState[] = Array.from({ length: settings.nodes }, (_, id) => ({
    id,
    up: true,
    recoverAt: undefined,
    durable: {
      store: emptyStore(), decisions: PersistentMap.empty(), prepared: SmallMap.empty(), applied: PersistentMap.empty(),
      watermarks: SmallMap.empty(), forgettable: emptyForgettable, incarnation: 0, batches: 0,
    },
    volatile: emptyVolatile(),
  }));
  return {
    settings,
    tick: 0,
    nextMessageId: 1,
    nextTimestamp: 1,
    nextOrder: 1,
    nodes,
    network: [],
    clients: Array.from({ length: clients }, (_, id): ClientState => ({ id, pending: PersistentMap.empty<ClientRequest>(), watermark: 0, answers: undefined })),
    faultsActive: true,
    recording,
    history: undefined,
  };
}
