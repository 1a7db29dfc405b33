// Stage: semantics/desugar. Typed AST → core CPS terms, in one pass (Danvy and Filinski's higher-order
// CPS transform, which produces no administrative redexes): A-normalization and continuation-passing
// happen together, so every remote call, remote field read, `new`, `async` and `await` gets its own
// named continuation, also inside conditions, loop conditions, arguments and nested calls. Loops become
// recursive continuations, `if` a `branch` to two continuations that meet at a join continuation.

import type { Span } from '../../grammar/span.ts';
import {
  constant, variable, type Atom, type CoreEntity, type CoreMethod, type CoreProgram, type Primitive, type Term,
} from '../core.ts';
import type * as T from '../typed.ts';
import { assertNever, voidValue } from '../values.ts';
import { emitCall, streamsCoreEntity } from './streams.ts';
import { codeCoreEntity, readsThroughGetters, versionedCoreEntity } from './updates.ts';
import { codeEntity, updatedTypes } from '../updates.ts';

/** Where `break` and `continue` go inside the innermost loop. */
interface LoopTargets {
  readonly breakTo: string;
  readonly continueTo: string;
}

type Rest = () => Term;

/** Test-only faults, to show that the differential property catches a broken desugaring. */
export type DesugarFault = 'none' | 'drop-last-argument' | 'call-twice';

export interface DesugarOptions {
  readonly fault?: DesugarFault;
}

export function desugarProgram(program: T.TypedProgram, options: DesugarOptions = {}): CoreProgram {
  const entities = new Map<string, CoreEntity>();
  const updated = updatedTypes(program);
  for (const entity of program.entities.values()) {
    // An entity type that the run block updates holds every version of its code (./updates.ts).
    if (updated.has(entity.name)) {
      entities.set(entity.name, versionedCoreEntity(program, entity.name, (method) => desugarMethod(method, options)));
      continue;
    }
    const methods = new Map<string, CoreMethod>();
    if (entity.init !== undefined) methods.set('init', desugarMethod(entity.init, options));
    for (const method of entity.methods.values()) methods.set(method.name, desugarMethod(method, options));
    // A consumer is a method of its entity named `on S`, which the stream's `$next` calls (S-Deliver).
    for (const handler of entity.handlers.values()) methods.set(handler.method.name, desugarMethod(handler.method, options));
    const fields = entity.fields.map((field) => ({ name: field.name, initial: field.initial }));
    entities.set(entity.name, { name: entity.name, keyName: entity.keyName, fields, methods });
  }
  // The streams: the state and the steps of the system-owned entity `$Streams(0)` (./streams.ts).
  const streams = streamsCoreEntity(program, (method) => desugarMethod(method, options));
  if (streams !== undefined) entities.set(streams.name, streams);
  if (updated.size === 0) return { entities };
  // Live updates: the code versions are the state of `$Code(0)`, and reads of an updated type's fields
  // go through its getters, which migrate the entity first (./updates.ts).
  entities.set(codeEntity, codeCoreEntity(program, program.updates![0].span));
  for (const [name, entity] of entities) {
    const methods = new Map([...entity.methods].map(([method, core]) => [method, { ...core, body: readsThroughGetters(core.body, updated) }]));
    entities.set(name, { ...entity, methods });
  }
  return { entities };
}

export function desugarMethod(method: T.TypedMethod, options: DesugarOptions = {}): CoreMethod {
  const desugarer = new Desugarer(method, options.fault ?? 'none');
  return desugarer.method();
}

class Desugarer {
  private readonly names = new Map<number, string>();
  private readonly taken = new Set<string>();
  private temporaryCount = 0;
  private continuationCount = 0;

  constructor(
    private readonly source: T.TypedMethod,
    private readonly fault: DesugarFault,
  ) {
    const slotsByName = new Map<string, number[]>();
    collectVariables(source, (bound) => {
      const slots = slotsByName.get(bound.name) ?? [];
      if (!slots.includes(bound.slot)) slots.push(bound.slot);
      slotsByName.set(bound.name, slots);
    });
    for (const [name, slots] of slotsByName) {
      slots.sort((a, b) => a - b).forEach((slot, index) => {
        const unique = index === 0 ? name : `${name}.${index}`;
        this.names.set(slot, unique);
        this.taken.add(unique);
      });
    }
  }

