// Benchmark: the REPL's stepper (`:step`, cli/repl-stepper.ts) and `ent graph` (views/graph.ts).
// Stepper: the response to one step, as the student waits for it: taking the chosen transition and
// showing the next configuration with its numbered list (every enabled transition computed, and the
// seeded one found), along a whole transfer by Enter, with no faults and with one fault of each kind;
// against a baseline in the same process, one seeded global step of the same configurations.
// Graph: states, transitions, the time to build the graph, to write DOT and SVG, and the files' sizes
// for a few scopes of examples/accounts.ent, against `ent explore` of the same scope (same process).
// Sections (both by default, or name them): stepper, graph.
// Run: npx tsc -p . && node build/bench/stepper.js [section …]
// Wall times use performance.now(), in bench/ only.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { Stepper } from '../cli/repl-stepper.ts';
import { defaultRunSettings } from '../cli/runtime-options.ts';
import { noBudget, type FaultBudget } from '../explorer/branching.ts';
import { explore } from '../explorer/explore.ts';
import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { stepOnce } from '../explorer/successors.ts';
import { SeededChoices } from '../runtime/choices.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Request } from '../semantics/transactions.ts';
import { referenceValue } from '../semantics/values.ts';
import { GraphTooLarge, graphToDot, graphToSvg, reductionGraph } from '../views/graph.ts';

const program = compile(readFileSync('examples/accounts.ent', 'utf8'), 'accounts.ent').program!;
const { split } = compileToSplit(program);
const sections = process.argv.slice(2);
const wanted = (name: string): boolean => sections.length === 0 || sections.includes(name);

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function benchStepper(label: string, budget: FaultBudget): void {
  const settings = { ...defaultRunSettings, nodes: 3, concurrency: '2pl' as const, delivery: 'exactly-once' as const };
  const account = (key: number) => referenceValue('Account', key);
  const transfer: Request = { kind: 'call', target: account(0), method: 'transfer', args: [account(1), 3] };
  const accounts = [0, 1].map((key) => ({ entity: 'Account', key, fields: new Map([['id', key], ['balance', 10]]) }));
  const rounds = 20;
  const responses: number[] = [];
  const baselines: number[] = [];
  let steps = 0;
  let enabled = 0;
  for (let round = 0; round < rounds; round++) {
    const stepper = new Stepper(split, settings, accounts, transfer, budget, () => undefined);
    stepper.show();
    for (;;) {
      const config = stepper.config;
      const base = performance.now();
      stepOnce(config, split, new SeededChoices(`baseline ${steps}`));
      baselines.push(performance.now() - base);
      const started = performance.now();
      const reply = stepper.input('');
      const shown = stepper.show();
      responses.push(performance.now() - started);
      steps++;
      if (reply.kind !== 'stay' || reply.error !== undefined || shown.includes('the run has ended')) break;
      enabled += stepper.enabled().length;
    }
  }
  const sorted = responses.slice().sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const baseline = quantile(baselines.slice().sort((a, b) => a - b), 0.5);
  console.log(`${label.padEnd(34)} ${String(steps / rounds).padStart(4)} steps/run, ${(enabled / steps).toFixed(1).padStart(5)} enabled transitions/step; response median ${median.toFixed(2)} ms, p95 ${quantile(sorted, 0.95).toFixed(2)} ms, max ${sorted[sorted.length - 1].toFixed(2)} ms; ${(median / baseline).toFixed(0)}× one seeded global step (${(baseline * 1000).toFixed(0)} µs)`);
}

function benchGraph(label: string, options: Partial<ScopeOptions>): void {
  const base: ScopeOptions = {
    nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
    shape: { clients: 1, requestsPerClient: 1, keysPerEntity: 1 }, seed: '1', budget: noBudget, jitter: 0, downtime: 4,
    reductions: new Set(['message-ids']), maxStates: 100_000,
  };
  const scope = exploreScope(program, split, { ...base, ...options });
  let started = performance.now();
  const result = explore({ ...scope, keepGoing: true });
  const exploreMs = performance.now() - started;
  started = performance.now();
  const graph = reductionGraph(scope);
  const graphMs = performance.now() - started;
  if (graph instanceof GraphTooLarge) throw new Error('too large');
  started = performance.now();
  const dot = graphToDot(graph, label);
  const dotMs = performance.now() - started;
  started = performance.now();
  const svg = graphToSvg(graph, label);
  const svgMs = performance.now() - started;
  const kb = (text: string): string => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
  console.log(`${label.padEnd(44)} ${String(graph.states).padStart(5)} states (explore: ${result.stats.distinct}), ${String(graph.transitions).padStart(5)} transitions, ${graph.nodes.length - graph.states} ends; `
    + `graph ${graphMs.toFixed(0)} ms (${(graphMs / exploreMs).toFixed(2)}× explore's ${exploreMs.toFixed(0)} ms); DOT ${dotMs.toFixed(1)} ms ${kb(dot)}; SVG ${svgMs.toFixed(1)} ms ${kb(svg)}`);
}

if (wanted('stepper')) {
  console.log('stepper: one transfer between two accounts on 3 nodes, 2PL, exactly-once, Enter at every step (20 runs)');
  benchStepper('no faults', noBudget);
  benchStepper('1 crash, 1 drop, 1 dup, 1 delay', { crash: 1, drop: 1, duplicate: 1, delay: 1 });
}
if (wanted('graph')) {
  console.log('graph: examples/accounts.ent, 3 nodes, 2PL, exactly-once, message-ids renamed, no partial-order reduction');
  benchGraph('1 client × 1 request, 1 key', {});
  benchGraph('2 clients × 1 request, 1 key', { shape: { clients: 2, requestsPerClient: 1, keysPerEntity: 1 } });
  benchGraph('1 client × 2 requests, 2 keys, 1 drop', { shape: { clients: 1, requestsPerClient: 2, keysPerEntity: 2 }, budget: { ...noBudget, drop: 1 } });
  benchGraph('2 clients × 2 requests, 2 keys (seed 3)', { seed: '3', shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 } });
}
