// Stage: semantics/check. Field defaults are constant expressions: literals, operators, lists and maps of
// constants, indexing and the built-in functions. This checks the shape on the surface AST and evaluates
// a checked default to its value once, so that every semantics starts new entities from the same values.

import type * as A from '../../grammar/ast.ts';
import type * as T from '../typed.ts';
import {
  applyBinary, applyBuiltin, applyUnary, listIndex, listValue, mapLookup, mapValue, assertNever,
  type ListValue, type MapKey, type MapValue, type Value,
} from '../values.ts';

/** The first part of `expression` that is not constant, if any. */
export function nonConstantPart(expression: A.Expression): A.Expression | undefined {
  switch (expression.kind) {
    case 'IntLiteral':
    case 'StringLiteral':
    case 'BoolLiteral':
      return undefined;
    case 'ListLiteral':
      return firstOf(expression.elements);
    case 'MapLiteral':
      return firstOf(expression.entries.flatMap((entry) => [entry.key, entry.value]));
    case 'Binary':
      return firstOf([expression.left, expression.right]);
    case 'Unary':
      return nonConstantPart(expression.operand);
    case 'Index':
      return firstOf([expression.base, expression.index]);
    case 'FunctionCall':
      return ['str', 'min', 'max', 'abs'].includes(expression.callee.name) ? firstOf(expression.args) : expression;
    default:
      return expression;
  }
}

function firstOf(expressions: readonly A.Expression[]): A.Expression | undefined {
  for (const expression of expressions) {
    const found = nonConstantPart(expression);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Evaluates a checked constant expression; may raise a TransactionAbort (`1 / 0`). */
export function evaluateConstant(expression: T.Expression): Value {
  switch (expression.kind) {
    case 'Literal':
      return expression.value;
    case 'ListLiteral':
      return listValue(expression.elements.map(evaluateConstant));
    case 'MapLiteral':
      return mapValue(new Map(expression.entries.map((entry) => [evaluateConstant(entry.key) as MapKey, evaluateConstant(entry.value)])));
    case 'Unary':
      return applyUnary(expression.operator, evaluateConstant(expression.operand));
    case 'Binary': {
      const left = evaluateConstant(expression.left);
      if (expression.operator === '&&') return left === true ? evaluateConstant(expression.right) : false;
      if (expression.operator === '||') return left === true ? true : evaluateConstant(expression.right);
      return applyBinary(expression.operator, left, evaluateConstant(expression.right));
    }
    case 'Index': {
      const base = evaluateConstant(expression.base);
      const index = evaluateConstant(expression.index);
      return expression.container === 'list' ? listIndex(base as ListValue, index as number) : mapLookup(base as MapValue, index as MapKey);
    }
    case 'Builtin':
      return applyBuiltin(expression.function, expression.args.map(evaluateConstant));
    case 'Local': case 'Self': case 'SelfField': case 'RemoteField': case 'KeyOf': case 'Call': case 'New':
    case 'Reference': case 'Async': case 'Await': case 'ValueMethod': case 'Mutation':
      throw new Error(`assertion: ${expression.kind} is not constant`);
    default:
      return assertNever(expression);
  }
}
