// Stage: cli. `ent check FILE`: property-checks a program's guarantees. fast-check generates cases (a
// workload and every choice of the schedule and the faults), each runs on the simulated system, and its
// history is held against the checkers. On a violation the case is minimized and shrunk, and the report
// gives the seed, the minimal workload with what each request got, the choices, the trace lines that
// matter, the violation and one command that replays it exactly. The replay token binds the program and
// every setting, so a replay runs exactly the case reported or is refused. Exit 0 when every run held, 1
// on a violation, 2 on errors.

import { availableParallelism, loadavg } from 'node:os';
import { formatFaultPlan, parseFaultPlan, type FaultPlan } from '../runtime/faults.ts';
import { defaultShape, describeShape, describeWorkload } from '../runtime/workload.ts';
import { describeOutcome, plural } from '../runtime/describe.ts';
import { zoo, zooNames } from '../runtime/zoo.ts';
import type { HistoryEvent } from '../runtime/history.ts';
import type { TraceEntry } from '../runtime/world.ts';
import { runCase, type CaseOutcome, type CheckCase, type CheckSettings } from '../checkers/case.ts';
import { decodeToken, encodeToken, programHash } from '../checkers/token.ts';
import { searchInParallel } from '../checkers/parallel-search.ts';
import { defaultShrinkRuns } from '../checkers/search.ts';
import { countOutcomes, describeCounts, emptyCounts, findingsOf } from '../checkers/violation.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import type { Outcome, Request } from '../semantics/transactions.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import type { SourceText } from '../grammar/span.ts';
import {
  helpOption, integerOption, stringOption, UsageError, type CommandSpec, type OptionSpec, type ParsedArguments,
} from './arguments.ts';
import { exitFailure, exitSuccess, exitUsage } from './exit.ts';
import { maxSourceOption } from './files.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError, sourceBytesMax, streamsRefusal, updatesRefusal } from './load.ts';
import { defaultRunSettings, faultsDetail, parseRunSettings, runtimeOptions } from './runtime-options.ts';
import { runtimeSettings, type RunSettings } from './semantics.ts';
import { formatTraceEntry, parseTraceLevel, TraceWindow, traceShows, traceLevels, type TraceLevel } from './trace.ts';
import { VizCapture, vizOption } from './viz.ts';
import { writeProblem } from './files.ts';
import { checkRestate, engineOf, engineOptions, killsOption, restateOnly, restateOptions, simulatedOnly } from './engine.ts';

/** The fault plan `ent check` uses unless told otherwise (bench/check.ts measures with it too). */
export const checkFaults = 'drop=0.05,dup=0.05,delay=0.1,crash=0.01';

/** The options that choose the cases: none of them may be given beside `--replay`, whose token holds them all. */
const caseOptions: readonly OptionSpec[] = [
  { name: 'runs', value: { placeholder: 'N', integer: { minimum: 1, maximum: 1_000_000_000 } }, description: 'cases to run', defaultValue: '100' },
  ...runtimeOptions.map((option) => (option.name === 'faults' ? { ...option, defaultValue: checkFaults } : option)),
  { name: 'bug', value: { placeholder: 'NAME', choices: ['none', ...zooNames] }, description: 'run a deliberately broken protocol from the bug zoo', defaultValue: 'none' },
  { name: 'workload', value: { placeholder: 'W', choices: ['random', 'run'] }, description: 'random calls on the program\'s entities, or its run block', defaultValue: 'random' },
  { name: 'clients', value: { placeholder: 'N', integer: { minimum: 1, maximum: 100 } }, description: 'concurrent clients of a random workload', defaultValue: '3' },
  {
    name: 'requests', value: { placeholder: 'N', integer: { minimum: 1, maximum: 1000 } },
    description: 'requests per client, at most (a counterexample keeps only those it needs)', defaultValue: '4',
  },
  { name: 'keys', value: { placeholder: 'N', integer: { minimum: 1, maximum: 100 } }, description: 'entities of each type (the key space)', defaultValue: '2' },
  {
    name: 'shrink-runs', value: { placeholder: 'N', integer: { minimum: 0, maximum: 1_000_000_000 } },
    description: 'runs to spend making a counterexample small (the same report on every machine)', defaultValue: String(defaultShrinkRuns),
  },
  {
    name: 'shrink-seconds', value: { placeholder: 'N', integer: { minimum: 0, maximum: 86_400 } },
    description: 'a cap on the time spent making it small (a report cut short by it depends on the machine\'s speed)', defaultValue: '30',
  },
];

