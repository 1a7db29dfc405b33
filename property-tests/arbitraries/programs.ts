// Property-test arbitraries: random, well-typed Ent programs as source text, for the differential
// properties (property-tests/split-agrees.test.ts) and anything else that needs whole programs.
//
// How: fast-check generates a *model*, a tree of plain records, arrays and small numbers (`choice`s)
// that says what to write but not how it fits together; `printProgram` elaborates the model into
// source text, type-directed: each expression node is read in the type its context needs (a `call`
// node in a `bool` context calls a method that returns a bool, or compares an int result with 0, …),
// names resolve against the scope at that point, and whatever does not fit falls back to a literal. So
// every model prints a well-typed program, and fast-check shrinks the model (fewer entities, methods,
// statements; smaller expressions; choices towards 0) while the printed program stays valid: a shrunk
// counterexample reads as a small program. `fc.letrec` with `maxDepth` bounds expressions and
// statements.
//
// What the programs do: 2–4 entity types with int or string keys; fields of every type (int, bool,
// string, list<int>, map<string, int>, references) with defaults, or assigned by `init`; `init` with
// parameters, which may call out before its fields are all assigned (a re-entrant read then aborts with
// `uninitialized field`); methods with and without results; arithmetic (overflow, division by zero),
// comparisons, `&&` `||` `!`, string joining, list and map literals and built-ins, indexing (out of
// range, missing key); `if`/`else if`/`else`, `while` with a counter, `for` over lists and maps, `break`
// and `continue`; remote calls and remote field reads anywhere in expressions (conditions, loop
// conditions, arguments, nested calls, operands of `&&` and `||`); self calls, call cycles, recursion
// and re-entrant calls; `abort` under random conditions; `new` (keys collide often, so `already exists`
// happens); `async`/`await`, fan-out over a list of futures, awaiting twice, dropped futures. The run
// block creates entities, then makes random calls, field reads and `new`s, and prints results.
//
// Termination, by construction: a method is either a *leaf* (it makes no calls, `new`s or `async`s)
// or *fuelled*: its first parameter is `d: int`, it starts with `if d <= 0 { return … }`, and every call
// it makes to a fuelled method, and every `new` (whose `init` takes `d` first), passes `d - 1`. `d`, loop
// counters and loop variables are never assigned. `init` calls out only with `d - 1`, and makes `new`s
// only after `if d <= 0 { return }`. The run block passes fuel 0–3. So every call tree is at most 4 deep,
// loops run at most 3 times, and a program stays far below the step budget of 1,000,000.

import fc from 'fast-check';

// ------------------------------------------------------------------------------------------- the model

export type ExpressionModel =
  | { readonly kind: 'literal'; readonly choice: number }
  | { readonly kind: 'variable'; readonly choice: number }
  | { readonly kind: 'field'; readonly choice: number }
  | { readonly kind: 'unary'; readonly choice: number; readonly operand: ExpressionModel }
  | { readonly kind: 'binary'; readonly choice: number; readonly left: ExpressionModel; readonly right: ExpressionModel }
  | { readonly kind: 'builtin'; readonly choice: number; readonly first: ExpressionModel; readonly second: ExpressionModel }
  | { readonly kind: 'index'; readonly choice: number; readonly base: ExpressionModel; readonly index: ExpressionModel }
  | CallModel
  | { readonly kind: 'read'; readonly choice: number; readonly receiver: ExpressionModel }
  | { readonly kind: 'new'; readonly choice: number; readonly key: ExpressionModel; readonly args: readonly ExpressionModel[] }
  | { readonly kind: 'await'; readonly choice: number; readonly call: CallModel };

export interface CallModel {
  readonly kind: 'call';
  readonly choice: number;
  readonly receiver: ExpressionModel;
  readonly args: readonly ExpressionModel[];
}

export type StatementModel =
  | { readonly kind: 'let'; readonly choice: number; readonly annotate: boolean; readonly value: ExpressionModel }
  | { readonly kind: 'assign'; readonly choice: number; readonly value: ExpressionModel }
  | { readonly kind: 'setIndex'; readonly choice: number; readonly index: ExpressionModel; readonly value: ExpressionModel }
  | { readonly kind: 'mutate'; readonly choice: number; readonly value: ExpressionModel }
  | {
      readonly kind: 'if';
      readonly condition: ExpressionModel;
      readonly then: readonly StatementModel[];
      readonly otherwise: readonly StatementModel[];
    }
  | { readonly kind: 'while'; readonly choice: number; readonly condition: ExpressionModel; readonly body: readonly StatementModel[] }
  | { readonly kind: 'for'; readonly choice: number; readonly iterable: ExpressionModel; readonly body: readonly StatementModel[] }
  | { readonly kind: 'break' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'return'; readonly value: ExpressionModel }
  | { readonly kind: 'abort'; readonly condition: ExpressionModel; readonly message: ExpressionModel }
  | { readonly kind: 'call'; readonly choice: number; readonly call: CallModel }
  | { readonly kind: 'async'; readonly choice: number; readonly call: CallModel }
  | { readonly kind: 'fanout'; readonly choice: number; readonly calls: readonly CallModel[] }
  | { readonly kind: 'print'; readonly choice: number; readonly value: ExpressionModel };

export interface FieldModel {
  /** Index into the program's type table (see `typeTable`). */
  readonly type: number;
  /** The default, as a literal choice; absent: `init` assigns the field (references always). */
  readonly initial: number | undefined;
  /** What `init` assigns when the field has no default. */
  readonly assigned: ExpressionModel;
}

export interface InitModel {
  readonly parameters: readonly number[];
  readonly body: readonly StatementModel[];
  /** How many statements of the body run before the fields without defaults are assigned. */
  readonly assignAfter: number;
}

export interface MethodModel {
  readonly fuelled: boolean;
  readonly parameters: readonly number[];
  /** Index into the type table; absent: the method returns nothing. */
  readonly result: number | undefined;
  readonly body: readonly StatementModel[];
  readonly returns: ExpressionModel;
}

export interface EntityModel {
  readonly stringKey: boolean;
  readonly fields: readonly FieldModel[];
  readonly init: InitModel | undefined;
  readonly methods: readonly MethodModel[];
  /** The instances the run block creates first (keys 0, 1, 2 or "k0", "k1", "k2"). */
  readonly instances: readonly CreationModel[];
}

/** One `new` of the run block's prologue: the i-th instance of an entity type gets the i-th key. */
export interface CreationModel {
  readonly fuel: number;
  readonly args: readonly ExpressionModel[];
}

export interface ProgramModel {
  readonly entities: readonly EntityModel[];
  readonly run: readonly StatementModel[];
}

/** A generated program: its model (what fast-check shrinks) and its text; it prints as its text. */
export interface GeneratedProgram {
  readonly model: ProgramModel;
  readonly text: string;
}

export interface GeneratorOptions {
  /** Upper bound on statements in one block (method bodies and the run block get a little more). */
  readonly blockLengthMax?: number;
  /** Nesting depth of expressions. */
  readonly expressionDepthMax?: number;
  /** Nesting depth of statements (if, while, for). */
  readonly statementDepthMax?: number;
}

