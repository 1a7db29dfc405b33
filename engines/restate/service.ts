// Stage: engines/restate. The split program as Restate virtual objects. Each entity type is a virtual
// object (`E_<Entity>`) keyed by the entity's key; its committed fields and version, Ent's lock, the
// staged writes of the transaction that holds the lock and the installs it made are the object's durable
// state. Each call of `exec` enters one split block (a method's entry, a resumed frame, a `new`, a
// remote read) and runs it with the interpreter's fast path until it suspends, returns or aborts; the
// frames travel as data, as in the simulated runtime, but only the frames a block needs: the coordinator
// keeps the request's frame stack, hands `exec` the run of the target's own frames at its top (at most
// `framesHandedOver`), and `exec` answers with how many of them it consumed and the frames it pushed, so a
// call costs the same at any depth of recursion (docs/engines.md). No entity handler ever waits
// for another object, so call cycles (A → B → A) and recursion cannot deadlock Restate's exclusive
// handlers: the coordinator (`EntCoordinator`, keyed by request id) routes each message to its target.
// The coordinator runs Ent's 2PL: wait-die on Ent's locks, prepare (every participant still holds the
// lock), a place in the serial order from `EntOrder`, the decision in its durable state, then commit or
// abort at every participant. Restate makes every step of it durable and exactly-once.

import './polyfill.ts';
import * as restate from '@restatedev/restate-sdk';
import { runToEnd, type LocalEnd } from '../../interpreter/fast-path.ts';
import { enterMethod, pushFrame, resumeFrame, type Activation, type Frame, type FrameStack } from '../../interpreter/machine.ts';
import { streamsSeed } from '../../runtime/streams.ts';
import { streamsEntity } from '../../semantics/desugar/streams.ts';
import type { SplitProgram } from '../../semantics/split/index.ts';
import { canonical, referenceValue, type MapKey, type ReferenceValue, type Value } from '../../semantics/values.ts';
import {
  coordinatorName, decodeFields, decodeReference, decodeStack, decodeValue, encodeFields, encodeFrame, encodeReference, encodeValue,
  keyOfObject, objectKey, objectName, orderName, sameEntity, type EncodedFrame, type EncodedOutcome, type EncodedReference, type EncodedRequest,
  type EncodedStack, type Json,
} from './codec.ts';

export type Protocol = '2pl' | 'none';

/** A message to an entity, without the frames (the coordinator keeps the request's frame stack). */
export type Message =
  | { readonly kind: 'invoke'; readonly method: string; readonly args: Json[] }
  | { readonly kind: 'read'; readonly field: string }
  | { readonly kind: 'create'; readonly args: Json[]; readonly ifAbsent?: boolean }
  | { readonly kind: 'reply'; readonly value: Json };

/**
 * A message with the frames handed over: the top of the request's frame stack while it is the target's
 * own (resume frames of the target, `created` frames of it), innermost first, at most `framesHandedOver`.
 * A reply always has its resume frame first.
 */
export type ExecMessage = Message & { readonly frames: EncodedStack };

/** The most frames handed to one `exec`: what it needs to go on locally, bounded so a call's size is too. */
export const framesHandedOver = 16;

/** What an `exec` did to the frame stack: it consumed the `pop` innermost frames, then pushed `push` (innermost first). */
export interface StackChange { readonly pop: number; readonly push: EncodedStack }

export interface ExecInput {
  readonly tx: string;
  readonly ts: number;
  readonly protocol: Protocol;
  readonly steps: number;
  readonly stepLimit: number;
  readonly message: ExecMessage;
}

export type ExecResult =
  | { readonly kind: 'wait'; readonly holder: string }
  | { readonly kind: 'die'; readonly holder: string }
  | (StackChange & {
      readonly kind: 'send'; readonly target: EncodedReference; readonly message: Message;
      readonly steps: number; readonly version: number; readonly wrote: boolean;
    })
  | (StackChange & { readonly kind: 'return'; readonly value: Json; readonly steps: number; readonly version: number; readonly wrote: boolean })
  | { readonly kind: 'abort'; readonly code: string; readonly message: string; readonly version: number; readonly wrote: boolean };

interface Lock { readonly tx: string; readonly ts: number }
interface Staged { readonly fields: Record<string, Json>; readonly created: boolean }
export interface Install { readonly id: string; readonly version: number; readonly at: number }