export const checkCommand: CommandSpec = {
  name: 'check',
  summary: 'Property-check a program\'s guarantees under random workloads, schedules and faults.',
  usage: 'ent check [options] FILE',
  options: [
    ...caseOptions,
    { name: 'replay', value: { placeholder: 'TOKEN' }, description: 'run one case again, exactly, from the token a report printed (its settings come with it)' },
    {
      name: 'trace', value: { placeholder: 'LEVEL', choices: traceLevels, optional: true },
      description: 'print the whole trace of the counterexample, not only the steps that matter (--trace is --trace=rules)',
    },
    {
      name: 'workers', value: { placeholder: 'N', integer: { minimum: 1, maximum: 256 } },
      description: 'threads that run the cases: this one and N - 1 worker threads (the report is the same for any N)', defaultValue: 'a core per 2,500 runs, at most every core; one on a busy machine',
    },
    { ...vizOption, description: 'write the counterexample (or the replayed case) as a space-time diagram, opened at the violation' },
    ...engineOptions,
    killsOption,
    maxSourceOption,
    helpOption,
  ],
  details: [
    'Checkers: exactly-once (one answer per request; committed at most once, and only when answered so),\n'
      + 'serializability by replay (the committed requests, in the claimed commit order, through the reference\n'
      + 'model), serializability by dependency graph (Adya\'s cycles G0 … G2, with a witness, needing no claimed\n'
      + 'order), installation (every write of a commit installed, every read of committed state), and liveness\n'
      + '(every request answered after the faults stop).',
    `The bug zoo (--bug): ${zoo.map((variant) => `\n  ${variant.name.padEnd(32)}${variant.breaks}`).join('')}`,
    'A replay token holds every setting of the case and a hash of the program: it is refused for another\n'
      + 'program (or another version of the file), when damaged, and beside any option that would change the case.',
    faultsDetail,
    'Exit status: 0 when every run held, 1 on a violation, 2 on static or usage errors.',
  ],
};

export interface CheckRequest {
  readonly program: TypedProgram;
  readonly source: SourceText;
  readonly settings: CheckSettings;
  readonly traceLevel: TraceLevel | undefined;
  /** Where the diagram of the reported case goes (--viz). */
  readonly vizPath?: string;
}