// ----------------------------------------------------------------------------------------- arbitraries

/**
 * What to write where the model leaves a choice (which method, which literal, …). It shrinks in one
 * step, to 0 (the first option), or not at all: bisecting a thousand numbers per program would
 * spend the shrinking time on choices that rarely make a program smaller.
 */
const choice = fc.oneof(
  { withCrossShrink: true },
  { arbitrary: fc.constant(0), weight: 1 },
  { arbitrary: fc.noShrink(fc.nat({ max: 1023 })), weight: 15 },
);

/** A model node: a record with its `kind`. */
function node<Kind extends string, Fields extends Record<string, fc.Arbitrary<unknown>>>(
  kind: Kind,
  fields: Fields,
): fc.Arbitrary<{ kind: Kind } & { [Name in keyof Fields]: Fields[Name] extends fc.Arbitrary<infer Value> ? Value : never }> {
  return fc.record({ kind: fc.constant(kind), ...fields }) as never;
}

function expressionArbitraries(depthMax: number): {
  expression: fc.Arbitrary<ExpressionModel>;
  call: fc.Arbitrary<CallModel>;
  leaf: fc.Arbitrary<ExpressionModel>;
} {
  const depthIdentifier = fc.createDepthIdentifier();
  const arbitraries = fc.letrec<{ expression: ExpressionModel; call: CallModel; leaf: ExpressionModel }>((tie) => ({
    expression: fc.oneof(
      { maxDepth: depthMax, depthIdentifier, depthSize: 'small', withCrossShrink: true },
      { arbitrary: tie('leaf'), weight: 6 },
      { arbitrary: node('unary', { choice, operand: tie('expression') }), weight: 1 },
      { arbitrary: node('binary', { choice, left: tie('expression'), right: tie('expression') }), weight: 3 },
      { arbitrary: node('builtin', { choice, first: tie('expression'), second: tie('expression') }), weight: 1 },
      { arbitrary: node('index', { choice, base: tie('expression'), index: tie('expression') }), weight: 1 },
      { arbitrary: tie('call'), weight: 4 },
      { arbitrary: node('read', { choice, receiver: tie('expression') }), weight: 2 },
      {
        arbitrary: node('new', { choice, key: tie('expression'), args: fc.array(tie('expression'), { maxLength: 2, depthIdentifier }) }),
        weight: 1,
      },
      { arbitrary: node('await', { choice, call: tie('call') as fc.Arbitrary<CallModel> }), weight: 1 },
    ),
    call: fc.record({
      kind: fc.constant('call' as const),
      choice,
      receiver: tie('expression'),
      args: fc.array(tie('expression'), { maxLength: 3, depthIdentifier }),
    }),
    leaf: fc.oneof(
      node('literal', { choice }),
      node('variable', { choice }),
      node('field', { choice }),
    ),
  }));
  return { expression: arbitraries.expression, call: arbitraries.call as fc.Arbitrary<CallModel>, leaf: arbitraries.leaf };
}

/** Statements; `forRun` weighs towards what a run block does (print, call), the other towards methods. */
function statementArbitrary(
  expression: fc.Arbitrary<ExpressionModel>,
  call: fc.Arbitrary<CallModel>,
  depthMax: number,
  blockLengthMax: number,
  forRun: boolean,
): fc.Arbitrary<StatementModel> {
  const depthIdentifier = fc.createDepthIdentifier();
  const { statement } = fc.letrec<{ statement: StatementModel; block: StatementModel[] }>((tie) => {
    const block = tie('block') as fc.Arbitrary<StatementModel[]>;
    const simple = fc.oneof(
      { arbitrary: node('let', { choice, annotate: fc.boolean(), value: expression }), weight: forRun ? 2 : 4 },
      { arbitrary: node('assign', { choice, value: expression }), weight: forRun ? 1 : 6 },
      { arbitrary: node('setIndex', { choice, index: expression, value: expression }), weight: 1 },
      { arbitrary: node('mutate', { choice, value: expression }), weight: 1 },
      { arbitrary: node('break', {}), weight: 1 },
      { arbitrary: node('continue', {}), weight: 1 },
      { arbitrary: node('return', { value: expression }), weight: forRun ? 0 : 1 },
      { arbitrary: node('abort', { condition: expression, message: expression }), weight: forRun ? 0 : 2 },
      { arbitrary: node('call', { choice, call }), weight: forRun ? 6 : 5 },
      { arbitrary: node('async', { choice, call }), weight: 1 },
      { arbitrary: node('fanout', { choice, calls: fc.array(call, { minLength: 1, maxLength: 3 }) }), weight: 1 },
      { arbitrary: node('print', { choice, value: expression }), weight: forRun ? 6 : 0 },
    );
    return {
      statement: fc.oneof(
        { maxDepth: depthMax, depthIdentifier, depthSize: 'small', withCrossShrink: true },
        { arbitrary: simple, weight: 6 },
        { arbitrary: node('if', { condition: expression, then: block, otherwise: block }), weight: 2 },
        { arbitrary: node('while', { choice, condition: expression, body: block }), weight: 1 },
        { arbitrary: node('for', { choice, iterable: expression, body: block }), weight: 1 },
      ),
      block: fc.array(tie('statement'), { maxLength: blockLengthMax, depthIdentifier }),
    };
  });
  return statement;
}

export function programModelArbitrary(options: GeneratorOptions = {}): fc.Arbitrary<ProgramModel> {
  const blockLengthMax = options.blockLengthMax ?? 3;
  const { expression, call, leaf } = expressionArbitraries(options.expressionDepthMax ?? 2);
  const depthMax = options.statementDepthMax ?? 2;
  const methodStatement = statementArbitrary(expression, call, depthMax, blockLengthMax, false);
  const runStatement = statementArbitrary(expression, call, depthMax, blockLengthMax, true);
  const typeChoice = choice;
  // What `init` assigns is mostly local, so that most `new`s succeed and later calls find their entity.
  const assigned = fc.oneof({ arbitrary: leaf, weight: 3 }, { arbitrary: expression, weight: 1 });
  // A default, or (shrinking away from it) none, so that `init` assigns the field.
  const initial = fc.oneof({ withCrossShrink: true }, { arbitrary: choice, weight: 4 }, { arbitrary: fc.constant(undefined), weight: 1 });
  const field = fc.record({ type: typeChoice, initial, assigned });
  const init = fc.record({
    parameters: fc.array(typeChoice, { maxLength: 2 }),
    body: fc.array(methodStatement, { maxLength: blockLengthMax }),
    assignAfter: fc.oneof({ arbitrary: fc.constant(0), weight: 3 }, { arbitrary: fc.nat({ max: 3 }), weight: 1 }),
  });
  const method = fc.record({
    fuelled: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
    parameters: fc.array(typeChoice, { maxLength: 2 }),
    result: fc.option(typeChoice, { nil: undefined, freq: 3 }),
    body: fc.array(methodStatement, { maxLength: blockLengthMax + 1 }),
    returns: expression,
  });
  // The prologue's `new`s mostly pass fuel 0, so that their `init`s do not call entities not created yet.
  const creationFuel = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.nat({ max: 2 }), weight: 1 });
  const creation = fc.record({ fuel: creationFuel, args: fc.array(leaf, { maxLength: 2 }) });
  const entity = fc.record({
    stringKey: fc.boolean(),
    fields: fc.array(field, { minLength: 1, maxLength: 4 }),
    init: fc.option(init, { nil: undefined, freq: 2 }),
    methods: fc.array(method, { minLength: 1, maxLength: 3 }),
    instances: fc.array(creation, { minLength: 1, maxLength: 3 }),
  });
  return fc.record({
    entities: fc.array(entity, { minLength: 2, maxLength: 4 }),
    run: fc.array(runStatement, { minLength: 2, maxLength: blockLengthMax + 6 }),
  });
}

