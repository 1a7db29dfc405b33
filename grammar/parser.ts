// Stage: grammar. Tokens → concrete syntax tree, with Chevrotain's error recovery, so that one pass reports
// as many syntax errors as it can. Rules are class properties; `performSelfAnalysis` runs once and one
// parser instance is reused. Only `cst-to-ast.ts` reads the trees this produces.

import { CstParser, EOF, type IParserErrorMessageProvider, type IToken, type TokenType } from 'chevrotain';
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

class EntParser extends CstParser {
  constructor() {
    super(T.allTokens as TokenType[], {
      recoveryEnabled: true, maxLookahead: 3, nodeLocationTracking: 'onlyOffset', errorMessageProvider: messages,
    });
    this.performSelfAnalysis();
  }

  public program = this.RULE('program', () => {
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.entityDeclaration) },
      { GATE: () => this.startsContextual(T.contextualStream), ALT: () => this.SUBRULE(this.streamDeclaration) },
      { ALT: () => this.SUBRULE(this.runBlock) },
      { ALT: () => this.SUBRULE(this.terminator) },
    ]));
  });

  /** A REPL input: entity declarations and run-block statements, in any mix. */
  public replInput = this.RULE('replInput', () => {
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.entityDeclaration) },
      { GATE: () => this.startsContextual(T.contextualStream), ALT: () => this.SUBRULE(this.streamDeclaration) },
      { ALT: () => this.SUBRULE(this.runBlock) },
      { ALT: () => this.SUBRULE(this.terminator) },
      { ALT: () => { this.SUBRULE(this.statement); this.SUBRULE2(this.terminator); } },
    ]));
  });

  public terminator = this.RULE('terminator', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Semicolon) }, { ALT: () => this.CONSUME(T.Newline) }]);
  });

  /**
   * `item (, item)* ,?` or nothing, before `closing`: a trailing comma is allowed, and so are line breaks
   * after a comma (inside `{ … }` the lexer may have marked them as terminators).
   */
  private commaList(closing: TokenType, item: (occurrence: number) => void): void {
    const closesAfterComma = (): boolean => {
      const next = this.LA(2).tokenType === T.Newline ? this.LA(3) : this.LA(2);
      return next.tokenType === closing;
    };
    this.OPTION8(() => {
      item(1);
      this.MANY8({
        GATE: () => !closesAfterComma(),
        DEF: () => {
          this.CONSUME8(T.Comma);
          this.OPTION7(() => this.CONSUME7(T.Newline));
          item(2);
        },
      });
      this.OPTION6(() => this.CONSUME6(T.Comma));
    });
  }

  /**
   * A name where no keyword could stand (after `fn`, `let`, `for` or `.`, and in parameters): a keyword is
   * accepted here so that the AST builder reports it once as reserved, with no recovery cascade.
   */
  private nameOrKeyword(): void {
    this.OR9([
      { ALT: () => this.CONSUME9(T.Identifier) },
      { ALT: () => this.CONSUME9(T.ReservedWord) },
    ]);
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

  public runBlock = this.RULE('runBlock', () => {
    this.CONSUME(T.Run);
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  /** `stream NAME: T`: a named atomic stream whose events are values of type T. */
  public streamDeclaration = this.RULE('streamDeclaration', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpression);
  });

  public entityDeclaration = this.RULE('entityDeclaration', () => {
    this.CONSUME(T.Entity);
    this.CONSUME(T.Identifier);
    this.optionalNewline();
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.terminator) },
      { ALT: () => { this.SUBRULE(this.member); this.SUBRULE2(this.terminator); } },
    ]));
    this.CONSUME(T.RCurly);
  });

  public member = this.RULE('member', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.keyDeclaration) },
      // `on` is a name elsewhere (`on: bool` is a field): a consumer is `on` followed by a stream's name.
      {
        GATE: () => this.LA(1).image === T.contextualOn && this.LA(2).tokenType === T.Identifier,
        ALT: () => this.SUBRULE(this.handlerDeclaration),
      },
      { ALT: () => this.SUBRULE(this.fieldDeclaration) },
      { ALT: () => this.SUBRULE(this.initDeclaration) },
      { ALT: () => this.SUBRULE(this.methodDeclaration) },
    ]);
  });

  public keyDeclaration = this.RULE('keyDeclaration', () => {
    this.CONSUME(T.Key);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpression);
  });

  public fieldDeclaration = this.RULE('fieldDeclaration', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpression);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  /**
   * `on NAME(event: T) by KEY { … }`: the entity consumes stream NAME, each event going to the entity whose
   * key KEY gives. `on` and `by` are read as names here; the AST builder checks that they are those words.
   */
  public handlerDeclaration = this.RULE('handlerDeclaration', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.SUBRULE(this.parameterList);
    this.CONSUME3(T.Identifier);
    this.SUBRULE(this.expression);
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  public initDeclaration = this.RULE('initDeclaration', () => {
    this.CONSUME(T.Init);
    this.SUBRULE(this.parameterList);
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  public methodDeclaration = this.RULE('methodDeclaration', () => {
    this.CONSUME(T.Fn);
    this.nameOrKeyword();
    this.SUBRULE(this.parameterList);
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpression);
    });
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  public parameterList = this.RULE('parameterList', () => {
    this.CONSUME(T.LParen);
    this.commaList(T.RParen, (occurrence) => this.subrule(occurrence, this.parameter));
    this.CONSUME(T.RParen);
  });

  public parameter = this.RULE('parameter', () => {
    this.nameOrKeyword();
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpression);
  });

  public typeExpression = this.RULE('typeExpression', () => {
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.CONSUME(T.Less);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.typeExpression) });
      this.CONSUME(T.Greater);
    });
  });

  public block = this.RULE('block', () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.terminator) },
      { ALT: () => { this.SUBRULE(this.statement); this.SUBRULE2(this.terminator); } },
    ]));
    this.CONSUME(T.RCurly);
  });

  public statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.letStatement) },
      { ALT: () => this.SUBRULE(this.ifStatement) },
      { ALT: () => this.SUBRULE(this.whileStatement) },
      { ALT: () => this.SUBRULE(this.forStatement) },
      { ALT: () => this.CONSUME(T.Break) },
      { ALT: () => this.CONSUME(T.Continue) },
      { ALT: () => this.SUBRULE(this.returnStatement) },
      { ALT: () => this.SUBRULE(this.abortStatement) },
      { ALT: () => this.SUBRULE(this.printStatement) },
      { GATE: () => this.startsContextual(T.contextualEmit), ALT: () => this.SUBRULE(this.emitStatement) },
      { GATE: () => this.startsContextual(T.contextualSeal), ALT: () => this.SUBRULE(this.sealStatement) },
      { ALT: () => this.SUBRULE(this.expressionStatement) },
    ]);
  });

  public letStatement = this.RULE('letStatement', () => {
    this.CONSUME(T.Let);
    this.nameOrKeyword();
    this.OPTION(() => {
      this.CONSUME(T.Colon);
      this.SUBRULE(this.typeExpression);
    });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  public ifStatement = this.RULE('ifStatement', () => {
    this.CONSUME(T.If);
    this.SUBRULE(this.expression);
    this.optionalNewline();
    this.SUBRULE(this.block);
    // `else` may stand on the line after `}`: look past one line break, but only when `else` follows.
    this.OPTION({
      GATE: () => this.LA(1).tokenType === T.Else
        || (this.LA(1).tokenType === T.Newline && this.LA(2).tokenType === T.Else),
      DEF: () => {
      this.OPTION2(() => this.CONSUME(T.Newline));
      this.CONSUME(T.Else);
      this.OR([
        { ALT: () => this.SUBRULE(this.ifStatement) },
        { ALT: () => { this.OPTION3(() => this.CONSUME2(T.Newline)); this.SUBRULE2(this.block); } },
      ]);
      },
    });
  });

  public whileStatement = this.RULE('whileStatement', () => {
    this.CONSUME(T.While);
    this.SUBRULE(this.expression);
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  public forStatement = this.RULE('forStatement', () => {
    this.CONSUME(T.For);
    this.nameOrKeyword();
    this.CONSUME(T.In);
    this.SUBRULE(this.expression);
    this.optionalNewline();
    this.SUBRULE(this.block);
  });

  public returnStatement = this.RULE('returnStatement', () => {
    this.CONSUME(T.Return);
    this.OPTION(() => this.SUBRULE(this.expression));
  });

  public abortStatement = this.RULE('abortStatement', () => {
    this.CONSUME(T.Abort);
    this.SUBRULE(this.expression);
  });

  public printStatement = this.RULE('printStatement', () => {
    this.CONSUME(T.Print);
    this.SUBRULE(this.expression);
  });

  /** `emit NAME e`: appends the list `e` to stream NAME as one atom. */
  public emitStatement = this.RULE('emitStatement', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
    this.SUBRULE(this.expression);
  });

  /** `seal NAME`: no atom follows on stream NAME. */
  public sealStatement = this.RULE('sealStatement', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME2(T.Identifier);
  });

  /** An expression, or an assignment whose target the AST builder checks (`x`, `self.f`, `x[i]`, …). */
  public expressionStatement = this.RULE('expressionStatement', () => {
    this.SUBRULE(this.expression);
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE2(this.expression);
    });
  });

  public expression = this.RULE('expression', () => {
    this.SUBRULE(this.orExpression);
  });

  public orExpression = this.RULE('orExpression', () => {
    this.SUBRULE(this.andExpression);
    this.MANY(() => {
      this.CONSUME(T.OrOr);
      this.SUBRULE2(this.andExpression);
    });
  });

  public andExpression = this.RULE('andExpression', () => {
    this.SUBRULE(this.equalityExpression);
    this.MANY(() => {
      this.CONSUME(T.AndAnd);
      this.SUBRULE2(this.equalityExpression);
    });
  });

  public equalityExpression = this.RULE('equalityExpression', () => {
    this.SUBRULE(this.comparisonExpression);
    this.MANY(() => {
      this.CONSUME(T.EqualityOperator);
      this.SUBRULE2(this.comparisonExpression);
    });
  });

  public comparisonExpression = this.RULE('comparisonExpression', () => {
    this.SUBRULE(this.additiveExpression);
    this.MANY(() => {
      this.CONSUME(T.ComparisonOperator);
      this.SUBRULE2(this.additiveExpression);
    });
  });

  public additiveExpression = this.RULE('additiveExpression', () => {
    this.SUBRULE(this.multiplicativeExpression);
    this.MANY(() => {
      this.CONSUME(T.AdditiveOperator);
      this.SUBRULE2(this.multiplicativeExpression);
    });
  });

  public multiplicativeExpression = this.RULE('multiplicativeExpression', () => {
    this.SUBRULE(this.prefix);
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOperator);
      this.SUBRULE2(this.prefix);
    });
  });

  public prefix = this.RULE('prefix', () => {
    this.OR([
      {
        ALT: () => {
          this.OR2([
            { ALT: () => this.CONSUME(T.Bang) },
            { ALT: () => this.CONSUME(T.Minus) },
            { ALT: () => this.CONSUME(T.Await) },
            { ALT: () => this.CONSUME(T.Async) },
          ]);
          this.SUBRULE(this.prefix);
        },
      },
      { ALT: () => this.SUBRULE(this.postfix) },
    ]);
  });

  public postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => this.SUBRULE(this.postfixOperation));
  });

  public postfixOperation = this.RULE('postfixOperation', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Dot);
          this.nameOrKeyword();
          this.OPTION(() => this.SUBRULE(this.argumentList));
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.LBracket);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RBracket);
        },
      },
      { ALT: () => this.SUBRULE2(this.argumentList) },
    ]);
  });

  public argumentList = this.RULE('argumentList', () => {
    this.CONSUME(T.LParen);
    this.commaList(T.RParen, (occurrence) => this.subrule(occurrence, this.expression));
    this.CONSUME(T.RParen);
  });

  public primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.IntLiteral) },
      { ALT: () => this.CONSUME(T.StringLiteral) },
      { ALT: () => this.CONSUME(T.True) },
      { ALT: () => this.CONSUME(T.False) },
      { ALT: () => this.CONSUME(T.Self) },
      { ALT: () => this.CONSUME(T.Identifier) },
      { ALT: () => this.SUBRULE(this.parenthesized) },
      { ALT: () => this.SUBRULE(this.listLiteral) },
      { ALT: () => this.SUBRULE(this.mapLiteral) },
      { ALT: () => this.SUBRULE(this.newExpression) },
    ]);
  });

  public parenthesized = this.RULE('parenthesized', () => {
    this.CONSUME(T.LParen);
    this.SUBRULE(this.expression);
    this.CONSUME(T.RParen);
  });

  public listLiteral = this.RULE('listLiteral', () => {
    this.CONSUME(T.LBracket);
    this.commaList(T.RBracket, (occurrence) => this.subrule(occurrence, this.expression));
    this.CONSUME(T.RBracket);
  });

  /** `{k: v, …}`; line breaks inside are allowed (the lexer may have marked some as terminators). */
  public mapLiteral = this.RULE('mapLiteral', () => {
    this.CONSUME(T.LCurly);
    this.OPTION(() => this.CONSUME(T.Newline));
    this.commaList(T.RCurly, (occurrence) => {
      this.subrule(occurrence, this.mapEntry);
      this.option(occurrence + 3, () => this.consume(occurrence + 3, T.Newline));
    });
    this.OPTION3(() => this.CONSUME3(T.Newline));
    this.CONSUME(T.RCurly);
  });

  public mapEntry = this.RULE('mapEntry', () => {
    this.SUBRULE(this.expression);
    this.CONSUME(T.Colon);
    this.SUBRULE2(this.expression);
  });

  public newExpression = this.RULE('newExpression', () => {
    this.CONSUME(T.New);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.argumentList);
  });
}

/** The one parser instance: Chevrotain parsers are built once and reused by resetting their input. */
export const parser = new EntParser();
