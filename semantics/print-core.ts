// Stage: semantics. The printer of the core calculus, for people: `ent cps`, the REPL's `:cps` and the
// snapshot tests. One term per line, in the order terms run (where-form, see `term`), and a gutter
// with the source line each term came from.

import type { Span } from '../grammar/span.ts';
import type { Atom, CoreMethod, Primitive, Term } from './core.ts';
import { canonical } from './values.ts';

/** Maps a span to its one-based source line (or undefined when the source is not at hand). */
export type LineOf = (span: Span) => number | undefined;

export function printAtom(atom: Atom): string {
  return atom.kind === 'Variable' ? atom.name : canonical(atom.value);
}

function list(atoms: readonly Atom[]): string {
  return atoms.map(printAtom).join(', ');
}

export function printPrimitive(primitive: Primitive): string {
  switch (primitive.kind) {
    case 'Atom': return printAtom(primitive.atom);
    case 'Binary': return `${printAtom(primitive.left)} ${primitive.operator} ${printAtom(primitive.right)}`;
    case 'Unary': return `${primitive.operator}${printAtom(primitive.operand)}`;
    case 'List': return `[${list(primitive.elements)}]`;
    case 'Map': return `{${primitive.entries.map(([key, value]) => `${printAtom(key)}: ${printAtom(value)}`).join(', ')}}`;
    case 'Index': return `${printAtom(primitive.base)}[${printAtom(primitive.index)}]`;
    case 'Store': return `${printAtom(primitive.base)} with [${printAtom(primitive.index)}] = ${printAtom(primitive.value)}`;
    case 'ValueMethod': return `${printAtom(primitive.receiver)}.${primitive.method}(${list(primitive.args)})`;
    case 'Mutate': return `${printAtom(primitive.target)} after ${primitive.method}(${printAtom(primitive.arg)})`;
    case 'Builtin': return `${primitive.function}(${list(primitive.args)})`;
    case 'Reference': return `${primitive.entity}(${printAtom(primitive.key)})`;
    case 'SelfReference': return 'self';
    case 'KeyOf': return `key of ${printAtom(primitive.object)}`;
    case 'Await': return `await ${printAtom(primitive.future)}`;
  }
}

/** What follows a continuation's name where a term names it (the split printer shows a block's frame). */
export type TargetPrinter = (name: string) => string;

const plainTarget: TargetPrinter = () => '';

/** The one-line form of a term that is not a `letcont` (for traces). */
export function printTermHead(term: Term, target: TargetPrinter = plainTarget): string {
  switch (term.kind) {
    case 'Let': return `let ${term.variable} = ${printPrimitive(term.primitive)}`;
    case 'Set': return `${term.variable} := ${printPrimitive(term.primitive)}`;
    case 'ReadSelf': return `let ${term.variable} = self.${term.field}`;
    case 'WriteSelf': return `self.${term.field} := ${printAtom(term.value)}`;
    case 'LetCont': return `letcont ${term.name}(${term.parameters.join(', ')})`;
    case 'Jump': return `jump ${term.continuation}(${list(term.args)})${target(term.continuation)}`;
    case 'Branch': {
      const { thenContinuation, elseContinuation } = term;
      return `branch ${printAtom(term.condition)} ${thenContinuation}${target(thenContinuation)} ${elseContinuation}${target(elseContinuation)}`;
    }
    case 'Call': {
      const call = `call ${printAtom(term.receiver)}.${term.method}(${list(term.args)})`;
      return `${term.async ? 'async ' : ''}${call} -> ${term.continuation}${target(term.continuation)}`;
    }
    case 'ReadRemote': return `read ${printAtom(term.object)}.${term.field} -> ${term.continuation}${target(term.continuation)}`;
    case 'New': return `new${term.ifAbsent === true ? '?' : ''} ${term.entity}(${list([term.key, ...term.args])}) -> ${term.continuation}${target(term.continuation)}`;
    case 'Return': return `return ${printAtom(term.value)}`;
    case 'Abort': return `abort ${printAtom(term.message)}`;
  }
}

export class TermPrinter {
  private readonly lines: string[] = [];

  constructor(
    private readonly lineOf: LineOf,
    private readonly target: TargetPrinter = plainTarget,
  ) {}

  line(depth: number, text: string, span: Span | undefined): void {
    const sourceLine = span === undefined ? undefined : this.lineOf(span);
    const gutter = sourceLine === undefined ? '    ' : String(sourceLine).padStart(4);
    this.lines.push(`${gutter} | ${'  '.repeat(depth)}${text}`);
  }

  /**
   * Prints a term in where-form, so that it reads in the order it runs: `K where k(x) = K'` is the
   * calculus' `letcont k(x) = K' in K`. The continuations a straight line defines follow it, indented.
   */
  term(term: Term, depth: number): void {
    const definitions: Extract<Term, { kind: 'LetCont' }>[] = [];
    let current: Term = term;
    for (;;) {
      if (current.kind === 'LetCont') {
        definitions.push(current);
        current = current.body;
        continue;
      }
      this.line(depth, printTermHead(current, this.target), current.span);
      if (current.kind === 'Let' || current.kind === 'Set' || current.kind === 'ReadSelf' || current.kind === 'WriteSelf') {
        current = current.body;
        continue;
      }
      break;
    }
    // Innermost first: the branches of an `if` before the join where they meet, a loop before its exit.
    for (const definition of definitions.reverse()) {
      this.line(depth, `where ${definition.name}(${definition.parameters.join(', ')}) =`, definition.span);
      this.term(definition.continuationBody, depth + 1);
    }
  }

  text(): string {
    return this.lines.join('\n');
  }
}

export function printCoreMethod(method: CoreMethod, lineOf: LineOf): string {
  const printer = new TermPrinter(lineOf);
  printer.line(0, `fn ${method.entity}.${method.name}(${method.parameters.join(', ')}) =`, method.span);
  printer.term(method.body, 1);
  return printer.text();
}
