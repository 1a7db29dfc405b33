// Stage: semantics/check. Declarations → the entity table: every entity's key, fields and method
// signatures with resolved types. Reports duplicate and missing declarations and invalid types. The
// bodies are checked afterwards, against this table, so that entities may refer to each other in any order.

import type * as A from '../../grammar/ast.ts';
import type { Span } from '../../grammar/span.ts';
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import {
  boolType, entityType, errorType, futureType, intType, listType, mapType, stringType, typeToString, voidType,
  type Type,
} from '../types.ts';

export interface FieldSignature {
  readonly name: string;
  readonly type: Type;
  readonly declaration: A.FieldDeclaration;
}

export interface MethodSignature {
  readonly name: string;
  readonly parameters: readonly { readonly name: string; readonly type: Type; readonly span: Span }[];
  readonly result: Type;
  readonly declaration: A.MethodDeclaration | A.InitDeclaration;
}

export interface EntitySignature {
  readonly name: string;
  readonly keyName: string;
  readonly keyType: Type;
  readonly fields: ReadonlyMap<string, FieldSignature>;
  readonly methods: ReadonlyMap<string, MethodSignature>;
  readonly init: MethodSignature | undefined;
  /** `on NAME(…) by … { … }` consumers, by stream name (checked against the streams with the bodies). */
  readonly handlers: ReadonlyMap<string, A.HandlerDeclaration>;
  readonly declaration: A.EntityDeclaration;
}

export type EntityTable = ReadonlyMap<string, EntitySignature>;

export interface StreamSignature {
  readonly name: string;
  readonly eventType: Type;
  readonly declaration: A.StreamDeclaration;
}

export type StreamTable = ReadonlyMap<string, StreamSignature>;

/** Names that an entity may not take: the built-in types and functions. */
export const reservedNames: ReadonlySet<string> = new Set([
  'int', 'bool', 'string', 'void', 'list', 'map', 'future', 'str', 'min', 'max', 'abs',
]);

const primitiveTypes: ReadonlyMap<string, Type> = new Map([
  ['int', intType], ['bool', boolType], ['string', stringType], ['void', voidType],
]);

/** Where a type appears decides what it may hold. */
export type TypePosition = 'field' | 'parameter' | 'result' | 'local' | 'key' | 'event';

export class TypeResolver {
  constructor(
    private readonly entityNames: ReadonlySet<string>,
    private readonly diagnostics: Diagnostic[],
  ) {}

  resolve(expression: A.TypeExpression, position: TypePosition): Type {
    const type = this.resolveInner(expression, true);
    if (type.kind === 'error') return type;
    if (position !== 'result' && type.kind === 'void') {
      this.diagnostics.push(diagnostic('E0215', `\`void\` is not ${position === 'event' ? 'an' : 'a'} ${position} type`, expression.span,
        'void only marks a method that returns nothing; leave out `: void` there'));
      return errorType;
    }
    if ((position === 'field' || position === 'parameter' || position === 'result' || position === 'event') && containsFutureType(type)) {
      this.diagnostics.push(diagnostic('E0213', `a future cannot be ${position === 'event' ? 'an' : 'a'} ${position} type`, expression.span,
        position === 'event'
          ? 'an event outlives the transaction that emitted it: emit the result of the call, not its future'
          : 'await the future inside the method that started the call, and pass or store its result'));
      return errorType;
    }
    if (position === 'key' && type.kind !== 'int' && type.kind !== 'string') {
      this.diagnostics.push(diagnostic('E0205', `a key is an \`int\` or a \`string\`, not \`${typeToString(type)}\``,
        expression.span, 'declare the key as `key name: string` or `key id: int`'));
      return errorType;
    }
    return type;
  }

  /** A named type with type arguments it does not take, or `list`, `map`, `future` with the wrong count. */
  private wrongArity(expression: Extract<A.TypeExpression, { kind: 'NamedType' }>): Type {
    const expected = typeArity.get(expression.name) ?? 0;
    const what = expected === 0
      ? 'takes no type arguments'
      : `takes ${expected} type argument${expected > 1 ? 's' : ''}, not ${expression.arguments.length}`;
    this.diagnostics.push(diagnostic('E0208', `type \`${expression.name}\` ${what}`, expression.span,
      'write `list<T>`, `map<K, V>` or `future<T>`; other types take no arguments'));
    return errorType;
  }

