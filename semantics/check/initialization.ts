// Stage: semantics/check. Flow analyses over typed bodies: definite assignment of fields by `init`
// (every field without a default is assigned on every path that completes; none is read, and `self`
// is not shared, before then), and definite return of methods with a result type.

import type { Span } from '../../grammar/span.ts';
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import type * as T from '../typed.ts';
import { allExpressions, statementExpressions } from '../typed-walk.ts';
import { assertNever } from '../values.ts';

/** The fields assigned so far on a path, or `diverged` for a path that returned, aborted or jumped. */
type Assigned = ReadonlySet<string> | 'diverged';

export function checkInitialization(
  entityName: string,
  required: readonly string[],
  init: { readonly body: T.Block; readonly headSpan: Span } | undefined,
  fieldSpans: ReadonlyMap<string, Span>,
  diagnostics: Diagnostic[],
): void {
  if (required.length === 0) return;
  if (init === undefined) {
    for (const field of required) {
      diagnostics.push(diagnostic('E0209', `field \`${field}\` of \`${entityName}\` has no default and no \`init\` assigns it`,
        fieldSpans.get(field)!, `give it a default (\`${field}: T = …\`) or assign it in \`init\``));
    }
    return;
  }
  const analysis = new InitAnalysis(new Set(required), diagnostics);
  const after = analysis.block(init.body, new Set());
  if (after !== 'diverged') analysis.requireAll(after, init.headSpan, 'at the end of `init`');
}

class InitAnalysis {
  constructor(
    private readonly required: ReadonlySet<string>,
    private readonly diagnostics: Diagnostic[],
  ) {}

  requireAll(assigned: ReadonlySet<string>, at: Span, where: string): void {
    const missing = [...this.required].filter((field) => !assigned.has(field));
    if (missing.length === 0) return;
    const names = missing.map((field) => `\`${field}\``).join(', ');
    this.diagnostics.push(diagnostic('E0209', `${missing.length === 1 ? 'field' : 'fields'} ${names} may be unassigned ${where}`,
      at, 'assign every field without a default on every path through `init`, or give it a default'));
  }

  block(block: T.Block, entry: ReadonlySet<string>): Assigned {
    let assigned: Assigned = entry;
    for (const statement of block) {
      if (assigned === 'diverged') return 'diverged';
      assigned = this.statement(statement, assigned);
    }
    return assigned;
  }

  private statement(statement: T.Statement, assigned: ReadonlySet<string>): Assigned {
    for (const expression of statementExpressions(statement)) this.reads(expression, assigned);
    switch (statement.kind) {
      case 'AssignField':
        return new Set([...assigned, statement.field]);
      case 'AssignIndex':
        if (statement.target.kind === 'field') this.readField(statement.target.field, assigned, statement.span);
        return assigned;
      case 'If': {
        const thenAssigned = this.block(statement.thenBlock, assigned);
        const elseAssigned = this.block(statement.elseBlock, assigned);
        if (thenAssigned === 'diverged') return elseAssigned;
        if (elseAssigned === 'diverged') return thenAssigned;
        return new Set([...thenAssigned].filter((field) => elseAssigned.has(field)));
      }
      case 'While':
      case 'For':
        this.block(statement.body, assigned);
        return assigned;
      case 'Return':
        this.requireAll(assigned, statement.span, 'when `init` returns here');
        return 'diverged';
      case 'Abort':
      case 'Break':
      case 'Continue':
        return 'diverged';
      case 'Let':
      case 'AssignLocal':
      case 'Print':
      case 'ExpressionStatement':
      case 'Emit':
      case 'Seal':
      case 'Update':
        return assigned;
      default:
        return assertNever(statement);
    }
  }

  private complete(assigned: ReadonlySet<string>): boolean {
    return [...this.required].every((field) => assigned.has(field));
  }

  private reads(expression: T.Expression, assigned: ReadonlySet<string>): void {
    // The receiver of `self.m()` is reported with the call, not a second time as a shared `self`.
    const reportedReceivers = new Set<T.Expression>();
    for (const node of allExpressions(expression)) {
      if (node.kind === 'SelfField') this.readField(node.field, assigned, node.span);
      if (node.kind === 'Mutation' && node.target.kind === 'field') this.readField(node.target.field, assigned, node.span);
      if (this.complete(assigned)) continue;
      if (node.kind === 'Call' && node.receiver.kind === 'Self') reportedReceivers.add(node.receiver);
      if (node.kind === 'Self' && !reportedReceivers.has(node)) {
        this.diagnostics.push(diagnostic('E0511', '`self` is shared before every field is assigned', node.span,
          'assign every field without a default first: another entity could call back and read them'));
      }
      if (node.kind === 'Call' && node.receiver.kind === 'Self') {
        this.diagnostics.push(diagnostic('E0511', `\`self.${node.method}\` is called before every field is assigned`, node.span,
          'assign every field without a default first: the method may read them'));
      }
    }
  }

  private readField(field: string, assigned: ReadonlySet<string>, at: Span): void {
    if (this.required.has(field) && !assigned.has(field)) {
      this.diagnostics.push(diagnostic('E0510', `field \`${field}\` is read before \`init\` assigns it`, at,
        `assign \`self.${field}\` first, or give the field a default`));
    }
  }
}

/** Whether every path through the block ends in `return` or `abort` (or a `while true` that never breaks). */
export function alwaysReturns(block: T.Block): boolean {
  return block.some(statementAlwaysReturns);
}

function statementAlwaysReturns(statement: T.Statement): boolean {
  switch (statement.kind) {
    case 'Return':
    case 'Abort':
      return true;
    case 'If':
      return alwaysReturns(statement.thenBlock) && alwaysReturns(statement.elseBlock);
    case 'While':
      return statement.condition.kind === 'Literal' && statement.condition.value === true && !breaksOut(statement.body);
    default:
      return false;
  }
}

/** Whether a `break` in the block leaves the loop that owns the block (not a nested loop). */
function breaksOut(block: T.Block): boolean {
  return block.some((statement) => {
    if (statement.kind === 'Break') return true;
    if (statement.kind === 'If') return breaksOut(statement.thenBlock) || breaksOut(statement.elseBlock);
    return false;
  });
}
