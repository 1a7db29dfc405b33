// Stage: cli. `ent explore FILE`: every schedule of a small scope (explorer/). The scope is a random
// workload drawn from `--seed` (`--clients`, `--requests`, `--keys`, as `ent check` draws them), or the
// program's run block (`--workload run`, explorer/run-block.ts: streams and live updates included), the
// protocol and delivery, and a budget of faults (`--crashes`, `--drops`, `--dups`, `--delays`); every
// interleaving, latency (`--jitter`), downtime (`--downtime`) and placement of each fault is taken. The
// report gives the states generated and distinct, the greatest depth, states per second, the reductions
// used, and whether the exploration was complete or where it stopped. A violation is reported as `ent
// check` reports one, with its replay token. Exit 0 when every terminal state held, 1 on a violation,
// 2 on usage errors. Wall time is read here only, for the time limit and the speed.

import { exploreScope, type ScopeOptions } from '../explorer/scope.ts';
import { explore, reductionNames, type ExploreResult, type ExploreScope, type ExploreStats, type Reduction } from '../explorer/explore.ts';
import type { FaultBudget } from '../explorer/branching.ts';
import { collisionChance } from '../explorer/fingerprint.ts';
import { invariantNames } from '../explorer/invariants.ts';
import { zoo, zooNames } from '../runtime/zoo.ts';
import { describeShape, describeWorkload } from '../runtime/workload.ts';
import { compileToSplit } from '../semantics/pipeline.ts';
import { helpOption, integerOption, stringOption, UsageError, type CommandSpec, type OptionSpec, type ParsedArguments } from './arguments.ts';
import { report } from './check.ts';
import { exitSuccess, exitUsage } from './exit.ts';
import { maxSourceOption, writeProblem } from './files.ts';
import { vizOption } from './viz.ts';
import type { Io } from './io.ts';
import { loadProgram, reportUsageError, sourceBytesMax, streamsRefusal, updatesRefusal } from './load.ts';
import { defaultRunSettings, parseRunSettings, runtimeOptions } from './runtime-options.ts';
import type { RunSettings } from './semantics.ts';
import type { TypedProgram } from '../semantics/typed.ts';
import { parseTraceLevel, traceLevels } from './trace.ts';

const budgetRange = { minimum: 0, maximum: 20 };

export const exploreOptions: readonly OptionSpec[] = [
  ...runtimeOptions.filter((option) => option.name !== 'faults' && option.name !== 'seed'),
  { name: 'seed', value: { placeholder: 'S', integer: { minimum: 0, maximum: Number.MAX_SAFE_INTEGER, example: 42 } }, description: 'the seed the random workload is drawn from', defaultValue: '1' },
  { name: 'bug', value: { placeholder: 'NAME', choices: ['none', ...zooNames] }, description: 'explore a deliberately broken protocol from the bug zoo', defaultValue: 'none' },
  { name: 'workload', value: { placeholder: 'W', choices: ['random', 'run'] }, description: 'random calls on the program\'s entities, or its run block (streams and live updates only run there)', defaultValue: 'random' },
  { name: 'clients', value: { placeholder: 'N', integer: { minimum: 1, maximum: 100 } }, description: 'concurrent clients of the workload', defaultValue: '2' },
  { name: 'requests', value: { placeholder: 'N', integer: { minimum: 1, maximum: 1000 } }, description: 'requests per client, at most', defaultValue: '2' },
  { name: 'keys', value: { placeholder: 'N', integer: { minimum: 1, maximum: 100 } }, description: 'entities of each type (the key space)', defaultValue: '2' },
  { name: 'crashes', value: { placeholder: 'N', integer: budgetRange }, description: 'node crashes a run may suffer', defaultValue: '1' },
  { name: 'drops', value: { placeholder: 'N', integer: budgetRange }, description: 'messages a run may lose', defaultValue: '1' },
  { name: 'dups', value: { placeholder: 'N', integer: budgetRange }, description: 'messages a run may duplicate', defaultValue: '1' },
  { name: 'delays', value: { placeholder: 'N', integer: budgetRange }, description: 'messages a run may delay (by each number of ticks up to the attempt timeout)', defaultValue: '1' },
  { name: 'jitter', value: { placeholder: 'TICKS', integer: { minimum: 0, maximum: 3 } }, description: 'a message takes 1 + up to this many ticks, each a branch', defaultValue: '0' },
  { name: 'downtime', value: { placeholder: 'TICKS', integer: { minimum: 1, maximum: 40 } }, description: 'the most ticks a crashed node stays down, each from a quarter of it up a branch', defaultValue: '4' },
  { name: 'reductions', value: { placeholder: 'LIST' }, description: `reductions, comma-separated: ${reductionNames.join(', ')}, or none`, defaultValue: reductionNames.join(',') },
  { name: 'invariants', value: { placeholder: 'on|off', choices: ['on', 'off'] }, description: `hold the invariants at every state, not only the checkers at the ends of runs: ${invariantNames.join(', ')}`, defaultValue: 'on' },
  { name: 'max-states', value: { placeholder: 'N', integer: { minimum: 1, maximum: 100_000_000 } }, description: 'stop after this many distinct states', defaultValue: '1000000' },
  { name: 'time-limit', value: { placeholder: 'SECONDS', integer: { minimum: 1, maximum: 86_400 } }, description: 'stop after this many seconds', defaultValue: '60' },
];

