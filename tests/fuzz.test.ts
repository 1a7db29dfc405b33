// The fuzzer (scripts/fuzz-inputs.ts) in `npm test`: 10,000 inputs from a fixed seed (mutated corpus
// programs, random tokens, random bytes) through the parser, the checker and `ent run`, with no crash. The
// negative control breaks the parser on one input shape, and the fuzzer must report it as a crash.

import test from 'ava';
import { main } from '../cli/main.ts';
import { parse } from '../grammar/index.ts';
import { fuzz } from '../scripts/fuzz-inputs.ts';

const inputs = 10_000 * Number(process.env.ENT_RUNS ?? 1);

test(`${inputs} fuzzed inputs: the parser, the checker and ent run never crash`, async (t) => {
  const report = await fuzz({ inputs, seed: 'npm-test' });
  t.log(`${Math.round(report.inputs / (report.milliseconds / 1000))} inputs/s; parsed ${report.reached.parsed}, checked ${report.reached.checked}, ran ${report.reached.ran}`);
  t.deepEqual(report.crashes.map((crash) => `${crash.stage}: ${crash.message}`), []);
  // The inputs reach every stage, or the test would prove little.
  t.true(report.reached.checked > inputs / 50 && report.reached.ran > inputs / 50 && report.reached.refused > inputs / 50);
});

test('negative control: a parser that throws on a `}` after a line break is caught as a crash', async (t) => {
  const broken: typeof parse = (text, file) => {
    if (text.includes('\n}')) throw new TypeError('broken on purpose');
    return parse(text, file);
  };
  const report = await fuzz({ inputs: 200, seed: 'npm-test', targets: { parse: broken, main } });
  t.true(report.crashes.some((crash) => crash.stage === 'parser' && /broken on purpose/.test(crash.message)));
});
