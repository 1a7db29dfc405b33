// Stage: runtime. Executing a transaction attempt at a node: an `invoke`, `read`, `create` or `reply`
// message arrives with the attempt's token; the node admits it under the concurrency protocol (2PL
// takes the entity's lock, perhaps from a younger attempt, or parks the message, or makes the attempt
// die), then runs the activation with the local machine until it suspends, returns or aborts, all in
// one atomic local run. The entity's state is the store's, overlaid with the attempt's own writes from
// the token; the run's writes go into the token, never into the store: only a commit makes them durable.

import { localCodeCopy } from './updates.ts';
import { moveRuleCounts, newRuleCounts, runCompiledCall, runCompiledResume, type LocalRunState } from '../interpreter/compiled.ts';
import type { LocalEnd } from '../interpreter/fast-path.ts';
import { enterMethod, pushFrame, resumeFrame, step, type Activation, type Frame, type FrameStack } from '../interpreter/machine.ts';
import { printTermHead } from '../semantics/print-core.ts';
import type { Term } from '../semantics/core.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import { canonical, referenceValue, type ReferenceValue, type Value } from '../semantics/values.ts';
import type { DiagnosticCode } from '../diagnostics/catalog.ts';
import type { Span } from '../grammar/span.ts';
import type { ChoiceSource } from './choices.ts';
import type {
  Configuration, EntityWrite, Envelope, FailureReason, Lock, MessageBody, NodeId, Token,
} from './configuration.ts';
import { copyLock, copyToken, copyVolatile, lockHeldBy } from './configuration.ts';
import { entityId } from './store.ts';
import { nodeAddress, nodeOf, noteLine, send, updateVolatile, type TraceContext, type TraceEntry } from './world.ts';
import { olderThan, renewEveryTicks, runIdOf, supersedes } from './attempts.ts';
import { supersede } from './participant.ts';

export interface ExecutionContext extends TraceContext {
  readonly program: SplitProgram;
  readonly choices: ChoiceSource;
  /**
   * When present, local steps are counted here by rule instead of each getting a line in `trace`: a
   * run nobody traces keeps its rule counts without holding a line per step (a long transaction
   * takes hundreds of thousands of local steps in one delivery).
   */
  readonly localCounts?: Map<string, number>;
}

type ExecutionBody = Extract<MessageBody, { kind: 'invoke' | 'read' | 'create' | 'reply' }>;

/** The entity an execution message runs on. */
function subjectOf(body: ExecutionBody): ReferenceValue {
  switch (body.kind) {
    case 'invoke':
    case 'read':
      return body.target;
    case 'create':
      return referenceValue(body.entity, body.key);
    case 'reply': {
      const frame = body.stack?.top;
      if (frame?.kind !== 'resume') throw new Error('assertion: a reply travels to a resume frame');
      return frame.self;
    }
  }
}

export function deliverExecution(config: Configuration, nodeId: NodeId, envelope: Envelope, context: ExecutionContext): Configuration {
  const body = envelope.body as ExecutionBody;
  const node = config.nodes[nodeId];
  const known = body.token.incarnations.get(nodeId);
  if (known !== undefined && known !== node.durable.incarnation) {
    // The node crashed since the attempt was here: what the attempt holds here is gone.
    return fail(config, nodeId, body.token, { kind: 'die', holder: `node ${nodeId} restarted` }, context);
  }
  const subject = subjectOf(body);
  const id = entityId(subject);
  const admission = admit(config, nodeId, id, body.token, envelope, context);
  switch (admission.kind) {
    case 'parked':
      noteLine(context, config.tick, () => canonical(subject), 'P-Lock-Wait', () => `waits for ${admission.holder}`);
      return admission.config;
    case 'die':
      noteLine(context, config.tick, () => canonical(subject), 'P-Lock-Die', () => `${admission.holder}, of its own run, holds the lock`);
      return fail(admission.config, nodeId, body.token, { kind: 'die', holder: admission.holder }, context);
    case 'lost':
      noteLine(context, config.tick, () => canonical(subject), 'P-Lock-Lost', () => `${body.token.attempt}: ${admission.why}`);
      return fail(admission.config, nodeId, body.token, { kind: 'die', holder: admission.why }, context);
    case 'go': {
      const renewed = renewLease(admission.config, nodeId, body.token, context);
      return execute(renewed.config, nodeId, body, subject, touch(renewed.config, nodeId, id, renewed.token), context);
    }
  }
}

