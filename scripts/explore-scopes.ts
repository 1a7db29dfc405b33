// Writes the scopes in which `ent explore` has checked the theorems of proofs/semantics.md completely,
// with their state counts, between the markers `<!-- explore-scopes:begin -->` and `<!-- explore-scopes:end -->`
// there: Theorem 6 (the safe settings hold in every state of each scope) and Theorem 8 (each zoo bug is
// found, by the violation it declares, with its shortest counterexample; the run-block bugs, streams and
// live updates among them, in the small run blocks of corpus/explore/ under `--workload run`). The figures come from running
// the explorer, never from typing them. Run: npm run docs:scopes (a few minutes on a loaded machine); the
// long scopes (`longScopes`) with ENT_SCOPES_LONG=1 and a larger heap.

import { readFileSync, writeFileSync } from 'node:fs';
import { noBudget, type FaultBudget } from '../explorer/branching.ts';
import { explore, reductionNames } from '../explorer/explore.ts';
import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { plural } from '../runtime/describe.ts';
import { zoo } from '../runtime/zoo.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import type { Workload } from '../runtime/workload.ts';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';

const file = 'examples/accounts.ent';
const program = compile(readFileSync(file, 'utf8'), file).program!;
const { split } = compileToSplit(program);

/** A program whose run block is explored (`ent explore FILE --workload run`). */
function runBlockOf(path: string): { file: string; program: TypedProgram; split: SplitProgram } {
  const typed = compile(readFileSync(path, 'utf8'), path).program!;
  return { file: path, program: typed, split: compileToSplit(typed).split };
}
const oneAtom = runBlockOf('corpus/explore/one-atom.ent');
const updateThenAtom = runBlockOf('corpus/explore/update-then-atom.ent');
const moveAndAudit = runBlockOf('corpus/explore/move-and-audit.ent');
const crossingTransfers = runBlockOf('corpus/explore/crossing-transfers.ent');

const base: ScopeOptions = {
  nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
  shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
  reductions: new Set(reductionNames), maxStates: 3_000_000,
};

const twoByTwo: Partial<ScopeOptions> = { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } };
/** A transfer across two nodes beside a withdrawal from one of its accounts (seed 1). */
const twoByOne: Partial<ScopeOptions> = { seed: '1', shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 2 } };
const allFaults: FaultBudget = { ...noBudget, crash: 1, drop: 1, duplicate: 1 };

const safeScopes: readonly Partial<ScopeOptions>[] = [
  { budget: { ...noBudget, crash: 1 } },
  { budget: { ...noBudget, drop: 1, duplicate: 1 } },
  { concurrency: 'aria', budget: { ...noBudget, drop: 1 } },
  twoByTwo,
  { ...twoByTwo, concurrency: 'aria' },
  { ...twoByTwo, budget: { ...noBudget, drop: 1 } },
  { ...twoByTwo, budget: { ...noBudget, crash: 1 } },
  { ...twoByTwo, budget: { ...noBudget, crash: 1, drop: 1 } },
  // Every kind of fault at once (issue 14's acceptance): a crash, a drop and a duplicate.
  { budget: allFaults },
  { ...twoByOne, budget: allFaults },
  { ...twoByOne, concurrency: 'aria', budget: allFaults },
  // Issue 14's acceptance scope under Aria (under 2PL it is a long scope, below): 40 s.
  { ...twoByTwo, concurrency: 'aria', budget: allFaults },
];

/**
 * Scopes that take half an hour or more and several GB of heap: explored only with ENT_SCOPES_LONG=1
 * (`ENT_SCOPES_LONG=1 node --max-old-space-size=16000 build/scripts/explore-scopes.js`); otherwise their
 * lines are kept as the last such run wrote them.
 */
const longScopes: readonly Partial<ScopeOptions>[] = [
  { ...twoByTwo, budget: allFaults, maxStates: 100_000_000 },
];
const longHeader = 'Theorem 6 in the long scopes (explored by `ENT_SCOPES_LONG=1 node --max-old-space-size=16000 build/scripts/explore-scopes.js`, '
  + 'half an hour or more each; `npm run docs:scopes` keeps these lines as that run wrote them):';

/** The lines under `longHeader` in proofs/semantics.md as it is. */
function keptLongLines(): string[] {
  const existing = readFileSync('proofs/semantics.md', 'utf8').split('\n');
  const at = existing.indexOf(longHeader);
  if (at < 0) return [];
  const kept: string[] = [];
  for (let index = at + 1; index < existing.length && existing[index].startsWith('- '); index++) kept.push(existing[index]);
  return kept;
}

