// Stage: semantics/desugar. Live updates in the core calculus (docs/language.md §15, proofs/semantics.md
// §7). Every version of an updated entity type is known statically, so the split program holds them all,
// and the versions are chosen at run time by state:
//
// - `$Code(0)`, a system-owned entity, holds the version of each updated type (`versions`); the update
//   is the request `$Code(0).$install(T, v)` (U-Update), and `$version(T)` reads it (U-Version);
// - an entity of an updated type keeps the version of its state in its hidden field `$version`;
// - each method `m` of version v is the method `m@v`; `m` itself is a dispatcher that reads the type's
//   version from `$Code(0)` (so that, like any read, it is under the transaction's concurrency control:
//   an update cannot fall in the middle of a transaction or an atom), brings the entity's state up to
//   that version (`$upgrade`, U-Migrate), and calls `m@v` on it. `init` (created for every updated type)
//   also records the version a new entity starts in, with that version's defaults;
// - `$migrate@v` is version v's `migrate { … }`; `$upgrade(v)` runs, for each version the state is
//   behind, the defaults of the fields it adds and its migration;
// - a read `r.f` of an updated type is a call of the getter `$get$f`, which migrates first.

import type { Span } from '../../grammar/span.ts';
import type { CoreEntity, CoreMethod, Term } from '../core.ts';
import type * as T from '../typed.ts';
import { boolType, entityType, intType, stringType, voidType, type Type } from '../types.ts';
import { codeEntity, codeKey, getterPrefix, updatedTypes, versionField, versionsOf } from '../updates.ts';
import { mapValue, valuesEqual, voidValue, type MapKey, type Value } from '../values.ts';

/** The name of version `version` of method `method` in the split program. */
export function versionedName(method: string, version: number): string {
  return `${method}@${version}`;
}

/** The name of the getter of field `field` of an updated type. */
export function getterName(field: string): string {
  return `${getterPrefix}${field}`;
}

/** The `$Code(0)` entity of a program with updates: its state and its two methods. */
export function codeCoreEntity(program: T.TypedProgram, span: Span): CoreEntity {
  const versions = mapValue(new Map<MapKey, Value>([...updatedTypes(program)].map((name) => [name, 0])));
  const methods = new Map<string, CoreMethod>();
  const ret = (value: string): Term => ({ kind: 'Return', value: { kind: 'Variable', name: value }, span });
  methods.set('$version', {
    entity: codeEntity, name: '$version', parameters: ['entity'], span,
    body: {
      kind: 'ReadSelf', variable: 'versions', field: 'versions', span,
      body: {
        kind: 'Let', variable: 'version', span, body: ret('version'),
        primitive: { kind: 'Index', container: 'map', base: { kind: 'Variable', name: 'versions' }, index: { kind: 'Variable', name: 'entity' } },
      },
    },
  });
  methods.set('$install', {
    entity: codeEntity, name: '$install', parameters: ['entity', 'version'], span,
    body: {
      kind: 'ReadSelf', variable: 'versions', field: 'versions', span,
      body: {
        kind: 'Let', variable: 'installed', span,
        primitive: {
          kind: 'Store', container: 'map', base: { kind: 'Variable', name: 'versions' },
          index: { kind: 'Variable', name: 'entity' }, value: { kind: 'Variable', name: 'version' },
        },
        body: {
          kind: 'WriteSelf', field: 'versions', value: { kind: 'Variable', name: 'installed' }, span,
          body: { kind: 'Return', value: { kind: 'Constant', value: voidValue }, span },
        },
      },
    },
  });
  return { name: codeEntity, keyName: 'id', fields: [{ name: 'versions', initial: versions }], methods };
}

/** Builds the typed methods of the dispatchers of one updated type. */
class Versions {
  private readonly versions: readonly T.TypedEntity[];
  private readonly self: T.Expression;

  constructor(private readonly program: T.TypedProgram, private readonly entity: string) {
    this.versions = versionsOf(program, entity);
    this.self = { kind: 'Self', type: entityType(entity), span: this.span };
  }

  private get span(): Span {
    return this.program.entities.get(this.entity)!.span;
  }

  private literal(value: Value, type: Type): T.Expression {
    return { kind: 'Literal', value, type, span: this.span };
  }

  private local(variable: T.Variable): T.Expression {
    return { kind: 'Local', variable, type: variable.type, span: this.span };
  }

  private selfCall(method: string, args: readonly T.Expression[], type: Type): T.CallExpression {
    return { kind: 'Call', receiver: this.self, entity: this.entity, method, args, type, span: this.span };
  }

