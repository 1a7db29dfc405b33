#!/usr/bin/env node
// Runs every test suite under c8 (coverage, with the floors in .c8rc.json) and ava, passing ava's TAP
// output through, and ends with one `N passed, N failed` line. The exit status is ava's, or c8's when a
// coverage floor is missed. Extra arguments go to ava (for example a file glob).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const ava = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', ['c8', ...ava], { stdio: ['inherit', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  if (/^ok \d+/.test(line)) {
    if (/# SKIP/.test(line)) skipped++;
    else passed++;
  } else if (/^not ok \d+/.test(line)) {
    failed++;
  }
});
child.on('close', (code) => {
  const coverageFailures = checkCoverageFloors();
  const extra = skipped > 0 ? `, ${skipped} skipped` : '';
  process.stdout.write(`\n${passed} passed, ${failed} failed${extra}\n`);
  process.exit(code === 0 && coverageFailures > 0 ? 1 : code ?? 1);
});

/**
 * The coverage floors, in lines per folder of the TypeScript sources: the pipeline's foundations
 * (grammar/ and semantics/) and the whole.
 */
const floors = [
  { name: 'grammar/ and semantics/', folders: ['grammar/', 'semantics/'], lines: 90 },
  { name: 'all sources', folders: [''], lines: 85 },
];

function checkCoverageFloors() {
  const report = spawnSync('npx', ['c8', 'report', '--reporter=json-summary', '--report-dir=coverage'], { encoding: 'utf8' });
  if (report.status !== 0) {
    process.stdout.write(`coverage: c8 report failed\n${report.stderr}\n`);
    return 1;
  }
  const summary = JSON.parse(readFileSync('coverage/coverage-summary.json', 'utf8'));
  const root = `${process.cwd()}/`;
  let failures = 0;
  for (const floor of floors) {
    let covered = 0;
    let total = 0;
    for (const [file, data] of Object.entries(summary)) {
      if (file === 'total') continue;
      const relative = file.startsWith(root) ? file.slice(root.length) : file;
      if (!floor.folders.some((folder) => relative.startsWith(folder))) continue;
      covered += data.lines.covered;
      total += data.lines.total;
    }
    const percent = total === 0 ? 100 : (100 * covered) / total;
    const verdict = percent >= floor.lines ? 'ok' : 'BELOW FLOOR';
    process.stdout.write(`coverage of ${floor.name}: ${percent.toFixed(2)}% of lines (floor ${floor.lines}%): ${verdict}\n`);
    if (percent < floor.lines) failures++;
  }
  return failures;
}
