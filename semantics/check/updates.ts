// Stage: semantics/check. Live updates (docs/language.md §15): the run block is checked statement by
// statement, and each top-level `update NAME { … }` gives entity type NAME a new version of its code,
// against which the rest of the run block is typed. An update keeps what other code relies on: the key,
// the type of every field that stays, the signature of every method and of `init`, and the routing of
// every consumer (E0517–E0520); it may change bodies, add fields (existing entities take their
// defaults) and add methods. Its `migrate { … }` runs on each existing entity's own state and does
// nothing else (E0522), so that applying it at the update or at the entity's first access later is
// the same (U-Migrate, proofs/semantics.md §8).

import type * as A from '../../grammar/ast.ts';
import type { Span } from '../../grammar/span.ts';
import { diagnostic, type Diagnostic } from '../../diagnostics/diagnostic.ts';
import type * as T from '../typed.ts';
import { allExpressions, statementExpressions } from '../typed-walk.ts';
import { typeToString, voidType } from '../types.ts';
import { BodyChecker } from './body.ts';
import { declareEntities, type EntitySignature, type EntityTable, type MethodSignature, type StreamTable } from './declarations.ts';
import { checkEntity, checkMethod } from './index.ts';
import { closestName } from './suggest.ts';

export interface CheckedRun {
  readonly run: T.TypedRunBlock;
  readonly updates: readonly T.TypedUpdate[];
}

function within(span: Span, outer: Span): boolean {
  return span.file === outer.file && span.start >= outer.start && span.end <= outer.end;
}

/** What a migration may not do: anything beyond its own entity's state. */
const effectfulKinds: ReadonlySet<T.Expression['kind']> = new Set(['Call', 'RemoteField', 'New', 'Async', 'Await']);

function signatureText(method: MethodSignature): string {
  const parameters = method.parameters.map((parameter) => typeToString(parameter.type)).join(', ');
  return method.result.kind === 'void' ? `(${parameters})` : `(${parameters}): ${typeToString(method.result)}`;
}

/** A node without its spans, for comparing two routing keys as written. */
function shape(node: unknown): string {
  return JSON.stringify(node, (key, value: unknown) => (key === 'span' || key === 'operatorSpan' ? undefined : value));
}

/** Checks the run block, segment by segment between its updates; the updates get their versions here. */
export function checkRunBlock(
  runBlock: A.RunBlock,
  table: EntityTable,
  entities: ReadonlyMap<string, T.TypedEntity>,
  streams: StreamTable,
  diagnostics: Diagnostic[],
): CheckedRun {
  let currentTable: EntityTable = table;
  let currentEntities: ReadonlyMap<string, T.TypedEntity> = entities;
  let scope: ReadonlyMap<string, T.Variable> | undefined;
  let slots = 0;
  const body: T.Statement[] = [];
  const updates: T.TypedUpdate[] = [];
  const versions = new Map<string, number>();
  let segment: A.Statement[] = [];
  const flush = (): void => {
    if (segment.length === 0) return;
    const checker = new BodyChecker(currentTable, {
      mode: 'run', entity: undefined, result: voidType, streams, initialScope: scope, firstSlot: slots,
    }, diagnostics);
    body.push(...checker.statements(segment));
    scope = checker.topScope;
    slots = checker.slotCount;
    segment = [];
  };
  for (const statement of runBlock.body.statements) {
    if (statement.kind !== 'Update') {
      segment.push(statement);
      continue;
    }
    flush();
    const name = statement.entity.name;
    const version = (versions.get(name) ?? 0) + 1;
    body.push({ kind: 'Update', entity: name, version, span: statement.span });
    const checked = checkUpdate(statement, version, currentTable, currentEntities, streams, diagnostics);
    if (checked === undefined) continue;
    versions.set(name, version);
    currentTable = checked.table;
    currentEntities = checked.update.entities;
    updates.push(checked.update);
  }
  flush();
  return { run: { body, slotCount: slots, span: runBlock.span }, updates };
}

/**
 * One `update NAME { … }` against the code in force (`table`, `entities`): its diagnostics, or the new
 * table and the update. The run block's updates come here through `checkRunBlock`; the REPL's one at a
 * time (cli/repl-session.ts), with the version it counts.
 */