  private binary(operator: '<' | '==' | '<=' | '&&', left: T.Expression, right: T.Expression): T.Expression {
    return { kind: 'Binary', operator, left, right, type: boolType, span: this.span };
  }

  private field(name: string, type: Type): T.Expression {
    return { kind: 'SelfField', field: name, type, span: this.span };
  }

  private statement(expression: T.Expression): T.Statement {
    return { kind: 'ExpressionStatement', expression, span: this.span };
  }

  /** `let v = $Code(0).$version("T")`: U-Version, a read under the transaction's concurrency control. */
  private readVersion(variable: T.Variable): T.Statement {
    const code: T.Expression = { kind: 'Reference', entity: codeEntity, key: this.literal(codeKey, intType), type: entityType(codeEntity), span: this.span };
    const call: T.CallExpression = {
      kind: 'Call', receiver: code, entity: codeEntity, method: '$version', args: [this.literal(this.entity, stringType)], type: intType, span: this.span,
    };
    return { kind: 'Let', variable, value: call, span: this.span };
  }

  /** `if self.$version < v { self.$upgrade(v) }`: U-Migrate before the entity is used. */
  private upToDate(version: T.Variable): T.Statement {
    return {
      kind: 'If', condition: this.binary('<', this.field(versionField, intType), this.local(version)),
      thenBlock: [this.statement(this.selfCall('$upgrade', [this.local(version)], voidType))], elseBlock: [], span: this.span,
    };
  }

  /** A chain `if v == i { body(i) } else if …` over the versions that `has` holds for. */
  private byVersion(version: T.Variable, has: (index: number) => boolean, body: (index: number) => T.Block): T.Block {
    let chain: T.Block = [];
    for (let index = this.versions.length - 1; index >= 0; index--) {
      if (!has(index)) continue;
      chain = [{
        kind: 'If', condition: this.binary('==', this.local(version), this.literal(index, intType)),
        thenBlock: body(index), elseBlock: chain, span: this.span,
      }];
    }
    return chain;
  }

  private variable(name: string, slot: number, type: Type): T.Variable {
    return { name, slot, type, span: this.span };
  }

  private method(name: string, parameters: readonly T.Variable[], result: Type, body: T.Block, slotCount: number, isInit = false): T.TypedMethod {
    return { entity: this.entity, name, isInit, parameters, result, body, slotCount, span: this.span };
  }

  /** The dispatcher of method `name` (a method, or a consumer `on S`), whose versions `of` gives. */
  dispatcher(name: string, of: (code: T.TypedEntity) => T.TypedMethod | undefined): T.TypedMethod {
    const latest = [...this.versions].reverse().map(of).find((method) => method !== undefined)!;
    const parameters = latest.parameters.map((parameter, slot) => this.variable(parameter.name, slot, parameter.type));
    const version = this.variable('$v', parameters.length, intType);
    const args = parameters.map((parameter) => this.local(parameter));
    const call = (index: number): T.Block => {
      const invoke = this.selfCall(versionedName(name, index), args, latest.result);
      return latest.result.kind === 'void'
        ? [this.statement(invoke), { kind: 'Return', value: undefined, span: this.span }]
        : [{ kind: 'Return', value: invoke, span: this.span }];
    };
    const body: T.Block = [
      this.readVersion(version), this.upToDate(version),
      ...this.byVersion(version, (index) => of(this.versions[index]) !== undefined, call),
      { kind: 'Abort', message: this.literal(`${this.entity}.${name} is not in this version of the code`, stringType), span: this.span },
    ];
    return this.method(name, parameters, latest.result, body, parameters.length + 1);
  }

  /** `init`: records the version the entity starts in, with that version's defaults, then runs its `init`. */
  init(): T.TypedMethod {
    const latest = [...this.versions].reverse().map((code) => code.init).find((method) => method !== undefined);
    const parameters = (latest?.parameters ?? []).map((parameter, slot) => this.variable(parameter.name, slot, parameter.type));
    const version = this.variable('$v', parameters.length, intType);
    const first = this.versions[0];
    const start = (index: number): T.Block => {
      const code = this.versions[index];
      const defaults: T.Statement[] = [];
      for (const field of code.fields) {
        const initial = first.fields.find((candidate) => candidate.name === field.name)?.initial;
        if (field.initial !== undefined && (initial === undefined || !valuesEqual(initial, field.initial))) {
          defaults.push({ kind: 'AssignField', field: field.name, value: this.literal(field.initial, field.type), span: this.span });
        }
      }
      const init: T.Statement[] = code.init === undefined ? [] : [this.statement(this.selfCall(versionedName('init', index), parameters.map((parameter) => this.local(parameter)), voidType))];
      return [...defaults, ...init];
    };
    const body: T.Block = [
      this.readVersion(version),
      { kind: 'AssignField', field: versionField, value: this.local(version), span: this.span },
      ...this.byVersion(version, () => true, start),
    ];
    return this.method('init', parameters, voidType, body, parameters.length + 1, true);
  }

