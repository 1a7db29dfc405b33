// Stage: checkers. `ent check` on every core: the search of checkers/search.ts with its numbered cases
// run by the main thread and worker threads (checkers/search-worker.ts) together, each taking a stretch
// of cases at a time. The result is the same whatever the number of threads: the first failing case *by
// number* wins (a thread that fails at case 40 waits for cases 0 to 39 to be known to hold), the outcomes
// counted are those of the cases up to it, and the failing case is then made small here, one run at a
// time, exactly as the search in one thread does.
//
// Why the main thread runs cases too: a worker takes most of a second to load Ent's modules and compile
// the program, and then warms up V8's optimizing compiler on its own cases; the main thread has done
// the first two already. So the main thread starts on case 0 at once, and a worker is handed stretches
// only once it says it is ready, two at a time so that it never waits for the main thread (which reads
// the workers' answers between two stretches of its own). A search whose first failure comes early
// finds it without waiting for any worker; `--workers 2` on two cores is the main thread and one worker.

import { Worker } from 'node:worker_threads';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { CheckSettings } from './case.ts';
import {
  addCounts, CaseDraws, casesPerChunk, judgeCase, makeSmall, progressBar, search, type CaseVerdict, type SearchOptions, type SearchResult,
} from './search.ts';
import type { Stretch, StretchVerdicts, WorkerAnswer, WorkerSetup } from './search-worker.ts';
import { emptyCounts } from './violation.ts';

export interface ParallelSearchOptions extends SearchOptions {
  /** Threads that run cases, the main thread among them; 1 runs the search in this thread alone. */
  readonly workers: number;
  /**
   * False: the main thread only hands out stretches, and `workers` worker threads run every case (the
   * tests use it so that every verdict crosses between threads). True unless told.
   */
  readonly mainThreadRuns?: boolean;
}

/** The program as the workers compile it: its source text (compiled to `program` by the caller). */
export interface SearchSource {
  readonly text: string;
  readonly file: string;
}

/** Stretches a worker holds at a time: one it runs, one waiting, so that it never waits for the main thread. */
const stretchesInFlight = 2;

/** The search of `search`, its cases run by `options.workers` threads; the same result. */
export async function searchInParallel(
  source: SearchSource, program: TypedProgram, split: SplitProgram, settings: CheckSettings, options: ParallelSearchOptions,
): Promise<SearchResult> {
  const threads = Math.min(options.workers, Math.ceil(options.runs / casesPerChunk));
  if (threads <= 1) return search(program, split, settings, options);
  const mainThreadRuns = options.mainThreadRuns ?? true;
  const progress = options.progress ?? (() => undefined);
  const { interrupted: _interrupted, ...runtime } = settings.runtime;
  const setup: WorkerSetup = { text: source.text, file: source.file, settings: { ...settings, runtime }, seed: options.seed, runs: options.runs };
  const runs = options.runs;
  const verdicts: (CaseVerdict | undefined)[] = [];
  let nextStart = 0;
  // The smallest number of a case known to fail: no stretch past it is handed out.
  let failedAt = Infinity;
  // Cases 0 … known - 1 are all known, and held.
  let known = 0;
  // Set once the search's result is known: every case held, or case `failure` is the first to fail.
  let done = false;
  let failure: number | undefined;
  let failed: unknown;
  // Wakes the main thread when it waits for the workers' answers, having no stretch left to run.
  let wake: (() => void) | undefined;
  const settle = (): void => {
    while (known < runs && verdicts[known] !== undefined && !verdicts[known]!.failed) known++;
    progress(`${progressBar(known, runs)} ${known}/${runs} runs`);
    if (known === runs) done = true;
    else if (verdicts[known]?.failed === true) {
      done = true;
      failure = known;
    }
  };
  const record = (start: number, answered: readonly CaseVerdict[]): void => {
    answered.forEach((verdict, offset) => { verdicts[start + offset] = verdict; });
    if (answered[answered.length - 1]?.failed === true) failedAt = Math.min(failedAt, start + answered.length - 1);
    settle();
  };
  const take = (): Stretch | undefined => {
    if (done || nextStart >= runs || nextStart > failedAt) return undefined;
    const stretch: Stretch = { start: nextStart, count: Math.min(casesPerChunk, runs - nextStart) };
    nextStart += stretch.count;
    return stretch;
  };
  const handOut = (worker: Worker): void => {
    const stretch = take();
    if (stretch !== undefined) worker.postMessage(stretch);
  };
  const pool = Array.from({ length: mainThreadRuns ? threads - 1 : threads }, () => {
    const worker = new Worker(new URL('./search-worker.js', import.meta.url), { workerData: setup });
    worker.on('message', (answer: WorkerAnswer) => {
      if (answer.kind === 'ready') {
        for (let held = 0; held < stretchesInFlight; held++) handOut(worker);
      } else if (!done) {
        record(answer.start, answer.verdicts);
        handOut(worker);
      }
      wake?.();
    });
    worker.on('error', (error) => {
      failed ??= error;
      wake?.();
    });
    return worker;
  });
  try {
    const draws = new CaseDraws(options.seed, runs);
    while (!done && failed === undefined) {
      const stretch = mainThreadRuns ? take() : undefined;
      if (stretch === undefined) {
        await new Promise<void>((resolve) => { wake = resolve; });
        wake = undefined;
        continue;
      }
      const mine: CaseVerdict[] = [];
      for (let index = stretch.start; index < stretch.start + stretch.count && index <= failedAt; index++) {
        const verdict = judgeCase(program, split, settings, draws.case(index));
        mine.push(verdict);
        if (verdict.failed) break;
      }
      record(stretch.start, mine);
      // The workers' answers come in between two stretches of the main thread's own.
      await new Promise<void>((resolve) => { setImmediate(resolve); });
    }
    if (failed !== undefined) throw failed;
    progress(undefined);
    const outcomes = emptyCounts();
    const counted = failure === undefined ? runs : failure + 1;
    for (let index = 0; index < counted; index++) addCounts(outcomes, verdicts[index]!.outcomes);
    if (failure === undefined) return { held: true, runs, outcomes };
    return makeSmall(program, split, settings, { index: failure, outcomes }, options);
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}