/**
 * Scopes of identical clients (written workloads: each client makes the same requests), where the
 * `symmetry` reduction takes one of the clients' orders for all: each with its count without symmetry beside.
 */
const account = (key: number) => referenceValue('Account', key);
const accountsSetup: readonly Request[] = [0, 1].map((key): Request => ({ kind: 'new', entity: 'Account', key, args: [] }));
const transferOf = (from: number, to: number, amount: number): Request => ({ kind: 'call', target: account(from), method: 'transfer', args: [account(to), amount] });
const transfer = transferOf(0, 1, 1);
const crossingText = '2 clients × 2 transfers over 2 accounts, client 0 `Account(0).transfer(Account(1), 3)` then `Account(1).transfer(Account(0), 2)`, client 1 the same in the other order';
const withdraw: Request = { kind: 'call', target: account(0), method: 'withdraw', args: [1] };
const symmetricScopes: readonly { readonly text: string; readonly options: Partial<ScopeOptions>; readonly workload: Workload }[] = [
  { text: '2 identical clients, each `Account(0).transfer(Account(1), 1)` (a two-phase commit across 2 nodes)', options: { budget: { ...noBudget, drop: 1 } }, workload: { setup: accountsSetup, clients: [[transfer], [transfer]] } },
  { text: '3 identical clients, each `Account(0).withdraw(1)`', options: { budget: { ...noBudget, drop: 1 } }, workload: { setup: accountsSetup, clients: [[withdraw], [withdraw], [withdraw]] } },
  { text: '3 identical clients, each `Account(0).withdraw(1)`', options: { concurrency: 'aria', budget: { ...noBudget, crash: 1 } }, workload: { setup: accountsSetup, clients: [[withdraw], [withdraw], [withdraw]] } },
];

/** Two clients, each making two transfers between the same two accounts, in opposite directions. */
const crossingWorkload: Workload = {
  setup: accountsSetup,
  clients: [[transferOf(0, 1, 3), transferOf(1, 0, 2)], [transferOf(1, 0, 2), transferOf(0, 1, 3)]],
};
const writtenScopes: readonly { readonly text: string; readonly options: Partial<ScopeOptions>; readonly workload: Workload }[] = [
  { text: crossingText, options: { budget: { ...noBudget, crash: 1 } }, workload: crossingWorkload },
  { text: crossingText, options: { budget: { ...noBudget, drop: 1 } }, workload: crossingWorkload },
  { text: crossingText, options: { concurrency: 'aria', budget: { ...noBudget, drop: 1 } }, workload: crossingWorkload },
  { text: crossingText, options: { concurrency: 'aria', budget: { ...noBudget, crash: 1 } }, workload: crossingWorkload },
];

const zooScopes: ReadonlyMap<string, Partial<ScopeOptions>> = new Map([
  ['no-dedup-table', { budget: { ...noBudget, drop: 1 } }],
  ['dedup-table-volatile', { budget: { ...noBudget, crash: 1, drop: 1 } }],
  ['ack-before-persist', { budget: { ...noBudget, crash: 1 } }],
  ['reentrant-across-transactions', twoByTwo],
  ['commit-without-all-participants', { budget: { ...noBudget, drop: 1 } }],
  ['replay-without-idempotence', { budget: { ...noBudget, drop: 1 } }],
  ['dedup-forgets-before-ack', { budget: { ...noBudget, drop: 1 } }],
  ['reply-before-durable', { budget: { ...noBudget, crash: 1 } }],
  ['drop-requests', {}],
]);

/**
 * Bugs found in a program's run block (`--workload run`, explorer/run-block.ts): the stream and update
 * bugs live in the run block's drain loop and updates, and the two others need requests in flight at once
 * from one client's `async` calls, which a replay token holds (a written workload of two clients it cannot).
 */
type RunBlock = ReturnType<typeof runBlockOf>;
const runBlockZooScopes: ReadonlyMap<string, { readonly block: RunBlock; readonly options: Partial<ScopeOptions> }> = new Map([
  ['early-lock-release', { block: crossingTransfers, options: {} }],
  ['abort-without-validation', { block: moveAndAudit, options: {} }],
  ['offset-before-effects', { block: oneAtom, options: {} }],
  ['atom-split', { block: oneAtom, options: {} }],
  ['output-again-on-recovery', { block: oneAtom, options: { budget: { ...noBudget, crash: 1 } } }],
  ['update-mid-atom', { block: updateThenAtom, options: {} }],
]);

