// The program generator itself (property-tests/arbitraries/programs.ts), checked before anything relies
// on it:
//   - every generated program compiles without a single diagnostic (a diagnostic is a generator bug,
//     reported with fast-check's {seed, path} and the program);
//   - the programs do what the differential properties need: over a sample (with a fixed seed), runs
//     reach the constructs and outcomes listed in `expectations` (remote calls in conditions,
//     re-entrant calls, `new` inside methods, each kind of abort, …), each in at least the share given
//     there. The shares are logged, so a reader sees what the generator covers.
// Runs scale with ENT_RUNS (a multiplier, as in every property test).

import test from 'ava';
import fc from 'fast-check';
import assert from 'node:assert/strict';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { Client, ClientError } from '../semantics/reference/client.ts';
import type { Request } from '../semantics/transactions.ts';
import { SingleNodeHost, type TraceEvent } from '../runtime/single-node.ts';
import { programArbitrary, type GeneratorOptions } from './arbitraries/programs.ts';

const scale = Number(process.env.ENT_RUNS ?? 1);
const runs = (base: number): number => Math.max(1, Math.round(base * scale));
const larger: GeneratorOptions = { blockLengthMax: 5, expressionDepthMax: 3, statementDepthMax: 3 };

/** Every configuration the property tests use, with its share of the runs. */
const configurations: readonly (readonly [string, GeneratorOptions, number])[] = [
  ['small', {}, 1000],
  ['larger', larger, 400],
];

for (const [name, options, base] of configurations) {
  test(`Generator (${name}): every generated program compiles without diagnostics`, (t) => {
    const started = Date.now();
    fc.assert(fc.property(programArbitrary(options), (program) => {
      const compiled = compile(program.text, 'generated.ent');
      assert.deepEqual(compiled.diagnostics.map((entry) => `${entry.code} ${entry.message}`), [], 'generator bug');
    }), { numRuns: runs(base), includeErrorInReport: true });
    t.log(`${runs(base)} programs in ${Date.now() - started} ms`);
    t.pass();
  });
}

/** A single-node host that watches its trace for re-entrant calls and call depth. */
class WatchingHost extends SingleNodeHost {
  readonly active: string[] = [];
  reentrantCalls = 0;
  depthMax = 0;

  override submit(request: Request): number {
    this.active.length = 0;
    return super.submit(request);
  }

  watch(event: TraceEvent, hasInit: (entity: string) => boolean): void {
    const entering = event.rule === 'G-Deliver'
      && (event.detail.startsWith('call ') || (event.detail.startsWith('new ') && hasInit(event.entity.slice(0, event.entity.indexOf('(')))));
    if (entering) {
      if (this.active.includes(event.entity)) this.reentrantCalls++;
      this.active.push(event.entity);
      this.depthMax = Math.max(this.depthMax, this.active.length);
    }
    if (event.rule === 'L-Return') this.active.pop();
  }
}

/** What a sample of programs must reach, by name: a predicate on the text, or on the run. */
interface Sighting {
  readonly text: string;
  readonly output: readonly string[];
  readonly clientError: string | undefined;
  readonly reentrantCalls: number;
  readonly depthMax: number;
  readonly steps: number;
}