  method(): CoreMethod {
    const { source } = this;
    const end: Term = { kind: 'Return', value: constant(voidValue), span: endOf(source.span) };
    return {
      entity: source.entity,
      name: source.name,
      parameters: source.parameters.map((parameter) => this.nameOf(parameter)),
      body: renumber(this.block(source.body, () => end, undefined), this.taken),
      span: source.span,
    };
  }

  // ------------------------------------------------------------------------------------------ names

  private nameOf(bound: T.Variable): string {
    const name = this.names.get(bound.slot);
    if (name === undefined) throw new Error(`assertion: variable ${bound.name} (slot ${bound.slot}) was not collected`);
    return name;
  }

  /** A fresh temporary, `%n` until `renumber` names it `t1`, `t2`, … in the order the method uses them. */
  private temporary(): string {
    return `%${++this.temporaryCount}`;
  }

  /** A fresh continuation, `purpose%n` until `renumber` numbers it in order of appearance. */
  private continuation(purpose: string): string {
    return `${purpose}%${++this.continuationCount}`;
  }

  // ------------------------------------------------------------------------------------- statements

  private block(block: T.Block, rest: Rest, loop: LoopTargets | undefined): Term {
    const translate = (index: number): Term => index === block.length
      ? rest()
      : this.statement(block[index], () => translate(index + 1), loop);
    return translate(0);
  }

  private statement(statement: T.Statement, rest: Rest, loop: LoopTargets | undefined): Term {
    const span = statement.span;
    switch (statement.kind) {
      case 'Let':
        return this.into(statement.value, this.nameOf(statement.variable), 'Let', rest);
      case 'AssignLocal':
        return this.into(statement.value, this.nameOf(statement.variable), 'Set', rest);
      case 'AssignField':
        return this.atom(statement.value, (value) => ({ kind: 'WriteSelf', field: statement.field, value, body: rest(), span }));
      case 'AssignIndex':
        return this.atom(statement.index, (index) => this.atom(statement.value, (value) =>
          this.updateTarget(statement.target, (base) => ({ kind: 'Store', container: statement.container, base, index, value }), span, rest)));
      case 'If':
        return this.ifStatement(statement, rest, loop);
      case 'While':
        return this.whileLoop(statement, rest);
      case 'For':
        return this.forLoop(statement, rest);
      case 'Break':
        return { kind: 'Jump', continuation: loopTarget(loop, 'break').breakTo, args: [], span };
      case 'Continue':
        return { kind: 'Jump', continuation: loopTarget(loop, 'continue').continueTo, args: [], span };
      case 'Return':
        if (statement.value === undefined) return { kind: 'Return', value: constant(voidValue), span };
        return this.atom(statement.value, (value) => ({ kind: 'Return', value, span }));
      case 'Abort':
        return this.atom(statement.message, (message) => ({ kind: 'Abort', message, span }));
      case 'Print':
        throw new Error('assertion: print inside a method passed the checker');
      case 'Emit':
        // S-Emit: a call of `$Streams(0).$emit`, so that the atom is one of the transaction's writes,
        // published when it commits (./streams.ts).
        return this.atom(statement.events, (events) => {
          const emitted = this.continuation('emitted');
          return {
            kind: 'LetCont', name: emitted, parameters: [this.temporary()], continuationBody: rest(),
            body: emitCall(statement.stream, events, emitted, span), span,
          };
        });
      case 'Seal':
        throw new Error('assertion: seal in a method passed the checker');
      case 'Update':
        throw new Error('assertion: update in a method passed the checker');
      case 'ExpressionStatement': {
        const expression = statement.expression;
        if (expression.kind !== 'Mutation') return this.atom(expression, () => rest());
        return this.atom(expression.arg, (arg) => this.updateTarget(expression.target,
          (target) => ({ kind: 'Mutate', method: expression.method, target, arg }), span, rest));
      }
      default:
        return assertNever(statement);
    }
  }

  /** Reads the target's current value, computes its new value, and stores it back. */
  private updateTarget(target: T.MutationTarget, update: (base: Atom) => Primitive, span: Span, rest: Rest): Term {
    if (target.kind === 'local') {
      const name = this.nameOf(target.variable);
      return { kind: 'Set', variable: name, primitive: update(variable(name)), body: rest(), span };
    }
    const current = this.temporary();
    const updated = this.temporary();
    return {
      kind: 'ReadSelf', variable: current, field: target.field, span,
      body: {
        kind: 'Let', variable: updated, primitive: update(variable(current)), span,
        body: { kind: 'WriteSelf', field: target.field, value: variable(updated), body: rest(), span },
      },
    };
  }