export const exploreCommand: CommandSpec = {
  name: 'explore',
  summary: 'Explore every schedule of a small scope: every interleaving, and every fault within a budget.',
  usage: 'ent explore [options] FILE',
  options: [
    ...exploreOptions,
    {
      name: 'trace', value: { placeholder: 'LEVEL', choices: traceLevels, optional: true },
      description: 'print the whole trace of a counterexample, not only the steps that matter (--trace is --trace=rules)',
    },
    { ...vizOption, description: 'write the counterexample as a space-time diagram, opened at its violation' },
    maxSourceOption,
    helpOption,
  ],
  details: [
    'Breadth first from the workload\'s initial state, each state is expanded once (by a fingerprint that\n'
      + 'leaves out absolute ticks) into every branch of the next global step: which due event happens next,\n'
      + 'every latency and pause, and each fault the budget still allows. Faults strike, as in `ent check`,\n'
      + 'until the system is quiet. Every terminal state is held against every checker of `ent check`, and\n'
      + 'every state against the invariants that a later step cannot repair (--invariants); the first\n'
      + 'violation found is a shortest one (in the reduced graph), reported with a replay token for\n'
      + '`ent check --replay`. States are told apart by a 64-bit fingerprint: the report bounds the chance\n'
      + 'that two of them shared one.',
    'With --workload run the client is the program\'s run block (streams\' drain loop and live updates included):\n'
      + 'a state keeps the outcomes it received, and the run block is run again from the start against a host\n'
      + 'that answers from them, up to the first outcome it has not received; a counterexample\'s token replays\n'
      + 'through `ent check FILE --replay`. A program with streams or live updates is explored only so.',
    'Reductions: message-ids (message ids renamed canonically in the fingerprint); por (partial-order\n'
      + 'reduction: an event at one node that commutes with every other is taken alone, with the faults that\n'
      + 'touch it: a crash of its node, a fault of its message); late-faults (a fault is taken at the last\n'
      + 'moment it is the same fault: a drop or a delay when its message is due, a crash or a copy before time\n'
      + 'moves on or before the event it changes);\n'
      + 'symmetry (clients with the same workload, at the same request, are interchangeable: a state is\n'
      + 'fingerprinted as the least over every renaming of them; clients that submit at once do so in every\n'
      + 'order, a choice of the schedule).',
    `The bug zoo (--bug): ${zoo.map((variant) => `\n  ${variant.name.padEnd(32)}${variant.breaks}`).join('')}`,
    'Exit status: 0 when every terminal state held (complete or not: the report says which), 1 on a violation,\n'
      + '2 on static or usage errors.',
  ],
};

function usage(io: Io, error: UsageError): number {
  reportUsageError(io, error);
  return exitUsage;
}

