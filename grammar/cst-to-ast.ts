// Stage: grammar. Concrete syntax tree → surface AST. The only module that reads Chevrotain's CST. It also
// reports what the grammar accepts but Ent does not: bad escapes, integer literals out of range, invalid
// assignment targets and calls of things that are not callable.

import type { CstElement, CstNode, IToken } from 'chevrotain';
import { diagnostic, type Diagnostic } from '../diagnostics/diagnostic.ts';
import type * as A from './ast.ts';
import { joinSpans, span, tokenSpan, type Span } from './span.ts';

const integerMax = Number.MAX_SAFE_INTEGER;

type Children = Record<string, CstElement[] | undefined>;

function isToken(element: CstElement): element is IToken {
  return (element as IToken).tokenType !== undefined;
}

export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];

  constructor(private readonly file: string) {}

  // ------------------------------------------------------------------------------------ helpers

  private nodes(children: Children, name: string): CstNode[] {
    return (children[name] ?? []) as CstNode[];
  }

  private node(children: Children, name: string, index = 0): CstNode {
    const found = this.nodes(children, name)[index];
    if (found === undefined) throw new Error(`assertion: CST node ${name}[${index}] is missing`);
    return found;
  }

  private tokens(children: Children, name: string): IToken[] {
    return (children[name] ?? []) as IToken[];
  }

  private token(children: Children, name: string, index = 0): IToken {
    const found = this.tokens(children, name)[index];
    if (found === undefined) throw new Error(`assertion: CST token ${name}[${index}] is missing`);
    return found;
  }

  private spanOf(node: CstNode): Span {
    const location = node.location;
    if (location === undefined || Number.isNaN(location.startOffset)) return span(this.file, 0, 0);
    const end = location.endOffset === undefined || Number.isNaN(location.endOffset)
      ? location.startOffset
      : location.endOffset + 1;
    return span(this.file, location.startOffset, end);
  }

  private tokenSpan(token: IToken): Span {
    return tokenSpan(this.file, token);
  }

  private identifier(token: IToken): A.Identifier {
    return { name: token.image, span: this.tokenSpan(token) };
  }

  /** A name read by the parser's `nameOrKeyword`: a keyword there is reported as reserved. */
  private nameOrKeyword(children: Children): A.Identifier {
    const reserved = this.tokens(children, 'ReservedWord')[0];
    if (reserved === undefined) return this.identifier(this.token(children, 'Identifier'));
    this.diagnostics.push(diagnostic('E0110', `\`${reserved.image}\` is a reserved word and cannot be used as a name`,
      this.tokenSpan(reserved), `choose another name, for example \`${reserved.image}_\``));
    return this.identifier(reserved);
  }

  // ------------------------------------------------------------------------------------ program

  program(node: CstNode): A.Program {
    const children = node.children;
    return {
      kind: 'Program',
      entities: this.nodes(children, 'entityDeclaration').map((entity) => this.entity(entity)),
      streams: this.nodes(children, 'streamDeclaration').map((stream) => this.stream(stream)),
      runBlocks: this.nodes(children, 'runBlock').map((run) => ({
        kind: 'RunBlock',
        body: this.block(this.node(run.children, 'block')),
        span: this.spanOf(run),
      })),
      span: span(this.file, 0, node.location?.endOffset === undefined ? 0 : node.location.endOffset + 1),
    };
  }

  /** A REPL input: its declarations and its statements (a `run { … }` in it contributes its statements). */
  replInput(node: CstNode): { entities: A.EntityDeclaration[]; statements: A.Statement[] } {
    const children = node.children;
    for (const stream of this.nodes(children, 'streamDeclaration')) {
      this.diagnostics.push(diagnostic('U0110', 'the REPL does not support streams yet', this.spanOf(stream),
        'streams run under `ent run --semantics reference FILE` for now'));
    }
    const statements: A.Statement[] = [];
    const items = [...this.nodes(children, 'statement'), ...this.nodes(children, 'runBlock')]
      .sort((a, b) => (a.location?.startOffset ?? 0) - (b.location?.startOffset ?? 0));
    for (const item of items) {
      if (item.name === 'runBlock') statements.push(...this.block(this.node(item.children, 'block')).statements);
      else statements.push(this.statement(item));
    }
    return { entities: this.nodes(children, 'entityDeclaration').map((entity) => this.entity(entity)), statements };
  }

  private stream(node: CstNode): A.StreamDeclaration {
    const children = node.children;
    return {
      kind: 'StreamDeclaration',
      name: this.identifier(this.token(children, 'Identifier', 1)),
      eventType: this.type(this.node(children, 'typeExpression')),
      span: this.spanOf(node),
    };
  }

  private entity(node: CstNode): A.EntityDeclaration {
    const children = node.children;
    return {
      kind: 'EntityDeclaration',
      name: this.identifier(this.token(children, 'Identifier')),
      members: this.nodes(children, 'member').map((member) => this.member(member)),
      span: this.spanOf(node),
    };
  }

  private member(node: CstNode): A.Member {
    const children = node.children;
    const [kind, inner] = Object.entries(children)[0] as [string, CstNode[]];
    const child = inner[0].children;
    const memberSpan = this.spanOf(inner[0]);
    switch (kind) {
      case 'keyDeclaration':
        return {
          kind: 'KeyDeclaration',
          name: this.identifier(this.token(child, 'Identifier')),
          type: this.type(this.node(child, 'typeExpression')),
          span: memberSpan,
        };
      case 'fieldDeclaration': {
        const initializer = this.nodes(child, 'expression')[0];
        return {
          kind: 'FieldDeclaration',
          name: this.identifier(this.token(child, 'Identifier')),
          type: this.type(this.node(child, 'typeExpression')),
          initializer: initializer === undefined ? undefined : this.expression(initializer),
          span: memberSpan,
        };
      }
      case 'initDeclaration': {
        const parameterList = this.node(child, 'parameterList');
        return {
          kind: 'InitDeclaration',
          parameters: this.parameters(parameterList),
          body: this.block(this.node(child, 'block')),
          headSpan: joinSpans(this.tokenSpan(this.token(child, 'Init')), this.spanOf(parameterList)),
          span: memberSpan,
        };
      }
      case 'methodDeclaration': {
        const result = this.nodes(child, 'typeExpression')[0];
        return {
          kind: 'MethodDeclaration',
          name: this.nameOrKeyword(child),
          parameters: this.parameters(this.node(child, 'parameterList')),
          resultType: result === undefined ? undefined : this.type(result),
          body: this.block(this.node(child, 'block')),
          span: memberSpan,
        };
      }
      case 'handlerDeclaration': {
        const words = this.tokens(child, 'Identifier');
        const by = words[2];
        if (by !== undefined && by.image !== 'by') {
          this.diagnostics.push(diagnostic('E0110', `expected \`by\` but found \`${by.image}\``, this.tokenSpan(by),
            'a consumer is written `on stream(event: T) by key { … }`: `by` gives the key of the entity each event goes to'));
        }
        const parameterList = this.node(child, 'parameterList');
        return {
          kind: 'HandlerDeclaration',
          stream: this.identifier(words[1]),
          parameters: this.parameters(parameterList),
          key: this.expression(this.node(child, 'expression')),
          body: this.block(this.node(child, 'block')),
          headSpan: joinSpans(this.tokenSpan(words[0]), this.spanOf(parameterList)),
          span: memberSpan,
        };
      }
      default:
        throw new Error(`assertion: unknown member ${kind}`);
    }
  }

  private parameters(node: CstNode): A.Parameter[] {
    return this.nodes(node.children, 'parameter').map((parameter) => ({
      name: this.nameOrKeyword(parameter.children),
      type: this.type(this.node(parameter.children, 'typeExpression')),
      span: this.spanOf(parameter),
    }));
  }

  private type(node: CstNode): A.TypeExpression {
    const children = node.children;
    const name = this.token(children, 'Identifier');
    const args = this.nodes(children, 'typeExpression').map((argument) => this.type(argument));
    const typeSpan = this.spanOf(node);
    if (name.image === 'list' && args.length === 1) return { kind: 'ListType', element: args[0], span: typeSpan };
    if (name.image === 'future' && args.length === 1) return { kind: 'FutureType', result: args[0], span: typeSpan };
    if (name.image === 'map' && args.length === 2) return { kind: 'MapType', key: args[0], value: args[1], span: typeSpan };
    return { kind: 'NamedType', name: name.image, arguments: args, span: typeSpan };
  }

  // ---------------------------------------------------------------------------------- statements

  block(node: CstNode): A.Block {
    return {
      kind: 'Block',
      statements: this.nodes(node.children, 'statement').map((statement) => this.statement(statement)),
      span: this.spanOf(node),
    };
  }

  statement(node: CstNode): A.Statement {
    const [kind, inner] = Object.entries(node.children)[0] as [string, CstElement[]];
    const first = inner[0];
    if (isToken(first)) {
      const statementSpan = this.tokenSpan(first);
      return kind === 'Break' ? { kind: 'Break', span: statementSpan } : { kind: 'Continue', span: statementSpan };
    }
    const children = first.children;
    const statementSpan = this.spanOf(first);
    switch (kind) {
      case 'letStatement': {
        const type = this.nodes(children, 'typeExpression')[0];
        return {
          kind: 'Let',
          name: this.nameOrKeyword(children),
          type: type === undefined ? undefined : this.type(type),
          initializer: this.expression(this.node(children, 'expression')),
          span: statementSpan,
        };
      }
      case 'ifStatement':
        return this.ifStatement(first);
      case 'whileStatement':
        return {
          kind: 'While',
          condition: this.expression(this.node(children, 'expression')),
          body: this.block(this.node(children, 'block')),
          span: statementSpan,
        };
      case 'forStatement':
        return {
          kind: 'For',
          variable: this.nameOrKeyword(children),
          iterable: this.expression(this.node(children, 'expression')),
          body: this.block(this.node(children, 'block')),
          span: statementSpan,
        };
      case 'returnStatement': {
        const value = this.nodes(children, 'expression')[0];
        return { kind: 'Return', value: value === undefined ? undefined : this.expression(value), span: statementSpan };
      }
      case 'abortStatement':
        return { kind: 'Abort', message: this.expression(this.node(children, 'expression')), span: statementSpan };
      case 'printStatement':
        return { kind: 'Print', value: this.expression(this.node(children, 'expression')), span: statementSpan };
      case 'expressionStatement':
        return this.expressionStatement(first);
      case 'emitStatement':
        return {
          kind: 'Emit',
          stream: this.identifier(this.token(children, 'Identifier', 1)),
          events: this.expression(this.node(children, 'expression')),
          span: statementSpan,
        };
      case 'sealStatement':
        return { kind: 'Seal', stream: this.identifier(this.token(children, 'Identifier', 1)), span: statementSpan };
      default:
        throw new Error(`assertion: unknown statement ${kind}`);
    }
  }

  private ifStatement(node: CstNode): A.IfStatement {
    const children = node.children;
    const nestedIf = this.nodes(children, 'ifStatement')[0];
    const elseBlock = this.nodes(children, 'block')[1];
    return {
      kind: 'If',
      condition: this.expression(this.node(children, 'expression')),
      thenBlock: this.block(this.node(children, 'block')),
      elseBranch: nestedIf !== undefined
        ? this.ifStatement(nestedIf)
        : elseBlock !== undefined ? this.block(elseBlock) : undefined,
      span: this.spanOf(node),
    };
  }

  private expressionStatement(node: CstNode): A.Statement {
    const children = node.children;
    const expressions = this.nodes(children, 'expression');
    const left = this.expression(expressions[0]);
    const statementSpan = this.spanOf(node);
    if (expressions.length === 1) return { kind: 'ExpressionStatement', expression: left, span: statementSpan };
    const value = this.expression(expressions[1]);
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

  expression(node: CstNode): A.Expression {
    return this.orExpression(this.node(node.children, 'orExpression'));
  }

  private binaryChain(
    node: CstNode,
    operandRule: string,
    operatorToken: string,
    operand: (child: CstNode) => A.Expression,
  ): A.Expression {
    const operands = this.nodes(node.children, operandRule);
    const operators = this.tokens(node.children, operatorToken);
    let result = operand(operands[0]);
    for (let index = 0; index < operators.length; index++) {
      const right = operand(operands[index + 1]);
      result = {
        kind: 'Binary',
        operator: operators[index].image as A.BinaryOperator,
        left: result,
        right,
        operatorSpan: this.tokenSpan(operators[index]),
        span: joinSpans(result.span, right.span),
      };
    }
    return result;
  }

  private orExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'andExpression', 'OrOr', (child) => this.andExpression(child));
  }

  private andExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'equalityExpression', 'AndAnd', (child) => this.equalityExpression(child));
  }

  private equalityExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'comparisonExpression', 'EqualityOperator',
      (child) => this.comparisonExpression(child));
  }

  private comparisonExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'additiveExpression', 'ComparisonOperator',
      (child) => this.additiveExpression(child));
  }

  private additiveExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'multiplicativeExpression', 'AdditiveOperator',
      (child) => this.multiplicativeExpression(child));
  }

  private multiplicativeExpression(node: CstNode): A.Expression {
    return this.binaryChain(node, 'prefix', 'MultiplicativeOperator', (child) => this.prefix(child));
  }

  private prefix(node: CstNode): A.Expression {
    const children = node.children;
    const postfix = this.nodes(children, 'postfix')[0];
    if (postfix !== undefined) return this.postfix(postfix);
    const operand = this.prefix(this.node(children, 'prefix'));
    const operator = [...this.tokens(children, 'Bang'), ...this.tokens(children, 'Minus'),
      ...this.tokens(children, 'Await'), ...this.tokens(children, 'Async')][0];
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

  private postfix(node: CstNode): A.Expression {
    let result = this.primary(this.node(node.children, 'primary'));
    for (const operation of this.nodes(node.children, 'postfixOperation')) {
      result = this.postfixOperation(result, operation);
    }
    return result;
  }

  private postfixOperation(base: A.Expression, node: CstNode): A.Expression {
    const children = node.children;
    const operationSpan = joinSpans(base.span, this.spanOf(node));
    const member = this.tokens(children, 'Identifier')[0] ?? this.tokens(children, 'ReservedWord')[0];
    const argumentList = this.nodes(children, 'argumentList')[0];
    if (member !== undefined) {
      const name = this.nameOrKeyword(children);
      if (argumentList === undefined) return { kind: 'Member', object: base, member: name, span: operationSpan };
      return { kind: 'MethodCall', receiver: base, method: name, args: this.arguments(argumentList), span: operationSpan };
    }
    if (argumentList === undefined) {
      return { kind: 'Index', base, index: this.expression(this.node(children, 'expression')), span: operationSpan };
    }
    const args = this.arguments(argumentList);
    if (base.kind === 'Name') {
      return { kind: 'FunctionCall', callee: { name: base.name, span: base.span }, args, span: operationSpan };
    }
    this.diagnostics.push(diagnostic('E0114', 'this expression cannot be called', operationSpan,
      'call a method with `r.m(…)`, a built-in function with `str(…)`, or make a reference with `Name(key)`'));
    return base;
  }

  private arguments(node: CstNode): A.Expression[] {
    return this.nodes(node.children, 'expression').map((argument) => this.expression(argument));
  }

  private primary(node: CstNode): A.Expression {
    const [kind, inner] = Object.entries(node.children)[0] as [string, CstElement[]];
    const first = inner[0];
    if (isToken(first)) return this.literal(kind, first);
    const children = first.children;
    const primarySpan = this.spanOf(first);
    switch (kind) {
      case 'parenthesized':
        return this.expression(this.node(children, 'expression'));
      case 'listLiteral':
        return { kind: 'ListLiteral', elements: this.nodes(children, 'expression').map((e) => this.expression(e)), span: primarySpan };
      case 'mapLiteral':
        return {
          kind: 'MapLiteral',
          entries: this.nodes(children, 'mapEntry').map((entry) => ({
            key: this.expression(this.node(entry.children, 'expression', 0)),
            value: this.expression(this.node(entry.children, 'expression', 1)),
          })),
          span: primarySpan,
        };
      case 'newExpression':
        return {
          kind: 'New',
          entity: this.identifier(this.token(children, 'Identifier')),
          args: this.arguments(this.node(children, 'argumentList')),
          span: primarySpan,
        };
      default:
        throw new Error(`assertion: unknown primary ${kind}`);
    }
  }

  private literal(kind: string, token: IToken): A.Expression {
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