const expectations: readonly { name: string; seen: (sighting: Sighting) => boolean; share: number }[] = [
  { name: 'a remote call in an `if` condition', seen: (s) => /^\s*if .*\.m\d\(/m.test(s.text), share: 0.2 },
  { name: 'a remote call in a `while` condition', seen: (s) => /^\s*while .*\.m\d\(/m.test(s.text), share: 0.05 },
  { name: 'a call inside `&&` or `||`', seen: (s) => /(&&|\|\|)[^\n]*\.m\d\(/.test(s.text), share: 0.05 },
  { name: 'a nested call (a call in an argument)', seen: (s) => /\.m\d\([^\n)]*\.m\d\(/.test(s.text), share: 0.1 },
  { name: 'a self call', seen: (s) => /self\.m\d\(/.test(s.text), share: 0.2 },
  { name: '`new` inside a method', seen: (s) => /^ {4,}.*new [A-D]\(/m.test(s.text), share: 0.1 },
  { name: '`async` and `await`', seen: (s) => /await /.test(s.text), share: 0.2 },
  { name: 'a fan-out over a list of futures', seen: (s) => /let fs\d+ = \[async/.test(s.text), share: 0.1 },
  { name: '`for` and `while` loops', seen: (s) => /^\s*for /m.test(s.text) && /^\s*while /m.test(s.text), share: 0.2 },
  { name: '`break` or `continue`', seen: (s) => /^\s*(break|continue)$/m.test(s.text), share: 0.1 },
  { name: 'a re-entrant call (an entity called while one of its calls waits)', seen: (s) => s.reentrantCalls > 0, share: 0.05 },
  { name: 'a call tree at least 3 deep', seen: (s) => s.depthMax >= 3, share: 0.1 },
  { name: 'a committed transaction', seen: (s) => s.output.some((line) => !line.startsWith('abort:')), share: 0.9 },
  { name: 'abort: a user message', seen: (s) => s.output.some((line) => /^abort: (?!no such|.* already exists$|division|index|missing|integer|uninitialized)/.test(line)), share: 0.02 },
  { name: 'abort: no such entity', seen: (s) => s.output.some((line) => line.startsWith('abort: no such entity')), share: 0.05 },
  { name: 'abort: already exists', seen: (s) => s.output.some((line) => line.endsWith('already exists')), share: 0.02 },
  { name: 'abort: uninitialized field', seen: (s) => s.output.some((line) => line.startsWith('abort: uninitialized field')), share: 0.01 },
  { name: 'abort: division by zero', seen: (s) => s.output.includes('abort: division by zero'), share: 0.005 },
  { name: 'abort: index out of range', seen: (s) => s.output.includes('abort: index out of range'), share: 0.01 },
  { name: 'abort: missing key', seen: (s) => s.output.includes('abort: missing key'), share: 0.01 },
  { name: 'abort: integer overflow', seen: (s) => s.output.includes('abort: integer overflow'), share: 0.002 },
  { name: 'a client error (the run stops)', seen: (s) => s.clientError !== undefined, share: 0.005 },
];

function sight(text: string): Sighting {
  const compiled = compile(text, 'generated.ent');
  const program = compiled.program!;
  const { split } = compileToSplit(program);
  let steps = 0;
  const host: WatchingHost = new WatchingHost(split, {
    trace: (event) => {
      steps++;
      host.watch(event, (entity) => split.entities.get(entity)?.methods.has('init') === true);
    },
  });
  const output: string[] = [];
  const client = new Client(host, (line) => output.push(line));
  let clientError: string | undefined;
  try {
    if (program.run !== undefined) client.run(program.run.body);
    client.finish();
  } catch (error) {
    if (!(error instanceof ClientError)) throw error;
    clientError = error.code;
  }
  return { text, output, clientError, reentrantCalls: host.reentrantCalls, depthMax: host.depthMax, steps };
}

test('Generator: the programs reach remote calls in conditions, re-entrancy, `new`, futures and every kind of abort', (t) => {
  const count = runs(400);
  // A fixed seed: the shares are a property of the generator, and must not flicker from run to run.
  const programs = fc.oneof({ arbitrary: programArbitrary(), weight: 4 }, { arbitrary: programArbitrary(larger), weight: 1 });
  const sample = fc.sample(programs, { numRuns: count, seed: 20240611 });
  const sightings = sample.map((program) => sight(program.text));
  const lines = sightings.map((sighting) => sighting.text.split('\n').length).sort((a, b) => a - b);
  const steps = sightings.map((sighting) => sighting.steps).sort((a, b) => a - b);
  t.log(`${count} programs: ${lines[count >> 1]} lines (median), ${lines[count - 1]} (most); `
    + `${steps[count >> 1]} trace events (median), ${steps[Math.floor(count * 0.9)]} (90th percentile), ${steps[count - 1]} (most)`);
  const missing: string[] = [];
  for (const expectation of expectations) {
    const seen = sightings.filter(expectation.seen).length;
    t.log(`${(100 * seen / count).toFixed(1).padStart(5)}%  ${expectation.name}`);
    if (seen < expectation.share * count) missing.push(`${expectation.name}: ${seen} of ${count}, expected at least ${expectation.share * count}`);
  }
  t.deepEqual(missing, []);
});
