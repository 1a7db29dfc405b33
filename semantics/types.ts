// Stage: semantics. Ent's static types, their equality and their printed form. `error` stands for a
// type that could not be determined; it agrees with every type, so one mistake gives one diagnostic.

export type Type =
  | { readonly kind: 'int' }
  | { readonly kind: 'bool' }
  | { readonly kind: 'string' }
  | { readonly kind: 'void' }
  | { readonly kind: 'error' }
  | { readonly kind: 'list'; readonly element: Type }
  | { readonly kind: 'map'; readonly key: Type; readonly value: Type }
  | { readonly kind: 'entity'; readonly name: string }
  | { readonly kind: 'future'; readonly result: Type };

export const intType: Type = Object.freeze({ kind: 'int' });
export const boolType: Type = Object.freeze({ kind: 'bool' });
export const stringType: Type = Object.freeze({ kind: 'string' });
export const voidType: Type = Object.freeze({ kind: 'void' });
export const errorType: Type = Object.freeze({ kind: 'error' });

export function listType(element: Type): Type {
  return { kind: 'list', element };
}

export function mapType(key: Type, value: Type): Type {
  return { kind: 'map', key, value };
}

export function entityType(name: string): Type {
  return { kind: 'entity', name };
}

export function futureType(result: Type): Type {
  return { kind: 'future', result };
}

/** Whether a value of type `actual` may stand where `expected` is required (`error` fits anywhere). */
export function typeFits(expected: Type, actual: Type): boolean {
  if (expected.kind === 'error' || actual.kind === 'error') return true;
  switch (expected.kind) {
    case 'list':
      return actual.kind === 'list' && typeFits(expected.element, actual.element);
    case 'map':
      return actual.kind === 'map' && typeFits(expected.key, actual.key) && typeFits(expected.value, actual.value);
    case 'entity':
      return actual.kind === 'entity' && actual.name === expected.name;
    case 'future':
      return actual.kind === 'future' && typeFits(expected.result, actual.result);
    default:
      return expected.kind === actual.kind;
  }
}

export function typeToString(type: Type): string {
  switch (type.kind) {
    case 'list':
      return `list<${typeToString(type.element)}>`;
    case 'map':
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
    case 'entity':
      return type.name;
    case 'future':
      return `future<${typeToString(type.result)}>`;
    case 'error':
      return '<unknown>';
    default:
      return type.kind;
  }
}

/** Whether the type holds a future anywhere inside (such values have no canonical form). */
export function containsFuture(type: Type): boolean {
  switch (type.kind) {
    case 'future':
      return true;
    case 'list':
      return containsFuture(type.element);
    case 'map':
      return containsFuture(type.key) || containsFuture(type.value);
    default:
      return false;
  }
}
