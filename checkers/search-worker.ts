// Stage: checkers. One worker thread of a parallel `ent check` (checkers/parallel-search.ts): it compiles
// the program from its source text, as the CLI did, says it is ready, and then runs the stretches of
// numbered cases it is handed, answering with each case's verdict; it stops a stretch at its first failure, since no later
// case of the stretch can come first.

import { parentPort, workerData } from 'node:worker_threads';
import { compile } from '../semantics/compile.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { CheckSettings } from './case.ts';
import { CaseDraws, judgeCase, type CaseVerdict } from './search.ts';

/** What the pool gives a worker when it starts. */
export interface WorkerSetup {
  readonly text: string;
  readonly file: string;
  readonly settings: CheckSettings;
  readonly seed: string;
  /** The cases of the whole search (no stretch reaches past them). */
  readonly runs: number;
}

/** A stretch of cases to run, and the answer. */
export interface Stretch {
  readonly start: number;
  readonly count: number;
}
export interface StretchVerdicts {
  readonly kind: 'verdicts';
  readonly start: number;
  /** One verdict per case from `start`, up to the first failure or the stretch's end. */
  readonly verdicts: readonly CaseVerdict[];
}

/** What a worker tells the pool: that it has compiled the program, or the verdicts of a stretch. */
export type WorkerAnswer = { readonly kind: 'ready' } | StretchVerdicts;

const setup = workerData as WorkerSetup;
const compiled = compile(setup.text, setup.file);
if (compiled.program === undefined) throw new Error(`the worker could not compile ${setup.file}, which the main thread compiled`);
const program = compiled.program;
const { split } = compileToSplit(program);
const draws = new CaseDraws(setup.seed, setup.runs);

parentPort!.on('message', (stretch: Stretch) => {
  const verdicts: CaseVerdict[] = [];
  for (let index = stretch.start; index < stretch.start + stretch.count; index++) {
    const verdict = judgeCase(program, split, setup.settings, draws.case(index));
    verdicts.push(verdict);
    if (verdict.failed) break;
  }
  parentPort!.postMessage({ kind: 'verdicts', start: stretch.start, verdicts } satisfies WorkerAnswer);
});
parentPort!.postMessage({ kind: 'ready' } satisfies WorkerAnswer);