  /**
   * `letcont join() = rest in body(join)`, where the rest of the block is translated only if some path
   * of `body` jumps to the join: after an `if` whose branches all return, abort, break or continue, the
   * rest is dead code, and leaving it out keeps every continuation reachable (and its liveness exact).
   */
  private join(rest: Rest, span: Span, body: (jumpToJoin: Rest) => Term): Term {
    const name = this.continuation('join');
    let used = false;
    const jumpToJoin: Rest = () => {
      used = true;
      return { kind: 'Jump', continuation: name, args: [], span };
    };
    const built = body(jumpToJoin);
    return used ? { kind: 'LetCont', name, parameters: [], continuationBody: rest(), body: built, span } : built;
  }

  private ifStatement(statement: Extract<T.Statement, { kind: 'If' }>, rest: Rest, loop: LoopTargets | undefined): Term {
    const span = statement.span;
    return this.atom(statement.condition, (condition) => this.join(rest, span, (jumpToJoin) => {
      const thenName = this.continuation('then');
      const thenBody = this.block(statement.thenBlock, jumpToJoin, loop);
      const elseName = this.continuation('else');
      const elseBody = this.block(statement.elseBlock, jumpToJoin, loop);
      return {
        kind: 'LetCont', name: thenName, parameters: [], continuationBody: thenBody, span,
        body: {
          kind: 'LetCont', name: elseName, parameters: [], continuationBody: elseBody, span,
          body: { kind: 'Branch', condition, thenContinuation: thenName, elseContinuation: elseName, span },
        },
      };
    }));
  }

  private whileLoop(statement: Extract<T.Statement, { kind: 'While' }>, rest: Rest): Term {
    const span = statement.span;
    const exitName = this.continuation('exit');
    const loopName = this.continuation('loop');
    const bodyName = this.continuation('body');
    const targets = { breakTo: exitName, continueTo: loopName };
    const jumpToLoop: Rest = () => ({ kind: 'Jump', continuation: loopName, args: [], span });
    const loopBody = this.atom(statement.condition, (condition) => ({
      kind: 'LetCont', name: bodyName, parameters: [], span,
      continuationBody: this.block(statement.body, jumpToLoop, targets),
      body: { kind: 'Branch', condition, thenContinuation: bodyName, elseContinuation: exitName, span },
    }));
    return {
      kind: 'LetCont', name: exitName, parameters: [], continuationBody: rest(), span,
      body: { kind: 'LetCont', name: loopName, parameters: [], continuationBody: loopBody, body: jumpToLoop(), span },
    };
  }

  /** `for x in e`: walks a snapshot of the list (or of the map's sorted keys) by index. */
  private forLoop(statement: Extract<T.Statement, { kind: 'For' }>, rest: Rest): Term {
    const span = statement.span;
    const items = this.temporary();
    const count = this.temporary();
    const index = this.temporary();
    const more = this.temporary();
    const exitName = this.continuation('exit');
    const loopName = this.continuation('loop');
    const bodyName = this.continuation('body');
    const targets = { breakTo: exitName, continueTo: loopName };
    const jumpToLoop: Rest = () => ({ kind: 'Jump', continuation: loopName, args: [], span });
    const element = this.nameOf(statement.variable);
    const loopBody: Term = {
      kind: 'Let', variable: more, primitive: { kind: 'Binary', operator: '<', left: variable(index), right: variable(count) }, span,
      body: {
        kind: 'LetCont', name: bodyName, parameters: [], span,
        continuationBody: {
          kind: 'Let', variable: element, primitive: { kind: 'Index', container: 'list', base: variable(items), index: variable(index) }, span,
          body: {
            kind: 'Set', variable: index, primitive: { kind: 'Binary', operator: '+', left: variable(index), right: constant(1) }, span,
            body: this.block(statement.body, jumpToLoop, targets),
          },
        },
        body: { kind: 'Branch', condition: variable(more), thenContinuation: bodyName, elseContinuation: exitName, span },
      },
    };
    const startLoop: Term = {
      kind: 'Let', variable: count, primitive: { kind: 'ValueMethod', method: 'len', receiver: variable(items), args: [] }, span,
      body: {
        kind: 'Let', variable: index, primitive: { kind: 'Atom', atom: constant(0) }, span,
        body: {
          kind: 'LetCont', name: exitName, parameters: [], continuationBody: rest(), span,
          body: { kind: 'LetCont', name: loopName, parameters: [], continuationBody: loopBody, body: jumpToLoop(), span },
        },
      },
    };
    return this.atom(statement.iterable, (iterable) => ({
      kind: 'Let', variable: items, span, body: startLoop,
      primitive: statement.over === 'list'
        ? { kind: 'Atom', atom: iterable }
        : { kind: 'ValueMethod', method: 'keys', receiver: iterable, args: [] },
    }));
  }