export async function check(io: Io, parsed: ParsedArguments): Promise<number> {
  if (parsed.positionals.length !== 1) {
    const what = parsed.positionals.length === 0 ? 'a FILE' : `one FILE, not ${parsed.positionals.length}`;
    return usage(io, new UsageError('U0101', `ent check takes ${what}`, `usage: ${checkCommand.usage}`));
  }
  const token = stringOption(parsed, 'replay');
  if (token !== undefined) {
    const beside = caseOptions.map((option) => option.name).filter((name) => parsed.options.has(name));
    if (beside.length > 0) {
      const options = beside.map((name) => `--${name}`).join(', ');
      return usage(io, new UsageError('U0103', `${options} cannot be given beside --replay: the token holds every setting of the case`,
        `drop ${options}; to try other settings, run \`ent check\` without --replay`));
    }
  }
  const settings = token === undefined ? checkSettings(parsed) : undefined;
  if (settings instanceof UsageError) return usage(io, settings);
  if (engineOf(parsed) === 'restate') return checkWithRestate(io, parsed, settings!);
  const notRestate = restateOnly(parsed) ?? (parsed.options.has('kills') ? new UsageError('U0103', '--kills needs --engine restate', 'add --engine restate') : undefined);
  if (notRestate !== undefined) return usage(io, notRestate);
  const loaded = loadProgram(io, parsed.positionals[0], sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  if (loaded.program.entities.size === 0) {
    return usage(io, new UsageError('U0107', `${loaded.source.name} declares no entity: there is no transaction to check`,
      'ent check needs a program with at least one entity; `ent run` runs a program that has none'));
  }
  const traceLevel = parseTraceLevel(parsed);
  const vizPath = stringOption(parsed, 'viz');
  const vizProblem = vizPath === undefined ? undefined : writeProblem(vizPath);
  if (vizProblem !== undefined) return usage(io, vizProblem);
  if (token !== undefined) return replay(io, { program: loaded.program, source: loaded.source, settings: defaultCheckSettings(), traceLevel, vizPath }, token);
  if (settings!.workload === 'run' && loaded.program.run === undefined) {
    return usage(io, new UsageError('U0103', `--workload run: ${loaded.source.name} has no run block`, 'use --workload random'));
  }
  // A stream program's atoms come from its run block: unless told otherwise, that is the workload checked.
  const streamsRun = !parsed.options.has('workload') && loaded.program.streams.size > 0 && loaded.program.run !== undefined;
  const request: CheckRequest = { program: loaded.program, source: loaded.source, settings: streamsRun ? { ...settings!, workload: 'run' } : settings!, traceLevel, vizPath };
  const runs = integerOption(parsed, 'runs', 100) as number;
  const shrinkSeconds = integerOption(parsed, 'shrink-seconds', 30) as number;
  const shrinkRuns = integerOption(parsed, 'shrink-runs', defaultShrinkRuns) as number;
  const workers = integerOption(parsed, 'workers', defaultWorkers(runs)) as number;
  return hunt(io, request, { runs, seed: stringOption(parsed, 'seed') ?? '1', shrinkRuns, shrinkSeconds, workers });
}

/** `ent check --engine restate`: a few runs of a small random workload on Restate, under real kills. */
async function checkWithRestate(io: Io, parsed: ParsedArguments, settings: CheckSettings): Promise<number> {
  const refused = simulatedOnly(parsed, ['replay', 'trace', 'viz', 'workers', 'nodes', 'faults', 'delivery', 'bug', 'shrink-runs', 'shrink-seconds']);
  if (refused !== undefined) return usage(io, refused);
  if (settings.workload === 'run') return usage(io, new UsageError('U0103', '--workload run needs the simulated engine', 'on Restate, ent check runs random workloads; `ent run --engine restate` runs the run block'));
  const loaded = loadProgram(io, parsed.positionals[0], sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  const refusal = streamsRefusal(loaded.program, '`ent check --engine restate`') ?? updatesRefusal(loaded.program, '`ent check --engine restate`');
  if (refusal !== undefined) return usage(io, refusal);
  if (loaded.program.entities.size === 0) {
    return usage(io, new UsageError('U0107', `${loaded.source.name} declares no entity: there is no transaction to check`,
      'ent check needs a program with at least one entity; `ent run` runs a program that has none'));
  }
  const runSettings: RunSettings = { ...defaultRunSettings, concurrency: settings.runtime.concurrency, stepLimit: settings.runtime.stepLimit };
  const options = restateOptions(parsed, loaded.source.text, runSettings);
  if (options instanceof UsageError) return usage(io, options);
  return checkRestate(io, loaded.program, options, {
    runs: integerOption(parsed, 'runs', 3) as number, seed: stringOption(parsed, 'seed') ?? '1', shape: settings.shape,
    kills: integerOption(parsed, 'kills', 3) as number,
  });
}

/**
 * Without --workers: a thread per core, but no more than one per 2,500 cases, and one alone when the
 * machine is already busy. The main thread runs cases from the start, and each worker thread it adds
 * first loads Ent and compiles the program (most of a second) and then warms up V8's optimizing compiler
 * on its own cases (its first few hundred run several times slower than the rest, and compiling them
 * costs seconds of CPU on background threads): a short search is over before a second thread pays that
 * off. On a machine whose 1-minute load average is already 1.5 runnable threads per core or more, that
 * warm-up meets no idle core, and two threads were slower than one at every run count measured, up to
 * 10,000. On 2 cores at load 2.4, 10,000 runs took 0.78 of one thread's time with two (docs/benchmarks.md,
 * "`ent check` at 1,000 cases per second"). At a load of 1.3 – 2.9 on 2 cores, two threads took 1.04 – 1.10
 * of one thread's time on 4,000 runs, 0.87 on 5,000, 0.93 – 0.97 on 6,000 and 0.74 – 0.90 on 8,000
 * (docs/benchmarks.md, "Aria's batches on a hot entity …"): a thread per 2,000 runs, as before, gave a
 * second thread where it costs half as much CPU again for nothing. The report is the same whatever the choice.
 */
export function defaultWorkers(runs: number, cores = availableParallelism(), load = loadavg()[0]): number {
  if (load >= busyLoadPerCore * cores) return 1;
  return Math.max(1, Math.min(cores, Math.floor(runs / casesPerWorkerAtLeast)));
}

/** Runnable threads per core (the 1-minute load average) from which `ent check` runs its cases in one thread. */
const busyLoadPerCore = 1.5;

const casesPerWorkerAtLeast = 2500;

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
  const run = parseRunSettings(parsed, { ...defaultRunSettings, faults, bug: stringOption(parsed, 'bug') ?? 'none' });
  if (run instanceof UsageError) return run;
  // The parser checked every range: a workload with no client, request or key would hold vacuously.
  const clients = integerOption(parsed, 'clients', defaultShape.clients) as number;
  const requests = integerOption(parsed, 'requests', defaultShape.requestsPerClient) as number;
  const keys = integerOption(parsed, 'keys', defaultShape.keysPerEntity) as number;
  return {
    runtime: runtimeSettings(run),
    shape: { clients, requestsPerClient: requests, keysPerEntity: keys },
    workload: parsed.options.get('workload') === 'run' ? 'run' : 'random',
  };
}

/** Runs cases until one violates a guarantee, or all held; reports either. */
async function hunt(
  io: Io, request: CheckRequest, options: { runs: number; seed: string; shrinkRuns: number; shrinkSeconds: number; workers: number },
): Promise<number> {
  const { runs, seed, shrinkSeconds, shrinkRuns } = options;
  const { split } = compileToSplit(request.program);
  const source = { text: request.source.text, file: request.source.name };
  const result = await searchInParallel(source, request.program, split, request.settings, { ...options, progress: (text) => io.progress(text) });
  const described = describeSettings(request.settings);
  if (result.held) {
    io.out(`ent check: ${result.runs} runs held (seed ${seed}; ${described})`);
    io.out(`their requests: ${describeCounts(result.outcomes)}`);
    if (request.traceLevel !== undefined) io.err('note: --trace shows the trace of a counterexample, and no run gave one');
    if (request.vizPath !== undefined) io.err('note: --viz draws a counterexample, and no run gave one; nothing was written');
    return exitSuccess;
  }
  io.out(`ent check: run ${result.runs} of ${runs} violated a guarantee (seed ${seed}; ${described})`);
  io.out(`the requests of the runs until then: ${describeCounts(result.outcomes)}`);
  const budget = result.interrupted === 'runs'
    ? `; its budget of ${shrinkRuns} runs ran out, so it may shrink further with more --shrink-runs`
    : result.interrupted === 'time'
      ? `; the ${shrinkSeconds} s cap ran out first, so it may shrink further with more --shrink-seconds (and a run on a faster or quieter machine may report a smaller case)`
      : '';
  io.out(`the counterexample below is that run made as small as it would go: minimized, then shrunk ${result.shrinks} times${budget}`);
  return report(io, request, result.counterexample);
}

function replay(io: Io, request: CheckRequest, token: string): number {
  const decoded = decodeToken(token);
  if ('error' in decoded) return usage(io, new UsageError('U0103', `--replay: ${decoded.error}`, 'pass the token exactly as the report printed it'));
  if (decoded.program !== programHash(request.source.text)) {
    return usage(io, new UsageError('U0103', `--replay: the token was made for another program, or another version of ${request.source.name}`,
      'a token replays only on the exact file it was found in; run `ent check` on this file to find its own cases'));
  }
  io.out(`ent check: replaying one case (${describeSettings(decoded.settings)})`);
  return report(io, { ...request, settings: decoded.settings }, decoded.testCase);
}

/** The most trace entries a report keeps with `--trace`: the first and the last half of them. */
export const reportTraceMax = 200_000;
/** Without `--trace`: the first and the last this many of the steps that matter. */
const mattersShown = 40;

/**
 * Runs the case again with a trace, and prints what a reader needs to see the violation (or that it held).
 * The trace is kept in a window of bounded size (the first and last entries, with how many fell between),
 * so that a case that runs for millions of steps (a livelock) is reported in bounded memory. Without
 * `--trace`, which steps matter depends on the outcome (the requests the violations name), so the case
 * runs once for its outcome and once more, identically, to keep those steps.
 */
export function report(io: Io, request: CheckRequest, testCase: CheckCase, traceMax = reportTraceMax): number {
  const { split } = compileToSplit(request.program);
  const level = request.traceLevel;
  const viz = request.vizPath === undefined ? undefined : new VizCapture();
  const window = new TraceWindow<TraceEntry>(level === undefined ? mattersShown : Math.ceil(traceMax / 2), level === undefined ? mattersShown : Math.floor(traceMax / 2));
  const keep = level !== undefined
    ? (entry: TraceEntry): boolean => traceShows(level, entry.rule, entry.place, entry.detail)
    : mattersTo(runCase(request.program, split, request.settings, testCase));
  const collect = (entry: TraceEntry): void => {
    if (keep(entry)) window.add(entry);
  };
  const outcome = runCase(request.program, split, request.settings, testCase, viz === undefined ? collect : viz.tracer(collect));
  const written = viz === undefined ? undefined : writeDiagram(io, viz, request, testCase, outcome);
  if (written !== undefined) return written;
  const lookup = (file: string) => (file === request.source.name ? request.source : undefined);
  if (outcome.workload !== undefined) {
    const answers = answersOf(outcome.events);
    const answer = (submitted: Request): string | undefined => {
      const got = answers.get(submitted);
      return got === undefined ? 'never answered' : describeOutcome(got);
    };
    io.out(`\nthe workload (the setup runs first, one request at a time; then the clients run concurrently):\n${indent(describeWorkload(outcome.workload, answer))}`);
  }
  io.out(`\n${describeSchedule(outcome)}`);
  io.out(`\nthe trace${level === undefined ? ' (the steps that matter; --trace shows every step)' : ''}:`);
  const shown = window.contents();
  for (const entry of shown.first) io.out(`  ${formatTraceEntry(entry, lookup)}`);
  if (shown.omitted > 0) {
    io.out(`  … ${plural(shown.omitted, 'more step')} left out here (the first ${shown.first.length} and the last ${shown.last.length} are shown`
      + `${level === undefined ? '; --trace shows every step' : ''})`);
  }
  for (const entry of shown.last) io.out(`  ${formatTraceEntry(entry, lookup)}`);
  io.out(`\nits requests: ${describeCounts(countOutcomes(outcome.events, emptyCounts()))}`);
  if (outcome.violations.length === 0) {
    io.out('\nevery checker held');
    return exitSuccess;
  }
  io.out('\nwhat it shows:');
  for (const finding of findingsOf(outcome.violations)) io.out(indent(finding));
  io.out('\nthe violations, checker by checker:');
  for (const violation of outcome.violations) io.out(indent(`${violation.checker}: ${violation.message}`));
  const token = encodeToken(request.settings, testCase, programHash(request.source.text));
  io.out(`\nreplay it exactly (add --trace for every step):\n  ent check ${request.source.name} --replay ${token}`);
  return exitFailure;
}

/** Writes the case's diagram, opened at its first violation with the witness's requests highlighted; an exit status if it could not be written. */
function writeDiagram(io: Io, viz: VizCapture, request: CheckRequest, testCase: CheckCase, outcome: CaseOutcome): number | undefined {
  const runtime = request.settings.runtime;
  const token = encodeToken(request.settings, testCase, programHash(request.source.text));
  const violations = outcome.violations;
  const written = viz.write(io, request.vizPath!, {
    title: `ent check ${request.source.name}${violations.length === 0 ? ': every checker held' : `: ${violations[0].checker} violated`}`,
    settings: describeSettings(request.settings),
    nodes: runtime.nodes,
    clients: request.settings.workload === 'run' ? 1 : request.settings.shape.clients,
    lookup: (file) => (file === request.source.name ? request.source : undefined),
    violation: violations.length === 0 ? undefined : {
      title: `${violations[0].checker}: ${violations[0].kind}`,
      lines: [
        ...findingsOf(violations), ...violations.map((violation) => `${violation.checker}: ${violation.message}`),
        `replay it: ent check ${request.source.name} --replay ${token}`,
      ],
      requests: [...new Set(violations.flatMap((violation) => violation.requests))],
    },
  });
  if (written === undefined) return undefined;
  reportUsageError(io, written);
  return exitUsage;
}

/** The first answer each submitted request got, by the request itself (the workload's own objects). */
function answersOf(events: readonly HistoryEvent[]): Map<Request, Outcome> {
  const requests = new Map<string, Request>();
  const answers = new Map<Request, Outcome>();
  for (const event of events) {
    if (event.type === 'request') requests.set(event.requestId, event.request);
    if (event.type === 'response') {
      const submitted = requests.get(event.requestId);
      if (submitted !== undefined && !answers.has(submitted)) answers.set(submitted, event.outcome);
    }
  }
  return answers;
}

/** The schedule in words: how many choices the run made, and how many were not the plain one. */
function describeSchedule(outcome: CaseOutcome): string {
  const plain = 'the plain choice is the first message in line, no delay and no fault';
  if (outcome.choicesDeparting === 0) {
    return `the schedule: the run made ${outcome.choicesUsed} choices (which message goes next, delays, faults), `
      + `every one the plain choice: ${plain}`;
  }
  return `the schedule: the run made ${outcome.choicesUsed} choices (which message goes next, delays, faults); `
    + `${outcome.choicesDeparting} of them ${outcome.choicesDeparting === 1 ? 'was' : 'were'} not the plain choice (${plain}), and the trace shows where`;
}

const interesting = new Set([
  'G-Submit', 'G-Drop', 'G-Duplicate', 'G-Delay', 'G-Crash', 'G-Recover', 'C-Start', 'C-Commit', 'C-Abort', 'C-Known',
  'C-Die', 'C-Vote-No', 'P-Commit', 'P-Vote-No', 'A-Batch', 'A-Conflict',
]);

/**
 * Which steps matter to a reader of a case with this outcome: the rules that decide a transaction's
 * fate, the faults, the steps that name a request the violations name, and the answers clients got.
 */
function mattersTo(outcome: CaseOutcome): (entry: TraceEntry) => boolean {
  const requests = new Set(outcome.violations.flatMap((violation) => violation.requests));
  const patterns = [...requests].map((requestId) => new RegExp(`(^|[^\\w])${requestId.replace(/[^\w]/g, (character) => `\\${character}`)}($|[^\\w])`));
  const mentions = (entry: TraceEntry): boolean => patterns.some((pattern) => pattern.test(entry.detail));
  return (entry) => interesting.has(entry.rule) || mentions(entry) || (entry.place.startsWith('client') && entry.detail.startsWith('response'));
}

function indent(text: string): string {
  return text.split('\n').map((line) => `  ${line}`).join('\n');
}

function describeSettings(settings: CheckSettings): string {
  const { runtime, shape } = settings;
  const workload = settings.workload === 'run' ? 'the run block' : describeShape(shape);
  return `${runtime.nodes} nodes, protocol ${runtime.concurrency}, delivery ${runtime.delivery}, faults ${formatFaultPlan(runtime.faults)}`
    + `${runtime.bug === 'none' ? '' : `, bug ${runtime.bug}`}; ${workload}`;
}