/**
 * An attempt that has run for a quarter of its lease since it last renewed it tells its coordinator
 * that it is still making progress (the message is the renewal; see attempts.ts `renewEveryTicks`).
 */
function renewLease(config: Configuration, nodeId: NodeId, token: Token, context: ExecutionContext): { config: Configuration; token: Token } {
  if (config.tick - token.renewedAt < renewEveryTicks(config)) return { config, token };
  const renewed = send(config, nodeAddress(nodeId), nodeAddress(token.coordinator), { kind: 'renew', attempt: token.attempt }, context.choices);
  return { config: renewed, token: Object.assign(copyToken(token), { renewedAt: config.tick }) };
}

// --------------------------------------------------------------------------------------- admission

type Admission =
  | { readonly kind: 'go'; readonly config: Configuration }
  | { readonly kind: 'parked'; readonly config: Configuration; readonly holder: string }
  | { readonly kind: 'die'; readonly config: Configuration; readonly holder: string }
  | { readonly kind: 'lost'; readonly config: Configuration; readonly why: string };

/**
 * Under 2PL an attempt needs the entity's lock: it is free or already the attempt's own (locks are
 * re-entrant within an attempt). Otherwise wound-wait: an attempt older than the holder (attempts.ts
 * `olderThan`) takes the lock from it (P-Wound) unless the holder has prepared here, and waits for it
 * then (P-Lock-Wait); a younger attempt waits. An attempt waits only for an older one or for one that
 * has prepared, which asks for no more locks: no cycle of waiting, so no deadlock, and the oldest
 * attempt waits for prepared holders alone. A later attempt of the holder's own run takes the lock over
 * (P-Supersede); an earlier one dies (P-Lock-Die: its coordinator gave it up). An attempt that had the
 * lock and no longer has it (it was wounded, or freed because its coordinator gave the attempt up), or
 * that was wounded here on another entity, cannot go on: what it read may have changed (P-Lock-Lost).
 * The other protocols admit every attempt.
 */
function admit(config: Configuration, nodeId: NodeId, id: string, token: Token, envelope: Envelope, context: ExecutionContext): Admission {
  if (config.settings.concurrency !== '2pl') return { kind: 'go', config };
  const node = config.nodes[nodeId];
  const lock = node.volatile.locks.get(id);
  const hadLock = token.touched.has(id);
  // The zoo's `reentrant-across-transactions`: a held lock lets any attempt in, and nobody checks who holds it.
  if (config.settings.bug === 'reentrant-across-transactions') {
    return { kind: 'go', config: lock === undefined ? takeLock(config, nodeId, id, token) : config };
  }
  const woundedOn = node.volatile.wounded.get(token.attempt);
  if (woundedOn !== undefined) return { kind: 'lost', config, why: `it lost its lock on ${woundedOn} to an older attempt` };
  const freed = (): Admission => ({ kind: 'lost', config, why: `its lock on ${id} was freed` });
  if (lock === undefined) return hadLock ? freed() : { kind: 'go', config: takeLock(config, nodeId, id, token) };
  // Locks are re-entrant within an attempt.
  if (lock.holder === token.attempt) return { kind: 'go', config };
  if (hadLock) return freed();
  const holderPrepared = node.durable.prepared.has(lock.holder);
  if (runIdOf(token.attempt) === runIdOf(lock.holder)) {
    if (!supersedes(token.attempt, lock.holder) || holderPrepared) return { kind: 'die', config, holder: lock.holder };
    // Freeing the earlier attempt's locks passes this one to this attempt, or to an older one waiting for it.
    return admit(supersede(config, nodeId, lock.holder, token, id, context), nodeId, id, token, envelope, context);
  }
  if (!holderPrepared && olderThan(token.timestamp, token.attempt, lock.timestamp, lock.holder)) {
    noteLine(context, config.tick, () => id, 'P-Wound', () => `${token.attempt} takes the lock from ${lock.holder}, which is younger`);
    const taken = lockHeldBy(token, config.tick, lock.waiting);
    return {
      kind: 'go',
      config: updateVolatile(config, nodeId, (volatile) => Object.assign(copyVolatile(volatile), {
        locks: volatile.locks.with(id, taken), wounded: volatile.wounded.with(lock.holder, id),
      })),
    };
  }
  const parked: Lock = Object.assign(copyLock(lock), { waiting: [...lock.waiting, envelope] });
  return {
    kind: 'parked', holder: lock.holder,
    config: updateVolatile(config, nodeId, (volatile) => Object.assign(copyVolatile(volatile), { locks: volatile.locks.with(id, parked) })),
  };
}

