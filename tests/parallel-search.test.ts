// `ent check` on every core (checkers/parallel-search.ts): the cases are numbered and the first failing
// one by number wins, so the search gives the same result, and `ent check` the same report, whatever the
// number of worker threads:
//   - the search in one thread and in two or three workers: equal results on runs that hold and on runs
//     that fail, including a failure that is not the first case (workers finish out of order);
//   - `ent check --workers 1` and `--workers 2` print the same report, byte for byte, passing and failing;
//   - the cases the search draws by number are fast-check's own, in its order (the numbering is not a
//     second, different search), also past the first block of draws and asked for out of order;
//   - with the main thread running cases beside the workers, and with the workers running them all;
//   - the default number of threads (cli/check.ts `defaultWorkers`).

import test from 'ava';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { searchInParallel } from '../checkers/parallel-search.ts';
import { CaseDraws, caseArbitrary, casesFrom, search, seedNumber } from '../checkers/search.ts';
import { defaultCheckSettings, defaultWorkers } from '../cli/check.ts';
import { memoryIo } from '../cli/io.ts';
import { main } from '../cli/main.ts';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';

const file = 'examples/bank.ent';
const text = readFileSync(file, 'utf8');
const program = compile(text, file).program!;
const { split } = compileToSplit(program);
const source = { text, file };

test('the numbered cases are the ones fast-check draws from the seed, in order', (t) => {
  const drawn: unknown[] = [];
  fc.check(fc.property(caseArbitrary, (testCase) => { drawn.push(testCase); return true; }), { numRuns: 30, seed: seedNumber('7') });
  t.deepEqual(casesFrom('7', 0, 30), drawn);
  t.deepEqual(casesFrom('7', 17, 5), drawn.slice(17, 22));
});

test('the draws of a search are fast-check\'s own across their blocks, asked for in any order', (t) => {
  // Past case 16,383 the draws come from a second block; fast-check's `path` skips to a case by itself.
  const own = (index: number): unknown => fc.sample(caseArbitrary, { seed: seedNumber('7'), numRuns: 1, path: String(index) })[0];
  const draws = new CaseDraws('7');
  for (const index of [16_385, 3, 16_383, 16_384, 40_000, 0]) t.deepEqual(draws.case(index), own(index), `case ${index}`);
  // The control: a neighbouring case is another case.
  t.notDeepEqual(draws.case(16_384), own(16_383));
  t.notDeepEqual(draws.case(3), own(4));
});

test('a search that holds: the same counts from one thread and from two workers', async (t) => {
  const settings = defaultCheckSettings();
  const options = { runs: 40, seed: '5', shrinkSeconds: 0 };
  const alone = search(program, split, settings, options);
  t.true(alone.held);
  t.deepEqual(await searchInParallel(source, program, split, settings, { ...options, workers: 2 }), alone);
  t.deepEqual(await searchInParallel(source, program, split, settings, { ...options, workers: 2, mainThreadRuns: false }), alone, 'workers only');
});

test('a search that fails late: the first failing case by number, from any number of workers', async (t) => {
  // Seed 2 of the early lock release fails only after several cases that hold (the zoo's demonstration).
  const settings = defaultCheckSettings({ bug: 'early-lock-release' });
  const options = { runs: 200, seed: '2', shrinkSeconds: 0 };
  const alone = search(program, split, settings, options);
  t.false(alone.held);
  t.true(alone.runs > 1, `the failure should not be the first case (it was case ${alone.runs})`);
  for (const workers of [2, 3]) {
    t.deepEqual(await searchInParallel(source, program, split, settings, { ...options, workers }), alone, `${workers} threads`);
    t.deepEqual(await searchInParallel(source, program, split, settings, { ...options, workers, mainThreadRuns: false }), alone, `${workers} workers only`);
  }
});

async function check(args: string[]): Promise<{ status: number; stdout: string }> {
  const io = memoryIo();
  const status = await main(['check', file, ...args], io);
  return { status, stdout: io.stdout.join('\n') };
}

test('ent check --workers 1 and --workers 2 print the same report, passing and failing', async (t) => {
  for (const args of [['--runs', '30'], ['--protocol', 'none', '--shrink-runs', '300']]) {
    const one = await check([...args, '--workers', '1']);
    const two = await check([...args, '--workers', '2']);
    t.is(two.status, one.status, args.join(' '));
    t.is(two.stdout, one.stdout, args.join(' '));
  }
});

test('ent check --workers refuses what is not a count of threads', async (t) => {
  for (const bad of ['0', '-1', 'two', '1.5']) {
    const io = memoryIo();
    t.is(await main(['check', file, '--workers', bad], io), 2, bad);
    t.regex(io.stderr.join('\n'), /error\[U\d{4}\]: .*--workers/, bad);
  }
});

test('without --workers: a thread per 2,500 runs, at most a core each, and one on a busy machine', (t) => {
  t.is(defaultWorkers(100, 2, 0), 1, 'the default --runs');
  t.is(defaultWorkers(4_999, 2, 0), 1, 'a second thread on 4,000 runs was slower than one');
  t.is(defaultWorkers(5_000, 2, 0), 2);
  t.is(defaultWorkers(100_000, 2, 0.5), 2, 'no more than the cores');
  t.is(defaultWorkers(100_000, 8, 2), 8);
  t.is(defaultWorkers(10_000, 2, 2.9), 2);
  t.is(defaultWorkers(10_000, 2, 3), 1, 'load 1.5 per core');
});