/** The same run blocks under the correct protocols, with faults: the run-block bugs' negative controls. */
const runBlockSafeScopes: readonly { readonly block: RunBlock; readonly options: Partial<ScopeOptions> }[] = [
  { block: oneAtom, options: { budget: { ...noBudget, crash: 1 } } },
  { block: oneAtom, options: { concurrency: 'aria', budget: { ...noBudget, crash: 1 } } },
  { block: oneAtom, options: { budget: { ...noBudget, drop: 1, duplicate: 1 } } },
  { block: updateThenAtom, options: { budget: { ...noBudget, crash: 1 } } },
  { block: updateThenAtom, options: { concurrency: 'aria', budget: { ...noBudget, drop: 1 } } },
  { block: moveAndAudit, options: { budget: { ...noBudget, crash: 1 } } },
  { block: crossingTransfers, options: {} },
  { block: crossingTransfers, options: { budget: { ...noBudget, drop: 1 } } },
  { block: crossingTransfers, options: { concurrency: 'aria', budget: { ...noBudget, drop: 1 } } },
];

/** Bugs with no scope here, and why. */
const notRecorded: ReadonlyMap<string, string> = new Map();

function budgetText(budget: FaultBudget): string {
  const parts = (['crash', 'drop', 'duplicate', 'delay'] as const).filter((kind) => budget[kind] > 0).map((kind) => `${budget[kind]} ${kind}`);
  return parts.length === 0 ? 'no faults' : `at most ${parts.join(', ')}`;
}

function blockText(block: RunBlock, options: ScopeOptions): string {
  return `the run block of \`${block.file}\`, ${options.concurrency}, ${options.delivery}, ${budgetText(options.budget)}`;
}

function scopeText(options: ScopeOptions): string {
  const { shape } = options;
  return `\`${file}\`, ${options.concurrency}, ${options.delivery}, ${plural(shape.clients, 'client')} × ${plural(shape.requestsPerClient, 'request')} `
    + `over ${plural(shape.keysPerEntity, 'key')} (seed ${options.seed}), ${budgetText(options.budget)}`;
}

