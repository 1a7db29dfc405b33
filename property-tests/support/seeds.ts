// Test support: the seed of every fast-check property that names none. ava loads this module in each of
// its workers before the test files (package.json, `ava.require`), so that `npm test` draws the same
// cases on every machine and every run: a case that fails is a failure of the change, not of the draw.
// `ENT_FC_SEED=N` draws another fixed set of cases (`npm run test:long` draws N afresh and prints it,
// scripts/test-long.js); `ENT_FC_SEED=random` draws a seed for each test file and prints it. A run that
// fails, or runs too long to report, runs again with the same cases under `ENT_FC_SEED=N`; fast-check's
// own report of a failing property gives its seed and path too.

import { randomInt } from 'node:crypto';
import fc from 'fast-check';

const chosen = process.env.ENT_FC_SEED ?? '20261207';
const seed = chosen === 'random' ? randomInt(2 ** 31) : Number(chosen);
if (!Number.isSafeInteger(seed)) throw new Error(`ENT_FC_SEED must be a whole number or "random", not ${JSON.stringify(chosen)}`);
if (chosen === 'random') process.stderr.write(`fast-check seed of this test file: ${seed} (ENT_FC_SEED=${seed} draws its cases again)\n`);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
