// Stage: grammar. Tokens → surface AST, with Chevrotain's error recovery, so that one pass reports as many
// syntax errors as it can. Rules are class properties; `performSelfAnalysis` runs once and one parser
// instance is reused. Each rule builds its AST node in an embedded action (grammar/ast-builder.ts makes
// the nodes) instead of a concrete syntax tree walked afterwards: a CST allocates a node, a table of
// children and a location per rule, which made parsing most of the front end's time. Once a syntax error
// is recorded, no more nodes are built (error recovery hands the actions partial input, and a program
// with syntax errors gets no AST anyway).

import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EmbeddedActionsParser, EOF } from './chevrotain.ts';
import type * as A from './ast.ts';
import { AstBuilder, type PostfixOperation } from './ast-builder.ts';
import type { Span } from './span.ts';
import * as T from './lexer.ts';

function describe(token: IToken): string {
  if (token.tokenType === EOF) return 'the end of the file';
  if (token.tokenType === T.Newline) return 'the end of the line';
  return `\`${token.image}\``;
}

function labelOf(type: TokenType): string {
  return type.LABEL ?? type.name;
}

/** Messages in Ent's voice: "expected `)` but found `{`". */
const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // The end of the input is expected only after the last declaration: what was found starts none.
    if (expected === EOF) return `expected \`entity\`, \`stream\` or \`run\` but found ${describe(actual)}`;
    return `expected ${labelOf(expected)} but found ${describe(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describe(firstRedundant)} after the end of the program`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const firsts = new Set<string>();
    for (const paths of expectedPathsPerAlt) for (const path of paths) if (path[0]) firsts.add(labelOf(path[0]));
    const options = [...firsts].slice(0, 6).join(', ');
    const found = actual[0] === undefined ? 'nothing' : describe(actual[0]);
    const what = ruleDescriptions[ruleName];
    // A choice inside a larger rule (a name that may be a keyword) is described by its options alone.
    if (what === undefined) return `expected ${[...firsts].join(' or ') || ruleName} but found ${found}`;
    return firsts.size > 6 || firsts.size === 0
      ? `expected ${what} but found ${found}`
      : `expected ${what} (${options}) but found ${found}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const what = ruleDescriptions[ruleName] ?? ruleName;
    return `expected ${what} but found ${actual[0] === undefined ? 'nothing' : describe(actual[0])}`;
  },
};

const ruleDescriptions: Record<string, string> = {
  terminator: '`;` or a line break',
  member: 'a key, field, `init`, `fn` or `on` declaration',
  statement: 'a statement',
  primary: 'an expression',
  prefix: 'an expression',
  typeExpression: 'a type',
  postfixOperation: '`.`, `[` or `(`',
  topLevel: '`entity`, `stream` or `run`',
};

/** A program's or REPL input's declarations, as the parser reads them. */
export interface ReplParse {
  readonly entities: A.EntityDeclaration[];
  readonly statements: A.Statement[];
}

class EntParser extends EmbeddedActionsParser {
  /** Makes the nodes and holds the diagnostics of the parse under way (set by `parseWith`). */
  builder = new AstBuilder('');

  constructor() {
    super(T.allTokens as TokenType[], {
      recoveryEnabled: true, maxLookahead: 3, errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  /** Runs `make` unless the grammar is being recorded or a syntax error has been recorded. */
  private build<Result>(make: () => Result): Result {
    return this.ACTION(() => ((this as unknown as { _errors: unknown[] })._errors.length > 0 ? (undefined as Result) : make()));
  }

  /** The span from `first` to the last token read so far. */
  private spanFrom(first: IToken): Span {
    return this.builder.between(first, this.LA(0));
  }

  public program = this.RULE('program', (): A.Program => {
    const entities: A.EntityDeclaration[] = [];
    const streams: A.StreamDeclaration[] = [];
    const runBlocks: A.RunBlock[] = [];
    this.MANY(() => this.OR([
      { ALT: () => { entities.push(this.SUBRULE(this.entityDeclaration)); } },
      { GATE: () => this.startsContextual(T.contextualStream), ALT: () => { streams.push(this.SUBRULE(this.streamDeclaration)); } },
      { ALT: () => { runBlocks.push(this.SUBRULE(this.runBlock)); } },
      { ALT: () => { this.SUBRULE(this.terminator); } },
    ]));
    return this.build((): A.Program => ({
      kind: 'Program', entities, streams, runBlocks, span: this.builder.between({ startOffset: 0 } as IToken, this.LA(0)),
    }));
  });

  /** A REPL input: entity declarations and run-block statements, in any mix. */
  public replInput = this.RULE('replInput', (): ReplParse => {
    const entities: A.EntityDeclaration[] = [];
    const statements: A.Statement[] = [];
    this.MANY(() => this.OR([
      { ALT: () => { entities.push(this.SUBRULE(this.entityDeclaration)); } },
      {
        GATE: () => this.startsContextual(T.contextualStream),
        ALT: () => {
          const stream = this.SUBRULE(this.streamDeclaration);
          this.build(() => this.builder.replStream(stream));
        },
      },
      {
        ALT: () => {
          const run = this.SUBRULE(this.runBlock);
          this.build(() => statements.push(...run.body.statements));
        },
      },
      { ALT: () => { this.SUBRULE(this.terminator); } },
      { ALT: () => { statements.push(this.SUBRULE(this.statement)); this.SUBRULE2(this.terminator); } },
    ]));
    return { entities, statements };
  });

  public terminator = this.RULE('terminator', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Semicolon) }, { ALT: () => this.CONSUME(T.Newline) }]);
  });

  /**
   * `item (, item)* ,?` or nothing, before `closing`: a trailing comma is allowed, and so are line breaks
   * after a comma (inside `{ … }` the lexer may have marked them as terminators).
   */
  private commaList<Item>(closing: TokenType, item: (occurrence: number) => Item): Item[] {
    const items: Item[] = [];
    const closesAfterComma = (): boolean => {
      const next = this.LA(2).tokenType === T.Newline ? this.LA(3) : this.LA(2);
      return next.tokenType === closing;
    };
    this.OPTION8(() => {
      items.push(item(1));
      this.MANY8({
        GATE: () => !closesAfterComma(),
        DEF: () => {
          this.CONSUME8(T.Comma);
          this.OPTION7(() => this.CONSUME7(T.Newline));
          items.push(item(2));
        },
      });
      this.OPTION6(() => this.CONSUME6(T.Comma));
    });
    return items;
  }

  /**
   * A name where no keyword could stand (after `fn`, `let`, `for` or `.`, and in parameters): a keyword is
   * accepted here so that the AST builder reports it once as reserved, with no recovery cascade.
   */
  private nameOrKeyword(): A.Identifier {
    let reserved = false;
    const token = this.OR9([
      { ALT: () => this.CONSUME9(T.Identifier) },
      { ALT: () => { reserved = true; return this.CONSUME9(T.ReservedWord); } },
    ]);
    return this.build(() => this.builder.nameOrKeyword(token, reserved));
  }

  /**
   * `stream`, `emit` and `seal` are names everywhere but where they start their form: the word followed
   * by a name (`emit orders […]`), where no other statement or declaration can have two names in a row.
   */
  private startsContextual(word: string): boolean {
    return this.LA(1).tokenType === T.Identifier && this.LA(1).image === word && this.LA(2).tokenType === T.Identifier;
  }

  private optionalNewline(): void {
    this.OPTION9(() => this.CONSUME9(T.Newline));
  }

  public runBlock = this.RULE('runBlock', (): A.RunBlock => {
    const first = this.CONSUME(T.Run);
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.RunBlock => ({ kind: 'RunBlock', body, span: this.spanFrom(first) }));
  });

  /** `stream NAME: T`: a named atomic stream whose events are values of type T. */
  public streamDeclaration = this.RULE('streamDeclaration', (): A.StreamDeclaration => {
    const first = this.CONSUME(T.Identifier);
    const name = this.CONSUME2(T.Identifier);
    this.CONSUME(T.Colon);
    const eventType = this.SUBRULE(this.typeExpression);
    return this.build((): A.StreamDeclaration => ({
      kind: 'StreamDeclaration', name: this.builder.identifier(name), eventType, span: this.spanFrom(first),
    }));
  });

  public entityDeclaration = this.RULE('entityDeclaration', (): A.EntityDeclaration => {
    const first = this.CONSUME(T.Entity);
    const name = this.CONSUME(T.Identifier);
    this.optionalNewline();
    this.CONSUME(T.LCurly);
    const members: A.Member[] = [];
    this.MANY(() => this.OR([
      { ALT: () => { this.SUBRULE(this.terminator); } },
      { ALT: () => { members.push(this.SUBRULE(this.member)); this.SUBRULE2(this.terminator); } },
    ]));
    this.CONSUME(T.RCurly);
    return this.build((): A.EntityDeclaration => ({
      kind: 'EntityDeclaration', name: this.builder.identifier(name), members, span: this.spanFrom(first),
    }));
  });

  public member = this.RULE('member', (): A.Member => this.OR([
    { ALT: () => this.SUBRULE(this.keyDeclaration) },
    // `on` is a name elsewhere (`on: bool` is a field): a consumer is `on` followed by a stream's name.
    {
      GATE: () => this.LA(1).image === T.contextualOn && this.LA(2).tokenType === T.Identifier,
      ALT: () => this.SUBRULE(this.handlerDeclaration),
    },
    { ALT: () => this.SUBRULE(this.fieldDeclaration) },
    { ALT: () => this.SUBRULE(this.initDeclaration) },
    { ALT: () => this.SUBRULE(this.methodDeclaration) },
  ]));

  public keyDeclaration = this.RULE('keyDeclaration', (): A.Member => {
    const first = this.CONSUME(T.Key);
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpression);
    return this.build((): A.Member => ({ kind: 'KeyDeclaration', name: this.builder.identifier(name), type, span: this.spanFrom(first) }));
  });

  public fieldDeclaration = this.RULE('fieldDeclaration', (): A.Member => {
    const name = this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpression);
    let initializer: A.Expression | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      initializer = this.SUBRULE(this.expression);
    });
    return this.build((): A.Member => ({
      kind: 'FieldDeclaration', name: this.builder.identifier(name), type, initializer, span: this.spanFrom(name),
    }));
  });

  /**
   * `on NAME(event: T) by KEY { … }`: the entity consumes stream NAME, each event going to the entity whose
   * key KEY gives. `on` and `by` are read as names here; the AST builder checks that they are those words.
   */
  public handlerDeclaration = this.RULE('handlerDeclaration', (): A.Member => {
    const first = this.CONSUME(T.Identifier);
    const stream = this.CONSUME2(T.Identifier);
    const parameters = this.SUBRULE(this.parameterList);
    const by = this.CONSUME3(T.Identifier);
    const key = this.SUBRULE(this.expression);
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.Member => {
      this.builder.handlerBy(by);
      return {
        kind: 'HandlerDeclaration',
        stream: this.builder.identifier(stream),
        parameters: parameters.parameters,
        key,
        body,
        headSpan: this.builder.between(first, parameters.last),
        span: this.spanFrom(first),
      };
    });
  });

  public initDeclaration = this.RULE('initDeclaration', (): A.Member => {
    const first = this.CONSUME(T.Init);
    const parameters = this.SUBRULE(this.parameterList);
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.Member => ({
      kind: 'InitDeclaration',
      parameters: parameters.parameters,
      body,
      headSpan: this.builder.between(first, parameters.last),
      span: this.spanFrom(first),
    }));
  });

  public methodDeclaration = this.RULE('methodDeclaration', (): A.Member => {
    const first = this.CONSUME(T.Fn);
    const name = this.nameOrKeyword();
    const parameters = this.SUBRULE(this.parameterList);
    let resultType: A.TypeExpression | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      resultType = this.SUBRULE(this.typeExpression);
    });
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.Member => ({
      kind: 'MethodDeclaration', name, parameters: parameters.parameters, resultType, body, span: this.spanFrom(first),
    }));
  });

  /** The parameters, and the `)` that closes them (a head's span ends there). */
  public parameterList = this.RULE('parameterList', (): { parameters: A.Parameter[]; last: IToken } => {
    this.CONSUME(T.LParen);
    const parameters = this.commaList(T.RParen, (occurrence) => this.subrule(occurrence, this.parameter));
    const last = this.CONSUME(T.RParen);
    return { parameters, last };
  });

  public parameter = this.RULE('parameter', (): A.Parameter => {
    const first = this.LA(1);
    const name = this.nameOrKeyword();
    this.CONSUME(T.Colon);
    const type = this.SUBRULE(this.typeExpression);
    return this.build((): A.Parameter => ({ name, type, span: this.spanFrom(first) }));
  });

  public typeExpression = this.RULE('typeExpression', (): A.TypeExpression => {
    const name = this.CONSUME(T.Identifier);
    const args: A.TypeExpression[] = [];
    this.OPTION(() => {
      this.CONSUME(T.Less);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => { args.push(this.SUBRULE(this.typeExpression)); } });
      this.CONSUME(T.Greater);
    });
    return this.build(() => this.builder.type(name, args, this.spanFrom(name)));
  });

  public block = this.RULE('block', (): A.Block => {
    const first = this.CONSUME(T.LCurly);
    const statements: A.Statement[] = [];
    this.MANY(() => this.OR([
      { ALT: () => { this.SUBRULE(this.terminator); } },
      { ALT: () => { statements.push(this.SUBRULE(this.statement)); this.SUBRULE2(this.terminator); } },
    ]));
    this.CONSUME(T.RCurly);
    return this.build((): A.Block => ({ kind: 'Block', statements, span: this.spanFrom(first) }));
  });

  public statement = this.RULE('statement', (): A.Statement => this.OR([
    { ALT: () => this.SUBRULE(this.letStatement) },
    { ALT: () => this.SUBRULE(this.ifStatement) },
    { ALT: () => this.SUBRULE(this.whileStatement) },
    { ALT: () => this.SUBRULE(this.forStatement) },
    {
      ALT: () => {
        const token = this.CONSUME(T.Break);
        return this.build((): A.Statement => ({ kind: 'Break', span: this.builder.tokenSpan(token) }));
      },
    },
    {
      ALT: () => {
        const token = this.CONSUME(T.Continue);
        return this.build((): A.Statement => ({ kind: 'Continue', span: this.builder.tokenSpan(token) }));
      },
    },
    { ALT: () => this.SUBRULE(this.returnStatement) },
    { ALT: () => this.SUBRULE(this.abortStatement) },
    { ALT: () => this.SUBRULE(this.printStatement) },
    { GATE: () => this.startsContextual(T.contextualEmit), ALT: () => this.SUBRULE(this.emitStatement) },
    { GATE: () => this.startsContextual(T.contextualSeal), ALT: () => this.SUBRULE(this.sealStatement) },
    { GATE: () => this.startsContextual(T.contextualUpdate), ALT: () => this.SUBRULE(this.updateStatement) },
    { ALT: () => this.SUBRULE(this.expressionStatement) },
  ]));

  public letStatement = this.RULE('letStatement', (): A.Statement => {
    const first = this.CONSUME(T.Let);
    const name = this.nameOrKeyword();
    let type: A.TypeExpression | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      type = this.SUBRULE(this.typeExpression);
    });
    this.CONSUME(T.Equals);
    const initializer = this.SUBRULE(this.expression);
    return this.build((): A.Statement => ({ kind: 'Let', name, type, initializer, span: this.spanFrom(first) }));
  });

  public ifStatement = this.RULE('ifStatement', (): A.IfStatement => {
    const first = this.CONSUME(T.If);
    const condition = this.SUBRULE(this.expression);
    this.optionalNewline();
    const thenBlock = this.SUBRULE(this.block);
    let elseBranch: A.IfStatement | A.Block | undefined;
    // `else` may stand on the line after `}`: look past one line break, but only when `else` follows.
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Else
        || (this.LA(1).tokenType === T.Newline && this.LA(2).tokenType === T.Else),
      DEF: () => {
      this.OPTION2(() => this.CONSUME(T.Newline));
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => { elseBranch = this.SUBRULE(this.ifStatement); } },
        { ALT: () => { this.OPTION3(() => this.CONSUME2(T.Newline)); elseBranch = this.SUBRULE2(this.block); } },
      ]);
      },
    });
    return this.build((): A.IfStatement => ({ kind: 'If', condition, thenBlock, elseBranch, span: this.spanFrom(first) }));
  });

  public whileStatement = this.RULE('whileStatement', (): A.Statement => {
    const first = this.CONSUME(T.While);
    const condition = this.SUBRULE(this.expression);
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.Statement => ({ kind: 'While', condition, body, span: this.spanFrom(first) }));
  });

  public forStatement = this.RULE('forStatement', (): A.Statement => {
    const first = this.CONSUME(T.For);
    const variable = this.nameOrKeyword();
    this.CONSUME(T.In);
    const iterable = this.SUBRULE(this.expression);
    this.optionalNewline();
    const body = this.SUBRULE(this.block);
    return this.build((): A.Statement => ({ kind: 'For', variable, iterable, body, span: this.spanFrom(first) }));
  });

  public returnStatement = this.RULE('returnStatement', (): A.Statement => {
    const first = this.CONSUME(T.Return);
    let value: A.Expression | undefined;
    this.OPTION(() => { value = this.SUBRULE(this.expression); });
    return this.build((): A.Statement => ({ kind: 'Return', value, span: this.spanFrom(first) }));
  });

  public abortStatement = this.RULE('abortStatement', (): A.Statement => {
    const first = this.CONSUME(T.Abort);
    const message = this.SUBRULE(this.expression);
    return this.build((): A.Statement => ({ kind: 'Abort', message, span: this.spanFrom(first) }));
  });

  public printStatement = this.RULE('printStatement', (): A.Statement => {
    const first = this.CONSUME(T.Print);
    const value = this.SUBRULE(this.expression);
    return this.build((): A.Statement => ({ kind: 'Print', value, span: this.spanFrom(first) }));
  });

  /** `emit NAME e`: appends the list `e` to stream NAME as one atom. */
  public emitStatement = this.RULE('emitStatement', (): A.Statement => {
    const first = this.CONSUME(T.Identifier);
    const stream = this.CONSUME2(T.Identifier);
    const events = this.SUBRULE(this.expression);
    return this.build((): A.Statement => ({ kind: 'Emit', stream: this.builder.identifier(stream), events, span: this.spanFrom(first) }));
  });

  /** `seal NAME`: no atom follows on stream NAME. */
  public sealStatement = this.RULE('sealStatement', (): A.Statement => {
    const first = this.CONSUME(T.Identifier);
    const stream = this.CONSUME2(T.Identifier);
    return this.build((): A.Statement => ({ kind: 'Seal', stream: this.builder.identifier(stream), span: this.spanFrom(first) }));
  });

  /** `update NAME { members; migrate { … } }`: a live update of entity type NAME. */
  public updateStatement = this.RULE('updateStatement', (): A.Statement => {
    const first = this.CONSUME(T.Identifier);
    const name = this.CONSUME2(T.Identifier);
    this.optionalNewline();
    this.CONSUME(T.LCurly);
    const members: A.Member[] = [];
    const migrate: A.MigrateBlock[] = [];
    this.MANY(() => this.OR([
      { ALT: () => { this.SUBRULE(this.terminator); } },
      {
        GATE: () => this.LA(1).tokenType === T.Identifier && this.LA(1).image === T.contextualMigrate && this.LA(2).tokenType === T.LCurly,
        ALT: () => {
          const word = this.CONSUME3(T.Identifier);
          const body = this.SUBRULE(this.block);
          this.build(() => migrate.push({ body, span: this.spanFrom(word) }));
          this.SUBRULE3(this.terminator);
        },
      },
      { ALT: () => { members.push(this.SUBRULE(this.member)); this.SUBRULE2(this.terminator); } },
    ]));
    this.CONSUME(T.RCurly);
    return this.build((): A.Statement => ({
      kind: 'Update', entity: this.builder.identifier(name), members, migrate, span: this.spanFrom(first),
    }));
  });

  /** An expression, or an assignment whose target the AST builder checks (`x`, `self.f`, `x[i]`, …). */
  public expressionStatement = this.RULE('expressionStatement', (): A.Statement => {
    const first = this.LA(1);
    const left = this.SUBRULE(this.expression);
    let value: A.Expression | undefined;
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      value = this.SUBRULE2(this.expression);
    });
    return this.build(() => this.builder.expressionStatement(left, value, this.spanFrom(first)));
  });

  /** Operands and binary operators in a row; the AST builder groups them by precedence. */
  public expression = this.RULE('expression', (): A.Expression => {
    const operands = [this.SUBRULE(this.prefix)];
    const operators: IToken[] = [];
    this.MANY(() => {
      operators.push(this.CONSUME(T.BinaryOperator));
      operands.push(this.SUBRULE2(this.prefix));
    });
    return this.build(() => this.builder.binaryChain(operands, operators));
  });

  public prefix = this.RULE('prefix', (): A.Expression => this.OR([
    {
      ALT: () => {
        const operator = this.OR2([
          { ALT: () => this.CONSUME(T.Bang) },
          { ALT: () => this.CONSUME(T.Minus) },
          { ALT: () => this.CONSUME(T.Await) },
          { ALT: () => this.CONSUME(T.Async) },
        ]);
        const operand = this.SUBRULE(this.prefix);
        return this.build(() => this.builder.prefix(operator, operand));
      },
    },
    { ALT: () => this.SUBRULE(this.postfix) },
  ]));

  public postfix = this.RULE('postfix', (): A.Expression => {
    let result = this.SUBRULE(this.primary);
    this.MANY(() => {
      const operation = this.SUBRULE(this.postfixOperation);
      result = this.build(() => this.builder.postfixOperation(result, operation.operation, operation.reserved));
    });
    return result;
  });

  public postfixOperation = this.RULE('postfixOperation', (): { operation: PostfixOperation; reserved: boolean } => {
    const first = this.LA(1);
    return this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          let reserved = false;
          const name = this.OR9([
            { ALT: () => this.CONSUME9(T.Identifier) },
            { ALT: () => { reserved = true; return this.CONSUME9(T.ReservedWord); } },
          ]);
          let args: A.Expression[] | undefined;
          this.OPTION(() => { args = this.SUBRULE(this.argumentList); });
          return this.build(() => ({ operation: { kind: 'member', name, args, span: this.spanFrom(first) } as const, reserved }));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          const index = this.SUBRULE(this.expression);
          this.CONSUME(T.RBracket);
          return this.build(() => ({ operation: { kind: 'index', index, span: this.spanFrom(first) } as const, reserved: false }));
        },
      },
      {
        ALT: () => {
          const args = this.SUBRULE2(this.argumentList);
          return this.build(() => ({ operation: { kind: 'call', args, span: this.spanFrom(first) } as const, reserved: false }));
        },
      },
    ]);
  });

  public argumentList = this.RULE('argumentList', (): A.Expression[] => {
    this.CONSUME(T.LParen);
    const args = this.commaList(T.RParen, (occurrence) => this.subrule(occurrence, this.expression));
    this.CONSUME(T.RParen);
    return args;
  });

  public primary = this.RULE('primary', (): A.Expression => this.OR([
    { ALT: () => this.literal('IntLiteral', this.CONSUME(T.IntLiteral)) },
    { ALT: () => this.literal('StringLiteral', this.CONSUME(T.StringLiteral)) },
    { ALT: () => this.literal('True', this.CONSUME(T.True)) },
    { ALT: () => this.literal('False', this.CONSUME(T.False)) },
    { ALT: () => this.literal('Self', this.CONSUME(T.Self)) },
    { ALT: () => this.literal('Identifier', this.CONSUME(T.Identifier)) },
    { ALT: () => this.SUBRULE(this.parenthesized) },
    { ALT: () => this.SUBRULE(this.listLiteral) },
    { ALT: () => this.SUBRULE(this.mapLiteral) },
    { ALT: () => this.SUBRULE(this.newExpression) },
  ]));

  private literal(kind: string, token: IToken): A.Expression {
    return this.build(() => this.builder.literal(kind, token));
  }

  public parenthesized = this.RULE('parenthesized', (): A.Expression => {
    this.CONSUME(T.LParen);
    const inner = this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
    return inner;
  });

  public listLiteral = this.RULE('listLiteral', (): A.Expression => {
    const first = this.CONSUME(T.LBracket);
    const elements = this.commaList(T.RBracket, (occurrence) => this.subrule(occurrence, this.expression));
    this.CONSUME(T.RBracket);
    return this.build((): A.Expression => ({ kind: 'ListLiteral', elements, span: this.spanFrom(first) }));
  });

  /** `{k: v, …}`; line breaks inside are allowed (the lexer may have marked some as terminators). */
  public mapLiteral = this.RULE('mapLiteral', (): A.Expression => {
    const first = this.CONSUME(T.LCurly);
    this.OPTION(() => this.CONSUME(T.Newline));
    const entries = this.commaList(T.RCurly, (occurrence) => {
      const entry = this.subrule(occurrence, this.mapEntry);
      this.option(occurrence + 3, () => this.consume(occurrence + 3, T.Newline));
      return entry;
    });
    this.OPTION3(() => this.CONSUME3(T.Newline));
    this.CONSUME(T.RCurly);
    return this.build((): A.Expression => ({ kind: 'MapLiteral', entries, span: this.spanFrom(first) }));
  });

  public mapEntry = this.RULE('mapEntry', (): { key: A.Expression; value: A.Expression } => {
    const key = this.SUBRULE(this.expression);
    this.CONSUME(T.Colon);
    const value = this.SUBRULE2(this.expression);
    return { key, value };
  });

  public newExpression = this.RULE('newExpression', (): A.Expression => {
    const first = this.CONSUME(T.New);
    const entity = this.CONSUME(T.Identifier);
    const args = this.SUBRULE(this.argumentList);
    return this.build((): A.Expression => ({ kind: 'New', entity: this.builder.identifier(entity), args, span: this.spanFrom(first) }));
  });
}

/** The one parser instance: Chevrotain parsers are built once and reused by resetting their input. */
export const parser = new EntParser();
