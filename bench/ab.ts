// Benchmark tool: two builds of Ent in one process, their runs alternated, so that a change is measured
// against the commit before it under the same load (on a shared machine the figures of two separate
// processes differ by up to 2×, the ratio of two builds in one process much less). Each build is a
// `build/` directory (`git worktree add /tmp/before COMMIT && cd /tmp/before && npm ci && npx tsc -p .`,
// or a copy of `build/` taken before the change); both must have bench/programs.js.
// Workloads:
//   compute  Mixer.work(n) on SingleNodeHost (bench/programs.ts), with the hand-written TypeScript
//   calls    Ping.rally(n, 20, Pong(1)) on SingleNodeHost (bench/programs.ts): a call-heavy program
//   parse    compile (parse + check) of the 10,000-line program bench/parse-check.ts generates
//   grammar  the parse alone (grammar/index.ts `parse`: lex, parse, AST) of the same program
//   transfer 2PL, 3 nodes, exactly-once, 16 clients, n YCSB+T transfers over 200 accounts
//   check    `ent check examples/bank.ent` under 2PL with its defaults: n runs (300) of the search, one worker
//   explore  `ent explore` on examples/accounts.ent under 2PL, 2 clients × 2 requests, 1 crash, every
//            reduction, up to n distinct states (30,000)
// Prints each build's median and the ratio B/A (below 1: B is faster), of wall time and of the process's
// CPU time.
// Run: node build/bench/ab.js DIR_A DIR_B compute|calls|parse|grammar|transfer|check|explore [n]

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { transferSource, transferWorkload } from './programs.ts';

const [directoryA, directoryB, workload, sizeText] = process.argv.slice(2);
const workloads = ['compute', 'calls', 'parse', 'grammar', 'transfer', 'check', 'explore'];
if (directoryA === undefined || directoryB === undefined || !workloads.includes(workload ?? '')) {
  throw new Error(`usage: node build/bench/ab.js DIR_A DIR_B ${workloads.join('|')} [n]`);
}
const size = sizeText === undefined ? undefined : Number(sizeText);
const rounds = 9;
const warmRounds = 2;

async function load(directory: string, path: string): Promise<any> {
  return import(pathToFileURL(resolve(directory, path)).href);
}


/** The program text bench/parse-check.ts measures, rebuilt here from the same shape. */
function parseSource(): string {
  const lines: string[] = [];
  for (let index = 0; index < 54; index++) {
    lines.push(`entity Node${index} {`, '  key id: int', '  total: int = 0', '  items: list<int> = []', '  table: map<string, int> = {}', '',
      '  fn peek(i: int): int {', '    return self.total + i', '  }', '');
    for (let number = 0; number < 8; number++) {
      lines.push(`  fn step_${number}(n: int, other: Node${(index + 1) % 54}): int {`, '    let sum = 0', '    let i = 0', '    while i < n {',
        '      if i % 3 == 0 {', `        sum = sum + i * ${number + 2}`, '      } else if i % 3 == 1 {', '        sum = sum - other.peek(i)',
        '      } else {', '        self.items.push(i)', '      }', '      i = i + 1', '    }', '    for x in self.items {',
        `      if x > ${index % 10} && !self.table.has(str(x)) {`, '        self.table[str(x)] = x', '      }', '    }',
        '    self.total = self.total + max(sum, 0)', '    return sum + min(self.items.len(), 5)', '  }', '');
    }
    lines.push('}', '');
  }
  return lines.join('\n');
}

