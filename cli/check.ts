// Stage: cli. `ent check FILE`: property-checks a program's guarantees. fast-check generates cases (a
// workload and every choice of the schedule and the faults), each runs on the simulated system, and its
// history is held against the checkers. On a violation fast-check shrinks the case, and the report
// gives the seed and path, the minimal workload, the choices, the trace lines that matter, the violation
// and one command that replays it exactly. Exit 0 when every run held, 1 on a violation, 2 on errors.

import { formatFaultPlan, parseFaultPlan, type FaultPlan } from '../runtime/faults.ts';
import { defaultShape, describeWorkload } from '../runtime/workload.ts';
import { zoo, zooNames } from '../runtime/zoo.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { runCase, type CaseOutcome, type CheckCase, type CheckSettings } from '../checkers/case.ts';
import { decodeToken, encodeToken } from '../checkers/token.ts';
import { search } from '../checkers/search.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { SourceText } from '../grammar/span.ts';
import { integerOption, UsageError, type CommandSpec, type ParsedArguments } from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError } from './load.ts';
import { defaultRunSettings, parseRunSettings, runtimeOptions } from './runtime-options.ts';
import { runtimeSettings, type RunSettings } from './semantics.ts';
import { formatTraceEntry } from './trace.ts';

/** The fault plan `ent check` uses unless told otherwise (bench/check.ts measures with it too). */
export const checkFaults = 'drop=0.05,dup=0.05,delay=0.1,crash=0.01';

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'Property-check a program\'s guarantees under random workloads, schedules and faults.',
  usage: 'ent check [options] FILE',
  options: [
    { name: 'runs', value: { placeholder: 'N' }, description: 'cases to run', defaultValue: '100' },
    ...runtimeOptions.map((option) => (option.name === 'faults' ? { ...option, defaultValue: checkFaults } : option)),
    { name: 'bug', value: { placeholder: 'NAME', choices: ['none', ...zooNames] }, description: 'run a deliberately broken protocol from the bug zoo', defaultValue: 'none' },
    { name: 'workload', value: { placeholder: 'W', choices: ['random', 'run'] }, description: 'random calls on the program\'s entities, or its run block', defaultValue: 'random' },
    { name: 'clients', value: { placeholder: 'N' }, description: 'concurrent clients of a random workload', defaultValue: '3' },
    { name: 'requests', value: { placeholder: 'N' }, description: 'requests per client, at most (a counterexample keeps only those it needs)', defaultValue: '4' },
    { name: 'keys', value: { placeholder: 'N' }, description: 'entities of each type (the key space)', defaultValue: '2' },
    { name: 'shrink-seconds', value: { placeholder: 'N' }, description: 'how long to shrink a counterexample before reporting the smallest so far', defaultValue: '30' },
    { name: 'replay', value: { placeholder: 'TOKEN' }, description: 'run one case again, exactly, from the token a report printed' },
    { name: 'trace', description: 'with --replay: print the whole trace' },
    { name: 'help', description: 'show this help' },
  ],
  details: [
    'Checkers: exactly-once (one answer per request; committed at most once, and only when answered so),\n'
      + 'serializability by replay (the committed requests, in the claimed commit order, through the reference\n'
      + 'model), serializability by dependency graph (Adya\'s cycles G0 … G2, with a witness, needing no claimed\n'
      + 'order), installation (every write of a commit installed, every read of committed state), and liveness\n'
      + '(every request answered after the faults stop).',
    `The bug zoo (--bug): ${zoo.map((variant) => `\n  ${variant.name.padEnd(32)}${variant.breaks}`).join('')}`,
    'Exit status: 0 when every run held, 1 on a violation, 2 on static or usage errors.',
  ],
};

interface CheckRequest {
  readonly program: TypedProgram;
  readonly source: SourceText;
  readonly settings: CheckSettings;
  readonly path: string;
}

export function check(io: Io, parsed: ParsedArguments): number {
  if (parsed.positionals.length !== 1) return usage(io, new UsageError('U0101', 'ent check takes exactly one FILE', `usage: ${checkCommand.usage}`));
  const path = parsed.positionals[0];
  const settings = checkSettings(parsed);
  if (settings instanceof UsageError) return usage(io, settings);
  const runs = integerOption(parsed, 'runs', 100);
  if (runs instanceof UsageError) return usage(io, runs);
  const loaded = loadProgram(io, path);
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  if (settings.workload === 'run' && loaded.program.run === undefined) {
    return usage(io, new UsageError('U0103', `--workload run: ${path} has no run block`, 'use --workload random'));
  }
  const request: CheckRequest = { program: loaded.program, source: loaded.source, settings, path };
  const token = parsed.options.get('replay');
  if (typeof token === 'string') return replay(io, request, token, parsed.options.has('trace'));
  const shrinkSeconds = integerOption(parsed, 'shrink-seconds', 30);
  if (shrinkSeconds instanceof UsageError) return usage(io, shrinkSeconds);
  const seed = typeof parsed.options.get('seed') === 'string' ? parsed.options.get('seed') as string : '1';
  return hunt(io, request, runs, seed, shrinkSeconds);
}

function usage(io: Io, error: UsageError): number {
  reportUsageError(io, error);
  return exitUsage;
}

/**
 * What `ent check FILE` runs with no options but those in `overrides`: a random workload of the default
 * shape, `checkFaults`, and `ent run`'s other defaults (benchmarks and tests start from it too).
 */
export function defaultCheckSettings(overrides: Partial<RunSettings> = {}): CheckSettings {
  const faults = parseFaultPlan(checkFaults) as FaultPlan;
  return { runtime: runtimeSettings({ ...defaultRunSettings, faults, ...overrides }), shape: defaultShape, workload: 'random' };
}