  private resolveInner(expression: A.TypeExpression, top: boolean): Type {
    switch (expression.kind) {
      case 'NamedType': {
        if (expression.arguments.length > 0 || typeArity.has(expression.name)) return this.wrongArity(expression);
        const primitive = primitiveTypes.get(expression.name);
        if (primitive !== undefined) {
          if (primitive.kind === 'void' && !top) {
            this.diagnostics.push(diagnostic('E0215', '`void` cannot be an element type', expression.span,
              'lists, maps and futures hold values; a method that returns nothing has no value to hold'));
            return errorType;
          }
          return primitive;
        }
        if (this.entityNames.has(expression.name)) return entityType(expression.name);
        this.diagnostics.push(diagnostic('E0208', `unknown type \`${expression.name}\``, expression.span,
          'types are int, bool, string, list<T>, map<K, V>, future<T>, or the name of an entity'));
        return errorType;
      }
      case 'ListType': {
        const element = this.resolveInner(expression.element, false);
        return element.kind === 'error' ? errorType : listType(element);
      }
      case 'MapType': {
        const key = this.resolveInner(expression.key, false);
        const value = this.resolveInner(expression.value, false);
        if (key.kind !== 'error' && key.kind !== 'int' && key.kind !== 'string') {
          this.diagnostics.push(diagnostic('E0205', `a map key is an \`int\` or a \`string\`, not \`${typeToString(key)}\``,
            expression.key.span, 'key the map by an int or a string, for example an entity key'));
          return errorType;
        }
        return key.kind === 'error' || value.kind === 'error' ? errorType : mapType(key, value);
      }
      case 'FutureType': {
        const result = this.resolveInner(expression.result, true);
        return result.kind === 'error' ? errorType : futureType(result);
      }
      default:
        throw new Error(`assertion: unknown type expression ${(expression as A.TypeExpression).kind}`);
    }
  }
}

/** The built-in types that take type arguments, and how many. */
const typeArity: ReadonlyMap<string, number> = new Map([['list', 1], ['map', 2], ['future', 1]]);

function containsFutureType(type: Type): boolean {
  if (type.kind === 'future') return true;
  if (type.kind === 'list') return containsFutureType(type.element);
  if (type.kind === 'map') return containsFutureType(type.value);
  return false;
}

/** Builds the entity table; `previous` holds entities already known (the REPL's earlier declarations). */
export function declareEntities(
  declarations: readonly A.EntityDeclaration[],
  diagnostics: Diagnostic[],
  previous: ReadonlySet<string> = new Set(),
): Map<string, EntitySignature> {
  const firstByName = new Map<string, A.EntityDeclaration>();
  for (const declaration of declarations) {
    const name = declaration.name.name;
    if (reservedNames.has(name)) {
      diagnostics.push(diagnostic('E0212', `\`${name}\` is a built-in name and cannot name an entity`,
        declaration.name.span, 'choose another name, for example one starting with a capital letter'));
      continue;
    }
    const earlier = firstByName.get(name);
    if (earlier !== undefined) {
      diagnostics.push(diagnostic('E0201', `entity \`${name}\` is declared twice`, declaration.name.span,
        'rename one of the two entities, or merge them'));
      continue;
    }
    firstByName.set(name, declaration);
  }
  const entityNames = new Set([...previous, ...firstByName.keys()]);
  const resolver = new TypeResolver(entityNames, diagnostics);
  const table = new Map<string, EntitySignature>();
  for (const declaration of firstByName.values()) {
    table.set(declaration.name.name, declareEntity(declaration, resolver, diagnostics));
  }
  return table;
}

