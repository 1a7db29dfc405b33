// Stage: semantics/check. One body (a method, `init`, or the run block) → typed statements. Resolves
// every name against the scopes and the entity table, types every expression, and reports misuse. One
// checker per frame: it owns the frame's variable slots.

import type * as A from '../../grammar/ast.ts';
import type { Span } from '../../grammar/span.ts';
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import type { DiagnosticCode } from '../../diagnostics/catalog.ts';
import type * as T from '../typed.ts';
import {
  boolType, containsFuture, entityType, errorType, futureType, intType, listType, mapType, stringType, typeFits,
  typeToString, voidType, type Type,
} from '../types.ts';
import { TypeResolver, type EntitySignature, type EntityTable, type StreamSignature, type StreamTable } from './declarations.ts';
import { closestName } from './suggest.ts';
import { aType } from './wording.ts';

/** `consumer` is the body of `on NAME(…) by … { … }`; `route` is its `by` key, an expression over the event alone. */
export type FrameMode = 'method' | 'init' | 'run' | 'consumer' | 'route';

export interface FrameOptions {
  readonly mode: FrameMode;
  readonly entity: EntitySignature | undefined;
  /** The method's result type (`void` for init and the run block). */
  readonly result: Type;
  /** Variables already bound (the REPL's earlier lines), and the first free slot. */
  readonly initialScope?: ReadonlyMap<string, T.Variable>;
  readonly firstSlot?: number;
  /** In the REPL a top-level `let` may bind a name again. */
  readonly allowRedeclaration?: boolean;
  /** The streams `emit`, `seal` and `on` may name; absent at the REPL, which has none yet. */
  readonly streams?: StreamTable;
}

export class BodyChecker {
  private readonly scopes: Map<string, T.Variable>[];
  private slots: number;
  private loopDepth = 0;
  /** The statement being checked is a bare `return` followed by an expression statement. */
  private valueOnNextLine = false;
  /** The variables of enclosing `for` loops: read-only (E0513). */
  private readonly loopVariables = new Set<T.Variable>();
  private readonly resolver: TypeResolver;

  constructor(
    private readonly table: EntityTable,
    private readonly options: FrameOptions,
    readonly diagnostics: Diagnostic[],
  ) {
    this.scopes = [new Map(options.initialScope ?? [])];
    this.slots = options.firstSlot ?? 0;
    this.resolver = new TypeResolver(new Set(table.keys()), diagnostics);
  }

  get slotCount(): number {
    return this.slots;
  }

  /** The variables of the outermost scope: what a REPL line leaves bound for the next one. */
  get topScope(): ReadonlyMap<string, T.Variable> {
    return this.scopes[0];
  }

  private report(code: DiagnosticCode, message: string, at: Span, hint?: string): void {
    this.diagnostics.push(diagnostic(code, message, at, hint));
  }

  // ------------------------------------------------------------------------------------- variables

  declare(name: A.Identifier, type: Type): T.Variable {
    const scope = this.scopes[this.scopes.length - 1];
    const topLevelRepl = this.options.allowRedeclaration === true && this.scopes.length === 1;
    if (scope.has(name.name) && !topLevelRepl) {
      this.report('E0305', `\`${name.name}\` is already declared in this block`, name.span,
        `assign to it with \`${name.name} = …\`, or choose another name`);
    }
    return this.bind(name, type);
  }

  /** Binds a parameter; a repeated name was already reported by the declarations (E0211). */
  declareParameter(name: A.Identifier, type: Type): T.Variable {
    return this.bind(name, type);
  }

  private bind(name: A.Identifier, type: Type): T.Variable {
    const scope = this.scopes[this.scopes.length - 1];
    const variable: T.Variable = { name: name.name, slot: this.slots++, type, span: name.span };
    scope.set(name.name, variable);
    return variable;
  }