/** What a run's history needs of an entity at the end: its fields, version and installs. */
export interface EntitySnapshot {
  readonly fields: Record<string, Json> | null;
  readonly version: number;
  readonly installs: Install[];
}

/** The coordinator's durable decision about a request. */
export interface Decision {
  readonly outcome: EncodedOutcome;
  readonly order: number;
  readonly attempt: number;
  readonly reads: Record<string, number>;
  readonly writes: string[];
  readonly at: number;
}

export interface RunInput {
  /** The run's namespace: the entities' object keys and the serial order's key start with it. */
  readonly namespace: string;
  readonly request: EncodedRequest;
  readonly ts: number;
  readonly protocol: Protocol;
  readonly stepLimit: number;
}

const stagedKey = (tx: string): string => `staged:${tx}`;

function entityHandlers(program: SplitProgram, entityName: string) {
  const entity = program.entities.get(entityName)!;
  const exec = async (ctx: restate.ObjectContext, input: ExecInput): Promise<ExecResult> => {
    const key = keyOfObject(ctx.key);
    const self = referenceValue(entityName, key);
    // The streams' entity exists from the start, as every host seeds it (runtime/streams.ts, version 0).
    const committed = (await ctx.get<Record<string, Json>>('fields')) ?? (entityName === streamsEntity ? encodeFields(streamsSeed(program).fields) : null);
    const version = (await ctx.get<number>('version')) ?? 0;
    if (input.protocol === '2pl') {
      const lock = await ctx.get<Lock>('lock');
      if (lock !== null && lock.tx !== input.tx) {
        // Wait-die on Ent's lock: an older transaction waits (its coordinator tries again), a younger one dies.
        return input.ts < lock.ts ? { kind: 'wait', holder: lock.tx } : { kind: 'die', holder: lock.tx };
      }
      if (lock === null) ctx.set('lock', { tx: input.tx, ts: input.ts } satisfies Lock);
    }
    const staged = await ctx.get<Staged>(stagedKey(input.tx));
    let fields = staged !== null ? decodeFields(staged.fields) : committed !== null ? decodeFields(committed) : undefined;
    let created = staged?.created ?? false;
    let wrote = staged !== null;
    const message = input.message;
    const stack = decodeStack(message.frames);
    // The cells of the frames handed over: whatever the run leaves of them is where its new frames begin.
    const handed: FrameStack[] = [];
    for (let cell = stack; cell !== undefined; cell = cell.below) handed.push(cell);
    const change = (final: FrameStack): StackChange => {
      const pushed: EncodedFrame[] = [];
      let cell = final;
      while (cell !== undefined && !handed.includes(cell)) {
        pushed.push(encodeFrame(cell.top));
        cell = cell.below;
      }
      return { pop: cell === undefined ? handed.length : handed.indexOf(cell), push: pushed };
    };
    const abort = (code: string, text: string): ExecResult => ({ kind: 'abort', code, message: text, version, wrote });
    let start: Activation;
    switch (message.kind) {
      case 'read': {
        if (fields === undefined) return abort('A0106', `no such entity ${canonical(self)}`);
        const value = fields.get(message.field);
        if (value === undefined) return abort('A0109', `uninitialized field ${canonical(self)}.${message.field}`);
        return { kind: 'return', value: encodeValue(value), pop: 0, push: [], steps: input.steps, version, wrote };
      }
      case 'invoke':
        if (fields === undefined) return abort('A0106', `no such entity ${canonical(self)}`);
        start = enterMethod(program, self, message.method, message.args.map(decodeValue), stack);
        break;
      case 'create': {
        if (fields !== undefined && message.ifAbsent === true) {
          // S-Ensure: a stream's delivery finds the entity there and goes on with its reference.
          return { kind: 'return', value: encodeValue(self), pop: 0, push: [], steps: input.steps, version, wrote };
        }
        if (fields !== undefined) return abort('A0107', `${canonical(self)} already exists`);
        fields = new Map<string, Value | undefined>([[entity.keyName, key]]);
        for (const field of entity.fields) fields.set(field.name, field.initial);
        created = true;
        wrote = true;
        ctx.set(stagedKey(input.tx), { fields: encodeFields(fields), created } satisfies Staged);
        if (!entity.methods.has('init')) return { kind: 'return', value: encodeValue(self), pop: 0, push: [], steps: input.steps, version, wrote };
        start = enterMethod(program, self, 'init', message.args.map(decodeValue), pushFrame(stack, { kind: 'created', reference: self }));
        break;
      }
      case 'reply': {
        const frame = stack!.top as Extract<Frame, { kind: 'resume' }>;
        if (fields === undefined) return abort('A0106', `no such entity ${canonical(self)}`);
        start = resumeFrame(program, frame, decodeValue(message.value), stack!.below);
        break;
      }
    }
    const state = fields;
    let steps = input.steps;
    let changed = false;
    const selfId = canonical(self);
    let end: LocalEnd;
    // A call, a read or a result that stays on this entity goes on here, without a trip through the
    // coordinator (the split program's blocks are the same either way; the simulation's host does it too).
    for (;;) {
      end = runToEnd(program, start, state, {
        beforeStep: () => (++steps > input.stepLimit ? { code: 'A0108', message: 'step limit exceeded' } : undefined),
        fired: () => undefined,
        charge: (extra) => { steps += extra; },
        write: (field, value) => {
          state.set(field, value);
          changed = true;
        },
      });
      const local = localContinuation(program, end, self, selfId, state);
      if (local === undefined) break;
      if ('abort' in local) {
        end = { kind: 'aborted', rule: 'L-Fail', span: undefined as never, code: local.abort.code as never, message: local.abort.message };
        break;
      }
      start = local;
    }
    if (changed) {
      wrote = true;
      ctx.set(stagedKey(input.tx), { fields: encodeFields(state), created } satisfies Staged);
    }
    switch (end.kind) {
      case 'suspended': {
        const outgoing = end.outgoing;
        const frames = change(outgoing.stack);
        switch (outgoing.kind) {
          case 'invoke':
            return {
              kind: 'send', target: encodeReference(outgoing.target), steps, version, wrote, ...frames,
              message: { kind: 'invoke', method: outgoing.method, args: outgoing.args.map(encodeValue) },
            };
          case 'read':
            return { kind: 'send', target: encodeReference(outgoing.target), steps, version, wrote, ...frames, message: { kind: 'read', field: outgoing.field } };
          case 'create':
            return {
              kind: 'send', target: { entity: outgoing.entity, key: outgoing.key }, steps, version, wrote, ...frames,
              message: { kind: 'create', args: outgoing.args.map(encodeValue), ...(outgoing.ifAbsent === true ? { ifAbsent: true } : {}) },
            };
        }
      }
      // falls through: every suspension returned above
      case 'returned': {
        const returned = end as Extract<LocalEnd, { kind: 'returned' }>;
        return { kind: 'return', value: encodeValue(returned.value), ...change(returned.stack), steps, version, wrote };
      }
      case 'aborted':
      case 'stopped':
        return abort(end.code, end.message);
    }
  };
  return {
    exec,
    /** Prepare: votes yes when the transaction still holds Ent's lock here (always, under `none`). */
    prepare: async (ctx: restate.ObjectContext, input: { tx: string; protocol: Protocol }): Promise<boolean> => {
      if (input.protocol !== '2pl') return true;
      const lock = await ctx.get<Lock>('lock');
      return lock !== null && lock.tx === input.tx;
    },
    /** Installs the transaction's staged write as the next version and frees the lock (once: a repeat finds nothing). */
    commit: async (ctx: restate.ObjectContext, input: { tx: string; id: string; at: number; bug?: string }): Promise<number | null> => {
      const staged = await ctx.get<Staged>(stagedKey(input.tx));
      const lock = await ctx.get<Lock>('lock');
      if (lock !== null && lock.tx === input.tx) ctx.clear('lock');
      if (staged === null) return null;
      const version = ((await ctx.get<number>('version')) ?? 0) + 1;
      ctx.set('fields', staged.fields);
      ctx.set('version', version);
      const installs = (await ctx.get<Install[]>('installs')) ?? [];
      ctx.set('installs', [...installs, { id: input.id, version, at: input.at }]);
      ctx.clear(stagedKey(input.tx));
      return version;
    },
    /** Drops the transaction's staged write and frees its lock. */
    abort: async (ctx: restate.ObjectContext, input: { tx: string }): Promise<null> => {
      ctx.clear(stagedKey(input.tx));
      const lock = await ctx.get<Lock>('lock');
      if (lock !== null && lock.tx === input.tx) ctx.clear('lock');
      return null;
    },
    snapshot: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext): Promise<EntitySnapshot> => ({
      fields: await ctx.get<Record<string, Json>>('fields'),
      version: (await ctx.get<number>('version')) ?? 0,
      installs: (await ctx.get<Install[]>('installs')) ?? [],
    })),
  };
}

