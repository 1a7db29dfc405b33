// Large inputs: `ent run` on 1, 10 and 100 MB files of ordinary Ent code (the bank example's entities
// and a run block that repeats a few statements), each in its own process, with the wall-clock time and
// the peak resident memory (maxRSS) of that process. Under the default limit every one is refused at
// once; with the limit raised, the 1 MB file runs, and a file that is one 10-million-character string
// literal shows that the lexer no longer overflows its stack. Prints a table for docs/benchmarks.md.
//   npx tsc -p . && node build/bench/inputs.js

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixed, table } from './measure.ts';

const mebibyte = 1024 * 1024;
const folder = mkdtempSync(join(tmpdir(), 'ent-inputs-'));

/** A program of about `bytes` bytes: the bank's entities, then a run block of repeated statements. */
function ordinaryProgram(bytes: number): string {
  const entities = readFileSync('examples/bank.ent', 'utf8').split('\nrun {')[0];
  const round = (index: number): string => `  let a${index} = new Account("a${index}", 10)\n  a${index}.deposit(${index % 7 + 1})\n  print a${index}.balance + 1\n`;
  const parts = [entities, '\nrun {\n'];
  let size = entities.length;
  for (let index = 0; size < bytes; index++) {
    const text = round(index);
    parts.push(text);
    size += text.length;
  }
  parts.push('}\n');
  return parts.join('');
}

function stringLiteralProgram(characters: number): string {
  return `run {\n  let s = "${'a'.repeat(characters)}"\n  print s == ""\n}\n`;
}

interface Measured {
  readonly status: number | null;
  readonly seconds: number;
  readonly peakMegabytes: number;
  readonly headline: string;
}

/** Runs `ent run ARGS` in a child process that reports its own peak memory when it ends. */
function measure(args: readonly string[]): Measured {
  const child = [
    "import { main } from './build/cli/main.js';",
    "import { processIo } from './build/cli/io.js';",
    'const status = await main(JSON.parse(process.argv[1]), processIo);',
    "process.stderr.write(`\\n#peak ${process.resourceUsage().maxRSS}\\n`);",
    'process.exitCode = status;',
  ].join('\n');
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child, JSON.stringify(args)], {
    encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * mebibyte,
  });
  const seconds = (performance.now() - started) / 1000;
  const peak = /#peak (\d+)/.exec(result.stderr ?? '');
  return {
    status: result.status, seconds, peakMegabytes: peak === null ? Number.NaN : Number(peak[1]) / 1024,
    headline: (result.stderr ?? '').split('\n')[0].replace(folder, '…').slice(0, 60) || (result.signal ?? ''),
  };
}

const rows: string[][] = [['input', 'command', 'exit', 'time', 'peak memory', 'what it says']];
// What starting `ent` costs, which every row below includes.
const startup = measure(['--version']);
rows.push(['(none)', 'ent --version', String(startup.status), `${fixed(startup.seconds, 2)} s`, `${fixed(startup.peakMegabytes, 0)} MB`, '']);
const cases: readonly [string, string, readonly string[]][] = [
  ['1 MB of code', ordinaryProgram(mebibyte), []],
  ['10 MB of code', ordinaryProgram(10 * mebibyte), []],
  ['100 MB of code', ordinaryProgram(100 * mebibyte), []],
  ['1 MB of code', ordinaryProgram(mebibyte), ['--max-source', '2M']],
  ['a 10-million-character string', stringLiteralProgram(10_000_000), ['--max-source', '20M']],
];
for (const [name, text, options] of cases) {
  const file = join(folder, 'input.ent');
  writeFileSync(file, text);
  const args = ['run', '--semantics', 'reference', ...options, file];
  const measured = measure(args);
  rows.push([
    name, `ent run ${options.join(' ')}`.trim(), String(measured.status), `${fixed(measured.seconds, 2)} s`,
    `${fixed(measured.peakMegabytes, 0)} MB`, measured.headline,
  ]);
}
rmSync(folder, { recursive: true, force: true });
process.stdout.write(`${table(rows)}\n`);
