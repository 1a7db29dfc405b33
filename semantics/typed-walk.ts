// Stage: semantics. Generic traversal of the typed AST: the direct subexpressions of an expression, in
// evaluation order (left to right: the receiver before the arguments, the arguments in order).

import type { Expression, Statement } from './typed.ts';
import { assertNever } from './values.ts';

export function childExpressions(expression: Expression): readonly Expression[] {
  switch (expression.kind) {
    case 'Literal':
    case 'Local':
    case 'Self':
    case 'SelfField':
      return [];
    case 'ListLiteral':
      return expression.elements;
    case 'MapLiteral':
      return expression.entries.flatMap((entry) => [entry.key, entry.value]);
    case 'RemoteField':
    case 'KeyOf':
      return [expression.object];
    case 'Unary':
      return [expression.operand];
    case 'Binary':
      return [expression.left, expression.right];
    case 'Index':
      return [expression.base, expression.index];
    case 'Call':
      return [expression.receiver, ...expression.args];
    case 'New':
      return [expression.key, ...expression.args];
    case 'Reference':
      return [expression.key];
    case 'Async':
      return [expression.call];
    case 'Await':
      return [expression.future];
    case 'ValueMethod':
      return [expression.receiver, ...expression.args];
    case 'Mutation':
      return [expression.arg];
    case 'Builtin':
      return expression.args;
    default:
      return assertNever(expression);
  }
}

/** Every expression in the tree, parents before children. */
export function* allExpressions(expression: Expression): Generator<Expression> {
  yield expression;
  for (const child of childExpressions(expression)) yield* allExpressions(child);
}

/** The expressions a statement evaluates directly (not those of nested blocks). */
export function statementExpressions(statement: Statement): readonly Expression[] {
  switch (statement.kind) {
    case 'Let':
    case 'AssignLocal':
    case 'AssignField':
      return [statement.value];
    case 'AssignIndex':
      return [statement.index, statement.value];
    case 'If':
    case 'While':
      return [statement.condition];
    case 'For':
      return [statement.iterable];
    case 'Return':
      return statement.value === undefined ? [] : [statement.value];
    case 'Abort':
      return [statement.message];
    case 'Print':
      return [statement.value];
    case 'ExpressionStatement':
      return [statement.expression];
    case 'Emit':
      return [statement.events];
    case 'Seal':
    case 'Update':
      return [];
    case 'Break':
    case 'Continue':
      return [];
    default:
      return assertNever(statement);
  }
}
