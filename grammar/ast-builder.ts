// Stage: grammar. The surface AST's nodes, made by the parser's actions (grammar/parser.ts) from the
// tokens and nodes each rule read. It also reports what the grammar accepts but Ent does not: bad escapes,
// integer literals out of range, reserved words used as names, invalid assignment targets and calls of
// things that are not callable.

import type { IToken } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type * as A from './ast.ts';
import { joinSpans, span, tokenSpan, type Span } from './span.ts';

const integerMax = Number.MAX_SAFE_INTEGER;

/** How tightly a binary operator binds: higher binds tighter. */
function precedence(operator: string): number {
  switch (operator) {
    case '||': return 1;
    case '&&': return 2;
    case '==': case '!=': return 3;
    case '<': case '<=': case '>': case '>=': return 4;
    case '+': case '-': return 5;
    default: return 6;
  }
}

/** What follows an operand: `.name`, `.name(args)`, `[index]` or `(args)`, with the operation's span. */
export type PostfixOperation =
  | { readonly kind: 'member'; readonly name: IToken; readonly args: A.Expression[] | undefined; readonly span: Span }
  | { readonly kind: 'index'; readonly index: A.Expression; readonly span: Span }
  | { readonly kind: 'call'; readonly args: A.Expression[]; readonly span: Span };

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(readonly file: string) {}

  /**
   * The span from the start of `first` to the end of `last` (both read by one rule). When no token was
   * read (`last` is Chevrotain's end of input, which has no offsets: an empty program), it is empty.
   */
  between(first: IToken, last: IToken): Span {
    return span(this.file, first.startOffset, tokenSpan(this.file, last, first.startOffset).end);
  }

  tokenSpan(token: IToken): Span {
    return tokenSpan(this.file, token);
  }

  identifier(token: IToken): A.Identifier {
    return { name: token.image, span: this.tokenSpan(token) };
  }

  /** A name read by the parser's `nameOrKeyword`: a keyword there is reported as reserved. */
  nameOrKeyword(token: IToken, reserved: boolean): A.Identifier {
    if (reserved) {
      this.diagnostics.push(diagnostic('E0110', `\`${token.image}\` is a reserved word and cannot be used as a name`,
        this.tokenSpan(token), `choose another name, for example \`${token.image}_\``));
    }
    return this.identifier(token);
  }

  /** The REPL does not run streams: a stream declared there is reported. */
  replStream(declaration: A.StreamDeclaration): void {
    this.diagnostics.push(diagnostic('U0110', 'the REPL does not support streams yet', declaration.span,
      'streams run under `ent run --semantics reference FILE` for now'));
  }

  /** `on NAME(…) by KEY`: the third word must be `by`. */
  handlerBy(by: IToken): void {
    if (by.image !== 'by') {
      this.diagnostics.push(diagnostic('E0110', `expected \`by\` but found \`${by.image}\``, this.tokenSpan(by),
        'a consumer is written `on stream(event: T) by key { … }`: `by` gives the key of the entity each event goes to'));
    }
  }

  type(name: IToken, args: A.TypeExpression[], typeSpan: Span): A.TypeExpression {
    if (name.image === 'list' && args.length === 1) return { kind: 'ListType', element: args[0], span: typeSpan };
    if (name.image === 'future' && args.length === 1) return { kind: 'FutureType', result: args[0], span: typeSpan };
    if (name.image === 'map' && args.length === 2) return { kind: 'MapType', key: args[0], value: args[1], span: typeSpan };
    return { kind: 'NamedType', name: name.image, arguments: args, span: typeSpan };
  }

  // ---------------------------------------------------------------------------------- statements

  expressionStatement(left: A.Expression, value: A.Expression | undefined, statementSpan: Span): A.Statement {
    if (value === undefined) return { kind: 'ExpressionStatement', expression: left, span: statementSpan };
    const target = this.assignTarget(left);
    if (target === undefined) return { kind: 'ExpressionStatement', expression: value, span: statementSpan };
    return { kind: 'Assign', target, value, span: statementSpan };
  }

  private assignTarget(expression: A.Expression): A.AssignTarget | undefined {
    switch (expression.kind) {
      case 'Name':
        return { kind: 'VariableTarget', name: { name: expression.name, span: expression.span }, span: expression.span };
      case 'Member':
        return { kind: 'FieldTarget', object: expression.object, field: expression.member, span: expression.span };
      case 'Index': {
        const base = expression.base;
        if (base.kind === 'Name' || base.kind === 'Member') {
          const inner = this.assignTarget(base) as A.VariableOrFieldTarget;
          return { kind: 'IndexTarget', base: inner, index: expression.index, span: expression.span };
        }
        if (base.kind === 'Index') {
          this.diagnostics.push(diagnostic('E0113', 'nested index assignment is not supported', expression.span,
            'copy the inner value into a variable, change it, and assign it back: `let row = x[i]; row[j] = v; x[i] = row`'));
          return undefined;
        }
        break;
      }
      case 'Self':
        this.diagnostics.push(diagnostic('E0512', 'cannot assign to `self`', expression.span,
          '`self` always refers to the entity running the method'));
        return undefined;
      default:
        break;
    }
    this.diagnostics.push(diagnostic('E0112', 'this expression cannot be assigned to', expression.span,
      'assign to a variable (`x = e`), a field (`self.f = e`) or an element (`x[i] = e`, `self.f[k] = e`)'));
    return undefined;
  }

  // --------------------------------------------------------------------------------- expressions

  /**
   * Operands and operators in a row, grouped by precedence (`*` `/` `%` bind tightest, then `+` `-`, the
   * comparisons, `==` `!=`, `&&`, and `||` loosest), each level to the left.
   */
  binaryChain(operands: readonly A.Expression[], operators: readonly IToken[]): A.Expression {
    if (operators.length === 0) return operands[0];
    if (operators.length === 1) return this.binary(operators[0], operands[0], operands[1]);
    const values: A.Expression[] = [operands[0]];
    const pending: IToken[] = [];
    for (let index = 0; index < operators.length; index++) {
      const operator = operators[index];
      const binding = precedence(operator.image);
      while (pending.length > 0 && precedence(pending[pending.length - 1].image) >= binding) {
        const right = values.pop()!;
        values.push(this.binary(pending.pop()!, values.pop()!, right));
      }
      pending.push(operator);
      values.push(operands[index + 1]);
    }
    while (pending.length > 0) {
      const right = values.pop()!;
      values.push(this.binary(pending.pop()!, values.pop()!, right));
    }
    return values[0];
  }

  private binary(operator: IToken, left: A.Expression, right: A.Expression): A.Expression {
    return {
      kind: 'Binary',
      operator: operator.image as A.BinaryOperator,
      left,
      right,
      operatorSpan: this.tokenSpan(operator),
      span: joinSpans(left.span, right.span),
    };
  }

  prefix(operator: IToken, operand: A.Expression): A.Expression {
    const prefixSpan = joinSpans(this.tokenSpan(operator), operand.span);
    switch (operator.image) {
      case 'await':
        return { kind: 'Await', future: operand, span: prefixSpan };
      case 'async':
        return { kind: 'Async', call: operand, span: prefixSpan };
      default:
        return { kind: 'Unary', operator: operator.image as A.UnaryOperator, operand, span: prefixSpan };
    }
  }

  postfixOperation(base: A.Expression, operation: PostfixOperation, reserved: boolean): A.Expression {
    const operationSpan = joinSpans(base.span, operation.span);
    switch (operation.kind) {
      case 'member': {
        const name = this.nameOrKeyword(operation.name, reserved);
        if (operation.args === undefined) return { kind: 'Member', object: base, member: name, span: operationSpan };
        return { kind: 'MethodCall', receiver: base, method: name, args: operation.args, span: operationSpan };
      }
      case 'index':
        return { kind: 'Index', base, index: operation.index, span: operationSpan };
      case 'call':
        if (base.kind === 'Name') {
          return { kind: 'FunctionCall', callee: { name: base.name, span: base.span }, args: operation.args, span: operationSpan };
        }
        this.diagnostics.push(diagnostic('E0114', 'this expression cannot be called', operationSpan,
          'call a method with `r.m(…)`, a built-in function with `str(…)`, or make a reference with `Name(key)`'));
        return base;
    }
  }

  literal(kind: string, token: IToken): A.Expression {
    const literalSpan = this.tokenSpan(token);
    switch (kind) {
      case 'IntLiteral': {
        const value = Number(token.image);
        if (!(value <= integerMax)) {
          this.diagnostics.push(diagnostic('E0105', `integer literal ${token.image} is out of range`, literalSpan,
            `Ent integers lie within ±${integerMax} (2^53 - 1)`));
          return { kind: 'IntLiteral', value: 0, span: literalSpan };
        }
        return { kind: 'IntLiteral', value, span: literalSpan };
      }
      case 'StringLiteral':
        return { kind: 'StringLiteral', value: this.unescape(token), span: literalSpan };
      case 'True':
        return { kind: 'BoolLiteral', value: true, span: literalSpan };
      case 'False':
        return { kind: 'BoolLiteral', value: false, span: literalSpan };
      case 'Self':
        return { kind: 'Self', span: literalSpan };
      case 'Identifier':
        return { kind: 'Name', name: token.image, span: literalSpan };
      default:
        throw new Error(`assertion: unknown literal ${kind}`);
    }
  }

  private unescape(token: IToken): string {
    const body = token.image.slice(1, -1);
    if (!body.includes('\\')) return body;
    let result = '';
    for (let index = 0; index < body.length; index++) {
      const character = body[index];
      if (character !== '\\') {
        result += character;
        continue;
      }
      const escaped = body[++index];
      switch (escaped) {
        case '"': result += '"'; break;
        case '\\': result += '\\'; break;
        case 'n': result += '\n'; break;
        case 't': result += '\t'; break;
        default: {
          const at = token.startOffset + index;
          this.diagnostics.push(diagnostic('E0103', `invalid escape sequence \`\\${escaped ?? ''}\``,
            span(this.file, at, at + 2), 'use \\" \\\\ \\n or \\t; write a backslash as \\\\'));
        }
      }
    }
    return result;
  }
}