/** The work to time for one build. */
async function prepare(directory: string): Promise<() => unknown> {
  const programs = await load(directory, 'bench/programs.js');
  const values = await load(directory, 'semantics/values.js');
  switch (workload) {
    case 'compute': {
      const { SingleNodeHost } = await load(directory, 'runtime/single-node.js');
      const { split } = programs.compiled(programs.computeSource, 'ab.ent');
      const iterations = size ?? 50_000;
      return () => {
        const host = new SingleNodeHost(split, { stepLimit: Number.MAX_SAFE_INTEGER });
        host.outcome(host.submit({ kind: 'new', entity: 'Mixer', key: 1, args: [] }));
        const outcome = host.outcome(host.submit({ kind: 'call', target: values.referenceValue('Mixer', 1), method: 'work', args: [iterations] }));
        if (outcome.kind !== 'committed') throw new Error('Mixer.work aborted');
        return outcome.value;
      };
    }
    case 'calls': {
      const { SingleNodeHost } = await load(directory, 'runtime/single-node.js');
      const { split } = programs.compiled(programs.callSource, 'ab.ent');
      const rounds = size ?? 2_000;
      const ping = values.referenceValue('Ping', 1);
      const pong = values.referenceValue('Pong', 1);
      return () => {
        const host = new SingleNodeHost(split, { stepLimit: Number.MAX_SAFE_INTEGER });
        host.outcome(host.submit({ kind: 'new', entity: 'Ping', key: 1, args: [] }));
        host.outcome(host.submit({ kind: 'new', entity: 'Pong', key: 1, args: [] }));
        const outcome = host.outcome(host.submit({ kind: 'call', target: ping, method: 'rally', args: [rounds, 20, pong] }));
        if (outcome.kind !== 'committed') throw new Error('Ping.rally aborted');
        return outcome.value;
      };
    }
    case 'parse': {
      const { compile } = await load(directory, 'semantics/compile.js');
      const text = parseSource();
      return () => {
        const result = compile(text, 'ab.ent');
        if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0].message);
      };
    }
    case 'grammar': {
      const { parse } = await load(directory, 'grammar/index.js');
      const text = parseSource();
      return () => {
        const result = parse(text, 'ab.ent');
        if (result.diagnostics.length > 0) throw new Error(result.diagnostics[0].message);
      };
    }
    case 'check': {
      const { search } = await load(directory, 'checkers/search.js');
      const { defaultCheckSettings } = await load(directory, 'cli/check.js');
      const { program, split } = programs.compiled(readFileSync('examples/bank.ent', 'utf8'), 'examples/bank.ent');
      const runs = size ?? 300;
      return () => {
        const result = search(program, split, defaultCheckSettings({ concurrency: '2pl' }), { runs, seed: '1', shrinkSeconds: 0 });
        if (!result.held) throw new Error('ent check found a failure in examples/bank.ent');
        return result;
      };
    }
    case 'explore': {
      const { explore, reductionNames } = await load(directory, 'explorer/explore.js');
      const { exploreScope } = await load(directory, 'explorer/scope.js');
      const { program, split } = programs.compiled(readFileSync('examples/accounts.ent', 'utf8'), 'examples/accounts.ent');
      const maxStates = size ?? 30_000;
      return () => explore(exploreScope(program, split, {
        nodes: 3, concurrency: '2pl', delivery: 'exactly-once', stepLimit: 100_000, bug: 'none',
        shape: { clients: 2, requestsPerClient: 2, keysPerEntity: 2 }, seed: '3', budget: { crash: 1, drop: 0, duplicate: 0, delay: 0 }, jitter: 0, downtime: 4,
        reductions: new Set(reductionNames), maxStates,
      })).stats.distinct;
    }
    default: {
      const { runtimeSettings } = await load(directory, 'cli/semantics.js');
      const { defaultRunSettings } = await load(directory, 'cli/runtime-options.js');
      const { noFaults } = await load(directory, 'runtime/faults.js');
      const { runWorkload } = await load(directory, 'runtime/driver.js');
      const { SeededChoices } = await load(directory, 'runtime/choices.js');
      const { split } = programs.compiled(transferSource, 'ab.ent');
      const settings = runtimeSettings({ ...defaultRunSettings, faults: noFaults, concurrency: '2pl', delivery: 'exactly-once', nodes: 3 });
      const { setup, clients } = transferWorkload(values.referenceValue, size ?? 1_500);
      return () => runWorkload(split, settings, new SeededChoices('1'), { setup, clients }, { stepsMax: Number.MAX_SAFE_INTEGER });
    }
  }
}

const works = [await prepare(directoryA), await prepare(directoryB)];
const times: number[][] = [[], []];
// The process's CPU time too (user + system, the collector's threads included): on a machine that other
// work loads, wall time counts the time this process waited for a core, CPU time does not.
const cpuTimes: number[][] = [[], []];
for (let round = 0; round < rounds + warmRounds; round++) {
  for (let which = 0; which < 2; which++) {
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    works[which]();
    const cpu = process.cpuUsage(cpuStart);
    if (round >= warmRounds) {
      times[which].push(performance.now() - start);
      cpuTimes[which].push((cpu.user + cpu.system) / 1000);
    }
  }
}
const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1];
const [a, b] = times.map(median);
const [cpuA, cpuB] = cpuTimes.map(median);
console.log(`${workload}${size === undefined ? '' : ` ${size}`}: A ${a.toFixed(1)} ms, B ${b.toFixed(1)} ms, B/A ${(b / a).toFixed(2)} (median of ${rounds} alternated runs after ${warmRounds});`
  + ` CPU A ${cpuA.toFixed(1)} ms, B ${cpuB.toFixed(1)} ms, B/A ${(cpuB / cpuA).toFixed(2)}`);
if (workload === 'compute') {
  const { workByHand } = await load(directoryB, 'bench/programs.js');
  const iterations = size ?? 50_000;
  const hand: number[] = [];
  for (let round = 0; round < 3 * rounds; round++) {
    const start = performance.now();
    workByHand(iterations);
    hand.push(performance.now() - start);
  }
  console.log(`hand-written TypeScript: ${median(hand).toFixed(2)} ms; A/hand ${(a / median(hand)).toFixed(1)}, B/hand ${(b / median(hand)).toFixed(1)}`);
}
