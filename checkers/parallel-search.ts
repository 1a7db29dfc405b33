// Stage: checkers. `ent check` on every core: the search of checkers/search.ts with its numbered cases
// run by worker threads (checkers/search-worker.ts), each handed a stretch of cases at a time. The
// result is the same whatever the number of workers: the first failing case *by number* wins (a worker
// that fails at case 40 waits for cases 0 to 39 to be known to hold), the outcomes counted are those of
// the cases up to it, and the failing case is then made small here, one run at a time, exactly as the
// search in one thread does.

import { Worker } from 'node:worker_threads';
import type { SplitProgram } from '../semantics/split/index.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { CheckSettings } from './case.ts';
import { addCounts, casesPerChunk, makeSmall, progressBar, search, type CaseVerdict, type SearchOptions, type SearchResult } from './search.ts';
import type { Stretch, StretchVerdicts, WorkerSetup } from './search-worker.ts';
import { emptyCounts } from './violation.ts';

export interface ParallelSearchOptions extends SearchOptions {
  /** Worker threads; 1 runs the search in this thread. */
  readonly workers: number;
}

/** The program as the workers compile it: its source text (compiled to `program` by the caller). */
export interface SearchSource {
  readonly text: string;
  readonly file: string;
}

/** The search of `search`, its cases run by `options.workers` worker threads; the same result. */
export async function searchInParallel(
  source: SearchSource, program: TypedProgram, split: SplitProgram, settings: CheckSettings, options: ParallelSearchOptions,
): Promise<SearchResult> {
  const workers = Math.min(options.workers, Math.ceil(options.runs / casesPerChunk));
  if (workers <= 1) return search(program, split, settings, options);
  const progress = options.progress ?? (() => undefined);
  const { interrupted: _interrupted, ...runtime } = settings.runtime;
  const setup: WorkerSetup = { text: source.text, file: source.file, settings: { ...settings, runtime }, seed: options.seed };
  const verdicts: (CaseVerdict | undefined)[] = [];
  let nextStart = 0;
  // The smallest number of a case known to fail: no stretch past it is handed out.
  let failedAt = Infinity;
  // Cases 0 … known - 1 are all known, and held.
  let known = 0;
  const pool = Array.from({ length: workers }, () => new Worker(new URL('./search-worker.js', import.meta.url), { workerData: setup }));
  try {
    const failure = await new Promise<number | undefined>((resolve, reject) => {
      const settle = (): boolean => {
        while (known < options.runs && verdicts[known] !== undefined && !verdicts[known]!.failed) known++;
        progress(`${progressBar(known, options.runs)} ${known}/${options.runs} runs`);
        if (known === options.runs) resolve(undefined);
        else if (verdicts[known]?.failed === true) resolve(known);
        else return false;
        return true;
      };
      const handOut = (worker: Worker): void => {
        if (nextStart >= options.runs || nextStart > failedAt) return;
        const stretch: Stretch = { start: nextStart, count: Math.min(casesPerChunk, options.runs - nextStart) };
        nextStart += stretch.count;
        worker.postMessage(stretch);
      };
      for (const worker of pool) {
        worker.on('message', (answer: StretchVerdicts) => {
          answer.verdicts.forEach((verdict, offset) => { verdicts[answer.start + offset] = verdict; });
          const last = answer.start + answer.verdicts.length - 1;
          if (answer.verdicts[answer.verdicts.length - 1]?.failed === true) failedAt = Math.min(failedAt, last);
          if (!settle()) handOut(worker);
        });
        worker.on('error', reject);
        handOut(worker);
      }
    });
    progress(undefined);
    const outcomes = emptyCounts();
    const counted = failure === undefined ? options.runs : failure + 1;
    for (let index = 0; index < counted; index++) addCounts(outcomes, verdicts[index]!.outcomes);
    if (failure === undefined) return { held: true, runs: options.runs, outcomes };
    return makeSmall(program, split, settings, { index: failure, outcomes }, options);
  } finally {
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
}
