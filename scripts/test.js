#!/usr/bin/env node
// Runs every test suite under c8 (coverage, with the floors in .c8rc.json) and ava, passing ava's TAP
// output through, and ends with one `N passed, N failed` line. The exit status is ava's, or c8's when a
// coverage floor is missed. Extra arguments go to ava (for example a file glob). When ava fails with no
// test failed (a file went silent past ava's timeout, and its TAP reporter then crashed, so the file is
// never named), it names the test files that reported no result.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const ava = ['ava', '--tap', ...process.argv.slice(2)];
const child = spawn('npx', ['c8', ...ava], { stdio: ['inherit', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
let skipped = 0;
/** The test files that reported a result, as TAP names them (`tests › explore`). */
const reported = new Set();
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(`${line}\n`);
  const result = /^(?:not )?ok \d+ - (.*)$/.exec(line);
  if (result !== null) {
    const parts = result[1].split(' › ');
    for (let length = 2; length < parts.length; length++) reported.add(parts.slice(0, length).join(' › '));
  }
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
  if (code !== 0 && failed === 0 && process.argv.length === 2) {
    const silent = testFiles().filter((name) => !reported.has(name));
    process.stdout.write(`ava stopped with no test failed; the test files that reported nothing (timed out or crashed): ${silent.join(', ') || 'none'}\n`);
  }
  process.exit(code === 0 && coverageFailures > 0 ? 1 : code ?? 1);
});

/** Every test file of the default run, as TAP names them (`build/tests/explore.test.js` is `tests › explore`). */
function testFiles() {
  const names = [];
  for (const folder of ['tests', 'property-tests']) {
    for (const file of readdirSync(`build/${folder}`, { recursive: true })) {
      if (String(file).endsWith('.test.js')) names.push(`${folder}/${String(file).replace(/\.test\.js$/, '')}`.split('/').join(' › '));
    }
  }
  return names.sort();
}

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