/** Random well-typed programs; each prints (in fast-check's reports) as its source text. */
export function programArbitrary(options: GeneratorOptions = {}): fc.Arbitrary<GeneratedProgram> {
  return programModelArbitrary(options).map((model) => generatedProgram(model, options));
}

export function generatedProgram(model: ProgramModel, options: GeneratorOptions = {}): GeneratedProgram {
  const text = printProgram(model, options);
  return {
    model,
    text,
    [fc.toStringMethod]: () => `program:\n${text}`,
  } as GeneratedProgram;
}

// ------------------------------------------------------------------------------------------- types

type Type =
  | { readonly kind: 'int' } | { readonly kind: 'bool' } | { readonly kind: 'string' }
  | { readonly kind: 'list' } | { readonly kind: 'map' } | { readonly kind: 'strings' }
  | { readonly kind: 'ref'; readonly entity: number }
  | { readonly kind: 'future'; readonly result: Type | undefined };

const intType: Type = { kind: 'int' };
const boolType: Type = { kind: 'bool' };
const stringType: Type = { kind: 'string' };
const listType: Type = { kind: 'list' };
const mapType: Type = { kind: 'map' };
const stringsType: Type = { kind: 'strings' };

function sameType(a: Type | undefined, b: Type | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) return false;
  if (a.kind === 'ref') return a.entity === (b as typeof a).entity;
  if (a.kind === 'future') return sameType(a.result, (b as typeof a).result);
  return true;
}

/** The types that fields, parameters, results and `let`s choose from, by index (0, int, is the smallest). */
function typeTable(entityCount: number): Type[] {
  const references = Array.from({ length: entityCount }, (_, entity): Type => ({ kind: 'ref', entity }));
  return [intType, boolType, stringType, listType, mapType, ...references];
}

// -------------------------------------------------------------------------------------- signatures

const entityNames = ['A', 'B', 'C', 'D'];

interface FieldSignature {
  readonly name: string;
  readonly type: Type;
  /** Assigned by `init` (no default). */
  readonly required: boolean;
  readonly model: FieldModel;
}

interface MethodSignature {
  readonly entity: number;
  readonly name: string;
  readonly fuelled: boolean;
  readonly parameters: readonly { readonly name: string; readonly type: Type }[];
  readonly result: Type | undefined;
  readonly model: MethodModel;
}

interface EntitySignature {
  readonly index: number;
  readonly name: string;
  readonly keyName: string;
  readonly keyType: Type;
  readonly fields: readonly FieldSignature[];
  /** `init`'s parameters after the fuel `d`; absent: the entity has no `init`. */
  readonly initParameters: readonly { readonly name: string; readonly type: Type }[] | undefined;
  readonly methods: readonly MethodSignature[];
  readonly model: EntityModel;
}

interface Signature {
  readonly entities: readonly EntitySignature[];
  readonly types: readonly Type[];
  readonly methods: readonly MethodSignature[];
}

const fieldPrefix: Record<Type['kind'], string> = {
  int: 'n', bool: 'b', string: 's', list: 'xs', map: 'ms', strings: 'ks', ref: 'r', future: 'f',
};

function signatureOf(model: ProgramModel): Signature {
  const types = typeTable(model.entities.length);
  const pick = (index: number): Type => types[index % types.length];
  const entities = model.entities.map((entity, index): EntitySignature => {
    const fields = entity.fields.map((field, fieldIndex): FieldSignature => {
      const type = pick(field.type);
      return { name: `${fieldPrefix[type.kind]}${fieldIndex}`, type, required: type.kind === 'ref' || field.initial === undefined, model: field };
    });
    const needsInit = entity.init !== undefined || fields.some((field) => field.required);
    const initParameters = needsInit
      ? (entity.init?.parameters ?? []).map((type, parameter) => ({ name: `p${parameter}`, type: pick(type) }))
      : undefined;
    const methods = entity.methods.map((method, methodIndex): MethodSignature => ({
      entity: index,
      name: `m${methodIndex}`,
      fuelled: method.fuelled,
      parameters: method.parameters.map((type, parameter) => ({ name: `p${parameter}`, type: pick(type) })),
      result: method.result === undefined ? undefined : pick(method.result),
      model: method,
    }));
    return {
      index, name: entityNames[index], keyName: entity.stringKey ? 'name' : 'id', keyType: entity.stringKey ? stringType : intType,
      fields, initParameters, methods, model: entity,
    };
  });
  return { entities, types, methods: entities.flatMap((entity) => entity.methods) };
}

// -------------------------------------------------------------------------------------- elaboration

/** Printed code with its precedence level, so that operands are parenthesized only where needed. */
interface Code {
  readonly text: string;
  readonly level: number;
}

const primary = 0;
const prefix = 1;
const multiplicative = 2;
const additive = 3;
const comparison = 4;
const equality = 5;
const conjunction = 6;
const disjunction = 7;

const code = (text: string, level = primary): Code => ({ text, level });
const wrap = (operand: Code, levelMax: number): string => (operand.level > levelMax ? `(${operand.text})` : operand.text);

type Mode = 'run' | 'fuelled' | 'leaf' | 'init';

interface Local {
  readonly name: string;
  readonly type: Type;
  readonly assignable: boolean;
}

/** Mostly enough fuel for calls that call again; shrinking goes towards 2. */
const runFuel = [2, 3, 1, 3, 2, 0];

/** Names that must keep their meaning: the fuel, and names the printer gives loop machinery. */
const reservedNames = new Set(['d']);
const unusualNames = ['t1', 'k1', 't2', 'loop1', 'join1', 'x', 'm0_1'];

class Context {
  private readonly scopes: Local[][] = [[]];
  private readonly used = new Set<string>();
  private counter = 0;
  loopDepth = 0;
  /** In `init`, before the fields without defaults are assigned: no `self`, no `return`, no `new`. */
  early = false;
  /** Whether the `if` printed last leaves on every path. */
  lastLeaves = false;

  constructor(
    readonly signature: Signature,
    readonly options: GeneratorOptions,
    readonly mode: Mode,
    readonly self: EntitySignature | undefined,
    /** The method's result type; `undefined` for void methods, `init` and the run block. */
    readonly result: Type | undefined,
  ) {}

  get blockDepth(): number {
    return this.scopes.length - 1;
  }