const count = (value: number): string => value.toLocaleString('en-US');
const lines: string[] = [
  `*Checked completely by \`ent explore\`* (every reduction on; jitter 0, downtime up to 4; written by \`npm run docs:scopes\`):`,
  '',
  'Theorem 6, every terminal state held against every checker, and every state against the invariants of explorer/invariants.ts:',
];
for (const partial of safeScopes) {
  const options = { ...base, ...partial };
  const result = explore(exploreScope(program, split, options));
  if (!result.complete || result.counterexample !== undefined) throw new Error(`not held completely: ${scopeText(options)}`);
  lines.push(`- ${scopeText(options)}: ${count(result.stats.distinct)} distinct states, greatest depth ${result.stats.maxDepth}, ${result.stats.terminals} terminal`);
}
lines.push('', longHeader);
if (process.env.ENT_SCOPES_LONG === '1') {
  for (const partial of longScopes) {
    const options = { ...base, ...partial };
    const result = explore(exploreScope(program, split, options));
    if (!result.complete || result.counterexample !== undefined) throw new Error(`not held completely: ${scopeText(options)}`);
    lines.push(`- ${scopeText(options)}: ${count(result.stats.distinct)} distinct states, greatest depth ${result.stats.maxDepth}, ${result.stats.terminals} terminal`);
  }
} else {
  const kept = keptLongLines();
  lines.push(...(kept.length > 0 ? kept : ['- none yet: run the command above']));
}
lines.push('', 'Theorem 6 on identical clients (written workloads), with the count without the `symmetry` reduction beside:');
for (const { text: described, options: partial, workload } of symmetricScopes) {
  const options = { ...base, ...partial };
  const scope = { ...exploreScope(program, split, options), workload, workloadNumbers: [] };
  const result = explore(scope);
  const without = explore({ ...scope, reductions: new Set(reductionNames.filter((name) => name !== 'symmetry')) });
  if (!result.complete || result.counterexample !== undefined || !without.complete || without.counterexample !== undefined) throw new Error(`not held completely: ${described}`);
  lines.push(`- \`${file}\`, ${options.concurrency}, ${options.delivery}, ${described}, ${budgetText(options.budget)}: ${count(result.stats.distinct)} distinct states `
    + `(${count(without.stats.distinct)} without symmetry), greatest depth ${result.stats.maxDepth}, ${result.stats.terminals} terminal`);
}
lines.push('', 'Theorem 6 on written workloads of transfers:');
for (const { text: described, options: partial, workload } of writtenScopes) {
  const options = { ...base, ...partial };
  const result = explore({ ...exploreScope(program, split, options), workload, workloadNumbers: [] });
  if (!result.complete || result.counterexample !== undefined) throw new Error(`not held completely: ${described}`);
  lines.push(`- \`${file}\`, ${options.concurrency}, ${options.delivery}, ${described}, ${budgetText(options.budget)}: `
    + `${count(result.stats.distinct)} distinct states, greatest depth ${result.stats.maxDepth}, ${result.stats.terminals} terminal`);
}
lines.push('', 'Theorem 6 on run blocks (`ent explore FILE --workload run`: the client is the run block, streams and live updates included):');
for (const { block, options: partial } of runBlockSafeScopes) {
  const options: ScopeOptions = { ...base, ...partial, workload: 'run' };
  const result = explore(exploreScope(block.program, block.split, options));
  if (!result.complete || result.counterexample !== undefined) throw new Error(`not held completely: ${blockText(block, options)}`);
  lines.push(`- ${blockText(block, options)}: ${count(result.stats.distinct)} distinct states, greatest depth ${result.stats.maxDepth}, ${result.stats.terminals} terminal`);
}
lines.push('', 'Theorem 8, each zoo bug found by a violation it declares, with the shortest counterexample (breadth first):');
for (const variant of zoo) {
  const inBlock = runBlockZooScopes.get(variant.name);
  if (inBlock !== undefined) {
    const options: ScopeOptions = { ...base, ...inBlock.options, bug: variant.name, workload: 'run' };
    const result = explore({
      ...exploreScope(inBlock.block.program, inBlock.block.split, options),
      target: (violations) => violations.some((violation) => variant.caughtAs.includes(`${violation.checker}:${violation.kind}`)),
    });
    const found = result.counterexample;
    if (found === undefined) throw new Error(`${variant.name} not found in ${blockText(inBlock.block, options)}`);
    const shown = [...new Set(found.violations.map((violation) => `${violation.checker}:${violation.kind}`))].filter((key) => variant.caughtAs.includes(key));
    const where = found.at === 'invariant' ? ' (by an invariant, at a state before the run ended)' : '';
    lines.push(`- ${variant.name}: ${blockText(inBlock.block, options)}: ${shown.join(', ')} in ${found.depth} global steps${where}, after ${count(result.stats.distinct)} distinct states`);
    continue;
  }
  const partial = zooScopes.get(variant.name);
  if (partial === undefined) {
    lines.push(`- ${variant.name}: not recorded: ${notRecorded.get(variant.name) ?? 'no scope yet'}`);
    continue;
  }
  const options = { ...base, ...partial, bug: variant.name };
  const result = explore({
    ...exploreScope(program, split, options),
    target: (violations) => violations.some((violation) => variant.caughtAs.includes(`${violation.checker}:${violation.kind}`)),
  });
  const found = result.counterexample;
  if (found === undefined) throw new Error(`${variant.name} not found in ${scopeText(options)}`);
  const shown = [...new Set(found.violations.map((violation) => `${violation.checker}:${violation.kind}`))].filter((key) => variant.caughtAs.includes(key));
  const where = found.at === 'invariant' ? ' (by an invariant, at a state before the run ended)' : '';
  lines.push(`- ${variant.name}: ${scopeText(options)}: ${shown.join(', ')} in ${found.depth} global steps${where}, after ${count(result.stats.distinct)} distinct states`);
}

const path = 'proofs/semantics.md';
const text = readFileSync(path, 'utf8');
const begin = '<!-- explore-scopes:begin -->';
const end = '<!-- explore-scopes:end -->';
const from = text.indexOf(begin);
const to = text.indexOf(end);
if (from === -1 || to === -1) throw new Error(`${path} has no ${begin} … ${end} block`);
writeFileSync(path, `${text.slice(0, from + begin.length)}\n${lines.join('\n')}\n${text.slice(to)}`);
console.log(lines.join('\n'));
