// Test support: the seed of every fast-check property that names none. ava loads this module in each of
// its workers before the test files (package.json, `ava.require`), so that `npm test` draws the same
// cases on every machine and every run: a case that fails is a failure of the change, not of the draw.
// `ENT_FC_SEED=random` draws a fresh seed for each property instead (`npm run test:long` does), and
// `ENT_FC_SEED=N` another fixed one; fast-check prints the seed of a failing property either way, and
// `{ seed, path }` from its report replays the case.

import fc from 'fast-check';

const chosen = process.env.ENT_FC_SEED ?? '20261207';
if (chosen !== 'random') {
  const seed = Number(chosen);
  if (!Number.isSafeInteger(seed)) throw new Error(`ENT_FC_SEED must be a whole number or "random", not ${JSON.stringify(chosen)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });
}