export function checkUpdate(
  statement: Extract<A.Statement, { kind: 'Update' }>,
  version: number,
  table: EntityTable,
  entities: ReadonlyMap<string, T.TypedEntity>,
  streams: StreamTable,
  diagnostics: Diagnostic[],
): { readonly table: EntityTable; readonly update: T.TypedUpdate } | undefined {
  const name = statement.entity.name;
  const old = table.get(name);
  if (old === undefined) {
    const near = closestName(name, table.keys());
    diagnostics.push(diagnostic('E0516', `\`update ${name}\`: no entity type \`${name}\``, statement.entity.span,
      near === undefined ? 'an update gives new code to an entity type the program declares' : `did you mean \`${near}\`?`));
    return undefined;
  }
  const report = (code: Parameters<typeof diagnostic>[0], message: string, at: Span, hint: string): void => {
    diagnostics.push(diagnostic(code, message, at, hint));
  };
  // The new declaration: the members the update names replace the same-named ones; the rest are kept.
  const replaced = new Set<string>();
  for (const member of statement.members) {
    switch (member.kind) {
      case 'KeyDeclaration':
        report('E0517', `an update cannot change the key of \`${name}\``, member.span,
          'every reference to an entity holds its key: keep the key, and add a field for the new value');
        break;
      case 'FieldDeclaration':
      case 'MethodDeclaration':
        replaced.add(member.name.name);
        break;
      case 'InitDeclaration':
        replaced.add('init');
        break;
      case 'HandlerDeclaration': {
        replaced.add(`on ${member.stream.name}`);
        const before = old.handlers.get(member.stream.name);
        if (before === undefined) {
          report('E0520', `\`${name}\` does not consume \`${member.stream.name}\`: an update cannot add a consumer yet`, member.headSpan,
            'an update may give a consumer a new body; declare every consumer in the entity type itself');
        } else if (shape(before.key) !== shape(member.key)) {
          report('E0520', `an update keeps the routing key of \`on ${member.stream.name}\``, member.key.span,
            'atoms already published are routed by the key the type was declared with: write the same key, and change the body');
        }
        break;
      }
    }
  }
  const memberName = (member: A.Member): string => {
    switch (member.kind) {
      case 'KeyDeclaration': return '$key';
      case 'InitDeclaration': return 'init';
      case 'HandlerDeclaration': return `on ${member.stream.name}`;
      default: return member.name.name;
    }
  };
  const kept = old.declaration.members.filter((member) => !replaced.has(memberName(member)));
  const added = statement.members.filter((member) => member.kind !== 'KeyDeclaration');
  const declaration: A.EntityDeclaration = { ...old.declaration, members: [...kept, ...added] };
  // Problems of the new members only: the kept ones were reported where the type was declared.
  const scratch: Diagnostic[] = [];
  const declared = declareEntities([declaration], scratch, new Set(table.keys())).get(name);
  const mine = (): void => {
    diagnostics.push(...scratch.filter((entry) => within(entry.span, statement.span)));
    scratch.length = 0;
  };
  if (declared === undefined) {
    mine();
    return undefined;
  }
  const signature: EntitySignature = declared;
  for (const field of signature.fields.values()) {
    const before = old.fields.get(field.name);
    if (before !== undefined && typeToString(before.type) !== typeToString(field.type)) {
      report('E0518', `an update cannot change field \`${field.name}\` from ${typeToString(before.type)} to ${typeToString(field.type)}`,
        field.declaration.span, 'existing entities hold values of the old type: add a field of a new name and fill it in `migrate { … }`');
    }
  }
  const methodProblem = (before: MethodSignature | undefined, after: MethodSignature | undefined, label: string): void => {
    if (before === undefined || after === undefined) return;
    const [was, now] = [signatureText(before), signatureText(after)];
    if (was !== now) {
      report('E0519', `an update keeps the signature of ${label}: it was \`${was}\`, not \`${now}\``, after.declaration.span,
        'code already running and the run block call it as declared: keep the signature, or add a method of a new name');
    }
  };
  for (const method of signature.methods.values()) methodProblem(old.methods.get(method.name), method, `\`${name}.${method.name}\``);
  methodProblem(old.init, signature.init, `\`${name}\`'s \`init\``);
  if (old.init === undefined && signature.init !== undefined && signature.init.parameters.length > 0) {
    report('E0519', `an update cannot give \`${name}\` an \`init\` that takes parameters`, signature.init.declaration.span,
      'existing code creates these entities with `new ' + name + '(key)`: give the new `init` no parameters');
  }
  const newTable = new Map(table);
  newTable.set(name, signature);
  const code = checkEntity(signature, newTable, streams, scratch);
  mine();
  for (const extra of statement.migrate.slice(1)) {
    report('E0521', 'an update has at most one `migrate` block', extra.span, 'merge the two into one');
  }
  let migrate: T.TypedMethod | undefined;
  const block = statement.migrate[0];
  if (block !== undefined) {
    const method: MethodSignature = {
      name: '$migrate', parameters: [], result: voidType,
      declaration: { kind: 'MethodDeclaration', name: { name: 'migrate', span: block.span }, parameters: [], resultType: undefined, body: block.body, span: block.span },
    };
    migrate = { ...checkMethod(signature, method, newTable, streams, diagnostics, false), name: '$migrate' };
    for (const problem of migrationEffects(migrate.body)) {
      report('E0522', `a migration works on its entity's own state alone: no ${problem.what} here`, problem.span,
        'a migration runs on each entity once, whenever the entity is next used: it may read and write `self` and compute, nothing more');
    }
  }
  const oldCode = entities.get(name)!;
  const addedFields = code.fields.filter((field) => !oldCode.fields.some((before) => before.name === field.name));
  for (const field of addedFields) {
    if (field.initial === undefined) {
      report('E0523', `field \`${field.name}\` that the update adds needs a default`, field.span,
        `the entities that exist take it when they migrate: write \`${field.name}: ${typeToString(field.type)} = …\``);
    }
  }
  const newEntities = new Map(entities);
  newEntities.set(name, code);
  return {
    table: newTable,
    update: { entity: name, version, code, added: addedFields, migrate, entities: newEntities, span: statement.span },
  };
}

function* migrationEffects(block: T.Block): Generator<{ readonly what: string; readonly span: Span }> {
  for (const statement of block) {
    switch (statement.kind) {
      case 'Abort': yield { what: '`abort`', span: statement.span }; break;
      case 'Emit': yield { what: '`emit`', span: statement.span }; break;
      case 'If': yield* migrationEffects(statement.thenBlock); yield* migrationEffects(statement.elseBlock); break;
      case 'While': case 'For': yield* migrationEffects(statement.body); break;
      default: break;
    }
    for (const expression of statementExpressions(statement)) {
      for (const node of allExpressions(expression)) {
        if (effectfulKinds.has(node.kind)) {
          const what = node.kind === 'Call' ? 'call' : node.kind === 'RemoteField' ? 'read of another entity' : `\`${node.kind.toLowerCase()}\``;
          yield { what, span: node.span };
        }
      }
    }
  }
}