function checkSettings(parsed: ParsedArguments): CheckSettings | UsageError {
  const faults = parseFaultPlan(checkFaults) as FaultPlan;
  const bug = parsed.options.get('bug');
  const run = parseRunSettings(parsed, { ...defaultRunSettings, faults, bug: typeof bug === 'string' ? bug : 'none' });
  if (run instanceof UsageError) return run;
  const clients = integerOption(parsed, 'clients', defaultShape.clients);
  const requests = integerOption(parsed, 'requests', defaultShape.requestsPerClient);
  const keys = integerOption(parsed, 'keys', defaultShape.keysPerEntity);
  for (const value of [clients, requests, keys]) if (value instanceof UsageError) return value;
  // A workload with no client, no request or no key would hold vacuously.
  for (const [name, value] of [['clients', clients], ['requests', requests], ['keys', keys]] as const) {
    if ((value as number) < 1) return new UsageError('U0103', `--${name} must be at least 1`, 'a workload of nothing would hold vacuously');
  }
  const workload = parsed.options.get('workload') === 'run' ? 'run' : 'random';
  return {
    runtime: runtimeSettings(run),
    shape: { clients: clients as number, requestsPerClient: requests as number, keysPerEntity: keys as number },
    workload,
  };
}

/** Runs cases until one violates a guarantee, or all held; reports either. */
function hunt(io: Io, request: CheckRequest, runs: number, seed: string, shrinkSeconds: number): number {
  const { split } = compileToSplit(request.program);
  const result = search(request.program, split, request.settings, { runs, seed, shrinkSeconds, progress: (text) => io.progress(text) });
  const described = describeSettings(request.settings);
  if (result.held) {
    io.out(`ent check: ${result.runs} runs held (${described}, seed ${seed})`);
    return exitSuccess;
  }
  io.out(`ent check: a violation after ${result.runs} run${result.runs === 1 ? '' : 's'} (${described})`);
  io.out(`fast-check seed ${result.fastCheckSeed}, path ${result.path}; minimized, then shrunk ${result.shrinks} times`
    + `${result.interrupted ? ` (stopped after the ${shrinkSeconds} s budget)` : ''}`);
  return report(io, request, result.counterexample, false);
}

function replay(io: Io, request: CheckRequest, token: string, wholeTrace: boolean): number {
  const decoded = decodeToken(token);
  if ('error' in decoded) return usage(io, new UsageError('U0103', `--replay: ${decoded.error}`, 'pass the token exactly as the report printed it'));
  io.out(`ent check: replaying one case (${describeSettings(decoded.settings)})`);
  return report(io, { ...request, settings: decoded.settings }, decoded.testCase, wholeTrace);
}

/** Runs the case again with a trace, and prints what a reader needs to see the violation (or that it held). */
function report(io: Io, request: CheckRequest, testCase: CheckCase, wholeTrace: boolean): number {
  const { split } = compileToSplit(request.program);
  const trace: TraceEntry[] = [];
  const outcome = runCase(request.program, split, request.settings, testCase, (entry) => trace.push(entry));
  const lookup = (file: string) => (file === request.source.name ? request.source : undefined);
  if (outcome.workload !== undefined) io.out(`\nthe workload:\n${indent(describeWorkload(outcome.workload))}`);
  io.out(`\nthe schedule: ${outcome.choicesUsed} choices, ${outcome.choicesDeparting} of them other than the plain one (0)`);
  const shown = wholeTrace ? trace : tracesThatMatter(trace, outcome);
  io.out(`\nthe trace${wholeTrace ? '' : ' (the steps that matter; --trace shows all)'}:`);
  for (const entry of shown) io.out(`  ${formatTraceEntry(entry, lookup)}`);
  if (outcome.violations.length === 0) {
    io.out('\nevery checker held');
    return exitSuccess;
  }
  io.out('\nthe violation:');
  for (const violation of outcome.violations) io.out(indent(`${violation.checker}: ${violation.message}`));
  io.out(`\nreplay it exactly:\n  ent check ${request.path} --replay ${encodeToken(request.settings, testCase)}`);
  return exitFailure;
}

const interesting = new Set([
  'G-Submit', 'G-Drop', 'G-Duplicate', 'G-Delay', 'G-Crash', 'G-Recover', 'C-Start', 'C-Commit', 'C-Abort', 'C-Known',
  'C-Die', 'C-Vote-No', 'P-Commit', 'P-Vote-No', 'A-Batch', 'A-Conflict',
]);

function tracesThatMatter(trace: readonly TraceEntry[], outcome: CaseOutcome): TraceEntry[] {
  const requests = new Set(outcome.violations.flatMap((violation) => violation.requests));
  const patterns = [...requests].map((requestId) => new RegExp(`(^|[^\\w])${requestId.replace(/[^\w]/g, (character) => `\\${character}`)}($|[^\\w])`));
  const mentions = (entry: TraceEntry): boolean => patterns.some((pattern) => pattern.test(entry.detail));
  const chosen = trace.filter((entry) => interesting.has(entry.rule) || mentions(entry) || (entry.place.startsWith('client') && entry.detail.startsWith('response')));
  return chosen.length > 80 ? [...chosen.slice(0, 40), ...chosen.slice(-40)] : chosen;
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}

function describeSettings(settings: CheckSettings): string {
  const { runtime, shape } = settings;
  const workload = settings.workload === 'run' ? 'the run block' : `${shape.clients} clients × up to ${shape.requestsPerClient} requests over ${shape.keysPerEntity} keys`;
  return `${runtime.nodes} nodes, protocol ${runtime.concurrency}, delivery ${runtime.delivery}, faults ${formatFaultPlan(runtime.faults)}`
    + `${runtime.bug === 'none' ? '' : `, bug ${runtime.bug}`}; ${workload}`;
}