/**
 * Where an activation's end continues on the same entity: a call or field read of `self`, or a result
 * whose next resume frame is on `self` (a `created` frame turns the result into the new reference).
 */
function localContinuation(
  program: SplitProgram, end: LocalEnd, self: ReferenceValue, selfId: string, state: ReadonlyMap<string, Value | undefined>,
): Activation | { abort: { code: string; message: string } } | undefined {
  let value: Value;
  let stack: FrameStack;
  if (end.kind === 'suspended') {
    const outgoing = end.outgoing;
    if (outgoing.kind === 'create' || canonical(outgoing.target) !== selfId) return undefined;
    if (outgoing.kind === 'invoke') return enterMethod(program, self, outgoing.method, outgoing.args, outgoing.stack);
    const read = state.get(outgoing.field);
    if (read === undefined) return { abort: { code: 'A0109', message: `uninitialized field ${selfId}.${outgoing.field}` } };
    value = read;
    stack = outgoing.stack;
  } else if (end.kind === 'returned') {
    value = end.value;
    stack = end.stack;
  } else {
    return undefined;
  }
  while (stack !== undefined && stack.top.kind === 'created') {
    if (canonical(stack.top.reference) !== selfId) return undefined;
    value = stack.top.reference;
    stack = stack.below;
  }
  if (stack === undefined || stack.top.kind !== 'resume' || canonical(stack.top.self) !== selfId) return undefined;
  return resumeFrame(program, stack.top, value, stack.below);
}

