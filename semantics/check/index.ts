// Stage: semantics/check, its entry point. Surface AST → typed AST and diagnostics. Declarations are
// collected first, so that entities may refer to each other in any order; then defaults, `init`,
// methods and the run block are checked against them. No typed program is returned after an error.

import type * as A from '../../grammar/ast.ts';
import type { Span } from '../../grammar/span.ts';
import { diagnostic, hasErrors, sortDiagnostics, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import type * as T from '../typed.ts';
import { allExpressions } from '../typed-walk.ts';
import { errorType, typeFits, typeToString, voidType, type Type } from '../types.ts';
import { TransactionAbort, type Value } from '../values.ts';
import { BodyChecker, type FrameOptions } from './body.ts';
import { evaluateConstant, nonConstantPart } from './constants.ts';
import {
  declareEntities, declareStreams, TypeResolver, type EntitySignature, type EntityTable, type MethodSignature, type StreamTable,
} from './declarations.ts';
import { alwaysReturns, checkInitialization } from './initialization.ts';
import { checkRunBlock } from './updates.ts';
import { aType } from './wording.ts';

export type { EntityTable } from './declarations.ts';

export interface CheckResult {
  readonly program: T.TypedProgram | undefined;
  readonly table: EntityTable;
  readonly diagnostics: readonly Diagnostic[];
}

export function checkProgram(program: A.Program): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const table = declareEntities(program.entities, diagnostics);
  const streams = declareStreams(program.streams, new Set(table.keys()), diagnostics);
  const entities = checkEntityBodies(table, streams, diagnostics);
  for (const extra of program.runBlocks.slice(1)) {
    diagnostics.push(diagnostic('E0207', 'a program has at most one `run` block', spanOfKeyword(extra.span, 3),
      'merge the run blocks into one'));
  }
  const runBlock = program.runBlocks[0];
  let run: T.TypedRunBlock | undefined;
  let updates: readonly T.TypedUpdate[] = [];
  if (runBlock !== undefined) ({ run, updates } = checkRunBlock(runBlock, table, entities, streams, diagnostics));
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { program: undefined, table, diagnostics: sorted };
  const typedStreams = new Map<string, T.TypedStream>();
  for (const stream of streams.values()) {
    const consumers = [...entities.values()].filter((entity) => entity.handlers.has(stream.name)).map((entity) => entity.name);
    typedStreams.set(stream.name, { name: stream.name, eventType: stream.eventType, consumers, span: stream.declaration.span });
  }
  const typed: T.TypedProgram = updates.length === 0 ? { entities, streams: typedStreams, run } : { entities, streams: typedStreams, run, updates };
  return { program: typed, table, diagnostics: sorted };
}