  get canCall(): boolean {
    return this.mode !== 'leaf';
  }

  get canNew(): boolean {
    return this.mode === 'run' || this.mode === 'fuelled' || (this.mode === 'init' && !this.early);
  }

  get canUseSelf(): boolean {
    return this.self !== undefined && !this.early;
  }

  /** The fuel a call or `new` passes: one less than the method's own, or 0–3 from the run block. */
  fuel(choice: number): string {
    return this.mode === 'run' ? `${runFuel[Math.floor(choice / 64) % runFuel.length]}` : 'd - 1';
  }

  enter(): void {
    this.scopes.push([]);
  }

  leave(): void {
    this.scopes.pop();
  }

  declare(name: string, type: Type, assignable: boolean): void {
    this.scopes[this.scopes.length - 1].push({ name, type, assignable });
    this.used.add(name);
  }

  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}${this.counter++}`; while (this.used.has(name));
    this.used.add(name);
    return name;
  }

  /** A name for a `let`: fresh, or now and then unusual, or one that shadows an outer variable. */
  letName(choice: number): string {
    const style = Math.floor(choice / 32) % 8;
    if (style === 6) {
      const unusual = unusualNames[Math.floor(choice / 256) % unusualNames.length];
      if (!this.used.has(unusual)) {
        this.used.add(unusual);
        return unusual;
      }
    }
    if (style === 7 && this.scopes.length > 1) {
      const current = new Set(this.scopes[this.scopes.length - 1].map((local) => local.name));
      const outer = this.visible().filter((local) => !current.has(local.name) && !reservedNames.has(local.name) && local.assignable);
      if (outer.length > 0) return outer[Math.floor(choice / 256) % outer.length].name;
    }
    return this.fresh('v');
  }

  /** Every local in scope, the innermost of each name. */
  visible(): Local[] {
    const seen = new Set<string>();
    const found: Local[] = [];
    for (let index = this.scopes.length - 1; index >= 0; index--) {
      for (let position = this.scopes[index].length - 1; position >= 0; position--) {
        const local = this.scopes[index][position];
        if (seen.has(local.name)) continue;
        seen.add(local.name);
        found.push(local);
      }
    }
    return found.reverse();
  }

  /** Fields of `self` readable here (the key among them), with their types. */
  readableFields(): { name: string; type: Type }[] {
    if (this.self === undefined) return [];
    const fields = this.self.fields.filter((field) => !(this.early && field.required));
    return [{ name: this.self.keyName, type: this.self.keyType }, ...fields];
  }

  /** Fields of `self` that may be assigned here. */
  writableFields(): FieldSignature[] {
    if (this.self === undefined) return [];
    return this.self.fields.filter((field) => !(this.early && field.required));
  }
}

// Literal pools: small ints and the strings "k0" "k1" hit entity keys (and small ints list indexes); the
// large ints overflow when combined.
const intPool = ['0', '1', '2', '3', '5', '10', '1000000000', '9007199254740991'];
const stringPool = ['"k0"', '"k1"', '""', '"ab"', '"k2"', '"x y"', '"q\\"t"', '"\\n"'];
// The keys are those of runtime/workload.ts's key space (`keyAt`: 0, 1, … and "k0", "k1", …), so that a
// random workload on a generated program creates the entities its methods name.
const intKeys = ['0', '1', '2'];
const stringKeys = ['"k0"', '"k1"', '"k2"'];

function keyLiteral(entity: EntitySignature, index: number): string {
  const pool = entity.keyType.kind === 'int' ? intKeys : stringKeys;
  return pool[index % pool.length];
}

/** A key for a reference: mostly one the run block creates, now and then one it does not. */
function referenceKey(entity: EntitySignature, choice: number): string {
  const created = entity.model.instances.length;
  return keyLiteral(entity, choice % 10 === 9 ? created : choice % created);
}

function literal(choice: number, type: Type, context: Context, typed: boolean): Code {
  switch (type.kind) {
    case 'int':
      // The client's own overflow would stop the run: large ints only inside transactions.
      return code(intPool[choice % (context.mode === 'run' ? intPool.length - 2 : intPool.length)]);
    case 'bool':
      return code(choice % 2 === 0 ? 'true' : 'false');
    case 'string':
      return code(stringPool[choice % stringPool.length]);
    case 'list':
      if (typed && choice % 3 === 0) return code('[]');
      return code(choice % 3 === 1 ? `[${choice % 4}]` : `[${choice % 5}, ${choice % 3}, 1]`);
    case 'map':
      if (typed && choice % 3 === 0) return code('{}');
      return code(choice % 3 === 1 ? `{"a": ${choice % 4}}` : `{"b": ${choice % 5}, "a": 2}`);
    case 'strings':
      return code(choice % 2 === 0 ? '["a"]' : '["b", "a"]');
    case 'ref': {
      const entity = context.signature.entities[type.entity];
      if (context.canUseSelf && context.self!.index === type.entity && choice % 3 === 0) return code('self');
      return code(`${entity.name}(${referenceKey(entity, Math.floor(choice / 3))})`);
    }
    case 'future':
      throw new Error('assertion: a future literal was asked for');
  }
}

/** A type that `str(…)` shows: a scalar or a reference, never a collection (see `adapt`). */
function shownType(choice: number, context: Context): Type {
  const shown = context.signature.types.filter((type) => type.kind !== 'list' && type.kind !== 'map');
  return shown[choice % shown.length];
}

/** The default value of a type, for the guard of a fuelled method. */
function zero(type: Type, context: Context): Code {
  return literal(0, type, context, true);
}

function typeText(type: Type, signature: Signature): string {
  switch (type.kind) {
    case 'int': case 'bool': case 'string': return type.kind;
    case 'list': return 'list<int>';
    case 'map': return 'map<string, int>';
    case 'strings': return 'list<string>';
    case 'ref': return signature.entities[type.entity].name;
    case 'future': return `future<${type.result === undefined ? 'void' : typeText(type.result, signature)}>`;
  }
}

/** Turns a value of type `from` into one of type `to`, when there is a natural way. */
function adapt(value: Code, from: Type, to: Type, signature: Signature): Code | undefined {
  if (sameType(from, to)) return value;
  const receiver = wrap(value, primary);
  switch (to.kind) {
    case 'bool':
      switch (from.kind) {
        case 'int': return code(`${wrap(value, additive)} > 0`, comparison);
        case 'string': return code(`${wrap(value, comparison)} == ""`, equality);
        case 'list': return code(`${receiver}.contains(1)`);
        case 'map': return code(`${receiver}.has("a")`);
        case 'ref': {
          const entity = signature.entities[from.entity];
          return code(`${wrap(value, comparison)} == ${entity.name}(${keyLiteral(entity, 0)})`, equality);
        }
        default: return undefined;
      }
    case 'int':
      switch (from.kind) {
        case 'string': case 'list': case 'map': return code(`${receiver}.len()`);
        case 'ref': return signature.entities[from.entity].keyType.kind === 'int' ? code(`${receiver}.id`) : undefined;
        default: return undefined;
      }
    case 'string':
      // A list or a map shows as its length: `str` of a collection, stored and shown again, grows
      // exponentially (a map keyed by `str` of itself doubles with every store).
      if (from.kind === 'list' || from.kind === 'map' || from.kind === 'strings') return code(`str(${receiver}.len())`);
      return from.kind === 'future' ? undefined : code(`str(${value.text})`);
    case 'list':
      return from.kind === 'int' ? code(`[${value.text}]`) : undefined;
    case 'map':
      return from.kind === 'int' ? code(`{"a": ${value.text}}`) : undefined;
    default:
      return undefined;
  }
}

function pickLocal(choice: number, type: Type, context: Context): Code | undefined {
  const candidates = context.visible().filter((local) => sameType(local.type, type));
  if (candidates.length === 0) return undefined;
  return code(candidates[choice % candidates.length].name);
}

function pickField(choice: number, type: Type, context: Context): Code | undefined {
  const candidates = context.readableFields().filter((field) => sameType(field.type, type));
  if (candidates.length === 0) return undefined;
  return code(`self.${candidates[choice % candidates.length].name}`);
}

function expression(model: ExpressionModel, type: Type, context: Context, typed = false): Code {
  const { signature } = context;
  const fallback = (): Code => pickLocal(model.choice, type, context) ?? literal(model.choice, type, context, typed);
  switch (model.kind) {
    case 'literal':
      return literal(model.choice, type, context, typed);
    case 'variable':
      return fallback();
    case 'field':
      return pickField(model.choice, type, context) ?? fallback();
    case 'unary':
      return unary(model, type, context, typed);
    case 'binary':
      return binary(model, type, context, typed);
    case 'builtin':
      return builtin(model, type, context, typed);
    case 'index': {
      // In the run block, a bad index would stop the run (a client error): there, take the length.
      if (context.mode === 'run') {
        return builtin({ kind: 'builtin', choice: model.choice % 2, first: model.base, second: model.index }, type, context, typed);
      }
      const overMap = model.choice % 2 === 1;
      const base = expression(model.base, overMap ? mapType : listType, context);
      const index = expression(model.index, overMap ? stringType : intType, context);
      const element = code(`${wrap(base, primary)}[${index.text}]`);
      return adapt(element, intType, type, signature) ?? fallback();
    }
    case 'call':
      return (context.canCall ? call(model, type, context) : undefined) ?? read(model.choice, model.receiver, type, context) ?? fallback();
    case 'read':
      return read(model.choice, model.receiver, type, context) ?? fallback();
    case 'new': {
      if (type.kind !== 'ref' || !context.canNew) return fallback();
      return newEntity(signature.entities[type.entity], model.key, model.args, model.choice, context);
    }
    case 'await':
      return (context.canCall ? awaitCall(model, type, context) : undefined) ?? fallback();
  }
}

function newEntity(entity: EntitySignature, key: ExpressionModel, args: readonly ExpressionModel[], choice: number, context: Context): Code {
  const keyCode = expression(key, entity.keyType, context);
  const parts = [keyCode.text];
  if (entity.initParameters !== undefined) {
    parts.push(context.fuel(choice));
    entity.initParameters.forEach((parameter, index) => {
      parts.push(expression(args[index] ?? { kind: 'literal', choice: index }, parameter.type, context, true).text);
    });
  }
  return code(`new ${entity.name}(${parts.join(', ')})`);
}

function unary(model: Extract<ExpressionModel, { kind: 'unary' }>, type: Type, context: Context, typed: boolean): Code {
  switch (type.kind) {
    case 'int': {
      const operand = expression(model.operand, intType, context);
      return model.choice % 2 === 0 ? code(`-${wrap(operand, primary)}`, prefix) : code(`abs(${operand.text})`);
    }
    case 'bool':
      return code(`!${wrap(expression(model.operand, boolType, context), primary)}`, prefix);
    case 'string': {
      const from = shownType(model.choice, context);
      return code(`str(${expression(model.operand, from, context).text})`);
    }
    default:
      return expression(model.operand, type, context, typed);
  }
}

const boolComparisons: readonly { operator: string; operands: Type | 'ref'; level: number }[] = [
  { operator: '<', operands: intType, level: comparison },
  { operator: '==', operands: intType, level: equality },
  { operator: '&&', operands: boolType, level: conjunction },
  { operator: '||', operands: boolType, level: disjunction },
  { operator: '>=', operands: intType, level: comparison },
  { operator: '!=', operands: intType, level: equality },
  { operator: '==', operands: stringType, level: equality },
  { operator: '<', operands: stringType, level: comparison },
  { operator: '==', operands: listType, level: equality },
  { operator: '!=', operands: mapType, level: equality },
  { operator: '==', operands: 'ref', level: equality },
  { operator: '<=', operands: intType, level: comparison },
  { operator: '>', operands: stringType, level: comparison },
  { operator: '==', operands: boolType, level: equality },
];

function binary(model: Extract<ExpressionModel, { kind: 'binary' }>, type: Type, context: Context, typed: boolean): Code {
  const { choice } = model;
  switch (type.kind) {
    case 'int': {
      const operators = ['+', '-', '*', '/', '%', 'min', 'max'];
      const operator = operators[choice % operators.length];
      const left = expression(model.left, intType, context);
      let right = expression(model.right, intType, context);
      if (operator === 'min' || operator === 'max') return code(`${operator}(${left.text}, ${right.text})`);
      // A literal on the right is picked to make aborts likely: 0 for `/` and `%`, a large int for
      // `*` and `+` (integer overflow). Not in the run block, where they would stop the run.
      if (model.right.kind === 'literal' && context.mode !== 'run') {
        if (operator === '/' || operator === '%') right = code(['0', '2', '3'][model.right.choice % 3]);
        if (operator === '*' || operator === '+') right = code(model.right.choice % 3 === 0 ? '3' : '9007199254740991');
      }
      // The run block is the client: there, a division by zero would stop the run, so divide by ≥ 1.
      if ((operator === '/' || operator === '%') && context.mode === 'run') right = code(`max(1, ${right.text})`);
      const level = operator === '+' || operator === '-' ? additive : multiplicative;
      return code(`${wrap(left, level)} ${operator} ${wrap(right, level - 1)}`, level);
    }
    case 'bool': {
      const comparisonChoice = boolComparisons[choice % boolComparisons.length];
      const operands: Type = comparisonChoice.operands === 'ref'
        ? { kind: 'ref', entity: Math.floor(choice / 16) % context.signature.entities.length }
        : comparisonChoice.operands;
      const { operator, level } = comparisonChoice;
      const left = expression(model.left, operands, context);
      const right = expression(model.right, operands, context, operator === '==' || operator === '!=');
      const leftLimit = level >= conjunction ? level : level - 1;
      return code(`${wrap(left, leftLimit)} ${operator} ${wrap(right, level - 1)}`, level);
    }
    case 'string': {
      const left = expression(model.left, stringType, context);
      return code(`${wrap(left, additive)} + ${shortString(model.right, choice, context).text}`, additive);
    }
    case 'list': {
      const left = expression(model.left, intType, context);
      const right = expression(model.right, intType, context);
      return code(`[${left.text}, ${right.text}]`);
    }
    case 'map': {
      const key = expression(model.left, stringType, context);
      const value = expression(model.right, intType, context);
      return code(`{${key.text}: ${value.text}}`);
    }
    default:
      return expression(model.left, type, context, typed);
  }
}

/**
 * The right operand of a string `+`: a literal or `str` of an int, never a string that may hold the
 * left one, so that strings grow by a bounded amount per evaluation (`s = s + s` in a loop of calls
 * would double a string per call, and a few dozen calls exhaust memory).
 */
function shortString(model: ExpressionModel, choice: number, context: Context): Code {
  if (choice % 2 === 0) return literal(model.choice, stringType, context, false);
  return code(`str(${expression(model, intType, context).text})`);
}

function builtin(model: Extract<ExpressionModel, { kind: 'builtin' }>, type: Type, context: Context, typed: boolean): Code {
  const { choice } = model;
  switch (type.kind) {
    case 'int':
      switch (choice % 6) {
        case 0: return code(`${wrap(expression(model.first, listType, context), primary)}.len()`);
        case 1: return code(`${wrap(expression(model.first, mapType, context), primary)}.len()`);
        case 2: return code(`${wrap(expression(model.first, stringType, context), primary)}.len()`);
        case 3:
        case 4: {
          const first = expression(model.first, intType, context).text;
          return code(`${choice % 6 === 3 ? 'min' : 'max'}(${first}, ${expression(model.second, intType, context).text})`);
        }
        default: return code(`abs(${expression(model.first, intType, context).text})`);
      }
    case 'bool':
      if (choice % 3 === 0) {
        return code(`${wrap(expression(model.first, mapType, context), primary)}.has(${expression(model.second, stringType, context).text})`);
      }
      if (choice % 3 === 1) {
        const keys = `${wrap(expression(model.first, mapType, context), primary)}.keys()`;
        return code(`${keys}.contains(${expression(model.second, stringType, context).text})`);
      }
      return code(`${wrap(expression(model.first, listType, context), primary)}.contains(${expression(model.second, intType, context).text})`);
    case 'string': {
      const from = shownType(choice, context);
      return code(`str(${expression(model.first, from, context).text})`);
    }
    default:
      return expression(model.first, type, context, typed);
  }
}

function fits(from: Type | undefined, to: Type | undefined, signature: Signature): boolean {
  if (to === undefined) return true;
  return from !== undefined && adapt(code('x'), from, to, signature) !== undefined;
}

/**
 * The method a call node names: entity `choice mod E`, then its method by the rest of the choice, so
 * that removing another entity's methods (shrinking) leaves the call as it was; when its result does
 * not fit `type`, one that does (exact results first). `undefined` for `type`: any method will do.
 */
function pickMethod(choice: number, type: Type | undefined, context: Context, exactOnly = false): MethodSignature | undefined {
  const { signature } = context;
  const entity = signature.entities[choice % signature.entities.length];
  const direct = entity.methods[Math.floor(choice / signature.entities.length) % entity.methods.length];
  if (exactOnly ? sameType(direct.result, type) : fits(direct.result, type, signature)) return direct;
  const exact = signature.methods.filter((method) => sameType(method.result, type));
  const adaptable = exactOnly ? [] : signature.methods.filter((method) => !sameType(method.result, type) && fits(method.result, type, signature));
  const candidates = [...exact, ...adaptable];
  return candidates.length === 0 ? undefined : candidates[choice % candidates.length];
}

function callText(method: MethodSignature, model: CallModel, context: Context): Code {
  const entity = context.signature.entities[method.entity];
  const receiver = expression(model.receiver, { kind: 'ref', entity: entity.index }, context);
  const args: string[] = method.fuelled ? [context.fuel(model.choice)] : [];
  method.parameters.forEach((parameter, index) => {
    args.push(expression(model.args[index] ?? { kind: 'literal', choice: index }, parameter.type, context, true).text);
  });
  return code(`${wrap(receiver, primary)}.${method.name}(${args.join(', ')})`);
}

/** A call whose result has type `type` (adapted if need be), or, for `undefined`, any call. */
function call(model: CallModel, type: Type | undefined, context: Context): Code | undefined {
  const method = pickMethod(model.choice, type, context);
  if (method === undefined) return undefined;
  const text = callText(method, model, context);
  return type === undefined ? text : adapt(text, method.result!, type, context.signature);
}

function awaitCall(model: Extract<ExpressionModel, { kind: 'await' }>, type: Type, context: Context): Code | undefined {
  if (model.choice % 2 === 0) {
    const future = pickLocal(model.choice >> 1, { kind: 'future', result: type }, context);
    if (future !== undefined) return code(`await ${future.text}`, prefix);
  }
  const method = pickMethod(model.call.choice, type, context);
  if (method === undefined) return undefined;
  const awaited = code(`await async ${callText(method, model.call, context).text}`, prefix);
  return adapt(awaited, method.result!, type, context.signature);
}

function read(choice: number, receiverModel: ExpressionModel, type: Type, context: Context): Code | undefined {
  const { signature } = context;
  const fieldsOf = (entity: EntitySignature): { entity: EntitySignature; name: string; type: Type }[] => [
    { entity, name: entity.keyName, type: entity.keyType },
    ...entity.fields.map((field) => ({ entity, name: field.name, type: field.type })),
  ];
  // As for calls: the entity by `choice mod E`, then its field, unless it does not fit.
  const entity = signature.entities[choice % signature.entities.length];
  const own = fieldsOf(entity);
  let field = own[Math.floor(choice / signature.entities.length) % own.length];
  if (!fits(field.type, type, signature)) {
    const all = signature.entities.flatMap(fieldsOf);
    const exact = all.filter((candidate) => sameType(candidate.type, type));
    const adaptable = all.filter((candidate) => !sameType(candidate.type, type) && fits(candidate.type, type, signature));
    const candidates = [...exact, ...adaptable];
    if (candidates.length === 0) return undefined;
    field = candidates[choice % candidates.length];
  }
  const receiver = expression(receiverModel, { kind: 'ref', entity: field.entity.index }, context);
  if (receiver.text === 'self' && context.early && field.entity.fields.some((own) => own.name === field.name && own.required)) return undefined;
  return adapt(code(`${wrap(receiver, primary)}.${field.name}`), field.type, type, signature);
}

// ---------------------------------------------------------------------------------------- statements

class Printer {
  readonly lines: string[] = [];
  private indentation = 0;

  line(text: string): void {
    this.lines.push(text === '' ? '' : `${'  '.repeat(this.indentation)}${text}`);
  }

  indented(body: () => void): void {
    this.indentation++;
    body();
    this.indentation--;
  }
}

/** Prints a block in a scope of its own; whether every path through it leaves (return, break, continue). */
function block(statements: readonly StatementModel[], context: Context, printer: Printer): boolean {
  context.enter();
  let leaves = false;
  printer.indented(() => {
    leaves = printStatements(statements, context, printer);
  });
  context.leave();
  return leaves;
}

/** Prints statements in the current scope; whether every path through them leaves. */
function printStatements(statements: readonly StatementModel[], context: Context, printer: Printer): boolean {
  let leaves = false;
  for (const statement of statements) {
    leaves = printStatement(statement, context, printer) || leaves;
  }
  return leaves;
}

/** Variables and fields to change; in an entity, fields first (state changes are what calls show). */
function mutableTargets(context: Context, kinds: readonly Type['kind'][], choice: number): { text: string; type: Type } | undefined {
  const locals = context.visible()
    .filter((local) => local.assignable && kinds.includes(local.type.kind))
    .map((local) => ({ text: local.name, type: local.type }));
  const fields = context.writableFields()
    .filter((field) => kinds.includes(field.type.kind))
    .map((field) => ({ text: `self.${field.name}`, type: field.type }));
  const preferred = fields.length > 0 && (locals.length === 0 || choice % 3 !== 2) ? fields : locals;
  return preferred.length === 0 ? undefined : preferred[Math.floor(choice / 3) % preferred.length];
}

/** Prints one statement (or nothing, where it does not fit); whether every path through it leaves. */
function printStatement(statement: StatementModel, context: Context, printer: Printer): boolean {
  printStatementOnly(statement, context, printer);
  switch (statement.kind) {
    case 'if':
      return context.lastLeaves;
    case 'break':
    case 'continue':
      return context.loopDepth > 0;
    case 'return':
      return !(context.mode === 'run' || context.blockDepth === 0 || context.early);
    default:
      return false;
  }
}

function printStatementOnly(statement: StatementModel, context: Context, printer: Printer): void {
  const { signature } = context;
  switch (statement.kind) {
    case 'let': {
      const type = signature.types[statement.choice % signature.types.length];
      const annotate = statement.annotate || type.kind === 'list' || type.kind === 'map';
      const value = expression(statement.value, type, context, annotate);
      const name = context.letName(statement.choice);
      printer.line(annotate ? `let ${name}: ${typeText(type, signature)} = ${value.text}` : `let ${name} = ${value.text}`);
      context.declare(name, type, true);
      return;
    }
    case 'assign': {
      const target = mutableTargets(context, ['int', 'bool', 'string', 'list', 'map', 'ref'], statement.choice);
      if (target === undefined) return;
      const buildOnOld = Math.floor(statement.choice / 64) % 3 !== 0;
      // Most updates build on the old value, so that running a call twice shows.
      if (buildOnOld && (target.type.kind === 'int' || target.type.kind === 'string')) {
        const operand = target.type.kind === 'int'
          ? expression(statement.value, intType, context)
          : shortString(statement.value, statement.choice, context);
        printer.line(`${target.text} = ${target.text} + ${wrap(operand, multiplicative)}`);
        return;
      }
      if (buildOnOld && target.type.kind === 'list') {
        printer.line(`${target.text}.push(${expression(statement.value, intType, context).text})`);
        return;
      }
      printer.line(`${target.text} = ${expression(statement.value, target.type, context, true).text}`);
      return;
    }
    case 'setIndex': {
      const target = mutableTargets(context, ['list', 'map'], statement.choice);
      if (target === undefined) return;
      if (target.type.kind === 'list' && context.mode === 'run') {
        printer.line(`${target.text}.push(${expression(statement.value, intType, context).text})`);
        return;
      }
      const index = expression(statement.index, target.type.kind === 'list' ? intType : stringType, context);
      printer.line(`${target.text}[${index.text}] = ${expression(statement.value, intType, context).text}`);
      return;
    }
    case 'mutate': {
      const target = mutableTargets(context, ['list', 'map'], statement.choice);
      if (target === undefined) return;
      if (target.type.kind === 'list') printer.line(`${target.text}.push(${expression(statement.value, intType, context).text})`);
      else if (context.mode === 'run') printer.line(`${target.text}[${expression(statement.value, stringType, context).text}] = 1`);
      else printer.line(`${target.text}.remove(${expression(statement.value, stringType, context).text})`);
      return;
    }
    case 'if': {
      context.lastLeaves = printIf(statement, context, printer, 'if');
      return;
    }
    case 'while': {
      const counter = context.fresh('i');
      const bound = 1 + (statement.choice % 3);
      const condition = expression(statement.condition, boolType, context);
      const guard = statement.choice % 7 === 0 ? '' : ` && ${wrap(condition, conjunction)}`;
      printer.line(`let ${counter} = 0`);
      context.declare(counter, intType, false);
      printer.line(`while ${counter} < ${bound}${guard} {`);
      context.loopDepth++;
      printer.indented(() => printer.line(`${counter} = ${counter} + 1`));
      block(statement.body, context, printer);
      context.loopDepth--;
      printer.line('}');
      return;
    }
    case 'for': {
      const over = statement.choice % 3;
      const iterable = expression(statement.iterable, over === 0 ? listType : mapType, context);
      const variable = context.fresh('x');
      const text = over === 2 ? `${wrap(iterable, primary)}.keys()` : iterable.text;
      printer.line(`for ${variable} in ${text} {`);
      context.loopDepth++;
      context.enter();
      context.declare(variable, over === 0 ? intType : stringType, false);
      block(statement.body, context, printer);
      context.leave();
      context.loopDepth--;
      printer.line('}');
      return;
    }
    case 'break':
    case 'continue':
      if (context.loopDepth > 0) printer.line(statement.kind);
      return;
    case 'return':
      if (context.mode === 'run' || context.blockDepth === 0 || context.early) return;
      printer.line(context.result === undefined ? 'return' : `return ${expression(statement.value, context.result, context, true).text}`);
      return;
    case 'abort': {
      if (context.mode === 'run') return;
      const condition = expression(statement.condition, boolType, context);
      const message = expression(statement.message, stringType, context);
      printer.line(`if ${condition.text} { abort ${message.text} }`);
      return;
    }
    case 'call': {
      if (!context.canCall) return;
      const made = call(statement.call, undefined, context)!;
      printer.line(context.mode === 'run' && statement.choice % 2 === 1 ? `print ${made.text}` : made.text);
      return;
    }
    case 'async': {
      if (!context.canCall) return;
      const method = pickMethod(statement.call.choice, undefined, context)!;
      const started = `async ${callText(method, statement.call, context).text}`;
      if (statement.choice % 3 === 0 || method.result === undefined) {
        printer.line(started);
        return;
      }
      const name = context.fresh('f');
      printer.line(`let ${name} = ${started}`);
      context.declare(name, { kind: 'future', result: method.result }, false);
      return;
    }
    case 'fanout':
      printFanout(statement, context, printer);
      return;
    case 'print': {
      if (context.mode !== 'run') return;
      const type = signature.types[statement.choice % signature.types.length];
      printer.line(`print ${expression(statement.value, type, context).text}`);
      return;
    }
  }
}

/** Prints an `if` (with its `else if`s and `else`); whether every path through it leaves. */
function printIf(statement: Extract<StatementModel, { kind: 'if' }>, context: Context, printer: Printer, keyword: string): boolean {
  const condition = expression(statement.condition, boolType, context);
  printer.line(`${keyword} ${condition.text} {`);
  const thenLeaves = block(statement.then, context, printer);
  const otherwise = statement.otherwise;
  if (otherwise.length === 0) {
    printer.line('}');
    return false;
  }
  if (otherwise.length === 1 && otherwise[0].kind === 'if') {
    // `else if`: the nested `if` is the else block's only statement, in a scope of its own.
    context.enter();
    const elseLeaves = printIf(otherwise[0], context, printer, '} else if');
    context.leave();
    return thenLeaves && elseLeaves;
  }
  printer.line('} else {');
  const elseLeaves = block(otherwise, context, printer);
  printer.line('}');
  return thenLeaves && elseLeaves;
}

function printFanout(statement: Extract<StatementModel, { kind: 'fanout' }>, context: Context, printer: Printer): void {
  if (!context.canCall) return;
  const valued = context.signature.methods.filter((method) => method.result !== undefined);
  if (valued.length === 0) return;
  const first = pickMethod(statement.calls[0].choice, undefined, context)!;
  const type = (first.result === undefined ? valued[statement.calls[0].choice % valued.length] : first).result!;
  const calls = statement.calls.map((model) => `async ${callText(pickMethod(model.choice, type, context, true)!, model, context).text}`);
  const futures = context.fresh('fs');
  const total = context.fresh('acc');
  const each = context.fresh('f');
  // The results add up to an int (ints as they are, strings and collections by their length: a string
  // built from strings could double with every call) or join into a string (bools, references).
  const isInt = type.kind === 'int' || type.kind === 'string' || type.kind === 'list' || type.kind === 'map';
  const add = (future: string): string => {
    if (type.kind === 'int') return `${total} = ${total} + await ${future}`;
    if (isInt) return `${total} = ${total} + (await ${future}).len()`;
    return `${total} = ${total} + str(await ${future})`;
  };
  printer.line(`let ${futures} = [${calls.join(', ')}]`);
  printer.line(`let ${total} = ${isInt ? '0' : '""'}`);
  printer.line(`for ${each} in ${futures} {`);
  printer.indented(() => printer.line(add(each)));
  printer.line('}');
  // A future awaited a second time gives the same result.
  if (statement.choice % 2 === 1) printer.line(add(`${futures}[0]`));
  context.declare(total, isInt ? intType : stringType, true);
  if (context.mode === 'run') printer.line(`print ${total}`);
}

// ------------------------------------------------------------------------------------------ program

export function printProgram(model: ProgramModel, options: GeneratorOptions = {}): string {
  const signature = signatureOf(model);
  const printer = new Printer();
  for (const entity of signature.entities) {
    printEntity(entity, signature, options, printer);
    printer.line('');
  }
  printRun(model, signature, options, printer);
  return `${printer.lines.join('\n')}\n`;
}

function printEntity(entity: EntitySignature, signature: Signature, options: GeneratorOptions, printer: Printer): void {
  printer.line(`entity ${entity.name} {`);
  printer.indented(() => {
    printer.line(`key ${entity.keyName}: ${typeText(entity.keyType, signature)}`);
    for (const field of entity.fields) {
      const type = typeText(field.type, signature);
      if (field.required) {
        printer.line(`${field.name}: ${type}`);
      } else {
        const initial = literal(field.model.initial!, field.type, new Context(signature, options, 'leaf', undefined, undefined), true);
        printer.line(`${field.name}: ${type} = ${initial.text}`);
      }
    }
    if (entity.initParameters !== undefined) printInit(entity, signature, options, printer);
    for (const method of entity.methods) printMethod(method, entity, signature, options, printer);
  });
  printer.line('}');
}

function parameterList(parameters: readonly { name: string; type: Type }[], fuelled: boolean, signature: Signature): string {
  const all = parameters.map((parameter) => `${parameter.name}: ${typeText(parameter.type, signature)}`);
  return (fuelled ? ['d: int', ...all] : all).join(', ');
}

function printInit(entity: EntitySignature, signature: Signature, options: GeneratorOptions, printer: Printer): void {
  const model = entity.model.init;
  const parameters = entity.initParameters!;
  const context = new Context(signature, options, 'init', entity, undefined);
  context.declare('d', intType, false);
  for (const parameter of parameters) context.declare(parameter.name, parameter.type, true);
  const required = entity.fields.filter((field) => field.required);
  const body = model?.body ?? [];
  const early = required.length === 0 ? 0 : Math.min(model?.assignAfter ?? 0, body.length);
  printer.line('');
  printer.line(`init(${parameterList(parameters, true, signature)}) {`);
  printer.indented(() => {
    context.early = required.length > 0;
    printStatements(body.slice(0, early), context, printer);
    for (const field of required) {
      printer.line(`self.${field.name} = ${expression(field.model.assigned, field.type, context, true).text}`);
    }
    context.early = false;
    const rest = body.slice(early);
    if (rest.length > 0) printer.line('if d <= 0 { return }');
    printStatements(rest, context, printer);
  });
  printer.line('}');
}

function printMethod(method: MethodSignature, entity: EntitySignature, signature: Signature, options: GeneratorOptions, printer: Printer): void {
  const context = new Context(signature, options, method.fuelled ? 'fuelled' : 'leaf', entity, method.result);
  if (method.fuelled) context.declare('d', intType, false);
  for (const parameter of method.parameters) context.declare(parameter.name, parameter.type, true);
  const result = method.result === undefined ? '' : `: ${typeText(method.result, signature)}`;
  printer.line('');
  printer.line(`fn ${method.name}(${parameterList(method.parameters, method.fuelled, signature)})${result} {`);
  printer.indented(() => {
    if (method.fuelled) printer.line(`if d <= 0 { return${method.result === undefined ? '' : ` ${zero(method.result, context).text}`} }`);
    printStatements(method.model.body, context, printer);
    if (method.result !== undefined) {
      printer.line(`return ${expression(method.model.returns, method.result, context, true).text}`);
    }
  });
  printer.line('}');
}

function printRun(model: ProgramModel, signature: Signature, options: GeneratorOptions, printer: Printer): void {
  const context = new Context(signature, options, 'run', undefined, undefined);
  printer.line('run {');
  printer.indented(() => {
    const rounds = Math.max(...model.entities.map((entity) => entity.instances.length));
    const creations = Array.from({ length: rounds }, (_, round) => signature.entities
      .filter((entity) => round < entity.model.instances.length)
      .map((entity) => ({ entity, round, creation: entity.model.instances[round] }))).flat();
    for (const { entity, round, creation } of creations) {
      const parts = [keyLiteral(entity, round)];
      if (entity.initParameters !== undefined) {
        parts.push(`${creation.fuel}`);
        entity.initParameters.forEach((parameter, index) => {
          parts.push(expression(creation.args[index] ?? { kind: 'literal', choice: index }, parameter.type, context, true).text);
        });
      }
      printer.line(`print new ${entity.name}(${parts.join(', ')})`);
    }
    printStatements(model.run, context, printer);
  });
  printer.line('}');
}