/** The first message of a request's attempt, and the entity it goes to. */
function firstMessage(request: EncodedRequest): { target: EncodedReference; message: Message } {
  switch (request.kind) {
    case 'call': return { target: request.target, message: { kind: 'invoke', method: request.method, args: request.args } };
    case 'read': return { target: request.target, message: { kind: 'read', field: request.field } };
    case 'new': return { target: { entity: request.entity, key: request.key }, message: { kind: 'create', args: request.args } };
  }
}

/** The frames handed to `target`: the top of the stack (outermost first) while it is the target's own, innermost first. */
function handOver(stack: readonly EncodedFrame[], target: EncodedReference): EncodedStack {
  const frames: EncodedStack = [];
  for (let index = stack.length - 1; index >= 0 && frames.length < framesHandedOver; index--) {
    const frame = stack[index];
    if (!sameEntity(frame.kind === 'resume' ? frame.self : frame.reference, target)) break;
    frames.push(frame);
  }
  return frames;
}

/** Applies an `exec`'s change to the coordinator's stack (outermost first). */
function applyChange(stack: EncodedFrame[], change: StackChange): void {
  stack.length -= change.pop;
  for (let index = change.push.length - 1; index >= 0; index--) stack.push(change.push[index]);
}

type AttemptEnd =
  | { readonly kind: 'retry' }
  | { readonly kind: 'decided'; readonly outcome: EncodedOutcome };

