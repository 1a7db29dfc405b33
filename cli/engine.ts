// Stage: cli. `--engine restate` for `ent run` (and the options it shares with `ent check`): the program
// runs on a real Restate server (engines/restate) instead of the simulated runtime. The default engine
// stays the simulation.

import { EngineError, type EngineOptions } from '../engines/restate/engine.ts';
import { runOnRestate } from '../engines/restate/run.ts';
import { historyToJson } from '../runtime/history.ts';
import { stringOption, UsageError, type OptionSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import { checkOnRestate, type RestateRunReport } from '../engines/restate/check.ts';
import { describeViolation } from '../checkers/case.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { WorkloadShape } from '../runtime/workload.ts';
import type { Io } from './io.ts';
import { reportUsageError } from './load.ts';
import type { RunSettings } from './semantics.ts';
import { displayPath, errnoCode } from './files.ts';

export const engineNames = ['simulated', 'restate'] as const;

export const engineOptions: readonly OptionSpec[] = [
  {
    name: 'engine', value: { placeholder: 'E', choices: engineNames },
    description: 'where the transactions run: the simulated runtime, or a real Restate server (docs/engines.md)', defaultValue: 'simulated',
  },
  { name: 'restate-url', value: { placeholder: 'URL' }, description: 'with --engine restate: the ingress of a server of your own (default: Ent starts one)' },
  { name: 'restate-admin-url', value: { placeholder: 'URL' }, description: 'with --engine restate: the admin API of that server' },
];

export function engineOf(parsed: ParsedArguments): 'simulated' | 'restate' {
  return stringOption(parsed, 'engine') === 'restate' ? 'restate' : 'simulated';
}

/** The engine options, or why they do not go together. */
export function restateOptions(parsed: ParsedArguments, programText: string, settings: RunSettings): EngineOptions | UsageError {
  const ingressUrl = stringOption(parsed, 'restate-url');
  const adminUrl = stringOption(parsed, 'restate-admin-url');
  if ((ingressUrl === undefined) !== (adminUrl === undefined)) {
    return new UsageError('U0103', '--restate-url and --restate-admin-url go together', 'give both URLs of your server, or neither (Ent then starts its own)');
  }
  if (settings.concurrency === 'aria') {
    return new UsageError('U0103', '--engine restate runs --protocol 2pl or none, not aria', 'Aria\'s batches are not mapped onto Restate yet (docs/engines.md)');
  }
  return { programText, protocol: settings.concurrency, stepLimit: settings.stepLimit, ingressUrl, adminUrl };
}

/** Options that only the simulated runtime has, refused with --engine restate. */
export function simulatedOnly(parsed: ParsedArguments, names: readonly string[]): UsageError | undefined {
  for (const name of names) {
    if (parsed.options.has(name)) {
      return new UsageError('U0103', `--${name} needs the simulated engine, not --engine restate`,
        'on Restate the processes, the network and the faults are real: the simulation\'s options do not apply');
    }
  }
  return undefined;
}

export function restateOnly(parsed: ParsedArguments): UsageError | undefined {
  for (const name of ['restate-url', 'restate-admin-url']) {
    if (parsed.options.has(name)) return new UsageError('U0103', `--${name} needs --engine restate`, 'add --engine restate');
  }
  return undefined;
}

/** `ent run --engine restate FILE`. */
export async function runRestate(
  io: Io, options: EngineOptions, source: { name: string; text: string }, historyPath: string | undefined, settingsText: string,
): Promise<number> {
  try {
    return await runOnRestate(options, source, { out: (line) => io.out(line), err: (text) => io.err(text) }, async (engine) => {
      if (historyPath === undefined) return;
      const { events } = await engine.history();
      try {
        io.writeFile(historyPath, `${JSON.stringify(historyToJson(events, { run: settingsText }))}\n`);
      } catch (error) {
        throw new UsageError('U0104', `cannot write ${displayPath(historyPath)}: ${errnoCode(error) ?? String(error)}`, 'check the folder and the free space');
      }
    });
  } catch (error) {
    if (error instanceof EngineError) {
      reportUsageError(io, new UsageError(error.code, error.message, error.hint));
      return exitUsage;
    }
    if (error instanceof UsageError) {
      reportUsageError(io, error);
      return exitUsage;
    }
    throw error;
  }
}

export const killsOption: OptionSpec = {
  name: 'kills', value: { placeholder: 'N', integer: { minimum: 0, maximum: 100 } },
  description: 'with --engine restate: SIGKILLs per run, each of the server or the service process, at seeded points (--runs is 3 by default there)', defaultValue: '3',
};

/** `ent check --engine restate FILE`: small workloads on Restate under real kills, every run checked. */
export async function checkRestate(
  io: Io, program: TypedProgram, options: EngineOptions, search: { runs: number; seed: string; shape: WorkloadShape; kills: number },
): Promise<number> {
  let failed: RestateRunReport | undefined;
  try {
    const reports = await checkOnRestate(program, {
      engine: options, runs: search.runs, seed: search.seed, shape: search.shape, kills: search.kills, targets: ['server', 'service'],
    }, (report) => {
      const kills = report.kills.map((kill) => `${kill.kind} after ${kill.afterAnswers} answers`).join(', ');
      io.err(`run ${report.run + 1}: ${report.requests} requests (${report.committed} committed, ${report.aborted} aborted by their programs) `
        + `in ${(report.wallMs / 1000).toFixed(1)} s; kills: ${kills === '' ? 'none' : kills}; ${report.violations.length === 0 ? 'held' : 'VIOLATED'}`);
      if (report.violations.length > 0 && failed === undefined) failed = report;
    });
    const described = `engine=restate protocol=${options.protocol} clients=${search.shape.clients} requests=${search.shape.requestsPerClient} `
      + `keys=${search.shape.keysPerEntity} kills=${search.kills}`;
    if (failed === undefined) {
      const requests = reports.reduce((sum, report) => sum + report.requests, 0);
      io.out(`ent check: ${reports.length} runs on Restate held (seed ${search.seed}; ${described}); ${requests} requests, every one answered once`);
      return exitSuccess;
    }
    io.out(`ent check: run ${failed.run + 1} on Restate violated a guarantee (seed ${search.seed}; ${described})`);
    for (const violation of failed.violations.slice(0, 10)) io.out(`  ${describeViolation(violation)}`);
    if (failed.violations.length > 10) io.out(`  … and ${failed.violations.length - 10} more`);
    return exitFailure;
  } catch (error) {
    if (error instanceof EngineError) {
      reportUsageError(io, new UsageError(error.code, error.message, error.hint));
      return exitUsage;
    }
    throw error;
  }
}