function takeLock(config: Configuration, nodeId: NodeId, id: string, token: Token): Configuration {
  const taken = lockHeldBy(token, config.tick, []);
  return updateVolatile(config, nodeId, (volatile) => Object.assign(copyVolatile(volatile), { locks: volatile.locks.with(id, taken) }));
}

/** Records the attempt's first touch of an entity: the version it found, the node, the node's incarnation. */
function touch(config: Configuration, nodeId: NodeId, id: string, token: Token): Token {
  if (token.touched.has(id)) return token;
  const node = config.nodes[nodeId];
  const stored = node.durable.store.get(id);
  const written = token.writes.get(id);
  const version = written?.created === true ? 0 : stored?.version ?? 0;
  return Object.assign(copyToken(token), {
    reads: token.reads.with(id, version),
    touched: token.touched.with(id, nodeId),
    incarnations: token.incarnations.has(nodeId) ? token.incarnations : token.incarnations.with(nodeId, node.durable.incarnation),
  });
}

// --------------------------------------------------------------------------------------- execution

/** The entity as the attempt sees it: its own write if it made one, else the store's, else none. */
function visibleFields(config: Configuration, nodeId: NodeId, id: string, token: Token): ReadonlyMap<string, Value | undefined> | undefined {
  const written = token.writes.get(id);
  if (written !== undefined) return written.fields;
  return config.nodes[nodeId].durable.store.get(id)?.fields;
}