/** The reductions named by `--reductions`. */
export function parseReductions(text: string): ReadonlySet<Reduction> | UsageError {
  if (text.trim() === 'none') return new Set();
  const names = text.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !reductionNames.includes(name as Reduction));
  if (unknown.length > 0 || names.length === 0) {
    return new UsageError('U0103', `--reductions ${JSON.stringify(text)}: ${unknown.map((name) => `\`${name}\``).join(', ')} is not a reduction`,
      `--reductions takes a comma-separated list of ${reductionNames.join(', ')}, or none`);
  }
  return new Set(names as Reduction[]);
}

/** The scope the options give, over the runtime settings `base` (the command line's defaults, or the REPL's settings). */
export function scopeOptions(parsed: ParsedArguments, base: RunSettings): ScopeOptions | UsageError {
  const run = parseRunSettings(parsed, { ...base, bug: stringOption(parsed, 'bug') ?? base.bug });
  if (run instanceof UsageError) return run;
  const reductions = parseReductions(stringOption(parsed, 'reductions') ?? reductionNames.join(','));
  if (reductions instanceof UsageError) return reductions;
  const number = (name: string, fallback: number): number => integerOption(parsed, name, fallback) as number;
  const budget: FaultBudget = { crash: number('crashes', 1), drop: number('drops', 1), duplicate: number('dups', 1), delay: number('delays', 1) };
  return {
    nodes: run.nodes, concurrency: run.concurrency, delivery: run.delivery, stepLimit: run.stepLimit, bug: run.bug,
    shape: { clients: number('clients', 2), requestsPerClient: number('requests', 2), keysPerEntity: number('keys', 2) },
    seed: stringOption(parsed, 'seed') ?? '1', budget, jitter: number('jitter', 0), downtime: number('downtime', 4), reductions,
    maxStates: number('max-states', 1_000_000), invariants: (stringOption(parsed, 'invariants') ?? 'on') === 'on',
    workload: parsed.options.get('workload') === 'run' ? 'run' : 'random',
  };
}

/** Explores the scope and prints the summary; the caller reports a counterexample. */
export function runExploration(
  io: Io, program: TypedProgram, options: ScopeOptions, timeLimitSeconds: number, interrupted?: () => boolean,
): { result: ExploreResult; scope: ExploreScope } {
  const { split } = compileToSplit(program);
  const scope = exploreScope(program, split, options);
  const started = performance.now();
  const deadline = started + timeLimitSeconds * 1000;
  const result = explore({
    ...scope,
    stop: () => performance.now() > deadline || interrupted?.() === true,
    progress: (stats) => io.progress(`exploring… ${stats.distinct} states, depth ${stats.maxDepth}, ${stats.terminals} terminal`),
  });
  io.progress(undefined);
  const seconds = (performance.now() - started) / 1000;
  io.out(`ent explore: ${describeScope(options)}`);
  if (options.workload === 'run') io.out('the workload: the program\'s run block, one client (its computation run again from the outcomes it received)');
  else io.out(`the workload (seed ${options.seed}):\n${describeWorkload(scope.workload).split('\n').map((line) => `  ${line}`).join('\n')}`);
  io.out(describeResult(result, seconds, options.reductions, options.invariants !== false));
  if (result.counterexample !== undefined) {
    const where = result.counterexample.at === 'invariant' ? ', an invariant broken at a state before the run ended' : '';
    io.out(`\na shortest counterexample: ${result.counterexample.depth} global steps (breadth first${options.reductions.has('por') ? ', in the graph the partial-order reduction leaves' : ''}${where}):`);
  }
  return { result, scope };
}

export function exploreCli(io: Io, parsed: ParsedArguments): number {
  if (parsed.positionals.length !== 1) {
    const what = parsed.positionals.length === 0 ? 'a FILE' : `one FILE, not ${parsed.positionals.length}`;
    return usage(io, new UsageError('U0101', `ent explore takes ${what}`, `usage: ${exploreCommand.usage}`));
  }
  const options = scopeOptions(parsed, defaultRunSettings);
  if (options instanceof UsageError) return usage(io, options);
  const vizPath = stringOption(parsed, 'viz');
  const vizProblem = vizPath === undefined ? undefined : writeProblem(vizPath);
  if (vizProblem !== undefined) return usage(io, vizProblem);
  const loaded = loadProgram(io, parsed.positionals[0], sourceBytesMax(parsed));
  if (loaded instanceof UsageError) return usage(io, loaded);
  if (loaded.program === undefined) return exitUsage;
  const refusal = exploreRefusal(loaded.program, options.workload ?? 'random', loaded.source.name);
  if (refusal !== undefined) return usage(io, refusal);
  if (loaded.program.entities.size === 0) {
    return usage(io, new UsageError('U0107', `${loaded.source.name} declares no entity: there is no transaction to explore`,
      'ent explore needs a program with at least one entity; `ent run` runs a program that has none'));
  }
  const { result, scope } = runExploration(io, loaded.program, options, integerOption(parsed, 'time-limit', 60) as number);
  if (result.counterexample === undefined) {
    if (parsed.options.has('trace')) io.err('note: --trace shows the trace of a counterexample, and no terminal state gave one');
    if (vizPath !== undefined) io.err('note: --viz draws a counterexample, and no terminal state gave one; nothing was written');
    return exitSuccess;
  }
  return report(io, {
    program: loaded.program, source: loaded.source, settings: scope.settings, traceLevel: parseTraceLevel(parsed), vizPath,
  }, { workload: scope.workloadNumbers, schedule: result.counterexample.schedule });
}

/**
 * What `ent explore` refuses of a loaded program under its `--workload`: the run block of a program
 * without one (U0103, as `ent check`); streams and live updates (U0110, U0140) with the random workload,
 * whose requests cannot drain a stream or update code: they run under `--workload run`.
 */
export function exploreRefusal(program: TypedProgram, workload: 'random' | 'run', name: string): UsageError | undefined {
  if (workload === 'run') {
    return program.run === undefined ? new UsageError('U0103', `--workload run: ${name} has no run block`, 'use --workload random') : undefined;
  }
  const streams = streamsRefusal(program, '`ent explore` with a random workload');
  if (streams !== undefined) return new UsageError(streams.code, streams.message, 'explore its run block: ent explore FILE --workload run');
  const updates = updatesRefusal(program, '`ent explore` with a random workload');
  if (updates !== undefined) return new UsageError(updates.code, updates.message, 'explore its run block: ent explore FILE --workload run');
  return undefined;
}

function describeScope(options: ScopeOptions): string {
  const { budget, shape } = options;
  const clients = options.workload === 'run' ? 'the run block'
    : describeShape(shape);
  return `${options.nodes} nodes, protocol ${options.concurrency}, delivery ${options.delivery}${options.bug === 'none' ? '' : `, bug ${options.bug}`}; `
    + `${clients}; `
    + `faults at most ${budget.crash} crash, ${budget.drop} drop, ${budget.duplicate} dup, ${budget.delay} delay; jitter ${options.jitter}, downtime up to ${options.downtime}`;
}

export function describeStats(stats: ExploreStats, seconds: number): string {
  const rate = seconds > 0 ? Math.round(stats.distinct / seconds) : stats.distinct;
  return `${stats.generated} states generated, ${stats.distinct} distinct, greatest depth ${stats.maxDepth}, ${stats.terminals} terminal; `
    + `${seconds.toFixed(2)} s, ${rate} distinct states/s`;
}

function describeResult(result: ExploreResult, seconds: number, reductions: ReadonlySet<Reduction>, invariants: boolean): string {
  const used = reductions.size === 0 ? 'none' : `${[...reductions].join(', ')}${reductions.has('por') ? ` (por cut ${result.stats.reducedStates} states down to one event and the faults that touch it)` : ''}`;
  const how = result.complete ? 'complete: every state of the scope was explored'
    : result.stoppedBy === 'violation' ? 'stopped at the first violation'
      : result.stoppedBy === 'max-states' ? 'NOT complete: stopped at --max-states'
        : result.stoppedBy === 'time-limit' ? 'NOT complete: stopped at --time-limit'
          : 'NOT complete: a path reached 20,000 steps, or tick 2,400 with faults on, where the driver would stop the faults and the explorer does not follow it';
  const verdict = result.counterexample === undefined
    ? `every terminal state held (${result.outcomes.size} distinct outcomes)${invariants ? ', and every state the invariants' : ''}`
    : result.counterexample.at === 'invariant' ? 'a state broke an invariant' : 'a terminal state violated a guarantee';
  const chance = collisionChance(result.stats.distinct);
  const fingerprints = `fingerprints: 64-bit; the chance that two distinct states shared one is below ${chance < 1e-15 ? '1e-15' : chance.toExponential(0)}`;
  return `${how}\n${describeStats(result.stats, seconds)}\nreductions: ${used}\n${fingerprints}\n${verdict}`;
}