/** Checks entity declarations alone (the REPL's declarations, with no run block). */
export function checkEntities(declarations: readonly A.EntityDeclaration[]): {
  readonly entities: ReadonlyMap<string, T.TypedEntity> | undefined;
  readonly table: EntityTable;
  readonly diagnostics: readonly Diagnostic[];
} {
  const diagnostics: Diagnostic[] = [];
  const table = declareEntities(declarations, diagnostics);
  const entities = checkEntityBodies(table, undefined, diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  return { entities: hasErrors(sorted) ? undefined : entities, table, diagnostics: sorted };
}

export interface ClientScope {
  readonly variables: ReadonlyMap<string, T.Variable>;
  readonly slotCount: number;
}

/** Checks run-block statements typed at the REPL, in the scope the earlier lines left. */
export function checkClientStatements(
  table: EntityTable,
  statements: readonly A.Statement[],
  scope: ClientScope,
): { readonly statements: T.Block | undefined; readonly scope: ClientScope; readonly diagnostics: readonly Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const options: FrameOptions = {
    mode: 'run', entity: undefined, result: voidType,
    initialScope: scope.variables, firstSlot: scope.slotCount, allowRedeclaration: true,
  };
  const checker = new BodyChecker(table, options, diagnostics);
  const checked = checker.statements(statements);
  const sorted = sortDiagnostics(diagnostics);
  if (hasErrors(sorted)) return { statements: undefined, scope, diagnostics: sorted };
  return { statements: checked, scope: { variables: checker.topScope, slotCount: checker.slotCount }, diagnostics: sorted };
}

/** `streams` is absent at the REPL, which does not support streams yet. */
function checkEntityBodies(table: EntityTable, streams: StreamTable | undefined, diagnostics: Diagnostic[]): Map<string, T.TypedEntity> {
  const entities = new Map<string, T.TypedEntity>();
  for (const signature of table.values()) entities.set(signature.name, checkEntity(signature, table, streams, diagnostics));
  return entities;
}

export function checkEntity(entity: EntitySignature, table: EntityTable, streams: StreamTable | undefined, diagnostics: Diagnostic[]): T.TypedEntity {
  const fields = [...entity.fields.values()].map((field) => ({
    name: field.name,
    type: field.type,
    initial: field.declaration.initializer === undefined
      ? undefined
      : checkDefault(field.declaration.initializer, field.type, table, diagnostics),
    span: field.declaration.span,
  }));
  const init = entity.init === undefined ? undefined : checkMethod(entity, entity.init, table, streams, diagnostics, true);
  const required = [...entity.fields.values()]
    .filter((field) => field.declaration.initializer === undefined && field.type.kind !== 'error')
    .map((field) => field.name);
  const initDeclaration = entity.init?.declaration as A.InitDeclaration | undefined;
  checkInitialization(
    entity.name,
    required,
    init === undefined || initDeclaration === undefined ? undefined : { body: init.body, headSpan: initDeclaration.headSpan },
    new Map(fields.map((field) => [field.name, field.span])),
    diagnostics,
  );
  const methods = new Map<string, T.TypedMethod>();
  for (const method of entity.methods.values()) methods.set(method.name, checkMethod(entity, method, table, streams, diagnostics, false));
  const handlers = new Map<string, T.TypedHandler>();
  for (const declaration of entity.handlers.values()) {
    handlers.set(declaration.stream.name, checkHandler(entity, declaration, table, streams, diagnostics));
  }
  return {
    name: entity.name,
    keyName: entity.keyName,
    keyType: entity.keyType,
    fields,
    init,
    methods,
    handlers,
    span: entity.declaration.span,
  };
}

/** What a routing key may not do: anything beyond computing with the event's value. */
const effectfulKinds: ReadonlySet<T.Expression['kind']> = new Set(['Call', 'RemoteField', 'New', 'Async', 'Await', 'Mutation']);

/**
 * `on NAME(event: T) by KEY { … }`: the parameter is the stream's event; KEY is computed from the event
 * alone (so the entities an atom reaches are known before any of it runs) and has the entity's key type;
 * the body is checked as a method of the entity that returns nothing.
 */
function checkHandler(
  entity: EntitySignature,
  declaration: A.HandlerDeclaration,
  table: EntityTable,
  streams: StreamTable | undefined,
  diagnostics: Diagnostic[],
): T.TypedHandler {
  const streamName = declaration.stream.name;
  const route = new BodyChecker(table, { mode: 'route', entity: undefined, result: voidType, streams }, diagnostics);
  const stream = route.stream(declaration.stream);
  const parameter = declaration.parameters[0];
  if (declaration.parameters.length !== 1) {
    const shown = stream === undefined ? 'T' : typeToString(stream.eventType);
    diagnostics.push(diagnostic('E0218', `a consumer takes exactly one parameter, the event, not ${declaration.parameters.length}`,
      declaration.headSpan, `write \`on ${streamName}(event: ${shown}) by …\``));
  }
  let eventType: Type = stream?.eventType ?? errorType;
  if (parameter !== undefined) {
    const declared = new TypeResolver(new Set(table.keys()), diagnostics).resolve(parameter.type, 'parameter');
    if (stream === undefined) {
      eventType = declared;
    } else if (!typeFits(declared, stream.eventType) || !typeFits(stream.eventType, declared)) {
      diagnostics.push(diagnostic('E0218', `the events of stream \`${streamName}\` are \`${typeToString(stream.eventType)}\`, not \`${typeToString(declared)}\``,
        parameter.type.span, `declare the parameter as \`${parameter.name.name}: ${typeToString(stream.eventType)}\``));
    }
  }
  const eventName = parameter?.name ?? { name: 'event', span: declaration.headSpan };
  route.declareParameter(eventName, eventType);
  const key = route.value(declaration.key, entity.keyType);
  const effect = [...allExpressions(key)].find((node) => effectfulKinds.has(node.kind));
  if (effect !== undefined) {
    diagnostics.push(diagnostic('E0414', 'a routing key is computed from the event alone', effect.span,
      'the key decides which entity the event goes to before any of the atom runs: no call, entity read, `new`, `async`, `await` or mutation here; do that in the body'));
  }
  if (entity.init !== undefined && entity.init.parameters.length > 0) {
    diagnostics.push(diagnostic('E0219', `\`${entity.name}\` consumes \`${streamName}\`, but its \`init\` takes parameters`, declaration.headSpan,
      'an event that reaches a key with no entity creates it, with no arguments: give `init` no parameters (fields may take defaults)'));
  }
  const body = new BodyChecker(table, { mode: 'consumer', entity, result: voidType, streams }, diagnostics);
  const variable = body.declareParameter(eventName, eventType);
  const statements = body.statements(declaration.body.statements);
  return {
    entity: entity.name,
    stream: streamName,
    parameter: variable,
    key,
    keySlotCount: route.slotCount,
    method: {
      entity: entity.name,
      name: `on ${streamName}`,
      isInit: false,
      parameters: [variable],
      result: voidType,
      body: statements,
      slotCount: body.slotCount,
      span: declaration.span,
    },
    span: declaration.span,
  };
}

function checkDefault(initializer: A.Expression, type: Type, table: EntityTable, diagnostics: Diagnostic[]): Value | undefined {
  const offending = nonConstantPart(initializer);
  if (offending !== undefined) {
    diagnostics.push(diagnostic('E0210', 'a field default must be a constant expression', offending.span,
      'use literals, operators, lists and maps of them; compute other values in `init`'));
    return undefined;
  }
  const before = diagnostics.length;
  const checker = new BodyChecker(table, { mode: 'method', entity: undefined, result: voidType }, diagnostics);
  const typed = checker.value(initializer, type);
  if (diagnostics.length > before) return undefined;
  try {
    return evaluateConstant(typed);
  } catch (error) {
    if (!(error instanceof TransactionAbort)) throw error;
    diagnostics.push(diagnostic('E0210', `this default cannot be computed: ${error.message}`, initializer.span,
      'a default is computed once for every new entity; it must not abort'));
    return undefined;
  }
}

export function checkMethod(
  entity: EntitySignature,
  method: MethodSignature,
  table: EntityTable,
  streams: StreamTable | undefined,
  diagnostics: Diagnostic[],
  isInit: boolean,
): T.TypedMethod {
  const declaration = method.declaration;
  const checker = new BodyChecker(table, { mode: isInit ? 'init' : 'method', entity, result: method.result, streams }, diagnostics);
  const parameters = declaration.parameters.map((parameter, index) =>
    checker.declareParameter(parameter.name, method.parameters[index].type));
  const body = checker.statements(declaration.body.statements);
  if (method.result.kind !== 'void' && method.result.kind !== 'error' && !alwaysReturns(body)) {
    const at = declaration.kind === 'MethodDeclaration' ? declaration.name.span : declaration.headSpan;
    diagnostics.push(diagnostic('E0505', `\`${entity.name}.${method.name}\` may end without returning ${aType(method.result)}`,
      at, 'add a `return` (or an `abort`) at the end of every path'));
  }
  return {
    entity: entity.name,
    name: method.name,
    isInit,
    parameters,
    result: method.result,
    body,
    slotCount: checker.slotCount,
    span: declaration.span,
  };
}

function spanOfKeyword(at: Span, length: number): Span {
  return { file: at.file, start: at.start, end: at.start + length };
}