function execute(config: Configuration, nodeId: NodeId, body: ExecutionBody, subject: ReferenceValue, token: Token, context: ExecutionContext): Configuration {
  const id = entityId(subject);
  const fields = visibleFields(config, nodeId, id, token);
  const abortWith = (code: DiagnosticCode, message: string): Configuration =>
    fail(config, nodeId, token, { kind: 'abort', code, message, span: undefined }, context);
  switch (body.kind) {
    case 'invoke':
      if (fields === undefined) return abortWith('A0106', `no such entity ${canonical(subject)}`);
      noteLine(context, config.tick, () => canonical(subject), 'G-Invoke', () => `${body.method}(${body.args.map(canonical).join(', ')})`);
      return runActivation(config, nodeId, subject, token, context, {
        activation: () => enterMethod(context.program, subject, body.method, body.args, body.stack),
        compiled: (fields, local) => runCompiledCall(context.program, subject, body.method, body.args, body.stack, fields, local),
      });
    case 'read': {
      if (fields === undefined) return abortWith('A0106', `no such entity ${canonical(subject)}`);
      const value = fields.get(body.field);
      if (value === undefined) return abortWith('A0109', `uninitialized field ${canonical(subject)}.${body.field}`);
      noteLine(context, config.tick, () => canonical(subject), 'G-Read', () => `${body.field} = ${canonical(value)}`);
      return replyTo(config, nodeId, value, body.stack, token, context);
    }
    case 'create': {
      if (fields !== undefined && body.ifAbsent === true) {
        // S-Ensure: a stream's delivery finds the entity there and goes on with its reference.
        noteLine(context, config.tick, () => canonical(subject), 'S-Ensure', () => `${canonical(subject)} exists`);
        return replyTo(config, nodeId, subject, body.stack, token, context);
      }
      if (fields !== undefined) return abortWith('A0107', `${canonical(subject)} already exists`);
      const entity = context.program.entities.get(body.entity)!;
      const initial = new Map<string, Value | undefined>([[entity.keyName, body.key]]);
      for (const field of entity.fields) initial.set(field.name, field.initial);
      const write: EntityWrite = { entity: body.entity, key: body.key, created: true, fields: initial, baseVersion: 0 };
      const created = Object.assign(copyToken(token), { writes: token.writes.with(id, write) });
      noteLine(context, config.tick, () => canonical(subject), 'G-Create', () => `new ${canonical(subject)}`);
      if (!entity.methods.has('init')) return replyTo(config, nodeId, subject, body.stack, created, context);
      const stack = pushFrame(body.stack, { kind: 'created', reference: subject });
      return runActivation(config, nodeId, subject, created, context, {
        activation: () => enterMethod(context.program, subject, 'init', body.args, stack),
        compiled: (fields, local) => runCompiledCall(context.program, subject, 'init', body.args, stack, fields, local),
      });
    }
    case 'reply': {
      const frame = body.stack!.top as Extract<Frame, { kind: 'resume' }>;
      noteLine(context, config.tick, () => canonical(subject), 'G-Resume', () => `${frame.block} with ${canonical(body.value)}`);
      const below = body.stack!.below;
      return runActivation(config, nodeId, subject, token, context, {
        activation: () => resumeFrame(context.program, frame, body.value, below),
        compiled: (fields, local) => runCompiledResume(context.program, frame, body.value, below, fields, local),
      });
    }
  }
}

/**
 * A local step's line of the trace. Most runs never read their trace (only `--trace`, the REPL's
 * `:trace on` and counterexamples print it), so its place and detail are formatted when first read.
 */
class LocalTraceEntry implements TraceEntry {
  private placeText: string | undefined;
  private detailText: string | undefined;

  constructor(
    readonly tick: number,
    private readonly self: ReferenceValue,
    readonly rule: string,
    readonly span: Span | undefined,
    private readonly term: Term,
  ) {}

  get place(): string {
    return (this.placeText ??= canonical(this.self));
  }

  get detail(): string {
    return (this.detailText ??= printTermHead(this.term));
  }
}

/** The compiled runs' rule counts, moved into the context's after each run (runs never nest). */
const ruleCounts = newRuleCounts();

/**
 * How a delivery enters its entity's code: the activation the small-step machine starts from (a traced
 * run steps it), or the same start taken straight into the compiled blocks (an untraced run: no
 * activation is built, interpreter/compiled.ts `runCompiledCall` and `runCompiledResume`).
 */
interface Entry {
  readonly activation: () => Activation;
  readonly compiled: (fields: ReadonlyMap<string, Value | undefined>, local: LocalRunState) => LocalEnd;
}