function declareEntity(declaration: A.EntityDeclaration, resolver: TypeResolver, diagnostics: Diagnostic[]): EntitySignature {
  const names = new Set<string>();
  const fields = new Map<string, FieldSignature>();
  const methods = new Map<string, MethodSignature>();
  let key: A.KeyDeclaration | undefined;
  let keyType: Type = errorType;
  let init: MethodSignature | undefined;
  const handlers = new Map<string, A.HandlerDeclaration>();
  const claim = (identifier: A.Identifier): boolean => {
    if (names.has(identifier.name)) {
      diagnostics.push(diagnostic('E0202', `\`${identifier.name}\` is declared twice in entity \`${declaration.name.name}\``,
        identifier.span, 'fields, the key and methods of one entity share one namespace: rename one'));
      return false;
    }
    names.add(identifier.name);
    return true;
  };
  for (const member of declaration.members) {
    switch (member.kind) {
      case 'KeyDeclaration':
        if (key !== undefined) {
          diagnostics.push(diagnostic('E0204', `entity \`${declaration.name.name}\` declares more than one key`,
            member.span, 'an entity has exactly one key; make the others ordinary fields'));
        } else if (claim(member.name)) {
          key = member;
          keyType = resolver.resolve(member.type, 'key');
        }
        break;
      case 'FieldDeclaration':
        if (claim(member.name)) {
          fields.set(member.name.name, { name: member.name.name, type: resolver.resolve(member.type, 'field'), declaration: member });
        }
        break;
      case 'MethodDeclaration':
        if (claim(member.name)) methods.set(member.name.name, declareMethod(member, member.name.name, resolver, diagnostics));
        break;
      case 'InitDeclaration':
        if (init !== undefined) {
          diagnostics.push(diagnostic('E0206', `entity \`${declaration.name.name}\` has more than one \`init\``,
            member.headSpan, 'merge the initializers into one'));
        } else {
          init = declareMethod(member, 'init', resolver, diagnostics);
        }
        break;
      case 'HandlerDeclaration':
        if (handlers.has(member.stream.name)) {
          diagnostics.push(diagnostic('E0217', `entity \`${declaration.name.name}\` consumes stream \`${member.stream.name}\` twice`,
            member.headSpan, 'an entity has at most one `on` consumer per stream: merge the two bodies into one'));
        } else {
          handlers.set(member.stream.name, member);
        }
        break;
      default:
        throw new Error(`assertion: unknown member ${(member as A.Member).kind}`);
    }
  }
  if (key === undefined) {
    diagnostics.push(diagnostic('E0203', `entity \`${declaration.name.name}\` has no key`, declaration.name.span,
      'add a key, for example `key name: string`'));
  }
  return {
    name: declaration.name.name,
    keyName: key?.name.name ?? '',
    keyType,
    fields,
    methods,
    init,
    handlers,
    declaration,
  };
}

/** Builds the stream table: each stream's event type, against the entity names (events may hold references). */
export function declareStreams(
  declarations: readonly A.StreamDeclaration[],
  entityNames: ReadonlySet<string>,
  diagnostics: Diagnostic[],
): Map<string, StreamSignature> {
  const resolver = new TypeResolver(entityNames, diagnostics);
  const streams = new Map<string, StreamSignature>();
  for (const declaration of declarations) {
    const name = declaration.name.name;
    if (reservedNames.has(name)) {
      diagnostics.push(diagnostic('E0212', `\`${name}\` is a built-in name and cannot name a stream`,
        declaration.name.span, 'choose another name, for example `orders`'));
      continue;
    }
    if (streams.has(name) || entityNames.has(name)) {
      const what = streams.has(name) ? `stream \`${name}\` is declared twice` : `stream \`${name}\` has the name of an entity`;
      diagnostics.push(diagnostic('E0216', what, declaration.name.span,
        'streams and entities share one namespace: rename the stream'));
      continue;
    }
    streams.set(name, { name, eventType: resolver.resolve(declaration.eventType, 'event'), declaration });
  }
  return streams;
}

function declareMethod(
  declaration: A.MethodDeclaration | A.InitDeclaration,
  name: string,
  resolver: TypeResolver,
  diagnostics: Diagnostic[],
): MethodSignature {
  const seen = new Set<string>();
  const parameters = [];
  for (const parameter of declaration.parameters) {
    if (seen.has(parameter.name.name)) {
      diagnostics.push(diagnostic('E0211', `parameter \`${parameter.name.name}\` is declared twice`, parameter.name.span,
        'give each parameter its own name'));
    }
    seen.add(parameter.name.name);
    parameters.push({ name: parameter.name.name, type: resolver.resolve(parameter.type, 'parameter'), span: parameter.span });
  }
  const result = declaration.kind === 'MethodDeclaration' && declaration.resultType !== undefined
    ? resolver.resolve(declaration.resultType, 'result')
    : voidType;
  return { name, parameters, result, declaration };
}
