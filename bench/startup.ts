// Benchmark tool: how long an `ent` command takes from a fresh process, the start-up (loading Ent's
// modules and Chevrotain, building the lexer and parser) included, for two builds with their runs
// alternated so that both meet the same load. Each build is a `build/` directory (a copy of `build/`
// taken before a change, inside the project so that node_modules resolves); with one directory, only it.
// Commands: `ent --help` (start-up alone), `ent run examples/shop.ent`, `ent check examples/bank.ent`
// with its defaults (100 runs, one worker).
// Prints each build's median wall time of 9 runs per command and the ratio B/A (below 1: B is faster).
// Run: node build/bench/startup.js DIR_A [DIR_B]

import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const directories = process.argv.slice(2);
if (directories.length < 1 || directories.length > 2) throw new Error('usage: node build/bench/startup.js DIR_A [DIR_B]');
const rounds = 9;
const commands: readonly (readonly string[])[] = [['--help'], ['run', 'examples/shop.ent'], ['check', 'examples/bank.ent', '--workers', '1']];

/** A fresh Node process that runs `ent ARGS` from the build in `directory`, as bin/ent.js would. */
function timeOnce(directory: string, args: readonly string[]): number {
  const main = pathToFileURL(resolve(directory, 'cli/main.js')).href;
  const io = pathToFileURL(resolve(directory, 'cli/io.js')).href;
  const script = `const { main } = await import(${JSON.stringify(main)}); const { processIo } = await import(${JSON.stringify(io)});`
    + ` process.exitCode = await main(${JSON.stringify(args)}, processIo);`;
  const start = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  const elapsed = performance.now() - start;
  if (result.status !== 0 && result.status !== 1) throw new Error(`ent ${args.join(' ')} (${directory}) exited ${result.status}: ${result.stderr}`);
  return elapsed;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

for (const args of commands) {
  const times = directories.map((): number[] => []);
  for (let round = 0; round < rounds; round++) {
    directories.forEach((directory, index) => times[index].push(timeOnce(directory, args)));
  }
  const medians = times.map(median);
  const ratio = medians.length === 2 ? `   B/A ${(medians[1] / medians[0]).toFixed(2)}` : '';
  console.log(`ent ${args.join(' ').padEnd(40)} ${medians.map((value, index) => `${'AB'[index]} ${value.toFixed(0).padStart(5)} ms`).join('   ')}${ratio}`);
}