/** Runs a delivery on `self` until it suspends, returns or aborts; its writes go into the token. */
function runActivation(config: Configuration, nodeId: NodeId, self: ReferenceValue, startToken: Token, context: ExecutionContext, entry: Entry): Configuration {
  const id = entityId(self);
  const before = startToken.writes.get(id);
  const stored = config.nodes[nodeId].durable.store.get(id);
  const fields = new Map(before?.fields ?? stored?.fields ?? []);
  let wrote = false;
  let steps = startToken.steps;
  const tokenWithWrites = (): Token => {
    const writes = wrote
      ? startToken.writes.with(id, {
        entity: self.entity, key: self.key, created: before?.created ?? false, fields, baseVersion: before?.baseVersion ?? stored?.version ?? 0,
      })
      : startToken.writes;
    return Object.assign(copyToken(startToken), { steps, writes });
  };
  const counts = context.localCounts;
  if (counts !== undefined) {
    // Counted, not traced: the compiled blocks take the same steps without building one per step.
    const local: LocalRunState = {
      steps,
      stepLimit: config.settings.stepLimit,
      interrupted: config.settings.interrupted,
      counts: ruleCounts,
      write: (field, value) => {
        fields.set(field, value);
        wrote = true;
      },
    };
    let end: LocalEnd;
    try {
      end = entry.compiled(fields, local);
    } finally {
      steps = local.steps;
      moveRuleCounts(ruleCounts, counts);
    }
    return endActivation(config, nodeId, end, tokenWithWrites(), context);
  }
  let activation = entry.activation();
  for (;;) {
    if (++steps > config.settings.stepLimit) {
      return fail(config, nodeId, tokenWithWrites(), { kind: 'abort', code: 'A0108', message: 'step limit exceeded', span: undefined }, context);
    }
    if ((steps & 4095) === 0 && config.settings.interrupted?.() === true) {
      return fail(config, nodeId, tokenWithWrites(), { kind: 'abort', code: 'A0111', message: 'interrupted', span: undefined }, context);
    }
    const result = step(context.program, activation, fields);
    if (context.localCounts !== undefined) context.localCounts.set(result.rule, (context.localCounts.get(result.rule) ?? 0) + 1);
    else context.trace.push(new LocalTraceEntry(config.tick, activation.self, result.rule, result.span, activation.term));
    switch (result.kind) {
      case 'stepped':
        steps += result.cost - 1;
        if (result.write !== undefined) {
          fields.set(result.write.field, result.write.value);
          wrote = true;
        }
        activation = result.next;
        continue;
      default:
        return endActivation(config, nodeId, result, tokenWithWrites(), context);
    }
  }
}

/** Where an activation's end goes: its message, its result to its caller, or its failure to the coordinator. */
function endActivation(config: Configuration, nodeId: NodeId, end: LocalEnd, token: Token, context: ExecutionContext): Configuration {
  switch (end.kind) {
    case 'suspended': {
      // The zoo's `update-mid-atom` reads the code versions from the node's own copy (runtime/updates.ts).
      const outgoing = localCodeCopy(end.outgoing, nodeId, config.settings.bug);
      const target = outgoing.kind === 'create' ? referenceValue(outgoing.entity, outgoing.key) : outgoing.target;
      const message: MessageBody = { ...outgoing, token };
      return send(config, nodeAddress(nodeId), nodeAddress(nodeOf(target, config.settings.nodes)), message, context.choices);
    }
    case 'returned':
      return replyTo(config, nodeId, end.value, end.stack, token, context);
    case 'aborted':
      return fail(config, nodeId, token, { kind: 'abort', code: end.code, message: end.message, span: end.span }, context);
    case 'stopped':
      return fail(config, nodeId, token, { kind: 'abort', code: end.code, message: end.message, span: undefined }, context);
  }
}

/**
 * Sends a result to where it goes: the innermost frame's entity, or the coordinator when the stack is
 * empty (the attempt has its result). A `created` frame turns the result into the new entity's reference.
 */
function replyTo(config: Configuration, nodeId: NodeId, value: Value, stack: FrameStack, token: Token, context: ExecutionContext): Configuration {
  let result = value;
  let rest = stack;
  while (rest !== undefined && rest.top.kind === 'created') {
    result = rest.top.reference;
    rest = rest.below;
  }
  const to = rest === undefined ? token.coordinator : nodeOf((rest.top as Extract<Frame, { kind: 'resume' }>).self, config.settings.nodes);
  return send(config, nodeAddress(nodeId), nodeAddress(to), { kind: 'reply', value: result, stack: rest, token }, context.choices);
}

export function fail(config: Configuration, nodeId: NodeId, token: Token, reason: FailureReason, context: ExecutionContext): Configuration {
  const body: MessageBody = { kind: 'failed', attempt: token.attempt, requestId: token.requestId, reason, token };
  return send(config, nodeAddress(nodeId), nodeAddress(token.coordinator), body, context.choices);
}

export function abortSpan(reason: FailureReason): Span | undefined {
  return reason.kind === 'abort' ? reason.span : undefined;
}
