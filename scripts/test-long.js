#!/usr/bin/env node
// `npm run test:long`: every property with 84 times its default runs (ENT_RUNS), the long explorations and
// the Restate corpus, with fast-check cases drawn afresh: one seed for the whole run, printed first, so
// that a run that fails, or one that runs too long to report, runs again with the same cases under
// `ENT_FC_SEED=N npm run test:long` (or on one file, `ENT_FC_SEED=N ENT_RUNS=84 npx ava FILE`).
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';

const seed = process.env.ENT_FC_SEED ?? String(randomInt(2 ** 31));
process.stdout.write(`fast-check seed: ${seed} (ENT_FC_SEED=${seed} draws these cases again)\n`);
const files = ['build/property-tests/*.test.js', 'build/tests/zoo.test.js', 'build/tests/explore.test.js', 'build/tests/restate.test.js'];
const child = spawn('npx', ['ava', '--timeout=4h', ...files, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ENT_FC_SEED: seed, ENT_RUNS: process.env.ENT_RUNS ?? '84', ENT_EXPLORE_LONG: '1', ENT_RESTATE_LONG: '1' },
});
child.on('close', (code) => process.exit(code ?? 1));
