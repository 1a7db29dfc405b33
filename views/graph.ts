// Stage: views. The reduction graph of a small scope (`ent graph`): from the workload's initial state,
// breadth first, every transition of every state (explorer/successors.ts, the explorer's own branches),
// each distinct state (by the explorer's fingerprint) a node, each transition an edge labelled with its
// rule, and each end of a run a terminal node marked with its outcome (what each request got, the
// committed entities, and the violations of `ent check`'s checkers); a state from which no end can be
// reached (a livelock) is marked as never ending. No partial-order reduction: every
// branch is drawn. Written as Graphviz DOT, and as SVG by a layered layout of its own (a layer per
// depth), so that drawing needs no Graphviz.

import { checkRun } from '../checkers/case.ts';
import type { Violation } from '../checkers/violation.ts';
import { initialStateOf, outcomeOf, type ExploreScope } from '../explorer/explore.ts';
import type { LoopState } from '../explorer/loop.ts';
import { stateKey, successors } from '../explorer/successors.ts';
import type { FaultBudget } from '../explorer/branching.ts';
import { historyEvents } from '../runtime/history.ts';

export interface GraphNode {
  readonly id: number;
  readonly depth: number;
  /** A terminal node: how the run ended there. */
  readonly end?: { readonly kind: 'done' | 'stuck'; readonly outcome: string; readonly violations: readonly string[] };
  /** A state: its tick and how many messages are in flight. */
  readonly tick: number;
  readonly inFlight: number;
}

export interface GraphEdge {
  readonly from: number;
  readonly to: number;
  readonly rule: string;
  readonly label: string;
}

export interface ReductionGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** States (not terminal nodes), as the explorer counts its distinct states. */
  readonly states: number;
  /** Every transition taken (the explorer's states generated). */
  readonly transitions: number;
  /** The states from which no path reaches a terminal node: every schedule from them runs forever (a livelock). */
  readonly neverEnding: ReadonlySet<number>;
}

export class GraphTooLarge {
  constructor(readonly states: number) {}
}

/** The graph of the scope, or GraphTooLarge when it has more than `scope.maxStates` states. */
export function reductionGraph(scope: ExploreScope): ReductionGraph | GraphTooLarge {
  const renameMessages = scope.reductions.has('message-ids');
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seen = new Map<string, number>();
  const ends = new Map<string, number>();
  let states = 0;
  // The workload's initial state, or the run block's (`--workload run`, explorer/run-block.ts).
  const initial = initialStateOf(scope);
  const addState = (state: LoopState, depth: number): number => {
    nodes.push({ id: nodes.length, depth, tick: state.config.tick, inFlight: state.config.network.length });
    states++;
    return nodes.length - 1;
  };
  seen.set(stateKey(initial, scope.budget, renameMessages), addState(initial, 0));
  let frontier: { index: number; state: LoopState; budget: FaultBudget }[] = [{ index: 0, state: initial, budget: scope.budget }];
  while (frontier.length > 0) {
    const next: typeof frontier = [];
    for (const pending of frontier) {
      const depth = nodes[pending.index].depth + 1;
      for (const successor of successors(pending.state, pending.budget, scope.workload, scope.split)) {
        const result = successor.result;
        if (result.kind !== 'stepped') {
          const violations = checkEnd(scope, result.state, result.kind === 'stuck' ? result.stuck : []);
          const outcome = outcomeOf(result.state.config, violations);
          const key = `${result.kind}|${outcome}`;
          let index = ends.get(key);
          if (index === undefined) {
            index = nodes.length;
            nodes.push({
              id: index, depth, tick: result.state.config.tick, inFlight: result.state.config.network.length,
              end: { kind: result.kind, outcome, violations: [...new Set(violations.map((violation) => `${violation.checker}:${violation.kind}`))].sort() },
            });
            ends.set(key, index);
          }
          edges.push({ from: pending.index, to: index, rule: 'end', label: result.kind });
          continue;
        }
        const key = stateKey(result.state, successor.budget, renameMessages);
        let index = seen.get(key);
        if (index === undefined) {
          if (states >= scope.maxStates) return new GraphTooLarge(states + 1);
          index = addState(result.state, depth);
          seen.set(key, index);
          next.push({ index, state: result.state, budget: successor.budget });
        }
        edges.push({ from: pending.index, to: index, rule: successor.rule, label: successor.label });
      }
    }
    frontier = next;
  }
  return { nodes, edges, states, transitions: edges.length, neverEnding: neverEnding(nodes, edges) };
}

/** Backward from the terminal nodes: the states that reach none. */
function neverEnding(nodes: readonly GraphNode[], edges: readonly GraphEdge[]): Set<number> {
  const into = new Map<number, number[]>();
  for (const edge of edges) into.set(edge.to, [...(into.get(edge.to) ?? []), edge.from]);
  const reaches = new Set(nodes.filter((node) => node.end !== undefined).map((node) => node.id));
  const queue = [...reaches];
  while (queue.length > 0) {
    for (const source of into.get(queue.pop()!) ?? []) if (!reaches.has(source)) { reaches.add(source); queue.push(source); }
  }
  return new Set(nodes.filter((node) => !reaches.has(node.id)).map((node) => node.id));
}