  // ------------------------------------------------------------------------------------ expressions

  /** Evaluates `expression` to an atom and gives it to `use`. */
  private atom(expression: T.Expression, use: (atom: Atom) => Term): Term {
    if (expression.kind === 'Literal') return use(constant(expression.value));
    if (expression.kind === 'Local') return use(variable(this.nameOf(expression.variable)));
    const name = this.temporary();
    return this.into(expression, name, 'Let', () => use(variable(name)));
  }

  private atoms(expressions: readonly T.Expression[], use: (atoms: Atom[]) => Term): Term {
    const collect = (index: number, collected: Atom[]): Term => index === expressions.length
      ? use(collected)
      : this.atom(expressions[index], (atom) => collect(index + 1, [...collected, atom]));
    return collect(0, []);
  }

  /** Evaluates `expression` into the variable `name` (binding it, or updating it), then continues. */
  private into(expression: T.Expression, name: string, binding: 'Let' | 'Set', rest: Rest): Term {
    const span = expression.span;
    const bind = (primitive: Primitive): Term => ({ kind: binding, variable: name, primitive, body: rest(), span });
    const resume = (suspend: (continuation: string) => Term): Term => {
      const continuation = this.continuation('k');
      return { kind: 'LetCont', name: continuation, parameters: [name], continuationBody: rest(), body: suspend(continuation), span };
    };
    switch (expression.kind) {
      case 'Literal':
        return bind({ kind: 'Atom', atom: constant(expression.value) });
      case 'Local':
        return bind({ kind: 'Atom', atom: variable(this.nameOf(expression.variable)) });
      case 'ListLiteral':
        return this.atoms(expression.elements, (elements) => bind({ kind: 'List', elements }));
      case 'MapLiteral':
        return this.atoms(expression.entries.flatMap((entry) => [entry.key, entry.value]), (atoms) =>
          bind({ kind: 'Map', entries: pairs(atoms) }));
      case 'Self':
        return bind({ kind: 'SelfReference' });
      case 'SelfField':
        return { kind: 'ReadSelf', variable: name, field: expression.field, body: rest(), span };
      case 'RemoteField':
        return this.atom(expression.object, (object) => resume((continuation) => ({
          kind: 'ReadRemote', object, entity: expression.entity, field: expression.field, continuation, span,
        })));
      case 'KeyOf':
        return this.atom(expression.object, (object) => bind({ kind: 'KeyOf', object }));
      case 'Unary':
        return this.atom(expression.operand, (operand) => bind({ kind: 'Unary', operator: expression.operator, operand }));
      case 'Binary':
        return this.binary(expression, name, binding, rest);
      case 'Index':
        return this.atoms([expression.base, expression.index], ([base, index]) =>
          bind({ kind: 'Index', container: expression.container, base, index }));
      case 'Call':
      case 'Async': {
        const call = expression.kind === 'Call' ? expression : expression.call;
        return this.atoms([call.receiver, ...call.args], ([receiver, ...args]) => this.callTerm(
          call, receiver, args, expression.kind === 'Async', resume, span));
      }
      case 'New':
        return this.atoms([expression.key, ...expression.args], ([key, ...args]) => resume((continuation) => ({
          kind: 'New', entity: expression.entity, key, args, continuation, span,
        })));
      case 'Reference':
        return this.atom(expression.key, (key) => bind({ kind: 'Reference', entity: expression.entity, key }));
      case 'Await':
        return this.atom(expression.future, (future) => bind({ kind: 'Await', future }));
      case 'ValueMethod':
        return this.atoms([expression.receiver, ...expression.args], ([receiver, ...args]) =>
          bind({ kind: 'ValueMethod', method: expression.method, receiver, args }));
      case 'Mutation':
        return this.atom(expression.arg, (arg) => this.updateTarget(expression.target,
          (target) => ({ kind: 'Mutate', method: expression.method, target, arg }), span,
          () => bind({ kind: 'Atom', atom: constant(voidValue) })));
      case 'Builtin':
        return this.atoms(expression.args, (args) => bind({ kind: 'Builtin', function: expression.function, args }));
      default:
        return assertNever(expression);
    }
  }