function coordinator() {
  const call = <T>(ctx: restate.ObjectContext, namespace: string, target: EncodedReference, method: string, parameter: unknown): restate.RestatePromise<T> =>
    ctx.genericCall<unknown, T>({
      service: objectName(target.entity), key: objectKey(namespace, target.key), method, parameter,
      inputSerde: restate.serde.json, outputSerde: restate.serde.json,
    });
  const release = async (ctx: restate.ObjectContext, namespace: string, touched: Map<string, EncodedReference>, tx: string): Promise<void> => {
    await restate.RestatePromise.all([...touched.values()].map((target) => call<null>(ctx, namespace, target, 'abort', { tx })));
  };
  const attempt = async (ctx: restate.ObjectContext, input: RunInput, number: number): Promise<AttemptEnd> => {
    // The object key is `namespace|requestId`; the history names the request by its id.
    const id = ctx.key.slice(ctx.key.indexOf('|') + 1);
    const tx = `${ctx.key}#${number}`;
    const touched = new Map<string, EncodedReference>();
    const reads: Record<string, number> = {};
    const writes = new Set<string>();
    let { target, message } = firstMessage(input.request);
    // The request's frame stack, outermost first. It lives in this handler's memory: it is a function of
    // the journaled results of the `exec` calls, so a replay of the journal rebuilds it exactly.
    const stack: EncodedFrame[] = [];
    let steps = 0;
    let waits = 0;
    let outcome: EncodedOutcome;
    for (;;) {
      const name = canonical(decodeReference(target));
      const handed: ExecMessage = { ...message, frames: handOver(stack, target) };
      const result = await call<ExecResult>(ctx, input.namespace, target, 'exec', { tx, ts: input.ts, protocol: input.protocol, steps, stepLimit: input.stepLimit, message: handed } satisfies ExecInput);
      if (result.kind === 'wait') {
        // Older than the holder: wait for it (a durable timer), then deliver the same message again.
        await ctx.sleep(Math.min(200, 5 * ++waits));
        continue;
      }
      if (result.kind === 'die') {
        await release(ctx, input.namespace, touched, tx);
        await ctx.sleep(5 + (number % 4) * 10);
        return { kind: 'retry' };
      }
      if (!touched.has(name)) {
        touched.set(name, target);
        reads[name] = result.version;
      }
      if (result.wrote) writes.add(name);
      if (result.kind === 'abort') {
        outcome = { kind: 'aborted', code: result.code as never, message: result.message };
        break;
      }
      applyChange(stack, result);
      steps = result.steps;
      if (result.kind === 'send') {
        ({ target, message } = { target: result.target, message: result.message });
        continue;
      }
      // A result: it goes to the innermost resume frame (a `created` frame turns it into the reference).
      let value = result.value;
      while (stack.length > 0 && stack[stack.length - 1].kind === 'created') {
        value = encodeValue(decodeReference((stack.pop() as Extract<EncodedFrame, { kind: 'created' }>).reference));
      }
      if (stack.length === 0) {
        outcome = { kind: 'committed', value };
        break;
      }
      const top = stack[stack.length - 1] as Extract<EncodedFrame, { kind: 'resume' }>;
      target = top.self;
      message = { kind: 'reply', value };
    }
    // Validation: every participant still holds the lock (a commit and a program abort alike).
    const votes = await restate.RestatePromise.all([...touched.values()].map((participant) =>
      call<boolean>(ctx, input.namespace, participant, 'prepare', { tx, protocol: input.protocol })));
    if (votes.some((yes) => !yes)) {
      await release(ctx, input.namespace, touched, tx);
      return { kind: 'retry' };
    }
    const order = await ctx.genericCall<unknown, number>({
      service: orderName, key: input.namespace, method: 'next', parameter: null, inputSerde: restate.serde.json, outputSerde: restate.serde.json,
    });
    const at = await ctx.date.now();
    const written = outcome.kind === 'committed' ? [...writes].sort() : [];
    const decision: Decision = { outcome, order, attempt: number, reads, writes: written, at };
    ctx.set('decision', decision);
    await restate.RestatePromise.all([...touched].map(([name, participant]) =>
      outcome.kind === 'committed' && writes.has(name)
        ? call<number | null>(ctx, input.namespace, participant, 'commit', { tx, id, at })
        : call<null>(ctx, input.namespace, participant, 'abort', { tx })));
    return { kind: 'decided', outcome };
  };
  return {
    /** Runs the request's transaction to its decision, once: a repeated request gets the decision again. */
    run: async (ctx: restate.ObjectContext, input: RunInput): Promise<EncodedOutcome> => {
      const known = await ctx.get<Decision>('decision');
      if (known !== null) return known.outcome;
      for (let number = 1; ; number++) {
        const end = await attempt(ctx, input, number);
        if (end.kind === 'decided') return end.outcome;
      }
    },
    decision: restate.handlers.object.shared(async (ctx: restate.ObjectSharedContext): Promise<Decision | null> => ctx.get<Decision>('decision')),
  };
}

/** Every virtual object of the program's service: one per entity type, the coordinator and the serial order. */
export function serviceDefinitions(program: SplitProgram) {
  const objects: restate.VirtualObjectDefinition<string, unknown>[] = [];
  for (const name of program.entities.keys()) {
    objects.push(restate.object({ name: objectName(name), handlers: entityHandlers(program, name) }) as never);
  }
  objects.push(restate.object({ name: coordinatorName, handlers: coordinator() }) as never);
  objects.push(restate.object({
    name: orderName,
    handlers: {
      next: async (ctx: restate.ObjectContext): Promise<number> => {
        const next = ((await ctx.get<number>('last')) ?? 0) + 1;
        ctx.set('last', next);
        return next;
      },
    },
  }) as never);
  return objects;
}

export type { FrameStack, ReferenceValue };