function checkEnd(scope: ExploreScope, state: LoopState, stuck: readonly string[]): Violation[] {
  const config = state.config;
  const entities = config.nodes.flatMap((node) => [...node.durable.store.values()]);
  return checkRun(scope.program, scope.settings.runtime, {
    events: historyEvents(config.history), entities, stuck, stuckBecause: stuck.length === 0 ? undefined : 'quiet',
  });
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

function nodeTitle(node: GraphNode, graph: ReductionGraph): string {
  if (node.end === undefined) return `s${node.id}${graph.neverEnding.has(node.id) ? ' never ends' : ''}\ntick ${node.tick}, ${node.inFlight} in flight`;
  const verdict = node.end.violations.length === 0 ? 'ok' : node.end.violations.join(' ');
  return `${node.end.kind}: ${verdict}\n${node.end.outcome.split(' | ').slice(0, 2).join('\n')}`;
}

/** Edges with the same ends and rule are drawn once, with their count. */
function mergedEdges(graph: ReductionGraph): { from: number; to: number; rule: string; count: number; label: string }[] {
  const merged = new Map<string, { from: number; to: number; rule: string; count: number; label: string }>();
  for (const edge of graph.edges) {
    const key = `${edge.from}>${edge.to}>${edge.rule}`;
    const found = merged.get(key);
    if (found === undefined) merged.set(key, { from: edge.from, to: edge.to, rule: edge.rule, count: 1, label: edge.label });
    else found.count++;
  }
  return [...merged.values()];
}

export function graphToDot(graph: ReductionGraph, title: string): string {
  const lines = [`digraph reductions {`, `  label=${quote(title)}; labelloc=t; rankdir=TB;`, `  node [shape=box, fontname="monospace", fontsize=10];`, `  edge [fontname="monospace", fontsize=9];`];
  for (const node of graph.nodes) {
    const style = node.end === undefined ? `${node.id === 0 ? ', style=bold' : ''}${graph.neverEnding.has(node.id) ? ', color=orange' : ''}`
      : node.end.violations.length === 0 ? ', shape=doubleoctagon, color=darkgreen' : ', shape=doubleoctagon, color=red, fontcolor=red';
    lines.push(`  n${node.id} [label=${quote(nodeTitle(node, graph))}${style}];`);
  }
  for (const edge of mergedEdges(graph)) {
    lines.push(`  n${edge.from} -> n${edge.to} [label=${quote(edge.count === 1 ? edge.rule : `${edge.rule} ×${edge.count}`)}, tooltip=${quote(edge.label)}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const boxWidth = 150;
const boxHeight = 34;
const columnGap = 30;
const rowGap = 70;

/** A layered drawing: a row per depth, the nodes of a row side by side, edges as straight lines labelled with their rule. */
export function graphToSvg(graph: ReductionGraph, title: string): string {
  const rows = new Map<number, GraphNode[]>();
  for (const node of graph.nodes) rows.set(node.depth, [...(rows.get(node.depth) ?? []), node]);
  const widest = Math.max(...[...rows.values()].map((row) => row.length));
  const width = Math.max(400, Math.ceil(title.length * 7.5) + 40, widest * (boxWidth + columnGap) + columnGap);
  const depth = Math.max(...rows.keys());
  const height = 50 + (depth + 1) * (boxHeight + rowGap);
  const place = new Map<number, { x: number; y: number }>();
  for (const [row, members] of rows) {
    const rowWidth = members.length * (boxWidth + columnGap) - columnGap;
    members.forEach((node, index) => place.set(node.id, { x: (width - rowWidth) / 2 + index * (boxWidth + columnGap), y: 40 + row * (boxHeight + rowGap) }));
  }
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="monospace" font-size="10">`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker></defs>`,
    `<text x="${width / 2}" y="20" text-anchor="middle" font-size="12">${escapeXml(title)}</text>`,
  ];
  for (const edge of mergedEdges(graph)) {
    const from = place.get(edge.from)!;
    const to = place.get(edge.to)!;
    const x1 = from.x + boxWidth / 2;
    const y1 = from.y + boxHeight;
    const x2 = to.x + boxWidth / 2;
    const backward = to.y <= from.y;
    const y2 = backward ? to.y + boxHeight : to.y;
    const label = edge.count === 1 ? edge.rule : `${edge.rule} ×${edge.count}`;
    const path = backward
      ? `M${x1},${y1} C${x1 + 60},${y1 + 40} ${x2 + 60},${y2 + 40} ${x2 + 8},${y2}`
      : `M${x1},${y1} L${x2},${y2}`;
    out.push(`<g class="edge" data-from="${edge.from}" data-to="${edge.to}"><title>${escapeXml(edge.label)}</title><path d="${path}" fill="none" stroke="#555" marker-end="url(#arrow)"/>`
      + `<text x="${(x1 + x2) / 2 + 4}" y="${(y1 + y2) / 2 + (backward ? 30 : 0)}" fill="#333">${escapeXml(label)}</text></g>`);
  }
  for (const node of graph.nodes) {
    const { x, y } = place.get(node.id)!;
    const colour = node.end === undefined ? (graph.neverEnding.has(node.id) ? 'darkorange' : '#222') : node.end.violations.length === 0 ? 'darkgreen' : 'red';
    const [first, second] = nodeTitle(node, graph).split('\n');
    const full = escapeXml(nodeTitle(node, graph));
    out.push(`<g class="${node.end === undefined ? 'state' : 'terminal'}" data-id="${node.id}"><title>${full}</title>`
      + `<rect x="${x}" y="${y}" width="${boxWidth}" height="${boxHeight}" rx="${node.end === undefined ? 3 : 12}" fill="white" stroke="${colour}" stroke-width="${node.id === 0 || node.end !== undefined ? 2 : 1}"/>`
      + `<text x="${x + 6}" y="${y + 14}" fill="${colour}">${escapeXml(clip(first))}</text>`
      + `<text x="${x + 6}" y="${y + 27}" fill="#555">${escapeXml(clip(second ?? ''))}</text></g>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function clip(text: string): string {
  return text.length <= 24 ? text : `${text.slice(0, 23)}…`;
}
