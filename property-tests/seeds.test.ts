// The seed of the properties (property-tests/support/seeds.ts): `npm test` draws the same cases every
// time, unless ENT_FC_SEED says otherwise (ENT_FC_SEED=random: one fresh seed per file, printed).

import test from 'ava';
import fc from 'fast-check';

test('Every property draws from one seed: fixed, unless ENT_FC_SEED=random draws one for the file', (t) => {
  const seed = fc.readConfigureGlobal().seed;
  if (process.env.ENT_FC_SEED === 'random') t.true(Number.isSafeInteger(seed));
  else t.is(seed, Number(process.env.ENT_FC_SEED ?? 20261207));
  // Two draws that name no seed draw the same cases.
  t.deepEqual(fc.sample(fc.string(), 20), fc.sample(fc.string(), 20));
});

test('Negative control: without the fixed seed, two draws differ', (t) => {
  const global = fc.readConfigureGlobal();
  fc.configureGlobal({ ...global, seed: undefined });
  try {
    t.notDeepEqual(fc.sample(fc.string(), 20), fc.sample(fc.string(), 20));
  } finally {
    fc.configureGlobal(global);
  }
});