  private callTerm(
    call: T.CallExpression,
    receiver: Atom,
    args: Atom[],
    isAsync: boolean,
    resume: (suspend: (continuation: string) => Term) => Term,
    span: Span,
  ): Term {
    const passed = this.fault === 'drop-last-argument' && args.length > 0
      ? [...args.slice(0, -1), constant(0)]
      : args;
    const callWith = (continuation: string): Term => ({
      kind: 'Call', receiver, entity: call.entity, method: call.method, args: passed, async: isAsync, continuation, span,
    });
    if (this.fault !== 'call-twice') return resume(callWith);
    // The fault: the call is made once for nothing, then again for its result.
    return resume((continuation) => {
      const first = this.continuation('k');
      return {
        kind: 'LetCont', name: first, parameters: [this.temporary()], continuationBody: callWith(continuation),
        body: callWith(first), span,
      };
    });
  }

  /** `&&` and `||` short-circuit: the right operand runs only when the left does not decide. */
  private binary(expression: Extract<T.Expression, { kind: 'Binary' }>, name: string, binding: 'Let' | 'Set', rest: Rest): Term {
    const span = expression.span;
    const { operator } = expression;
    if (operator !== '&&' && operator !== '||') {
      return this.atoms([expression.left, expression.right], ([left, right]) => ({
        kind: binding, variable: name, primitive: { kind: 'Binary', operator, left, right }, body: rest(), span,
      }));
    }
    return this.atom(expression.left, (left) => {
      const joinName = this.continuation('join');
      const rightName = this.continuation(operator === '&&' ? 'and' : 'or');
      const decidedName = this.continuation('decided');
      const rightBody = this.atom(expression.right, (right) => ({ kind: 'Jump', continuation: joinName, args: [right], span }));
      const decided: Term = { kind: 'Jump', continuation: joinName, args: [constant(operator === '||')], span };
      const branch: Term = operator === '&&'
        ? { kind: 'Branch', condition: left, thenContinuation: rightName, elseContinuation: decidedName, span }
        : { kind: 'Branch', condition: left, thenContinuation: decidedName, elseContinuation: rightName, span };
      // Binding the join's parameter is the assignment (`Set`) or binding (`Let`) of `name`.
      return {
        kind: 'LetCont', name: joinName, parameters: [name], span,
        continuationBody: rest(),
        body: {
          kind: 'LetCont', name: rightName, parameters: [], continuationBody: rightBody, span,
          body: { kind: 'LetCont', name: decidedName, parameters: [], continuationBody: decided, body: branch, span },
        },
      };
    });
  }
}

/**
 * Gives temporaries and continuations their printed names, numbered in the order in which they first
 * appear when the term is read as it runs (a `letcont`'s body before the continuations it defines).
 */
function renumber(term: Term, taken: ReadonlySet<string>): Term {
  const renamed = new Map<string, string>();
  let temporaryCount = 0;
  let continuationCount = 0;
  const rename = (name: string): string => {
    if (!name.includes('%')) return name;
    let found = renamed.get(name);
    if (found === undefined) {
      if (name.startsWith('%')) {
        do found = `t${++temporaryCount}`; while (taken.has(found));
      } else {
        found = `${name.slice(0, name.indexOf('%'))}${++continuationCount}`;
      }
      renamed.set(name, found);
    }
    return found;
  };
  return mapTermNames(term, rename);
}

function mapAtom(atom: Atom, rename: (name: string) => string): Atom {
  return atom.kind === 'Variable' ? variable(rename(atom.name)) : atom;
}

