// `npm run fuzz [-- --inputs N --seed S]`: fuzzes the parser, the checker and `ent run` (see
// scripts/fuzz-inputs.ts) and prints inputs per second and the crashes found. Each crashing input is
// written to fuzz-crashes/ to reproduce with `ent run`. Exit 1 when anything crashed.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fuzz } from './fuzz-inputs.ts';

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && process.argv[at + 1] !== undefined ? process.argv[at + 1] : fallback;
}

const inputs = Number(option('inputs', '100000'));
const seed = option('seed', '1');
if (!Number.isSafeInteger(inputs) || inputs < 1) {
  process.stderr.write('usage: npm run fuzz -- [--inputs N] [--seed S]\n');
  process.exit(2);
}
const report = await fuzz({
  inputs, seed,
  progress: (done) => process.stderr.write(`\r${done}/${inputs} inputs`),
});
process.stderr.write('\n');
const seconds = report.milliseconds / 1000;
process.stdout.write(`${report.inputs} inputs (seed ${seed}) in ${seconds.toFixed(1)} s: ${Math.round(report.inputs / seconds)} inputs/s\n`);
process.stdout.write(`  mutated corpus programs ${report.byKind.mutated}, random tokens ${report.byKind.tokens}, random bytes ${report.byKind.bytes}\n`);
process.stdout.write(`  parsed ${report.reached.parsed}, checked ${report.reached.checked}, ran ${report.reached.ran}, refused by ent run ${report.reached.refused}\n`);
process.stdout.write(`  crashes: ${report.crashes.length}\n`);
if (report.crashes.length > 0) {
  mkdirSync('fuzz-crashes', { recursive: true });
  report.crashes.slice(0, 50).forEach((crash, index) => {
    const file = join('fuzz-crashes', `crash-${index}.ent`);
    writeFileSync(file, crash.input.bytes);
    process.stdout.write(`  ${crash.stage}: ${crash.message} (${file})\n`);
  });
  process.exitCode = 1;
}
