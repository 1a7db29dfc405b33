// `ent graph` (views/graph.ts): the reduction graph of a small scope has one node per distinct state the
// explorer counts and one edge per transition it generates; its terminal nodes are exactly the
// explorer's terminal outcomes; a zoo bug's graph shows a violating terminal (red) where the correct
// protocol's shows none, and a livelock's states are marked as never ending; DOT and SVG snapshots of a
// tiny scope; a scope too large is refused with U0120. ENT_UPDATE_SNAPSHOTS=1 writes the snapshots again.

import test from 'ava';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { memoryIo } from '../cli/io.ts';
import { main } from '../cli/main.ts';
import { noBudget } from '../explorer/branching.ts';
import { explore, type ExploreScope } from '../explorer/explore.ts';
import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { GraphTooLarge, graphToDot, graphToSvg, reductionGraph, type ReductionGraph } from '../views/graph.ts';

const source = readFileSync('examples/accounts.ent', 'utf8');
const program = compile(source, 'accounts.ent').program!;
const { split } = compileToSplit(program);

const tiny: ScopeOptions = {
  nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
  shape: { clients: 1, requestsPerClient: 1, keysPerEntity: 1 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
  reductions: new Set(['message-ids']), maxStates: 5000,
};

function scopeOf(options: Partial<ScopeOptions>): ExploreScope {
  return exploreScope(program, split, { ...tiny, ...options });
}

function graphOf(scope: ExploreScope): ReductionGraph {
  const graph = reductionGraph(scope);
  if (graph instanceof GraphTooLarge) throw new Error('too large');
  return graph;
}

const scopes: { name: string; options: Partial<ScopeOptions> }[] = [
  { name: 'one transfer, no faults', options: {} },
  { name: 'two clients, one request each', options: { shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 1 } } },
  { name: 'two transfers over two accounts, one drop', options: { shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } } },
];

for (const { name, options } of scopes) {
  test(`${name}: the graph's states and transitions are the explorer's distinct states and generated states, its ends its outcomes`, (t) => {
    const scope = scopeOf(options);
    const graph = graphOf(scope);
    const result = explore({ ...scope, keepGoing: true });
    t.true(result.complete);
    t.is(graph.states, result.stats.distinct);
    t.is(graph.transitions, result.stats.generated);
    t.is(graph.edges.filter((edge) => edge.rule === 'end').length, result.stats.terminals);
    t.deepEqual(new Set(graph.nodes.flatMap((node) => (node.end === undefined ? [] : [node.end.outcome]))), result.outcomes);
    // Every edge is labelled with a rule, and a state's edges leave it.
    for (const edge of graph.edges) t.regex(edge.rule, /^(G-[A-Za-z]+|end)$/);
    t.is(graph.neverEnding.size, 0);
    const dot = graphToDot(graph, name);
    const svg = graphToSvg(graph, name);
    t.is((dot.match(/^ {2}n\d+ \[label=/gm) ?? []).length, graph.nodes.length);
    const merged = new Set(graph.edges.map((edge) => `${edge.from}>${edge.to}>${edge.rule}`));
    t.is((dot.match(/ -> /g) ?? []).length, merged.size);
    t.is((svg.match(/class="state"/g) ?? []).length, graph.states);
    t.is((svg.match(/class="terminal"/g) ?? []).length, graph.nodes.length - graph.states);
    t.is((svg.match(/class="edge"/g) ?? []).length, merged.size);
  });
}

test('negative controls: a zoo bug\'s violating terminal is marked red, and the correct protocol\'s graph has none', (t) => {
  const options: Partial<ScopeOptions> = { shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } };
  const broken = graphOf(scopeOf({ ...options, bug: 'no-dedup-table' }));
  const violating = broken.nodes.filter((node) => (node.end?.violations.length ?? 0) > 0);
  t.true(violating.length > 0);
  t.regex(graphToDot(broken, 'no-dedup-table'), /doubleoctagon, color=red/);
  const correct = graphOf(scopeOf(options));
  t.false(correct.nodes.some((node) => (node.end?.violations.length ?? 0) > 0));
  t.notRegex(graphToDot(correct, 'correct'), /color=red/);
});

test('negative control: a livelock (drop-requests) has no terminal node, and every state is marked as never ending', (t) => {
  const graph = graphOf(scopeOf({ bug: 'drop-requests' }));
  t.false(graph.nodes.some((node) => node.end !== undefined));
  t.is(graph.neverEnding.size, graph.states);
  t.regex(graphToDot(graph, 'drop-requests'), /never ends/);
});

function snapshot(name: string, actual: string): string | undefined {
  const path = join('tests', 'snapshots', 'graph', name);
  if (process.env.ENT_UPDATE_SNAPSHOTS === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return undefined;
  }
  return readFileSync(path, 'utf8');
}

test('snapshots: the DOT and SVG of one transfer with no faults', (t) => {
  const graph = graphOf(scopeOf({}));
  for (const [name, text] of [['transfer.dot', graphToDot(graph, 'accounts.ent: one transfer')], ['transfer.svg', graphToSvg(graph, 'accounts.ent: one transfer')]] as const) {
    const expected = snapshot(name, text);
    if (expected === undefined) t.pass(`wrote the snapshot ${name}`);
    else t.is(text, expected, `${name} changed (ENT_UPDATE_SNAPSHOTS=1 writes it again)`);
  }
});

test('ent graph: DOT to standard output, --dot and --svg to files, and a scope too large refused with U0120', async (t) => {
  const io = memoryIo();
  t.is(await main(['graph', 'examples/accounts.ent'], io), 0);
  t.regex(io.stdout.join('\n'), /^digraph reductions \{/);
  t.regex(io.stderr.join('\n'), /\d+ states, \d+ transitions, 1 terminal outcome/);
  const folder = mkdtempSync(join(tmpdir(), 'ent-graph-'));
  const files = memoryIo();
  t.is(await main(['graph', 'examples/accounts.ent', '--dot', join(folder, 'g.dot'), '--svg', join(folder, 'g.svg')], files), 0);
  t.regex(readFileSync(join(folder, 'g.svg'), 'utf8'), /^<svg /);
  t.regex(readFileSync(join(folder, 'g.dot'), 'utf8'), /-> n1 \[label="G-Deliver", tooltip="deliver m1 request client 1 → node \d \(G-Deliver\)"\]/);
  const large = memoryIo();
  t.is(await main(['graph', 'examples/accounts.ent', '--clients', '2', '--requests', '2', '--keys', '2', '--max-states', '50'], large), 2);
  t.regex(large.stderr.join('\n'), /error\[U0120\].*more than 50 states[\s\S]*--max-states/);
  const bad = memoryIo();
  t.is(await main(['graph', 'examples/accounts.ent', '--drops', 'x'], bad), 2);
  t.regex(bad.stderr.join('\n'), /U0103/);
});

test('--workload run: the graph of a run block has the explorer\'s states, transitions and outcomes', (t) => {
  const path = 'corpus/explore/crossing-transfers.ent';
  const blockProgram = compile(readFileSync(path, 'utf8'), path).program!;
  const scope = exploreScope(blockProgram, compileToSplit(blockProgram).split, { ...tiny, workload: 'run' });
  const graph = graphOf(scope);
  const result = explore({ ...scope, keepGoing: true });
  t.true(result.complete);
  t.is(graph.states, result.stats.distinct);
  t.is(graph.transitions, result.stats.generated);
  t.deepEqual(new Set(graph.nodes.flatMap((node) => (node.end === undefined ? [] : [node.end.outcome]))), result.outcomes);
});