function mapPrimitive(primitive: Primitive, rename: (name: string) => string): Primitive {
  const atom = (value: Atom): Atom => mapAtom(value, rename);
  switch (primitive.kind) {
    case 'Atom': return { ...primitive, atom: atom(primitive.atom) };
    case 'Binary': return { ...primitive, left: atom(primitive.left), right: atom(primitive.right) };
    case 'Unary': return { ...primitive, operand: atom(primitive.operand) };
    case 'List': return { ...primitive, elements: primitive.elements.map(atom) };
    case 'Map': return { ...primitive, entries: primitive.entries.map(([key, value]) => [atom(key), atom(value)] as const) };
    case 'Index': return { ...primitive, base: atom(primitive.base), index: atom(primitive.index) };
    case 'Store': return { ...primitive, base: atom(primitive.base), index: atom(primitive.index), value: atom(primitive.value) };
    case 'ValueMethod': return { ...primitive, receiver: atom(primitive.receiver), args: primitive.args.map(atom) };
    case 'Mutate': return { ...primitive, target: atom(primitive.target), arg: atom(primitive.arg) };
    case 'Builtin': return { ...primitive, args: primitive.args.map(atom) };
    case 'Reference': return { ...primitive, key: atom(primitive.key) };
    case 'SelfReference': return primitive;
    case 'KeyOf': return { ...primitive, object: atom(primitive.object) };
    case 'Await': return { ...primitive, future: atom(primitive.future) };
  }
}

/** Renames every variable and continuation, visiting names in the order the term runs. */
function mapTermNames(term: Term, rename: (name: string) => string): Term {
  const atom = (value: Atom): Atom => mapAtom(value, rename);
  switch (term.kind) {
    case 'Let':
    case 'Set': {
      const primitive = mapPrimitive(term.primitive, rename);
      return { ...term, primitive, variable: rename(term.variable), body: mapTermNames(term.body, rename) };
    }
    case 'ReadSelf':
      return { ...term, variable: rename(term.variable), body: mapTermNames(term.body, rename) };
    case 'WriteSelf': {
      const value = atom(term.value);
      return { ...term, value, body: mapTermNames(term.body, rename) };
    }
    case 'LetCont': {
      const body = mapTermNames(term.body, rename);
      const name = rename(term.name);
      const parameters = term.parameters.map(rename);
      return { ...term, name, parameters, body, continuationBody: mapTermNames(term.continuationBody, rename) };
    }
    case 'Jump': {
      const args = term.args.map(atom);
      return { ...term, continuation: rename(term.continuation), args };
    }
    case 'Branch': {
      const condition = atom(term.condition);
      return { ...term, condition, thenContinuation: rename(term.thenContinuation), elseContinuation: rename(term.elseContinuation) };
    }
    case 'Call': {
      const receiver = atom(term.receiver);
      const args = term.args.map(atom);
      return { ...term, receiver, args, continuation: rename(term.continuation) };
    }
    case 'ReadRemote': {
      const object = atom(term.object);
      return { ...term, object, continuation: rename(term.continuation) };
    }
    case 'New': {
      const key = atom(term.key);
      const args = term.args.map(atom);
      return { ...term, key, args, continuation: rename(term.continuation) };
    }
    case 'Return':
      return { ...term, value: atom(term.value) };
    case 'Abort':
      return { ...term, message: atom(term.message) };
  }
}

function pairs(atoms: readonly Atom[]): (readonly [Atom, Atom])[] {
  const result: (readonly [Atom, Atom])[] = [];
  for (let index = 0; index < atoms.length; index += 2) result.push([atoms[index], atoms[index + 1]]);
  return result;
}

function loopTarget(loop: LoopTargets | undefined, what: string): LoopTargets {
  if (loop === undefined) throw new Error(`assertion: ${what} outside a loop passed the checker`);
  return loop;
}

function endOf(span: Span): Span {
  return { file: span.file, start: Math.max(span.start, span.end - 1), end: span.end };
}

/** Every variable a method binds: parameters, `let`s and loop variables. */
function collectVariables(method: T.TypedMethod, visit: (bound: T.Variable) => void): void {
  method.parameters.forEach(visit);
  const walk = (block: T.Block): void => {
    for (const statement of block) {
      if (statement.kind === 'Let' || statement.kind === 'For') visit(statement.variable);
      if (statement.kind === 'If') {
        walk(statement.thenBlock);
        walk(statement.elseBlock);
      }
      if (statement.kind === 'While' || statement.kind === 'For') walk(statement.body);
    }
  };
  walk(method.body);
}