  /** `$upgrade(to)`: for each version the state is behind, its new fields' defaults and its migration. */
  upgrade(): T.TypedMethod {
    const target = this.variable('to', 0, intType);
    const body: T.Statement[] = [];
    for (let index = 1; index < this.versions.length; index++) {
      const update = (this.program.updates ?? []).filter((candidate) => candidate.entity === this.entity)[index - 1];
      const steps: T.Statement[] = update.added.map((field) => ({
        kind: 'AssignField', field: field.name, value: this.literal(field.initial!, field.type), span: this.span,
      }));
      if (update.migrate !== undefined) steps.push(this.statement(this.selfCall(versionedName('$migrate', index), [], voidType)));
      steps.push({ kind: 'AssignField', field: versionField, value: this.literal(index, intType), span: this.span });
      body.push({
        kind: 'If',
        condition: this.binary('&&', this.binary('<', this.field(versionField, intType), this.literal(index, intType)),
          this.binary('<=', this.literal(index, intType), this.local(target))),
        thenBlock: steps, elseBlock: [], span: this.span,
      });
    }
    return this.method('$upgrade', [target], voidType, body, 1);
  }

  /** `$get$f()`: a read of field f by another entity or the client, after U-Migrate. */
  getter(field: string, type: Type): T.TypedMethod {
    const version = this.variable('$v', 0, intType);
    const body: T.Block = [this.readVersion(version), this.upToDate(version), { kind: 'Return', value: this.field(field, type), span: this.span }];
    return this.method(getterName(field), [], type, body, 1);
  }
}

/**
 * The core entity of an updated type: every version's methods under their versioned names, the
 * dispatchers under the plain ones, `$upgrade`, the getters, and the fields of every version with
 * `$version`. `desugar` desugars one typed method.
 */
export function versionedCoreEntity(
  program: T.TypedProgram, name: string, desugar: (method: T.TypedMethod) => CoreMethod,
): CoreEntity {
  const versions = versionsOf(program, name);
  const builder = new Versions(program, name);
  const methods = new Map<string, CoreMethod>();
  const add = (method: T.TypedMethod, as: string): void => {
    methods.set(as, { ...desugar({ ...method, name: as }), name: as });
  };
  const names = new Set<string>();
  const consumers = new Set<string>();
  versions.forEach((code, index) => {
    if (code.init !== undefined) add(code.init, versionedName('init', index));
    for (const method of code.methods.values()) {
      add(method, versionedName(method.name, index));
      names.add(method.name);
    }
    for (const handler of code.handlers.values()) {
      add(handler.method, versionedName(handler.method.name, index));
      consumers.add(handler.stream);
    }
  });
  (program.updates ?? []).filter((update) => update.entity === name).forEach((update) => {
    if (update.migrate !== undefined) add(update.migrate, versionedName('$migrate', update.version));
  });
  for (const method of names) add(builder.dispatcher(method, (code) => code.methods.get(method)), method);
  for (const stream of consumers) add(builder.dispatcher(`on ${stream}`, (code) => code.handlers.get(stream)?.method), `on ${stream}`);
  add(builder.init(), 'init');
  add(builder.upgrade(), '$upgrade');
  const fields: { name: string; initial: Value | undefined }[] = [];
  for (const code of versions) {
    for (const field of code.fields) {
      if (fields.some((candidate) => candidate.name === field.name)) continue;
      fields.push({ name: field.name, initial: field.initial });
      add(builder.getter(field.name, field.type), getterName(field.name));
    }
  }
  fields.push({ name: versionField, initial: 0 });
  return { name, keyName: versions[0].keyName, fields, methods };
}

/** A remote read of a field of an updated type becomes a call of its getter (which migrates first). */
export function readsThroughGetters(term: Term, updated: ReadonlySet<string>): Term {
  const walk = (node: Term): Term => {
    switch (node.kind) {
      case 'Let': case 'Set': case 'ReadSelf': case 'WriteSelf':
        return { ...node, body: walk(node.body) };
      case 'LetCont':
        return { ...node, continuationBody: walk(node.continuationBody), body: walk(node.body) };
      case 'ReadRemote':
        if (!updated.has(node.entity)) return node;
        return {
          kind: 'Call', receiver: node.object, entity: node.entity, method: getterName(node.field), args: [], async: false,
          continuation: node.continuation, span: node.span,
        };
      default:
        return node;
    }
  };
  return walk(term);
}