  private lookup(name: string): T.Variable | undefined {
    for (let index = this.scopes.length - 1; index >= 0; index--) {
      const found = this.scopes[index].get(name);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private visibleNames(): string[] {
    return this.scopes.flatMap((scope) => [...scope.keys()]);
  }

  private unknownVariable(name: string, at: Span): void {
    if (this.options.streams?.has(name) === true) {
      this.report('E0301', `\`${name}\` is a stream, not a variable`, at,
        `append an atom to it with \`emit ${name} [e1, e2, …]\`; an entity reads it with \`on ${name}(event: T) by key { … }\``);
      return;
    }
    if (this.table.has(name)) {
      this.report('E0301', `\`${name}\` is an entity, not a variable`, at,
        `make a reference with \`${name}(key)\`, or create one with \`new ${name}(key, …)\``);
      return;
    }
    this.report('E0301', `unknown variable \`${name}\``, at, this.unknownVariableHint(name));
  }

  /** What a name from another language, or a field read without `self.`, means in Ent. */
  private unknownVariableHint(name: string): string {
    const entity = this.options.entity;
    const inMethod = this.options.mode !== 'run';
    if (entity !== undefined && (entity.fields.has(name) || entity.keyName === name)) {
      return `did you mean \`self.${name}\`? A field of ${entity.name} is read and written through \`self\``;
    }
    if (name === 'this') {
      return inMethod ? 'Ent calls the entity running a method `self`: write `self`' : '`this` is not Ent; inside a method the entity is `self`';
    }
    if (['null', 'nil', 'None', 'undefined', 'NULL'].includes(name)) {
      return 'Ent has no null: every variable holds a value; for something that may be absent, use a map and `has`, or a list';
    }
    if (name === 'True' || name === 'False') return `write \`${name.toLowerCase()}\`: Ent's booleans are lowercase`;
    const suggestion = closestName(name, this.visibleNames());
    if (suggestion !== undefined) return `did you mean \`${suggestion}\`?`;
    const field = entity === undefined ? undefined : closestName(name, [entity.keyName, ...entity.fields.keys()]);
    return field === undefined ? 'declare it with `let` before using it' : `did you mean \`self.${field}\`?`;
  }

  // ------------------------------------------------------------------------------------ statements

  block(block: A.Block): T.Block {
    this.scopes.push(new Map());
    const statements = this.statements(block.statements);
    this.scopes.pop();
    return statements;
  }

  /** Statements in the current scope (the REPL checks a line's statements in its top scope). */
  statements(statements: readonly A.Statement[]): T.Statement[] {
    return statements.map((statement, index) => {
      // `return` then a line break then a value: the line break ended the `return` (see returnStatement).
      this.valueOnNextLine = statement.kind === 'Return' && statement.value === undefined
        && statements[index + 1]?.kind === 'ExpressionStatement';
      return this.statement(statement);
    });
  }

  statement(statement: A.Statement): T.Statement {
    const at = statement.span;
    switch (statement.kind) {
      case 'Let': {
        const declared = statement.type === undefined ? undefined : this.resolver.resolve(statement.type, 'local');
        const value = this.value(statement.initializer, declared);
        const variable = this.declare(statement.name, declared ?? value.type);
        return { kind: 'Let', variable, value, span: at };
      }
      case 'Assign':
        return this.assign(statement.target, statement.value, at);
      case 'If':
        return this.ifStatement(statement);
      case 'While': {
        const condition = this.condition(statement.condition, 'while');
        const body = this.loopBody(statement.body);
        return { kind: 'While', condition, body, span: at };
      }
      case 'For':
        return this.forStatement(statement);
      case 'Break':
      case 'Continue':
        if (this.loopDepth === 0) {
          this.report('E0506', `\`${statement.kind.toLowerCase()}\` outside a loop`, at,
            'use it inside `while` or `for`; to leave a method, use `return`');
        }
        return { kind: statement.kind, span: at };
      case 'Return':
        return this.returnStatement(statement.value, at);
      case 'Abort': {
        if (this.options.mode === 'run') {
          this.report('E0509', '`abort` is not allowed in the run block', at,
            'the run block is the client; abort inside a method to roll its transaction back');
        }
        return { kind: 'Abort', message: this.value(statement.message, stringType), span: at };
      }
      case 'Print': {
        if (this.options.mode !== 'run') {
          this.report('E0501', '`print` is allowed only in the run block', at,
            'a method cannot perform output (its effects must be undoable); return the value and print it in `run`');
        }
        const value = this.expression(statement.value);
        if (containsFuture(value.type)) {
          this.report('E0411', `${aType(value.type)} has no printed form`, statement.value.span,
            'print `await f` to print the result of the call');
        }
        return { kind: 'Print', value, span: at };
      }
      case 'ExpressionStatement':
        return { kind: 'ExpressionStatement', expression: this.expression(statement.expression), span: at };
      case 'Emit': {
        const stream = this.stream(statement.stream);
        const events = this.value(statement.events, stream === undefined ? errorType : listType(stream.eventType));
        return { kind: 'Emit', stream: statement.stream.name, events, span: at };
      }
      case 'Seal':
        this.stream(statement.stream);
        if (this.options.mode !== 'run') {
          this.report('E0514', '`seal` is allowed only in the run block', at,
            'the client seals a stream once it will emit no more; a transaction emits, and never seals');
        }
        return { kind: 'Seal', stream: statement.stream.name, span: at };
      case 'Update':
        if (this.options.allowRedeclaration === true) {
          // A REPL input that is one top-level update runs as such (cli/repl-session.ts); one within others does not.
          this.report('E0524', 'at the REPL, an update is an input of its own', at,
            `type \`update ${statement.entity.name} { … }\` alone, at the top level, then the statements that follow it`);
          return { kind: 'Update', entity: statement.entity.name, version: 0, span: at };
        }
        // The run block's top-level updates are checked by ./updates.ts before they reach here.
        this.report('E0515', this.options.mode === 'run' ? '`update` stands at the top level of the run block' : '`update` is allowed only in the run block', at,
          this.options.mode === 'run'
            ? 'an update is one step of the serial order, known when the program is checked: take it out of the `if`, `while` or `for`'
            : 'a live update is the client\'s: write it in the run block, between its other steps');
        return { kind: 'Update', entity: statement.entity.name, version: 0, span: at };
      default:
        throw new Error(`assertion: unknown statement ${(statement as A.Statement).kind}`);
    }
  }

  private loopBody(body: A.Block): T.Block {
    this.loopDepth++;
    const checked = this.block(body);
    this.loopDepth--;
    return checked;
  }

  private ifStatement(statement: A.IfStatement): T.Statement {
    const condition = this.condition(statement.condition, 'if');
    const thenBlock = this.block(statement.thenBlock);
    const elseBranch = statement.elseBranch;
    const elseBlock = elseBranch === undefined ? [] : elseBranch.kind === 'Block'
      ? this.block(elseBranch)
      : [this.ifStatement(elseBranch)];
    return { kind: 'If', condition, thenBlock, elseBlock, span: statement.span };
  }

  private forStatement(statement: Extract<A.Statement, { kind: 'For' }>): T.Statement {
    const iterable = this.value(statement.iterable);
    let over: 'list' | 'map' = 'list';
    let elementType: Type = errorType;
    if (iterable.type.kind === 'list') {
      elementType = iterable.type.element;
    } else if (iterable.type.kind === 'map') {
      over = 'map';
      elementType = iterable.type.key;
    } else if (iterable.type.kind !== 'error') {
      this.report('E0408', `cannot iterate over ${aType(iterable.type)}`, statement.iterable.span,
        '`for x in e` walks a list, or the keys of a map in ascending order');
    }
    this.scopes.push(new Map());
    const variable = this.declare(statement.variable, elementType);
    this.loopVariables.add(variable);
    const body = this.loopBody(statement.body);
    this.loopVariables.delete(variable);
    this.scopes.pop();
    return { kind: 'For', variable, iterable, over, body, span: statement.span };
  }

  private returnStatement(value: A.Expression | undefined, at: Span): T.Statement {
    const { mode, result } = this.options;
    if (mode === 'run') {
      this.report('E0502', '`return` is not allowed in the run block', at,
        'the run block ends after its last statement; use `break` to leave a loop');
      return { kind: 'Return', value: value === undefined ? undefined : this.expression(value), span: at };
    }
    if (value === undefined) {
      if (result.kind !== 'void' && result.kind !== 'error') {
        this.report('E0504', `this method returns ${aType(result)}: \`return\` needs a value`, at, this.valueOnNextLine
          ? 'a line break ends `return`, so the value on the next line is a statement of its own: put it on the same line, `return e`'
          : `write \`return e\` with e of type ${typeToString(result)}`);
      }
      return { kind: 'Return', value: undefined, span: at };
    }
    if (result.kind === 'void') {
      const message = mode === 'init' ? '`init` cannot return a value'
        : mode === 'consumer' ? 'a consumer cannot return a value' : 'this method has no result type, so it cannot return a value';
      this.report('E0503', message, value.span, mode === 'method'
        ? 'declare a result type (`fn name(…): T`) or use a bare `return`'
        : mode === 'consumer' ? 'a consumer runs for its effects; use a bare `return`, or emit the value to a stream' : 'use a bare `return`');
      return { kind: 'Return', value: this.expression(value), span: at };
    }
    return { kind: 'Return', value: this.value(value, result), span: at };
  }

  // ------------------------------------------------------------------------------------ assignment

  private assign(target: A.AssignTarget, valueExpression: A.Expression, at: Span): T.Statement {
    switch (target.kind) {
      case 'VariableTarget': {
        const variable = this.lookup(target.name.name);
        if (variable === undefined) this.unknownVariable(target.name.name, target.name.span);
        else this.requireWritable(variable, target.span);
        const value = this.value(valueExpression, variable?.type);
        if (variable === undefined) return { kind: 'ExpressionStatement', expression: value, span: at };
        return { kind: 'AssignLocal', variable, value, span: at };
      }
      case 'FieldTarget': {
        const field = this.ownField(target);
        const value = this.value(valueExpression, field?.type);
        if (field === undefined) return { kind: 'ExpressionStatement', expression: value, span: at };
        return { kind: 'AssignField', field: field.name, value, span: at };
      }
      case 'IndexTarget': {
        const base = this.mutationTarget(target.base);
        const index = this.indexFor(base?.type ?? errorType, target.index, target.base.span);
        const value = this.value(valueExpression, index?.elementType);
        if (base === undefined || index === undefined) return { kind: 'ExpressionStatement', expression: value, span: at };
        return { kind: 'AssignIndex', target: base.target, container: index.container, index: index.index, value, span: at };
      }
      default:
        throw new Error(`assertion: unknown target ${(target as A.AssignTarget).kind}`);
    }
  }

  /** Reports a change to the variable of an enclosing `for` loop, which is read-only. */
  private requireWritable(variable: T.Variable, at: Span): void {
    if (!this.loopVariables.has(variable)) return;
    this.report('E0513', `\`${variable.name}\` is the variable of a \`for\` loop and cannot change`, at,
      `copy it first: \`let current = ${variable.name}\`, then change the copy`);
  }

  /** `self.f` as a place to change: the field's name and type, or undefined after a report. */
  private ownField(
    target: Extract<A.AssignTarget, { kind: 'FieldTarget' }>,
  ): { name: string; type: Type } | undefined {
    if (target.object.kind !== 'Self') {
      const object = this.value(target.object);
      if (object.type.kind === 'error') return undefined;
      if (object.type.kind === 'entity') {
        this.report('E0507', `cannot change field \`${target.field.name}\` of another entity`, target.span,
          `entity state is private: call a method of \`${object.type.name}\` that changes its own field`);
      } else {
        this.report('E0112', `${aType(object.type)} has no fields to assign`, target.span,
          'assign to a variable, a field of `self`, or an element `x[i]`');
      }
      return undefined;
    }
    const entity = this.selfEntity(target.object.span);
    if (entity === undefined) return undefined;
    if (target.field.name === entity.keyName) {
      this.report('E0508', `the key \`${entity.keyName}\` of \`${entity.name}\` cannot change`, target.field.span,
        'an entity is named by its key for its whole life; keep changing data in an ordinary field');
      return undefined;
    }
    const field = entity.fields.get(target.field.name);
    if (field === undefined) {
      this.unknownField(entity, target.field);
      return undefined;
    }
    return { name: field.name, type: field.type };
  }

  private mutationTarget(
    target: A.VariableOrFieldTarget,
  ): { target: T.MutationTarget; type: Type } | undefined {
    if (target.kind === 'VariableTarget') {
      const variable = this.lookup(target.name.name);
      if (variable === undefined) {
        this.unknownVariable(target.name.name, target.name.span);
        return undefined;
      }
      this.requireWritable(variable, target.span);
      return { target: { kind: 'local', variable }, type: variable.type };
    }
    const field = this.ownField(target);
    return field === undefined ? undefined : { target: { kind: 'field', field: field.name }, type: field.type };
  }

  private indexFor(
    containerType: Type,
    indexExpression: A.Expression,
    containerSpan: Span,
  ): { container: 'list' | 'map'; index: T.Expression; elementType: Type } | undefined {
    if (containerType.kind === 'list') {
      return { container: 'list', index: this.value(indexExpression, intType), elementType: containerType.element };
    }
    if (containerType.kind === 'map') {
      return { container: 'map', index: this.value(indexExpression, containerType.key), elementType: containerType.value };
    }
    this.value(indexExpression);
    if (containerType.kind !== 'error') {
      this.report('E0407', `${aType(containerType)} cannot be indexed`, containerSpan,
        'index a list with an int (`xs[0]`) or a map with its key type (`m["k"]`)');
    }
    return undefined;
  }

  // ----------------------------------------------------------------------------------- expressions

  private condition(expression: A.Expression, where: string): T.Expression {
    const checked = this.value(expression);
    if (checked.type.kind !== 'bool' && checked.type.kind !== 'error') {
      this.report('E0403', `the condition of \`${where}\` is ${aType(checked.type)}, not a \`bool\``,
        expression.span, 'compare explicitly, for example `x != 0` or `xs.len() > 0`');
    }
    return checked;
  }

  /** An expression that must have a value (not void), fitting `expected` when given. */
  value(expression: A.Expression, expected?: Type): T.Expression {
    const checked = this.expression(expression, expected);
    if (checked.type.kind === 'void') {
      this.report('E0405', 'this call returns nothing, so it has no value', expression.span,
        'call it as a statement on its own line, or give the method a result type');
      return { ...checked, type: errorType } as T.Expression;
    }
    if (expected !== undefined && !typeFits(expected, checked.type)) {
      this.report('E0401', `expected \`${typeToString(expected)}\` but found \`${typeToString(checked.type)}\``,
        expression.span, conversionHint(expected, checked.type));
    }
    return checked;
  }

  /** A value typed in the context of `context` (for `[]` and `{}`), without requiring that it fit. */
  private contextual(expression: A.Expression, context: Type): T.Expression {
    const checked = this.expression(expression, context);
    if (checked.type.kind === 'void') return this.value(expression);
    return checked;
  }

  expression(expression: A.Expression, expected?: Type): T.Expression {
    const at = expression.span;
    switch (expression.kind) {
      case 'IntLiteral':
        return { kind: 'Literal', value: expression.value, type: intType, span: at };
      case 'StringLiteral':
        return { kind: 'Literal', value: expression.value, type: stringType, span: at };
      case 'BoolLiteral':
        return { kind: 'Literal', value: expression.value, type: boolType, span: at };
      case 'ListLiteral':
        return this.listLiteral(expression, expected);
      case 'MapLiteral':
        return this.mapLiteral(expression, expected);
      case 'Self': {
        const entity = this.selfEntity(at);
        return { kind: 'Self', type: entity === undefined ? errorType : entityType(entity.name), span: at };
      }
      case 'Name': {
        const variable = this.lookup(expression.name);
        if (variable === undefined) {
          this.unknownVariable(expression.name, at);
          return { kind: 'Literal', value: 0, type: errorType, span: at };
        }
        return { kind: 'Local', variable, type: variable.type, span: at };
      }
      case 'Binary':
        return this.binary(expression);
      case 'Unary':
        return this.unary(expression);
      case 'Await': {
        const future = this.value(expression.future);
        if (future.type.kind !== 'future' && future.type.kind !== 'error') {
          this.report('E0410', `\`await\` needs a future, not ${aType(future.type)}`, expression.future.span,
            'start a call with `async r.m(…)` to get a future; a plain call already waits for its result');
        }
        const type = future.type.kind === 'future' ? future.type.result : errorType;
        return { kind: 'Await', future, type, span: at };
      }
      case 'Async':
        return this.asyncCall(expression);
      case 'Member':
        return this.member(expression);
      case 'MethodCall':
        return this.methodCall(expression);
      case 'FunctionCall':
        return this.functionCall(expression);
      case 'Index': {
        const base = this.value(expression.base);
        const index = this.indexFor(base.type, expression.index, expression.base.span);
        if (index === undefined) return { kind: 'Literal', value: 0, type: errorType, span: at };
        return { kind: 'Index', base, index: index.index, container: index.container, type: index.elementType, span: at };
      }
      case 'New':
        return this.newEntity(expression);
      default:
        throw new Error(`assertion: unknown expression ${(expression as A.Expression).kind}`);
    }
  }

  private listLiteral(expression: Extract<A.Expression, { kind: 'ListLiteral' }>, expected?: Type): T.Expression {
    const at = expression.span;
    const expectedElement = expected?.kind === 'list' ? expected.element : undefined;
    if (expression.elements.length === 0) {
      // An erroneous context was reported where it arose; `[]` adds nothing to that.
      if (expected?.kind === 'error') return { kind: 'ListLiteral', elements: [], type: errorType, span: at };
      if (expectedElement === undefined) {
        this.report('E0406', 'the type of `[]` is not known here', at,
          'give it a type: `let xs: list<int> = []`');
        return { kind: 'ListLiteral', elements: [], type: errorType, span: at };
      }
      return { kind: 'ListLiteral', elements: [], type: listType(expectedElement), span: at };
    }
    const first = this.value(expression.elements[0], expectedElement);
    const elementType = expectedElement ?? first.type;
    const rest = expression.elements.slice(1).map((element) => this.value(element, elementType));
    const type = elementType.kind === 'error' ? errorType : listType(elementType);
    return { kind: 'ListLiteral', elements: [first, ...rest], type, span: at };
  }

  private mapLiteral(expression: Extract<A.Expression, { kind: 'MapLiteral' }>, expected?: Type): T.Expression {
    const at = expression.span;
    const expectedKey = expected?.kind === 'map' ? expected.key : undefined;
    const expectedValue = expected?.kind === 'map' ? expected.value : undefined;
    if (expression.entries.length === 0) {
      if (expected?.kind === 'error') return { kind: 'MapLiteral', entries: [], type: errorType, span: at };
      if (expectedKey === undefined || expectedValue === undefined) {
        this.report('E0406', 'the type of `{}` is not known here', at,
          'give it a type: `let m: map<string, int> = {}`');
        return { kind: 'MapLiteral', entries: [], type: errorType, span: at };
      }
      return { kind: 'MapLiteral', entries: [], type: mapType(expectedKey, expectedValue), span: at };
    }
    const firstKey = this.value(expression.entries[0].key, expectedKey);
    const firstValue = this.value(expression.entries[0].value, expectedValue);
    const keyType = expectedKey ?? firstKey.type;
    const valueType = expectedValue ?? firstValue.type;
    if (keyType.kind !== 'int' && keyType.kind !== 'string' && keyType.kind !== 'error') {
      this.report('E0205', `a map key is an \`int\` or a \`string\`, not \`${typeToString(keyType)}\``,
        expression.entries[0].key.span, 'key the map by an int or a string');
    }
    const entries = [{ key: firstKey, value: firstValue }, ...expression.entries.slice(1).map((entry) => ({
      key: this.value(entry.key, keyType),
      value: this.value(entry.value, valueType),
    }))];
    const type = keyType.kind === 'error' || valueType.kind === 'error' ? errorType : mapType(keyType, valueType);
    return { kind: 'MapLiteral', entries, type, span: at };
  }

  /** The stream `emit`, `seal` or `on` names, or undefined after reporting that none is declared (E0308). */
  stream(name: A.Identifier): StreamSignature | undefined {
    const found = this.options.streams?.get(name.name);
    if (found === undefined) {
      const suggestion = closestName(name.name, [...(this.options.streams?.keys() ?? [])]);
      const hint = this.options.streams === undefined
        ? 'the REPL does not support streams yet: they run under `ent run --semantics reference FILE`'
        : suggestion !== undefined
          ? `did you mean \`${suggestion}\`?`
          : `declare it at the top level: \`stream ${name.name}: T\`, with T the type of its events`;
      this.report('E0308', `unknown stream \`${name.name}\``, name.span, hint);
    }
    return found;
  }

  private selfEntity(at: Span): EntitySignature | undefined {
    if (this.options.mode === 'route') {
      this.report('E0307', '`self` is not available in a routing key', at,
        'the key decides which entity the event goes to, so it is computed from the event alone; use `self` in the body');
      return undefined;
    }
    if (this.options.entity === undefined) {
      this.report('E0307', '`self` is not available in the run block', at,
        'the run block is the client; name an entity with a reference such as `Item("apple")`');
    }
    return this.options.entity;
  }

  private binary(expression: Extract<A.Expression, { kind: 'Binary' }>): T.Expression {
    const { operator } = expression;
    const at = expression.span;
    if (operator === '&&' || operator === '||') {
      const left = this.logicalOperand(expression.left, operator);
      const right = this.logicalOperand(expression.right, operator);
      return { kind: 'Binary', operator, left, right, type: boolType, span: at };
    }
    const { left, right } = operator === '==' || operator === '!='
      ? this.equalityOperands(expression)
      : { left: this.value(expression.left), right: this.value(expression.right) };
    const both = (kind: Type['kind']): boolean => left.type.kind === kind && right.type.kind === kind;
    const anyError = left.type.kind === 'error' || right.type.kind === 'error';
    switch (operator) {
      case '==':
      case '!=':
        if (!typeFits(left.type, right.type) || !typeFits(right.type, left.type)) {
          this.report('E0413', `cannot compare ${aType(left.type)} with ${aType(right.type)}`,
            expression.operatorSpan, 'both sides of `==` and `!=` have the same type');
        } else if (containsFuture(left.type)) {
          // A future is a handle to a call: the only thing to do with one is to await it.
          this.report('E0413', 'futures cannot be compared', expression.operatorSpan, 'compare their results: `(await a) == (await b)`');
        }
        return { kind: 'Binary', operator, left, right, type: boolType, span: at };
      case '<':
      case '<=':
      case '>':
      case '>=':
        if (!anyError && !both('int') && !both('string')) {
          this.invalidOperands(expression, left.type, right.type, 'ordering compares two ints or two strings');
        }
        return { kind: 'Binary', operator, left, right, type: boolType, span: at };
      case '+':
        if (!anyError && !both('int') && !both('string')) {
          const hint = left.type.kind === 'string' || right.type.kind === 'string'
            ? 'join a string with another type through `str(…)`, as in `"n = " + str(n)`'
            : '`+` adds two ints or joins two strings';
          this.invalidOperands(expression, left.type, right.type, hint);
        }
        return { kind: 'Binary', operator, left, right, type: both('string') ? stringType : anyError ? errorType : intType, span: at };
      default:
        if (!anyError && !both('int')) this.invalidOperands(expression, left.type, right.type, `\`${operator}\` works on ints`);
        return { kind: 'Binary', operator, left, right, type: intType, span: at };
    }
  }

  /**
   * The operands of `==` and `!=`. An operand that cannot type itself (`[]`, `{}`, `[[]]`) takes its type
   * from the other one (`xs == []`, `[] == xs`); otherwise each types itself, so that unlike operands are
   * reported as one comparison of unlike types, not as a mismatch inside the right operand.
   */
  private equalityOperands(
    expression: Extract<A.Expression, { kind: 'Binary' }>,
  ): { left: T.Expression; right: T.Expression } {
    if (needsContext(expression.left) && !needsContext(expression.right)) {
      const right = this.value(expression.right);
      return { left: this.contextual(expression.left, right.type), right };
    }
    const left = this.value(expression.left);
    const right = needsContext(expression.right) ? this.contextual(expression.right, left.type) : this.value(expression.right);
    return { left, right };
  }

  private logicalOperand(expression: A.Expression, operator: string): T.Expression {
    const checked = this.value(expression);
    if (checked.type.kind !== 'bool' && checked.type.kind !== 'error') {
      this.report('E0403', `\`${operator}\` needs \`bool\` operands, not \`${typeToString(checked.type)}\``,
        expression.span, 'compare explicitly, for example `x != 0`');
    }
    return checked;
  }

  private invalidOperands(expression: Extract<A.Expression, { kind: 'Binary' }>, left: Type, right: Type, hint: string): void {
    this.report('E0404', `\`${expression.operator}\` is not defined on \`${typeToString(left)}\` and \`${typeToString(right)}\``,
      expression.operatorSpan, hint);
  }

  private unary(expression: Extract<A.Expression, { kind: 'Unary' }>): T.Expression {
    const operand = this.value(expression.operand);
    const at = expression.span;
    if (expression.operator === '!') {
      if (operand.type.kind !== 'bool' && operand.type.kind !== 'error') {
        this.report('E0403', `\`!\` needs a \`bool\`, not ${aType(operand.type)}`, expression.operand.span,
          'compare explicitly, for example `x == 0`');
      }
      return { kind: 'Unary', operator: '!', operand, type: boolType, span: at };
    }
    if (operand.type.kind !== 'int' && operand.type.kind !== 'error') {
      this.report('E0404', `\`-\` is not defined on \`${typeToString(operand.type)}\``, expression.operand.span,
        'negation works on ints');
    }
    return { kind: 'Unary', operator: '-', operand, type: intType, span: at };
  }

  private asyncCall(expression: Extract<A.Expression, { kind: 'Async' }>): T.Expression {
    const call = this.expression(expression.call);
    if (call.kind !== 'Call') {
      if (call.type.kind !== 'error') {
        this.report('E0409', '`async` needs a method call on an entity', expression.call.span,
          'write `async r.m(…)`, where r refers to an entity');
      }
      return { kind: 'Literal', value: 0, type: errorType, span: expression.span };
    }
    return { kind: 'Async', call, type: futureType(call.type), span: expression.span };
  }

  private member(expression: Extract<A.Expression, { kind: 'Member' }>): T.Expression {
    const at = expression.span;
    const name = expression.member;
    const fail: T.Expression = { kind: 'Literal', value: 0, type: errorType, span: at };
    if (expression.object.kind === 'Self') {
      const entity = this.selfEntity(expression.object.span);
      if (entity === undefined) return fail;
      if (name.name === entity.keyName) return { kind: 'SelfField', field: name.name, type: entity.keyType, span: at };
      const field = entity.fields.get(name.name);
      if (field === undefined) {
        this.unknownField(entity, name);
        return fail;
      }
      return { kind: 'SelfField', field: field.name, type: field.type, span: at };
    }
    const object = this.value(expression.object);
    if (object.type.kind === 'error') return fail;
    if (object.type.kind !== 'entity') {
      const isMethod = ['len', 'contains', 'has', 'keys', 'push', 'remove'].includes(name.name);
      this.report('E0303', `${aType(object.type)} has no field \`${name.name}\``, name.span,
        isMethod ? `\`${name.name}\` is a method: call it with \`${name.name}(…)\`` : 'fields belong to entities');
      return fail;
    }
    const entity = this.table.get(object.type.name)!;
    if (name.name === entity.keyName) return { kind: 'KeyOf', object, type: entity.keyType, span: at };
    const field = entity.fields.get(name.name);
    if (field === undefined) {
      this.unknownField(entity, name);
      return fail;
    }
    return { kind: 'RemoteField', object, entity: entity.name, field: field.name, type: field.type, span: at };
  }

  private unknownField(entity: EntitySignature, name: A.Identifier): void {
    if (entity.methods.has(name.name)) {
      this.report('E0303', `\`${name.name}\` is a method of \`${entity.name}\`, not a field`, name.span,
        `call it: \`${name.name}(…)\``);
      return;
    }
    const suggestion = closestName(name.name, [entity.keyName, ...entity.fields.keys()]);
    this.report('E0303', `entity \`${entity.name}\` has no field \`${name.name}\``, name.span,
      suggestion === undefined ? `its fields are: ${[entity.keyName, ...entity.fields.keys()].join(', ')}` : `did you mean \`${suggestion}\`?`);
  }

  private methodCall(expression: Extract<A.Expression, { kind: 'MethodCall' }>): T.Expression {
    const at = expression.span;
    const receiver = expression.receiver.kind === 'Self'
      ? this.expression(expression.receiver)
      : this.value(expression.receiver);
    const type = receiver.type;
    switch (type.kind) {
      case 'entity':
        return this.entityCall(receiver, this.table.get(type.name)!, expression);
      case 'list':
      case 'map':
      case 'string':
        return this.valueMethodCall(receiver, type, expression);
      case 'error':
        for (const argument of expression.args) this.expression(argument);
        return { kind: 'Literal', value: 0, type: errorType, span: at };
      default:
        this.report('E0304', `${aType(type)} has no method \`${expression.method.name}\``,
          expression.method.span, 'methods belong to entities; lists, maps and strings have `len()` and a few more');
        return { kind: 'Literal', value: 0, type: errorType, span: at };
    }
  }

  private entityCall(
    receiver: T.Expression,
    entity: EntitySignature,
    expression: Extract<A.Expression, { kind: 'MethodCall' }>,
  ): T.Expression {
    const method = entity.methods.get(expression.method.name);
    if (method === undefined) {
      const field = entity.fields.has(expression.method.name) || expression.method.name === entity.keyName;
      const suggestion = closestName(expression.method.name, [...entity.methods.keys()]);
      this.report('E0304', `entity \`${entity.name}\` has no method \`${expression.method.name}\``, expression.method.span,
        field ? `\`${expression.method.name}\` is a field: read it without parentheses`
          : suggestion === undefined ? `its methods are: ${[...entity.methods.keys()].join(', ') || 'none'}` : `did you mean \`${suggestion}\`?`);
      for (const argument of expression.args) this.expression(argument);
      return { kind: 'Literal', value: 0, type: errorType, span: expression.span };
    }
    const args = this.arguments(method, expression.args, expression.span, `${entity.name}.${method.name}`);
    return { kind: 'Call', receiver, entity: entity.name, method: method.name, args, type: method.result, span: expression.span };
  }

  private arguments(
    method: { readonly parameters: readonly { readonly name: string; readonly type: Type }[] },
    args: readonly A.Expression[],
    at: Span,
    what: string,
  ): T.Expression[] {
    const parameters = method.parameters;
    if (args.length !== parameters.length) {
      const names = parameters.map((parameter) => `${parameter.name}: ${typeToString(parameter.type)}`).join(', ');
      this.report('E0402', `\`${what}\` takes ${parameters.length} argument${parameters.length === 1 ? '' : 's'} but ${args.length} ${args.length === 1 ? 'was' : 'were'} given`,
        at, `its parameters are (${names})`);
    }
    return args.map((argument, index) => this.value(argument, parameters[index]?.type));
  }

  private valueMethodCall(
    receiver: T.Expression,
    type: Type,
    expression: Extract<A.Expression, { kind: 'MethodCall' }>,
  ): T.Expression {
    const at = expression.span;
    const name = expression.method.name;
    const known = valueMethods[type.kind as 'list' | 'map' | 'string'];
    const shape = known[name];
    if (shape === undefined) {
      this.report('E0304', `${aType(type)} has no method \`${name}\``, expression.method.span,
        `its methods are: ${Object.keys(known).map((method) => `${method}()`).join(', ')}`);
      for (const argument of expression.args) this.expression(argument);
      return { kind: 'Literal', value: 0, type: errorType, span: at };
    }
    const parameter = shape.parameter(type);
    const parameters = parameter === undefined ? [] : [{ name: shape.parameterName, type: parameter }];
    const args = this.arguments({ parameters }, expression.args, at, `${typeToString(type)}.${name}`);
    const result = shape.result(type);
    if (name === 'push' || name === 'remove') {
      const target = this.valueMethodTarget(expression.receiver);
      if (target === undefined) return { kind: 'Literal', value: 0, type: errorType, span: at };
      return { kind: 'Mutation', method: name, target, arg: args[0] ?? receiver, type: voidType, span: at };
    }
    return {
      kind: 'ValueMethod',
      method: name as T.ValueMethod,
      receiver,
      receiverKind: type.kind as 'list' | 'map' | 'string',
      args,
      type: result,
      span: at,
    };
  }

  private valueMethodTarget(receiver: A.Expression): T.MutationTarget | undefined {
    if (receiver.kind === 'Name') {
      const variable = this.lookup(receiver.name);
      if (variable === undefined) return undefined;
      this.requireWritable(variable, receiver.span);
      return { kind: 'local', variable };
    }
    if (receiver.kind === 'Member' && receiver.object.kind === 'Self' && this.options.entity !== undefined) {
      return { kind: 'field', field: receiver.member.name };
    }
    if (receiver.kind === 'Member') {
      this.report('E0507', `cannot change field \`${receiver.member.name}\` of another entity`, receiver.span,
        'entity state is private: call a method of that entity that changes its own field');
      return undefined;
    }
    this.report('E0412', 'this value is computed, so changing it would have no effect', receiver.span,
      'store it in a variable first, then change the variable');
    return undefined;
  }

  private functionCall(expression: Extract<A.Expression, { kind: 'FunctionCall' }>): T.Expression {
    const at = expression.span;
    const name = expression.callee.name;
    const entity = this.table.get(name);
    if (entity !== undefined) {
      const [key] = this.arguments({ parameters: [{ name: entity.keyName, type: entity.keyType }] }, expression.args, at, name);
      return { kind: 'Reference', entity: name, key: key ?? { kind: 'Literal', value: 0, type: errorType, span: at }, type: entityType(name), span: at };
    }
    switch (name) {
      case 'str': {
        const [argument] = this.arguments({ parameters: [{ name: 'value', type: errorType }] }, expression.args, at, 'str');
        if (argument !== undefined && containsFuture(argument.type)) {
          this.report('E0411', `${aType(argument.type)} has no printed form`, argument.span,
            'await the future first: `str(await f)`');
        }
        return { kind: 'Builtin', function: 'str', args: argument === undefined ? [] : [argument], type: stringType, span: at };
      }
      case 'min':
      case 'max': {
        const args = this.arguments({ parameters: [{ name: 'a', type: intType }, { name: 'b', type: intType }] }, expression.args, at, name);
        return { kind: 'Builtin', function: name, args, type: intType, span: at };
      }
      case 'abs': {
        const args = this.arguments({ parameters: [{ name: 'a', type: intType }] }, expression.args, at, name);
        return { kind: 'Builtin', function: 'abs', args, type: intType, span: at };
      }
      default:
        break;
    }
    for (const argument of expression.args) this.expression(argument);
    if (this.lookup(name) !== undefined) {
      this.report('E0114', `\`${name}\` is a variable and cannot be called`, expression.callee.span,
        'call a method on it with `.`, as in `r.m(…)`');
    } else {
      const suggestion = closestName(name, ['str', 'min', 'max', 'abs', ...this.table.keys()]);
      this.report('E0306', `unknown function \`${name}\``, expression.callee.span,
        suggestion === undefined ? 'the built-in functions are str, min, max and abs; entity names make references'
          : `did you mean \`${suggestion}\`?`);
    }
    return { kind: 'Literal', value: 0, type: errorType, span: at };
  }

  private newEntity(expression: Extract<A.Expression, { kind: 'New' }>): T.Expression {
    const at = expression.span;
    const entity = this.table.get(expression.entity.name);
    if (entity === undefined) {
      const suggestion = closestName(expression.entity.name, [...this.table.keys()]);
      this.report('E0302', `unknown entity \`${expression.entity.name}\``, expression.entity.span,
        suggestion === undefined ? 'declare it with `entity Name { … }`' : `did you mean \`${suggestion}\`?`);
      for (const argument of expression.args) this.expression(argument);
      return { kind: 'Literal', value: 0, type: errorType, span: at };
    }
    const parameters = [{ name: entity.keyName, type: entity.keyType }, ...(entity.init?.parameters ?? [])];
    const args = this.arguments({ parameters }, expression.args, at, `new ${entity.name}`);
    const [key, ...rest] = args;
    return {
      kind: 'New',
      entity: entity.name,
      key: key ?? { kind: 'Literal', value: 0, type: errorType, span: at },
      args: rest,
      type: entityType(entity.name),
      span: at,
    };
  }
}

interface ValueMethodShape {
  readonly parameterName: string;
  readonly parameter: (receiver: Type) => Type | undefined;
  readonly result: (receiver: Type) => Type;
}

const noParameter = (): undefined => undefined;
const elementOf = (type: Type): Type => (type.kind === 'list' ? type.element : errorType);
const keyOf = (type: Type): Type => (type.kind === 'map' ? type.key : errorType);

const valueMethods: Record<'list' | 'map' | 'string', Record<string, ValueMethodShape>> = {
  list: {
    len: { parameterName: '', parameter: noParameter, result: () => intType },
    contains: { parameterName: 'value', parameter: elementOf, result: () => boolType },
    push: { parameterName: 'value', parameter: elementOf, result: () => voidType },
  },
  map: {
    len: { parameterName: '', parameter: noParameter, result: () => intType },
    has: { parameterName: 'key', parameter: keyOf, result: () => boolType },
    keys: { parameterName: '', parameter: noParameter, result: (type) => listType(keyOf(type)) },
    remove: { parameterName: 'key', parameter: keyOf, result: () => voidType },
  },
  string: {
    len: { parameterName: '', parameter: noParameter, result: () => intType },
  },
};

/** Whether a literal takes its type from its context: `[]`, `{}`, or a literal whose first item does. */
function needsContext(expression: A.Expression): boolean {
  if (expression.kind === 'ListLiteral') return expression.elements.length === 0 || needsContext(expression.elements[0]);
  if (expression.kind !== 'MapLiteral') return false;
  const first = expression.entries[0];
  return first === undefined || needsContext(first.key) || needsContext(first.value);
}

function conversionHint(expected: Type, actual: Type): string {
  if (expected.kind === 'string' && actual.kind !== 'string') return 'convert it with `str(…)`';
  if (expected.kind === 'entity' && (actual.kind === 'string' || actual.kind === 'int')) {
    return `make a reference from the key with \`${expected.name}(…)\``;
  }
  if (actual.kind === 'future') return 'wait for the result with `await`';
  return `the value must be ${aType(expected)}`;
}
