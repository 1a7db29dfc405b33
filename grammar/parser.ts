// Stage: grammar. Tokens → surface AST, with Chevrotain's error recovery, so that one pass reports as many
// syntax errors as it can. Rules are class properties; `performSelfAnalysis` runs once and one parser
// instance is reused. Each rule builds its AST node in an embedded action (grammar/ast-builder.ts makes
// the nodes) instead of a concrete syntax tree walked afterwards: a CST allocates a node, a table of
// children and a location per rule, which made parsing most of the front end's time. Once a syntax error
// is recorded, no more nodes are built (error recovery hands the actions partial input, and a program
// with syntax errors gets no AST anyway).

import type { IOrAlt, IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
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

/** What a rule returns while the grammar is recorded or once a syntax error is recorded: no node. */
const skipped = undefined as never;

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
    // Chevrotain calls these two methods at the start and the end (in a `finally`) of every rule's
    // invocation, for its concrete syntax tree, and leaves them empty in a parser that builds none: here
    // they count the invocations for `treeHeightBound`. (A function wrapped around each rule would do the
    // same with one more stack frame per rule, and deep programs would exhaust the stack sooner.)
    // tests/parser-depth.test.ts fails if they are no longer called.
    const hooks = this as unknown as { cstInvocationStateUpdate: unknown; cstFinallyStateUpdate: unknown };
    if (typeof hooks.cstInvocationStateUpdate !== 'function' || typeof hooks.cstFinallyStateUpdate !== 'function') {
      throw new Error('assertion: Chevrotain no longer has the hooks at the start and end of a rule');
    }
    hooks.cstInvocationStateUpdate = () => this.enterRule();
    hooks.cstFinallyStateUpdate = () => this.leaveRule();
    this.performSelfAnalysis();
  }

  /**
   * A bound on the height of the AST the last parse built (counted in nodes with a `kind`, as the depth
   * check of grammar/index.ts counts them), so that the tree is walked for that check only when it may be
   * too deep. Each rule's invocation counts the nodes its actions build (all of them, as if each held the
   * next) on top of the highest bound of the invocations it made: a node holds only nodes built by its own
   * invocation or by invocations below it, so this bounds the height of everything an invocation returns.
   * (A syntax error may end invocations early; no AST is built then.)
   */
  get treeHeightBound(): number {
    return this.childHeights[0];
  }

  /**
   * Per active rule invocation, from the outermost (index 0 stands for the parse itself): the highest
   * bound of the invocations it made…
   */
  private readonly childHeights: number[] = [0];
  /** … and how many nodes it built. */
  private readonly builtNodes: number[] = [0];
  private invocation = 0;

  /** Before a parse: no invocations yet, nothing read. */
  resetState(): void {
    this.chain.length = 0;
    this.postfixResults.length = 0;
    this.invocation = 0;
    this.childHeights[0] = 0;
    this.builtNodes[0] = 0;
  }

  /** A rule's invocation starts (see the constructor). */
  private enterRule(): void {
    const invocation = ++this.invocation;
    this.childHeights[invocation] = 0;
    this.builtNodes[invocation] = 0;
  }

  /** A rule's invocation ends, normally or by a syntax error (see the constructor). */
  private leaveRule(): void {
    const invocation = this.invocation;
    const height = this.childHeights[invocation] + this.builtNodes[invocation];
    this.invocation = invocation - 1;
    if (height > this.childHeights[invocation - 1]) this.childHeights[invocation - 1] = height;
  }

  /** Counts `count` more nodes built by the current invocation (`building` counts one). */
  private countNodes(count: number): void {
    this.builtNodes[this.invocation] += count;
  }

  /** Runs `make` unless the grammar is being recorded or a syntax error has been recorded. */
  private build<Result>(make: () => Result): Result {
    return this.building() ? make() : skipped;
  }

  /**
   * Whether the actions build nodes: not while the grammar is being recorded, nor once a syntax error is
   * recorded. The rules that run most often ask this directly instead of handing `build` a function. When
   * it says yes, it counts one node for `treeHeightBound`.
   */
  private building(): boolean {
    if (this.RECORDING_PHASE || (this as unknown as { _errors: unknown[] })._errors.length > 0) return false;
    this.builtNodes[this.invocation]++;
    return true;
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

  // The alternatives of the rules that run most often are made once (an array of alternatives written in
  // the call would be allocated, with a function per alternative, every time the rule runs); they take
  // nothing from the rule's variables, and return what the rule keeps.
  private readonly terminatorAlternatives: IOrAlt<IToken>[] = [{ ALT: () => this.CONSUME(T.Semicolon) }, { ALT: () => this.CONSUME(T.Newline) }];

  public terminator = this.RULE('terminator', () => {
    this.OR(this.terminatorAlternatives);
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
    const token = this.OR9(this.nameAlternatives);
    // The second alternative reads a keyword: a token of a type other than `Identifier`.
    return this.building() ? this.builder.nameOrKeyword(token, token.tokenType !== T.Identifier) : skipped;
  }

  private readonly nameAlternatives: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME9(T.Identifier) },
    { ALT: () => this.CONSUME9(T.ReservedWord) },
  ];

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
    this.MANY(() => {
      const member = this.OR(this.memberItemAlternatives);
      if (member !== undefined) members.push(member);
    });
    this.CONSUME(T.RCurly);
    return this.build((): A.EntityDeclaration => ({
      kind: 'EntityDeclaration', name: this.builder.identifier(name), members, span: this.spanFrom(first),
    }));
  });

  /** A member and its terminator, or a terminator alone (undefined). */
  private readonly memberItemAlternatives: IOrAlt<A.Member | undefined>[] = [
    { ALT: () => { this.SUBRULE(this.terminator); return undefined; } },
    { ALT: () => { const member = this.SUBRULE(this.member); this.SUBRULE2(this.terminator); return member; } },
  ];

  public member = this.RULE('member', (): A.Member => this.OR(this.memberAlternatives));

  private readonly memberAlternatives: IOrAlt<A.Member>[] = [
    { ALT: () => this.SUBRULE(this.keyDeclaration) },
    // `on` is a name elsewhere (`on: bool` is a field): a consumer is `on` followed by a stream's name.
    {
      GATE: () => this.LA(1).image === T.contextualOn && this.LA(2).tokenType === T.Identifier,
      ALT: () => this.SUBRULE(this.handlerDeclaration),
    },
    { ALT: () => this.SUBRULE(this.fieldDeclaration) },
    { ALT: () => this.SUBRULE(this.initDeclaration) },
    { ALT: () => this.SUBRULE(this.methodDeclaration) },
  ];

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
    this.MANY(() => {
      const statement = this.OR(this.blockItemAlternatives);
      if (statement !== undefined) statements.push(statement);
    });
    this.CONSUME(T.RCurly);
    return this.building() ? { kind: 'Block', statements, span: this.spanFrom(first) } : skipped;
  });

  /** A statement and its terminator, or a terminator alone (undefined). */
  private readonly blockItemAlternatives: IOrAlt<A.Statement | undefined>[] = [
    { ALT: () => { this.SUBRULE(this.terminator); return undefined; } },
    { ALT: () => { const statement = this.SUBRULE(this.statement); this.SUBRULE2(this.terminator); return statement; } },
  ];

  public statement = this.RULE('statement', (): A.Statement => this.OR(this.statementAlternatives));

  private readonly statementAlternatives: IOrAlt<A.Statement>[] = [
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
  ];

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
      elseBranch = this.OR(this.elseAlternatives);
      },
    });
    return this.build((): A.IfStatement => ({ kind: 'If', condition, thenBlock, elseBranch, span: this.spanFrom(first) }));
  });

  private readonly elseAlternatives: IOrAlt<A.IfStatement | A.Block>[] = [
    { ALT: () => this.SUBRULE(this.ifStatement) },
    { ALT: () => { this.OPTION3(() => this.CONSUME2(T.Newline)); return this.SUBRULE2(this.block); } },
  ];

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
    // An assignment is up to three nodes inside each other: `Assign`, `IndexTarget` and its base's target.
    this.countNodes(2);
    return this.build(() => this.builder.expressionStatement(left, value, this.spanFrom(first)));
  });

  /** Operands and binary operators in a row; the AST builder groups them by precedence. */
  public expression = this.RULE('expression', (): A.Expression => {
    const first = this.SUBRULE(this.prefix);
    const chain = this.chain;
    const base = chain.length;
    this.MANY(this.readBinaryOperation);
    if (chain.length === base) return this.building() ? first : skipped;
    const operands = [first];
    const operators: IToken[] = [];
    for (let index = base; index < chain.length; index += 2) {
      operators.push(chain[index] as IToken);
      operands.push(chain[index + 1] as A.Expression);
    }
    chain.length = base;
    // The chain is one node per operator, each possibly inside the next.
    this.countNodes(operators.length);
    return this.building() ? this.builder.binaryChain(operands, operators) : skipped;
  });

  /**
   * The operators and operands read after the first operand of the expressions being read, innermost
   * last: an expression reads its own above the ones of the expressions it is inside, and takes them off
   * when it ends. (A syntax error may leave some behind; no node is built after one, and the next parse
   * starts afresh, `resetState`.) One function reads them for every expression, where a function made
   * per expression would be one more allocation each time.
   */
  private readonly chain: (A.Expression | IToken)[] = [];

  private readonly readBinaryOperation = (): void => {
    this.chain.push(this.CONSUME(T.BinaryOperator));
    this.chain.push(this.SUBRULE2(this.prefix));
  };

  public prefix = this.RULE('prefix', (): A.Expression => this.OR(this.prefixAlternatives));

  private readonly prefixAlternatives: IOrAlt<A.Expression>[] = [
    {
      ALT: () => {
        const operator = this.OR2(this.prefixOperatorAlternatives);
        const operand = this.SUBRULE(this.prefix);
        return this.building() ? this.builder.prefix(operator, operand) : skipped;
      },
    },
    { ALT: () => this.SUBRULE(this.postfix) },
  ];

  private readonly prefixOperatorAlternatives: IOrAlt<IToken>[] = [
    { ALT: () => this.CONSUME(T.Bang) },
    { ALT: () => this.CONSUME(T.Minus) },
    { ALT: () => this.CONSUME(T.Await) },
    { ALT: () => this.CONSUME(T.Async) },
  ];

  public postfix = this.RULE('postfix', (): A.Expression => {
    this.postfixResults.push(this.SUBRULE(this.primary));
    this.MANY(this.readPostfixOperation);
    return this.postfixResults.pop()!;
  });

  /** The expressions built so far by the `postfix` rules being read, innermost last (as `chain`). */
  private readonly postfixResults: A.Expression[] = [];

  private readonly readPostfixOperation = (): void => {
    const operation = this.SUBRULE(this.postfixOperation);
    if (this.building()) {
      const results = this.postfixResults;
      results[results.length - 1] = this.builder.postfixOperation(results[results.length - 1], operation.operation, operation.reserved);
    }
  };

  public postfixOperation = this.RULE('postfixOperation', (): { operation: PostfixOperation; reserved: boolean } => this.OR(this.postfixOperationAlternatives));

  // Each alternative's first token is the operation's first (`.`, `[` or `(`), read before it is consumed.
  private readonly postfixOperationAlternatives: IOrAlt<{ operation: PostfixOperation; reserved: boolean }>[] = [
    {
      ALT: () => {
        const first = this.LA(1);
        this.CONSUME(T.Dot);
        const name = this.OR9(this.nameAlternatives);
        let args: A.Expression[] | undefined;
        this.OPTION(() => { args = this.SUBRULE(this.argumentList); });
        // The second alternative of the name reads a keyword: a token of a type other than `Identifier`.
        return this.building()
          ? { operation: { kind: 'member', name, args, span: this.spanFrom(first) } as const, reserved: name.tokenType !== T.Identifier }
          : skipped;
      },
    },
    {
      ALT: () => {
        const first = this.LA(1);
        this.CONSUME(T.LBracket);
        const index = this.SUBRULE(this.expression);
        this.CONSUME(T.RBracket);
        return this.building() ? { operation: { kind: 'index', index, span: this.spanFrom(first) } as const, reserved: false } : skipped;
      },
    },
    {
      ALT: () => {
        const first = this.LA(1);
        const args = this.SUBRULE2(this.argumentList);
        return this.building() ? { operation: { kind: 'call', args, span: this.spanFrom(first) } as const, reserved: false } : skipped;
      },
    },
  ];

  public argumentList = this.RULE('argumentList', (): A.Expression[] => {
    this.CONSUME(T.LParen);
    const args = this.commaList(T.RParen, (occurrence) => this.subrule(occurrence, this.expression));
    this.CONSUME(T.RParen);
    return args;
  });

  public primary = this.RULE('primary', (): A.Expression => this.OR(this.primaryAlternatives));

  private readonly primaryAlternatives: IOrAlt<A.Expression>[] = [
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
  ];

  private literal(kind: string, token: IToken): A.Expression {
    return this.building() ? this.builder.literal(kind, token) : skipped;
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
